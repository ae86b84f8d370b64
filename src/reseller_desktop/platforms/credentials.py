"""Marketplace secrets in the OS keyring: each user's OAuth tokens, and the app's own secrets.

Tokens are kept per signed-in user and platform (service `reseller-desktop/marketplace/<platform>`,
account `<user id>`), so two people sharing a computer never use each other's shop. The app secrets
(eBay's client secret, Etsy's shared secret) belong to the developer app registered with the
platform, not to a user: one per platform and computer.

Nothing here is ever logged or put in an error text; a keyring that is missing or locked raises
`KeyringUnavailableError`, which says what to do.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any
from uuid import UUID

from reseller_desktop import APP_ID
from reseller_desktop.keyring_store import KeyringUnavailableError, delete_secret, get_secret, set_secret
from reseller_desktop.platforms.base import OAuthTokens

__all__ = [
    "APP_SECRET_ACCOUNT",
    "KeyringTokenStore",
    "KeyringUnavailableError",
    "app_secret",
    "app_secret_service",
    "clear_app_secret",
    "set_app_secret",
    "token_service",
]

log = logging.getLogger(__name__)

APP_SECRET_ACCOUNT = "app-secret"  # noqa: S105 (an account name, not a secret)


def token_service(platform: str) -> str:
    return f"{APP_ID}/marketplace/{platform.strip().lower()}"


def app_secret_service(platform: str) -> str:
    return f"{APP_ID}/marketplace-app/{platform.strip().lower()}"


def tokens_to_json(tokens: OAuthTokens) -> str:
    return json.dumps(
        {
            "access_token": tokens.access_token,
            "access_expires_at": tokens.access_expires_at.isoformat(),
            "refresh_token": tokens.refresh_token,
            "refresh_expires_at": tokens.refresh_expires_at.isoformat() if tokens.refresh_expires_at else None,
            "scope": tokens.scope,
        }
    )


def tokens_from_json(text: str) -> OAuthTokens:
    """The tokens saved by `tokens_to_json`; ValueError (with no content in it) when damaged."""
    try:
        raw: Any = json.loads(text)
        if not isinstance(raw, dict):
            raise TypeError
        access = raw["access_token"]
        refresh = raw.get("refresh_token")
        scope = raw.get("scope") or ""
        if not isinstance(access, str) or not access or not isinstance(scope, str):
            raise TypeError
        if refresh is not None and not isinstance(refresh, str):
            raise TypeError
        refresh_expiry = raw.get("refresh_expires_at")
        return OAuthTokens(
            access_token=access,
            access_expires_at=datetime.fromisoformat(raw["access_expires_at"]),
            refresh_token=refresh,
            refresh_expires_at=datetime.fromisoformat(refresh_expiry) if refresh_expiry else None,
            scope=scope,
        )
    except (ValueError, TypeError, KeyError):
        # `from None`: the parser's message may quote the entry, which holds tokens.
        raise ValueError("not a saved set of tokens") from None


class KeyringTokenStore:
    """One user's tokens for one platform, in the OS keyring (implements `base.TokenStore`)."""

    def __init__(self, user_id: UUID, platform: str) -> None:
        self.user_id = user_id
        self.platform = platform.strip().lower()

    @property
    def _service(self) -> str:
        return token_service(self.platform)

    @property
    def _account(self) -> str:
        return str(self.user_id)

    def load(self) -> OAuthTokens | None:
        """The saved tokens, or None when there are none or the entry is damaged (not connected)."""
        text = get_secret(self._service, self._account)
        if text is None:
            return None
        try:
            return tokens_from_json(text)
        except ValueError:
            # Only where it is, never what it holds: the entry may be part of a token.
            log.warning(
                "the saved %s tokens of user %s in the keyring are damaged; treating the account as not connected",
                self.platform,
                self.user_id,
            )
            return None

    def save(self, tokens: OAuthTokens) -> None:
        set_secret(self._service, self._account, tokens_to_json(tokens))

    def clear(self) -> None:
        delete_secret(self._service, self._account)


def app_secret(platform: str) -> str | None:
    """The platform app's secret saved on this computer (eBay client secret, Etsy shared secret)."""
    return get_secret(app_secret_service(platform), APP_SECRET_ACCOUNT) or None


def set_app_secret(platform: str, secret: str) -> None:
    secret = secret.strip()
    if not secret:
        clear_app_secret(platform)
        return
    set_secret(app_secret_service(platform), APP_SECRET_ACCOUNT, secret)


def clear_app_secret(platform: str) -> None:
    delete_secret(app_secret_service(platform), APP_SECRET_ACCOUNT)
