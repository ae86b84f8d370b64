"""Connecting the signed-in user's eBay and Etsy accounts, and what is connected.

The sign-in is OAuth's authorization-code grant in the seller's own browser: `begin_connect` makes
the address to open; eBay then shows the code on its accept page (the seller pastes it, or the whole
address, back), Etsy redirects to a loopback receiver on this computer (`wait_for_redirect`).
`finish_connect` trades the code for tokens, asks the platform for the account name, and only when
all of that worked keeps the tokens in the keyring and the name in marketplace_credentials.

No database connection is held during a network call, and no token, code or secret ever reaches a
message, a log line or the database. Everything here blocks: the UI runs it on its task runner.
"""

from __future__ import annotations

import logging
import secrets
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import httpx

from reseller_desktop.db.database import Database
from reseller_desktop.domain.errors import NotFoundError, UserError
from reseller_desktop.domain.platforms import API_PLATFORMS, label
from reseller_desktop.keyring_store import KeyringUnavailableError
from reseller_desktop.platforms import ebay, etsy
from reseller_desktop.platforms.base import (
    MemoryTokenStore,
    NotConnectedError,
    OAuthTokens,
    PermanentPlatformError,
    PlatformError,
    TransientPlatformError,
)
from reseller_desktop.platforms.credentials import KeyringTokenStore, app_secret
from reseller_desktop.platforms.loopback import LoopbackReceiver, StateMismatchError
from reseller_desktop.platforms.oauth import EbayOAuth, EtsyOAuth, new_pkce_pair
from reseller_desktop.settings import Settings

log = logging.getLogger(__name__)

REDIRECT_TIMEOUT_S = 300.0  # Etsy's authorization code itself lives a few minutes
SETTINGS_PLACE = "Settings → Marketplaces"


# ----- errors a seller can meet -------------------------------------------------------------------------
class MarketplaceAccountError(UserError):
    """Connecting or disconnecting an account did not work; the message says what to do."""


class AppKeysMissingError(MarketplaceAccountError):
    def __init__(self, platform: str, missing: list[str]) -> None:
        super().__init__(
            f"{label(platform)} cannot be connected yet: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} "
            "not set.",
            f"Enter the keys of your {label(platform)} developer app under {SETTINGS_PLACE} → {label(platform)}, "
            "save, then click Connect.",
        )
        self.platform = platform


class ConnectRefusedError(MarketplaceAccountError):
    """The platform refused the code or the app's keys; `message` is the platform's reason."""

    def __init__(self, platform: str, message: str, hint: str = "") -> None:
        super().__init__(
            message,
            hint
            or "A code lasts a few minutes and works once: click Connect and sign in again. If it keeps "
            f"happening, check the app keys under {SETTINGS_PLACE}.",
        )
        self.platform = platform


class PlatformUnreachableError(MarketplaceAccountError):
    def __init__(self, platform: str, message: str) -> None:
        super().__init__(
            message,
            "Check the internet connection and the addresses under "
            f"{SETTINGS_PLACE} → {label(platform)}, then click Connect again in a few minutes.",
        )
        self.platform = platform


class UnknownPlatformError(MarketplaceAccountError):
    def __init__(self, platform: str) -> None:
        super().__init__(
            f"{label(platform)} has no API to connect to.", "List on it by hand from the Sync view instead."
        )


# ----- what the UI shows ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class AccountStatus:
    platform: str
    label: str
    connected: bool  # tokens for this user in this computer's keyring
    username: str | None  # as saved in marketplace_credentials
    access_expires_at: datetime | None
    refresh_expires_at: datetime | None
    app_keys_set: bool
    problem: str | None = None  # e.g. the keyring is locked: the status is unknown, not "disconnected"
    shop_id: str | None = None  # Etsy, after a connect: the seller's own shop


@dataclass(frozen=True)
class ConnectAttempt:
    """One sign-in under way: the address to open in the browser and what checks its answer."""

    platform: str
    authorize_url: str
    state: str
    code_verifier: str | None = None  # Etsy's PKCE
    receiver: LoopbackReceiver | None = None  # Etsy: already listening for the redirect

    def __repr__(self) -> str:  # the state and verifier are secrets of this sign-in
        return f"ConnectAttempt(platform={self.platform!r})"

    def cancel(self) -> None:
        """Stop waiting for Etsy's redirect (a `wait_for_redirect` under way ends as cancelled)."""
        if self.receiver is not None:
            self.receiver.cancel()
            self.receiver.close()


def accounts_status(database: Database, user_id: UUID, settings: Settings | None = None) -> list[AccountStatus]:
    """Every API platform for this user; with `settings`, app_keys_set also checks the public keys."""
    found: dict[str, tuple[OAuthTokens | None, str | None, bool]] = {}
    for platform in API_PLATFORMS:
        try:
            tokens = KeyringTokenStore(user_id, platform).load()
            keys_set = app_secret(platform) is not None and (
                settings is None or not _missing_public(platform, settings)
            )
            found[platform] = (tokens, None, keys_set)
        except KeyringUnavailableError as exc:
            found[platform] = (None, str(exc), False)
    with database.unit_of_work(user_id) as uow:
        names = {record.platform: record.username for record in uow.credentials.all()}
    return [
        AccountStatus(
            platform=platform,
            label=label(platform),
            connected=tokens is not None,
            username=names.get(platform),
            access_expires_at=tokens.access_expires_at if tokens else None,
            refresh_expires_at=tokens.refresh_expires_at if tokens else None,
            app_keys_set=keys_set,
            problem=problem,
        )
        for platform, (tokens, problem, keys_set) in found.items()
    ]


# ----- connecting ------------------------------------------------------------------------------------------
def begin_connect(platform: str, settings: Settings) -> ConnectAttempt:
    """The address to open in the browser. For Etsy the loopback receiver is listening on return."""
    secret = _app_secret_or_raise(platform, settings)
    state = secrets.token_urlsafe(24)
    if platform == "ebay":
        with closing(EbayOAuth(settings.ebay, secret)) as ebay_oauth:
            return ConnectAttempt("ebay", ebay_oauth.authorize_url(state), state)
    verifier, challenge = new_pkce_pair()
    with closing(EtsyOAuth(settings.etsy, secret)) as etsy_oauth:
        address = etsy_oauth.authorize_url(state, challenge)
    receiver = LoopbackReceiver(
        settings.etsy.redirect_port,
        state,
        platform_label="Etsy",
        port_setting=f"{SETTINGS_PLACE} → Etsy → Redirect port",
    )
    return ConnectAttempt("etsy", address, state, verifier, receiver)


def wait_for_redirect(attempt: ConnectAttempt, settings: Settings, timeout: float = REDIRECT_TIMEOUT_S) -> str:
    """Etsy: block until the browser comes back to this computer; the code (state checked).

    `cancel()` on the attempt (from any thread) ends the wait with RedirectCancelledError.
    """
    if attempt.platform != "etsy":
        raise ValueError(f"{attempt.platform}'s sign-in does not come back to this computer")
    receiver = attempt.receiver
    if receiver is None:  # an attempt made without listening (by hand): listen now, for this sign-in
        receiver = LoopbackReceiver(
            settings.etsy.redirect_port,
            attempt.state,
            platform_label="Etsy",
            port_setting=f"{SETTINGS_PLACE} → Etsy → Redirect port",
        )
    return receiver.wait(timeout).code


def finish_connect(
    database: Database, user_id: UUID, settings: Settings, attempt: ConnectAttempt, code_or_url: str
) -> AccountStatus:
    """Trade the code for tokens and keep them; the account name goes to marketplace_credentials.

    A reconnect that fails half-way leaves the account as it was: the earlier tokens are put back.
    """
    platform = attempt.platform
    secret = _app_secret_or_raise(platform, settings)
    scrub = _Scrubber(secret, attempt.state, attempt.code_verifier)
    try:
        tokens, username, shop_id = _sign_in(settings, secret, attempt, code_or_url, scrub)
    except PlatformError as exc:
        raise _explained(platform, exc, scrub) from None
    except (httpx.TransportError, OSError) as exc:
        raise PlatformUnreachableError(
            platform, f"{label(platform)} could not be reached ({type(exc).__name__})."
        ) from None

    store = KeyringTokenStore(user_id, platform)
    previous = store.load()
    store.save(tokens)
    try:
        with database.unit_of_work(user_id) as uow:
            uow.credentials.save(platform, username)
            uow.commit()
    except BaseException:
        # Not recorded in the database: the keyring goes back to what it held.
        if previous is not None:
            store.save(previous)
        else:
            store.clear()
        raise
    log.info("connected %s account %s for user %s", platform, username, user_id)
    return AccountStatus(
        platform=platform,
        label=label(platform),
        connected=True,
        username=username,
        access_expires_at=tokens.access_expires_at,
        refresh_expires_at=tokens.refresh_expires_at,
        app_keys_set=True,
        shop_id=shop_id,
    )


def disconnect(database: Database, user_id: UUID, platform: str) -> None:
    """Forget the tokens on this computer and the account name; doing it twice is not an error."""
    KeyringTokenStore(user_id, platform).clear()  # first: a locked keyring leaves everything as it was
    with database.unit_of_work(user_id) as uow:
        try:
            uow.credentials.remove(platform)
        except NotFoundError:
            return
        uow.commit()
    log.info("disconnected %s for user %s", platform, user_id)


# ----- the details ---------------------------------------------------------------------------------------
class _Scrubber:
    """Removes this sign-in's secrets from a text that came from elsewhere (a platform's error)."""

    def __init__(self, *secret_values: str | None) -> None:
        self._values = [value for value in secret_values if value]

    def add(self, *values: str | None) -> None:
        self._values.extend(value for value in values if value)

    def __call__(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, "…")
        return text


def _sign_in(
    settings: Settings, secret: str, attempt: ConnectAttempt, code_or_url: str, scrub: _Scrubber
) -> tuple[OAuthTokens, str, str | None]:
    """The network half of finish_connect: (tokens, account name, Etsy shop id)."""
    platform = attempt.platform
    adapter: Any
    if platform == "ebay":
        scrub.add(code_or_url.strip())
        with closing(EbayOAuth(settings.ebay, secret)) as ebay_oauth:
            code = ebay_oauth.code_from(code_or_url)
            scrub.add(code)
            tokens = ebay_oauth.exchange(code)
        scrub.add(tokens.access_token, tokens.refresh_token)
        store = MemoryTokenStore(tokens)
        adapter = ebay.make_ebay(settings.ebay, secret, store)
    else:
        scrub.add(code_or_url.strip())
        code = _etsy_code(code_or_url.strip(), attempt)
        scrub.add(code)
        assert attempt.code_verifier is not None
        with closing(EtsyOAuth(settings.etsy, secret)) as etsy_oauth:
            tokens = etsy_oauth.exchange(code, attempt.code_verifier)
        scrub.add(tokens.access_token, tokens.refresh_token)
        store = MemoryTokenStore(tokens)
        adapter = etsy.make_etsy(settings.etsy, secret, store)
    try:
        username = str(adapter.account_name())
        shop_id = str(adapter.shop_id()) if platform == "etsy" else None
    finally:
        adapter.close()
    final = store.tokens or tokens  # a refresh on the way leaves newer ones
    scrub.add(final.access_token, final.refresh_token)
    return final, username, shop_id


def _etsy_code(code_or_url: str, attempt: ConnectAttempt) -> str:
    """The code from the loopback, or from the redirect address pasted by hand (its state checked)."""
    if "code=" not in code_or_url:
        return code_or_url
    params = parse_qs(urlsplit(code_or_url).query)
    if params.get("state", [""])[0] != attempt.state:
        raise StateMismatchError("Etsy")
    return params.get("code", [""])[0]


def _missing_public(platform: str, settings: Settings) -> list[str]:
    if platform == "ebay":
        fields = {"the client ID (App ID)": settings.ebay.client_id, "the RuName": settings.ebay.ru_name}
    elif platform == "etsy":
        fields = {"the keystring": settings.etsy.keystring}
    else:
        raise UnknownPlatformError(platform)
    return [name for name, value in fields.items() if not value.strip()]


def _app_secret_or_raise(platform: str, settings: Settings) -> str:
    missing = _missing_public(platform, settings)
    secret = app_secret(platform)  # KeyringUnavailableError says what to do on its own
    if secret is None:
        missing.append("the client secret" if platform == "ebay" else "the shared secret")
    if missing:
        raise AppKeysMissingError(platform, missing)
    assert secret is not None
    return secret


def _explained(platform: str, error: PlatformError, scrub: _Scrubber) -> MarketplaceAccountError:
    """The platform's reason (scrubbed once more), with what to do in a connect flow."""
    message = scrub(error.message)
    if isinstance(error, TransientPlatformError):
        return PlatformUnreachableError(platform, message)
    # A specific hint (which setting is empty, what to paste) helps; "connect again" is what we add anyway.
    specific = isinstance(error, PermanentPlatformError) and not isinstance(error, NotConnectedError)
    return ConnectRefusedError(platform, message, scrub(error.hint) if specific else "")
