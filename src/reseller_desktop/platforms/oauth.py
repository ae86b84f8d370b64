"""Signing a seller in to eBay and Etsy (OAuth 2.0) and keeping the access token fresh.

eBay: authorization-code grant with eBay's "RuName" redirect; eBay shows the code on its accept
page and the seller pastes it (or the whole address) back. Etsy: authorization code with PKCE (S256)
and a loopback redirect; Etsy may rotate the refresh token on every refresh, so the new one is kept.

No token, code, verifier or secret ever reaches a log line or an error message.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import httpx

from reseller_desktop.domain.platforms import label
from reseller_desktop.platforms.base import (
    NotConnectedError,
    OAuthTokens,
    PermanentPlatformError,
    TokenStore,
    TransientPlatformError,
)
from reseller_desktop.settings import EbaySettings, EtsySettings

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(seconds=60)  # refresh a token this close to expiring rather than have a call refused
ETSY_REFRESH_LIFETIME = timedelta(days=90)  # Etsy documents it; its token answer does not say


TokenRefresh = Callable[[OAuthTokens], OAuthTokens]  # a platform's refresh-token grant (EbayOAuth.refresh, ...)


def utc_now() -> datetime:
    """Now as naive UTC, the way every timestamp in OAuthTokens is kept."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge) for PKCE with S256 (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)  # 64 characters of the unreserved set; 43..128 are allowed
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def _scrub(text: str, secret_values: Iterable[str | None]) -> str:
    for value in secret_values:
        if value:
            text = text.replace(value, "…")
    return text


def post_token_request(
    platform: str,
    client: httpx.Client,
    url: str,
    form: dict[str, str],
    *,
    auth: tuple[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST a form to a token endpoint and return its JSON answer.

    A refused grant is NotConnectedError (the seller must connect again); no answer, 429 or 5xx is
    TransientPlatformError. Messages carry the platform's error code and description, scrubbed of
    every value we sent.
    """
    name = label(platform)
    sent_secrets = [*form.values(), *(auth or ())]
    try:
        basic: httpx.Auth | httpx._client.UseClientDefault = (
            httpx.BasicAuth(*auth) if auth else httpx.USE_CLIENT_DEFAULT
        )
        response = client.post(url, data=form, auth=basic, headers=headers)
    except httpx.TransportError as exc:
        raise TransientPlatformError(
            platform, f"{name}'s sign-in service could not be reached ({type(exc).__name__})."
        ) from None
    log.debug("%s token endpoint answered %s", platform, response.status_code)
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientPlatformError(platform, f"{name}'s sign-in service answered {response.status_code}.")
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.is_success and body.get("access_token"):
        return body
    code = str(body.get("error") or f"HTTP {response.status_code}")
    description = str(body.get("error_description") or body.get("message") or "")
    reason = _scrub(f"{code}: {description}" if description else code, sent_secrets)
    if code == "invalid_client":
        message = f"{name} refused this app's credentials ({reason}). Check the app keys in Settings → Marketplaces."
    else:
        message = f"{name} refused the sign-in ({reason})."
    raise NotConnectedError(platform, message)


def tokens_from_answer(
    body: dict[str, Any], previous: OAuthTokens | None, default_refresh_lifetime: timedelta | None = None
) -> OAuthTokens:
    """OAuthTokens from a token endpoint's JSON; a refresh answer without a refresh token keeps the old one."""
    now = utc_now()
    refresh_token = body.get("refresh_token")
    if refresh_token:
        lifetime = body.get("refresh_token_expires_in")
        if lifetime is not None:
            refresh_expires: datetime | None = now + timedelta(seconds=int(lifetime))
        elif default_refresh_lifetime is not None:
            refresh_expires = now + default_refresh_lifetime
        else:
            refresh_expires = None
    else:
        refresh_token = previous.refresh_token if previous else None
        refresh_expires = previous.refresh_expires_at if previous else None
    return OAuthTokens(
        access_token=str(body["access_token"]),
        access_expires_at=now + timedelta(seconds=int(body.get("expires_in", 3600))),
        refresh_token=refresh_token,
        refresh_expires_at=refresh_expires,
        scope=str(body.get("scope") or (previous.scope if previous else "")),
    )


def _require(platform: str, values: dict[str, str]) -> None:
    """PermanentPlatformError naming the first empty setting (field name and where to fill it)."""
    for field_name, value in values.items():
        if not str(value).strip():
            raise PermanentPlatformError(
                platform,
                f"The {label(platform)} setting “{field_name}” is empty.",
                f"Fill it in Settings → Marketplaces → {label(platform)}.",
            )


class _SignInClient:
    """The httpx client a platform's OAuth helper posts to the token endpoint with: its own unless the
    caller passes one (an adapter shares its client), and then the caller's to close."""

    def __init__(self, client: httpx.Client | None) -> None:
        self._own_client = client is None
        self._client = client or httpx.Client(timeout=20.0)

    def close(self) -> None:
        if self._own_client:
            self._client.close()


class EbayOAuth(_SignInClient):
    SCOPES: tuple[str, ...] = (
        "https://api.ebay.com/oauth/api_scope/sell.inventory",
        "https://api.ebay.com/oauth/api_scope/sell.fulfillment",
        "https://api.ebay.com/oauth/api_scope/sell.account",
        "https://api.ebay.com/oauth/api_scope/commerce.identity.readonly",
    )

    def __init__(self, settings: EbaySettings, client_secret: str, client: httpx.Client | None = None) -> None:
        super().__init__(client)
        self.settings = settings
        self._client_secret = client_secret

    @property
    def token_url(self) -> str:
        return f"{self.settings.api_base.rstrip('/')}/identity/v1/oauth2/token"

    def authorize_url(self, state: str) -> str:
        _require("ebay", {"client_id": self.settings.client_id, "ru_name": self.settings.ru_name})
        query = {
            "client_id": self.settings.client_id,
            "redirect_uri": self.settings.ru_name,
            "response_type": "code",
            "scope": " ".join(self.SCOPES),
            "state": state,
        }
        return f"{self.settings.authorize_url}?{urlencode(query, quote_via=quote)}"

    def code_from(self, pasted: str) -> str:
        """The authorization code from what the seller pasted: the bare code or the accept page's address."""
        text = pasted.strip()
        if "code=" in text or "error=" in text or "://" in text:
            query = urlsplit(text).query if "://" in text else text.lstrip("?")
            params = parse_qs(query)
            if params.get("code"):
                return params["code"][0]
            if params.get("error"):
                raise NotConnectedError("ebay", "eBay did not grant access: the sign-in was declined or cancelled.")
            text = ""
        if not text:
            raise PermanentPlatformError(
                "ebay",
                "The pasted text holds no eBay authorization code.",
                "Copy the whole address of the page eBay shows after you agree, and paste it again.",
            )
        # Copied from an address bar the code is still URL-encoded (eBay codes contain ^ and #).
        return unquote(text) if "%" in text else text

    def _auth(self) -> tuple[str, str]:
        _require("ebay", {"client_id": self.settings.client_id})
        if not self._client_secret:
            raise NotConnectedError("ebay", "eBay's client secret is not stored on this computer.")
        return self.settings.client_id, self._client_secret

    def exchange(self, code: str) -> OAuthTokens:
        _require("ebay", {"ru_name": self.settings.ru_name})
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.settings.ru_name}
        body = post_token_request("ebay", self._client, self.token_url, form, auth=self._auth())
        return tokens_from_answer(body, None)

    def refresh(self, tokens: OAuthTokens) -> OAuthTokens:
        if not tokens.refresh_token:
            raise NotConnectedError("ebay")
        form = {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token, "scope": " ".join(self.SCOPES)}
        body = post_token_request("ebay", self._client, self.token_url, form, auth=self._auth())
        return tokens_from_answer(body, tokens)


class EtsyOAuth(_SignInClient):
    SCOPES: tuple[str, ...] = ("listings_r", "listings_w", "listings_d", "transactions_r", "shops_r")

    def __init__(self, settings: EtsySettings, shared_secret: str, client: httpx.Client | None = None) -> None:
        super().__init__(client)
        self.settings = settings
        self._shared_secret = shared_secret

    def redirect_uri(self) -> str:
        return f"http://localhost:{self.settings.redirect_port}/callback"

    def authorize_url(self, state: str, code_challenge: str) -> str:
        _require("etsy", {"keystring": self.settings.keystring})
        query = {
            "response_type": "code",
            "client_id": self.settings.keystring,
            "redirect_uri": self.redirect_uri(),
            "scope": " ".join(self.SCOPES),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        }
        return f"{self.settings.authorize_url}?{urlencode(query, quote_via=quote)}"

    def _headers(self) -> dict[str, str]:
        _require("etsy", {"keystring": self.settings.keystring})
        if not self._shared_secret:
            raise NotConnectedError("etsy", "Etsy's shared secret is not stored on this computer.")
        return {"x-api-key": f"{self.settings.keystring}:{self._shared_secret}"}

    def exchange(self, code: str, code_verifier: str) -> OAuthTokens:
        headers = self._headers()
        form = {
            "grant_type": "authorization_code",
            "client_id": self.settings.keystring,
            "redirect_uri": self.redirect_uri(),
            "code": code,
            "code_verifier": code_verifier,
        }
        body = post_token_request("etsy", self._client, self.settings.token_url, form, headers=headers)
        return tokens_from_answer(body, None, ETSY_REFRESH_LIFETIME)

    def refresh(self, tokens: OAuthTokens) -> OAuthTokens:
        if not tokens.refresh_token:
            raise NotConnectedError("etsy")
        headers = self._headers()
        form = {
            "grant_type": "refresh_token",
            "client_id": self.settings.keystring,
            "refresh_token": tokens.refresh_token,
        }
        body = post_token_request("etsy", self._client, self.settings.token_url, form, headers=headers)
        # Etsy rotates the refresh token: tokens_from_answer takes the new one from the answer.
        return tokens_from_answer(body, tokens, ETSY_REFRESH_LIFETIME)


class TokenSession:
    """One adapter's access token: loaded from the TokenStore, refreshed shortly before it expires or
    after the platform refused it, and saved back (with Etsy's rotated refresh token)."""

    def __init__(
        self,
        platform: str,
        store: TokenStore,
        refresh: TokenRefresh,
        *,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self.platform = platform
        self._store = store
        self._refresh = refresh
        self._now = now
        self._lock = threading.Lock()
        self._tokens: OAuthTokens | None = None

    def _load(self) -> OAuthTokens:
        tokens = self._store.load()
        if tokens is None:
            raise NotConnectedError(self.platform)
        self._tokens = tokens
        return tokens

    def _fresh(self, tokens: OAuthTokens) -> bool:
        return tokens.access_expires_at - self._now() > REFRESH_MARGIN

    def access_token(self) -> str:
        with self._lock:
            tokens = self._tokens or self._load()
            if not self._fresh(tokens):
                # Another adapter of this user may have refreshed (and rotated) meanwhile: read first.
                tokens = self._load()
                if not self._fresh(tokens):
                    tokens = self._renew(tokens)
            return tokens.access_token

    def access_token_after_rejection(self, rejected: str) -> str:
        """A new access token after the platform answered 401 to `rejected`."""
        with self._lock:
            tokens = self._load()
            if tokens.access_token != rejected and self._fresh(tokens):
                return tokens.access_token
            return self._renew(tokens).access_token

    def _renew(self, tokens: OAuthTokens) -> OAuthTokens:
        if not tokens.refresh_token:
            raise NotConnectedError(self.platform)
        if tokens.refresh_expires_at is not None and tokens.refresh_expires_at <= self._now():
            raise NotConnectedError(
                self.platform, f"Your {label(self.platform)} sign-in has expired and cannot be renewed."
            )
        try:
            renewed = self._refresh(tokens)
        except NotConnectedError:
            # Another adapter of this user may have renewed first, spending (Etsy: rotating) the
            # refresh token we sent: its tokens are in the store.
            latest = self._store.load()
            if latest is not None and latest.access_token != tokens.access_token and self._fresh(latest):
                self._tokens = latest
                return latest
            raise
        self._store.save(renewed)
        self._tokens = renewed
        log.debug("%s access token renewed, valid until %s", self.platform, renewed.access_expires_at.isoformat())
        return renewed
