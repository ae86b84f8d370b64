"""Where the jobs get a platform adapter for a user: settings, the app keys and the user's tokens from
the OS keyring, and one rate limiter per platform shared by every job of the process, with the daily
quota counted in the database for every client together."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

from reseller_desktop.db.database import Database
from reseller_desktop.domain.platforms import label
from reseller_desktop.keyring_store import KeyringUnavailableError
from reseller_desktop.platforms.base import NotConnectedError, PlatformAdapter, TokenStore
from reseller_desktop.platforms.credentials import KeyringTokenStore, app_secret
from reseller_desktop.platforms.ebay import make_ebay
from reseller_desktop.platforms.etsy import EtsyAdapter, make_etsy
from reseller_desktop.platforms.http import RetryPolicy
from reseller_desktop.platforms.rate_limit import RateLimiter, limiter_for
from reseller_desktop.repositories import sync_queue
from reseller_desktop.settings import Settings

log = logging.getLogger(__name__)


class AdapterSource(Protocol):
    def adapter_for(self, user_id: UUID, platform: str) -> PlatformAdapter: ...

    def is_connected(self, user_id: UUID, platform: str) -> bool: ...

    def close_all(self) -> None: ...


class DatabaseDailyBudget:
    """The platform's calls per day, counted in marketplace_api_usage by every client together."""

    def __init__(self, database: Database, per_day: Callable[[str], int]) -> None:
        self.database, self.per_day = database, per_day

    def spend(self, platform: str) -> bool:
        with self.database.connect() as conn, conn.begin():
            used = sync_queue.spend_api_call(conn, platform, datetime.now(UTC).date())
        return used <= self.per_day(platform)


TokenStoreFactory = Callable[[UUID, str], TokenStore]


class KeyringAdapterSource:
    """Adapters built from the settings and the keyring, cached for one pass."""

    def __init__(
        self,
        settings: Settings,
        database: Database | None = None,
        *,
        tokens: TokenStoreFactory = KeyringTokenStore,
        secrets: Callable[[str], str | None] = app_secret,
    ) -> None:
        self.settings, self.tokens, self.secrets = settings, tokens, secrets
        self.budget = DatabaseDailyBudget(database, self._per_day) if database is not None else None
        self._open: dict[tuple[UUID, str], PlatformAdapter] = {}
        # Each seller's Etsy shop, found once per run: accounts on one computer have shops of their own.
        self._etsy_shops: dict[UUID, str] = {}
        self._keyring_warned = False

    def _per_day(self, platform: str) -> int:
        return self.settings.ebay.requests_per_day if platform == "ebay" else self.settings.etsy.requests_per_day

    def _limiter(self, platform: str) -> RateLimiter:
        per_second = (
            self.settings.ebay.requests_per_second if platform == "ebay" else self.settings.etsy.requests_per_second
        )
        return limiter_for(platform, per_second, self._per_day(platform), self.budget)

    def is_connected(self, user_id: UUID, platform: str) -> bool:
        try:
            return self.tokens(user_id, platform).load() is not None
        except KeyringUnavailableError as exc:
            # Not this client's work then (another, with a keyring, does it), but never silently:
            # on a headless machine this is why nothing is synced.
            if not self._keyring_warned:
                log.warning("the keyring cannot be read, so no marketplace account is served here: %s", exc)
                self._keyring_warned = True
            return False

    def adapter_for(self, user_id: UUID, platform: str) -> PlatformAdapter:
        key = (user_id, platform)
        if key in self._open:
            return self._open[key]
        try:
            store = self.tokens(user_id, platform)
            if store.load() is None:
                raise NotConnectedError(platform)
            secret = self.secrets(platform)
        except KeyringUnavailableError as exc:
            raise NotConnectedError(
                platform, f"The keyring holding your {label(platform)} login is unavailable: {exc}"
            ) from None
        if not secret:
            raise NotConnectedError(platform, f"The {label(platform)} app keys are not set on this computer.")
        sync = self.settings.sync
        timeout = sync.http_timeout_seconds
        retry = RetryPolicy(sync.call_attempts, sync.call_retry_base_seconds, sync.call_max_wait_seconds)
        adapter: PlatformAdapter
        if platform == "ebay":
            adapter = make_ebay(
                self.settings.ebay, secret, store, limiter=self._limiter(platform), retry=retry, timeout=timeout
            )
        elif platform == "etsy":
            adapter = make_etsy(
                self.settings.etsy,
                secret,
                store,
                self._etsy_shops.get(user_id, ""),
                limiter=self._limiter(platform),
                retry=retry,
                timeout=timeout,
            )
        else:
            raise NotConnectedError(platform, f"{label(platform)} has no API; it is handled by hand.")
        self._open[key] = adapter
        return adapter

    def close_all(self) -> None:
        for (user_id, _platform), adapter in self._open.items():
            if isinstance(adapter, EtsyAdapter) and adapter.known_shop_id:
                self._etsy_shops[user_id] = adapter.known_shop_id
            try:
                adapter.close()
            except Exception:  # closing a client must not hide the pass's outcome
                log.debug("closing an adapter failed", exc_info=True)
        self._open.clear()
