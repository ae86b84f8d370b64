"""Etsy's OAuth 2 with PKCE in the fake Etsy: the consent page (approved at once, redirecting to the
app's loopback address) and the token endpoint's authorization-code and refresh-token grants.

Not in the OpenAPI file: these follow Etsy's docs as the specs README describes them, checked by hand.
Refreshing rotates the refresh token: the old one stops working at once.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

from tests.fakes.fake_server import Route, route
from tests.fakes.http_messages import RecordedRequest, Reply
from tests.fakes.oauth import TokenBook, first_problem, oauth_error

CONNECT_PATH = "/oauth/connect"
TOKEN_PATH = "/v3/public/oauth/token"
ACCESS_TTL = 3600


class EtsyAuthServer:
    """Authorizes the app `keystring` and issues tokens into `tokens`. An authorization code works once,
    for the redirect_uri and PKCE challenge it was issued for."""

    def __init__(self, keystring: str, tokens: TokenBook) -> None:
        self.keystring = keystring
        self.tokens = tokens
        self._codes: dict[str, dict[str, str]] = {}  # authorization code -> what it was issued for

    def routes(self) -> list[Route]:
        return [route("GET", CONNECT_PATH, self._connect), route("POST", TOKEN_PATH, self._token)]

    def _connect(self, request: RecordedRequest) -> Reply:
        """Etsy's consent page, approved at once: redirects to redirect_uri with the code and state."""
        query = request.query
        problem = first_problem(
            (query.get("response_type") != "code", "response_type must be code"),
            (query.get("client_id") != self.keystring, "unknown client_id"),
            (not query.get("redirect_uri"), "redirect_uri is required"),
            (not query.get("scope"), "scope is required"),
            (not query.get("state"), "state is required"),
            (query.get("code_challenge_method") != "S256", "code_challenge_method must be S256"),
            (not query.get("code_challenge"), "code_challenge is required"),
        )
        if problem:
            return oauth_error(400, "invalid_request", problem)
        code = secrets.token_urlsafe(32)
        self._codes[code] = {"redirect_uri": query["redirect_uri"], "challenge": query["code_challenge"]}
        separator = "&" if "?" in query["redirect_uri"] else "?"
        return Reply.redirect(f"{query['redirect_uri']}{separator}{urlencode({'code': code, 'state': query['state']})}")

    def _token(self, request: RecordedRequest) -> Reply:
        if not request.content_type.startswith("application/x-www-form-urlencoded"):
            return oauth_error(400, "invalid_request", "send an application/x-www-form-urlencoded body")
        form = request.form()
        if form.get("client_id") != self.keystring:
            return oauth_error(401, "invalid_client", "unknown client_id")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            issued = self._codes.pop(form.get("code", ""), None)  # a code works once
            if issued is None:
                return oauth_error(400, "invalid_grant", "code is invalid or was already used")
            if form.get("redirect_uri") != issued["redirect_uri"]:
                return oauth_error(400, "invalid_grant", "redirect_uri does not match the authorization request")
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != issued["challenge"]:
                return oauth_error(400, "invalid_grant", "code_verifier does not match the code_challenge")
        elif grant == "refresh_token":
            if not self.tokens.refresh_is_valid(form.get("refresh_token", "")):
                return oauth_error(400, "invalid_grant", "refresh_token is invalid, expired or revoked")
            self.tokens.retire_refresh(form["refresh_token"])  # rotated: the old one stops working
        else:
            return oauth_error(400, "unsupported_grant_type", "grant_type is authorization_code or refresh_token")
        return Reply.json(200, self.issue(), checked=False)

    def issue(self) -> dict[str, Any]:
        """The token endpoint's answer: a new access token and a new refresh token (Etsy rotates it)."""
        access, refresh = self.tokens.issue_access(), self.tokens.issue_refresh()
        return {"access_token": access, "token_type": "Bearer", "expires_in": ACCESS_TTL, "refresh_token": refresh}
