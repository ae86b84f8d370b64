"""eBay's OAuth in the fake eBay: the consent page (approved at once), the accept page the seller copies
the address of, and the token endpoint's authorization-code and refresh-token grants.

Not in the OpenAPI files: these follow eBay's docs as the specs README describes them, checked by hand.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any
from urllib.parse import urlencode

from tests.fakes.fake_server import Route, route
from tests.fakes.http_messages import RecordedRequest, Reply
from tests.fakes.oauth import TokenBook, first_problem, oauth_error

AUTHORIZE_PATH = "/oauth2/authorize"
TOKEN_PATH = "/identity/v1/oauth2/token"
ACCEPT_PATH = "/oauth2/ThirdPartyAuthSucessFailure"  # sic: eBay's own spelling
ACCESS_TTL = 7200


class EbayAuthServer:
    """Authorizes the app `client_id` (secret `client_secret`, redirect name `ru_name`) and issues
    tokens into `tokens`. An authorization code works once, for the RuName it was issued for."""

    def __init__(self, client_id: str, client_secret: str, ru_name: str, tokens: TokenBook) -> None:
        self.client_id, self.client_secret, self.ru_name = client_id, client_secret, ru_name
        self.tokens = tokens
        self._codes: dict[str, str] = {}  # authorization code -> redirect_uri (the RuName) it was issued for

    def routes(self) -> list[Route]:
        return [
            route("POST", TOKEN_PATH, self._token),
            route("GET", AUTHORIZE_PATH, self._consent),
            route("GET", ACCEPT_PATH, self._accept_page),
        ]

    def _consent(self, request: RecordedRequest) -> Reply:
        """eBay's consent page, approved at once: redirects to the accept page with the code."""
        query = request.query
        problem = first_problem(
            (query.get("client_id") != self.client_id, "unknown client_id"),
            (query.get("redirect_uri") != self.ru_name, "redirect_uri must be the app's RuName"),
            (query.get("response_type") != "code", "response_type must be code"),
            (not query.get("scope"), "scope is required"),
        )
        if problem:
            return oauth_error(400, "invalid_request", problem)
        code = f"v^1.1#i^1#f^0#p^3#r^1#I^3#t^{secrets.token_urlsafe(24)}"  # eBay codes need URL-encoding
        self._codes[code] = query["redirect_uri"]
        target = {"state": query.get("state", ""), "code": code, "expires_in": "299"}
        return Reply.redirect(f"{request.origin}{ACCEPT_PATH}?isAuthSuccessful=true&{urlencode(target)}")

    def _accept_page(self, request: RecordedRequest) -> Reply:
        page = b"<html><body><h1>Authorization successfully completed</h1>Copy this page's address.</body></html>"
        return Reply(200, page, {"Content-Type": "text/html; charset=utf-8"}, checked=False)

    def _token(self, request: RecordedRequest) -> Reply:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        try:
            client = base64.b64decode(encoded, validate=True).decode() if scheme == "Basic" else ""
        except ValueError:
            client = ""
        if client != f"{self.client_id}:{self.client_secret}":
            return oauth_error(401, "invalid_client", "client authentication failed")
        if not request.content_type.startswith("application/x-www-form-urlencoded"):
            return oauth_error(400, "invalid_request", "send a form body")
        form = request.form()
        grant = form.get("grant_type")
        if grant == "authorization_code":
            issued_for = self._codes.pop(form.get("code", ""), None)  # a code works once
            if issued_for is None or form.get("redirect_uri") != issued_for:
                description = "the provided authorization grant code is invalid or was issued to another client"
                return oauth_error(400, "invalid_grant", description)
            tokens = self.issue(with_refresh=True)
        elif grant == "refresh_token":
            if not self.tokens.refresh_is_valid(form.get("refresh_token", "")):
                description = "the provided authorization refresh token is invalid or was issued to another client"
                return oauth_error(400, "invalid_grant", description)
            tokens = self.issue(with_refresh=False)  # eBay keeps the refresh token (about 18 months)
        else:
            description = "only authorization_code and refresh_token grants are served here"
            return oauth_error(400, "unsupported_grant_type", description)
        return Reply.json(200, tokens, checked=False)

    def issue(self, *, with_refresh: bool) -> dict[str, Any]:
        """The token endpoint's answer: a new access token, and a new refresh token on a code grant."""
        tokens: dict[str, Any] = {
            "access_token": self.tokens.issue_access(),
            "expires_in": ACCESS_TTL,
            "token_type": "User Access Token",
        }
        if with_refresh:
            tokens.update(refresh_token=self.tokens.issue_refresh(), refresh_token_expires_in=47_304_000)
        return tokens
