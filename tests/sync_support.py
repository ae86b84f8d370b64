"""What the sync tests share: a clock the test moves, tokens kept in memory (for tests that are not
about the keyring), listings ready to cross-list, and an engine wired like the app's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from PIL import Image

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.jobs.adapters import KeyringAdapterSource
from reseller_desktop.jobs.engine import SyncEngine
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.platforms.base import MemoryTokenStore, OAuthTokens
from reseller_desktop.settings import Settings

START = datetime(2026, 11, 22, 9, 0, 0)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class MemoryVault:
    """Per (user, platform) token stores and app secrets, as the keyring would hold them."""

    stores: dict[tuple[UUID, str], MemoryTokenStore] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)

    def store(self, user_id: UUID, platform: str) -> MemoryTokenStore:
        return self.stores.setdefault((user_id, platform), MemoryTokenStore())

    def connect(self, user_id: UUID, platform: str, granted: dict[str, Any], secret: str) -> None:
        self.store(user_id, platform).save(
            OAuthTokens(
                access_token=granted["access_token"],
                access_expires_at=datetime.now(UTC).replace(tzinfo=None)
                + timedelta(seconds=int(granted.get("expires_in", 3600))),
                refresh_token=granted.get("refresh_token"),
            )
        )
        self.secrets[platform] = secret


def fast_settings() -> Settings:
    settings = Settings()
    settings.sync.backoff_base_seconds = 60
    settings.sync.max_attempts = 3
    settings.sync.http_timeout_seconds = 5
    settings.sync.call_retry_base_seconds = 0.01  # in-call retries without real waits
    settings.sync.call_max_wait_seconds = 0.05
    return settings


def make_engine(
    database: Database,
    settings: Settings,
    photos: PhotoStore,
    vault: MemoryVault,
    clock: Clock,
    owner: str = "client-a",
) -> SyncEngine:
    source = KeyringAdapterSource(settings, database, tokens=vault.store, secrets=vault.secrets.get)
    return SyncEngine(database, settings, photos, source, owner=owner, clock=clock)


def photo(store: PhotoStore, folder: Path, name: str = "cover.jpg", colour: str = "navy") -> str:
    path = folder / name
    Image.new("RGB", (64, 48), colour).save(path)
    return store.add(path)


def active_listing(database: Database, user: UserRecord, photos: list[str], **values: Any) -> int:
    fields: dict[str, Any] = {
        "title": "Levi's 501 denim jacket, size M",
        "description": "Vintage trucker jacket, light wash, no holes.",
        "price": Decimal("48.00"),
        "condition": "good",
        "status": "active",
        "storage_location": "B1-S2",
        "photos": photos,
        "attributes": {"ebay_category_id": "57988", "etsy_taxonomy_id": "1429"},
    } | values
    with database.unit_of_work(user.id) as uow:
        listing = uow.listings.add(fields)
        uow.commit()
    return listing.id
