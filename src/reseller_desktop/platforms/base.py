"""The one interface every marketplace adapter implements, and the plain data it takes and returns.

Adapters make HTTP calls and nothing else: they never touch the database, never hold a connection,
and return plain frozen dataclasses. The sync jobs (`reseller_desktop.jobs`) record every step in the
database before and after calling them.

Idempotence is the adapters' job too: `publish` may be called again after a crash between the
platform acting and the database recording it, and must then find and reuse what the first call
made (eBay: the inventory item by SKU and the existing offer; Etsy: the draft carrying the SKU)
instead of listing the item twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

from reseller_desktop.domain.errors import UserError


# ----- errors ------------------------------------------------------------------------------------
class PlatformError(UserError):
    """A call to a marketplace did not succeed. `message` never contains a token or a secret."""

    def __init__(self, platform: str, message: str, hint: str = "") -> None:
        super().__init__(message, hint)
        self.platform = platform


class TransientPlatformError(PlatformError):
    """Worth retrying later: 429, 5xx (eBay 25025 too), a timeout, a dropped connection.

    `retry_after` is the platform's Retry-After in seconds when it sent one.
    """

    def __init__(self, platform: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(platform, message, "It will be retried automatically.")
        self.retry_after = retry_after


class PermanentPlatformError(PlatformError):
    """The platform refused the request as it is (4xx other than 429): retrying cannot help."""


class NotConnectedError(PlatformError):
    """No tokens for this user and platform, or the platform refused them (revoked, expired refresh)."""

    def __init__(self, platform: str, message: str = "") -> None:
        super().__init__(
            platform,
            message or f"Your {platform} account is not connected on this computer.",
            f"Open Settings → Marketplaces and connect {platform} again.",
        )


# ----- what goes out -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ListingPayload:
    """A listing as an adapter needs it: plain values, money as Decimal, photos as local files."""

    listing_id: int
    sku: str  # always set: the sync job gives a listing an SKU before its first publish
    title: str
    description: str
    price: Decimal
    quantity: int
    condition: str | None
    category: str | None
    upc: str | None
    attributes: Mapping[str, Any]
    photo_paths: tuple[Path, ...]  # the cover first


@dataclass(frozen=True)
class RemoteRef:
    """Where a listing lives on a platform: platform_listings.platform_listing_id and the extra ids
    the platform needs (eBay's offerId, Etsy's shop_id), kept as JSON beside the row."""

    listing_id: str | None  # the platform's public listing id (eBay legacy item id, Etsy listing_id)
    url: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)  # eBay {"offer_id"}; Etsy {"shop_id", "state"}


RemoteState = Literal["live", "ended", "missing"]

# `previous` for a publish whose earlier attempt may have reached the platform with nothing recorded
# (a crash, a dropped answer): the adapter looks for what that attempt made before making anything.
INTERRUPTED = RemoteRef(None, None, {"interrupted": "publish"})


# ----- what comes back -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PlatformSale:
    """One sold line of an order (eBay line item, Etsy receipt transaction)."""

    platform: str
    order_id: str
    line_id: str  # unique within the order
    sku: str | None
    platform_listing_id: str | None
    quantity: int
    price: Decimal  # per unit, in the listing's currency
    sold_at: datetime  # naive UTC
    buyer: str | None = None
    cancelled: bool = False  # the buyer or seller cancelled the order: not a sale (any more)
    raw: Mapping[str, Any] = field(default_factory=dict)  # the order as the platform gave it, for the record


class PlatformAdapter(Protocol):
    name: str  # "ebay", "etsy"

    def publish(self, payload: ListingPayload, previous: RemoteRef | None) -> RemoteRef:
        """Put the listing live. `previous`: None for a first attempt (nothing to look for), what an
        earlier attempt recorded, or INTERRUPTED when one may have acted without a record."""
        ...

    def update(self, payload: ListingPayload, ref: RemoteRef) -> RemoteRef:
        """Send the listing's current title, description, price, quantity and photos."""
        ...

    def withdraw(self, ref: RemoteRef, sku: str | None) -> None:
        """End the listing. Ending one already ended is not an error."""
        ...

    def state_of(self, ref: RemoteRef, sku: str | None) -> RemoteState:
        """Read the listing back from the platform: live, ended, or missing (never existed / deleted)."""
        ...

    def sales_since(self, since: datetime) -> list[PlatformSale]:
        """Orders created or changed since `since` (naive UTC), every page."""
        ...

    def live_listings(self) -> list[RemoteRef]:
        """Every listing the platform says is live for this account (for reconciliation)."""
        ...

    def account_name(self) -> str:
        """The seller's user name on the platform (shown in Settings, kept in marketplace_credentials)."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class PreparedPublish:
    """A listing ready for a batch publish: its photos already on the platform."""

    payload: ListingPayload
    previous: RemoteRef | None
    image_urls: tuple[str, ...]  # the platform's picture addresses, in the listing's order
    images: Mapping[str, str]  # photo digest → picture address, remembered beside the listing


@runtime_checkable
class BatchPublishing(Protocol):
    """An adapter that also publishes several listings in one go (eBay's bulk calls). The sync jobs
    hand it up to `publish_batch_size` due listings at a time instead of one, in two steps so that
    one batch's photos can go up while the batch before it is being published."""

    publish_batch_size: int

    def prepare_publish(
        self, requests: Sequence[tuple[ListingPayload, RemoteRef | None]]
    ) -> list[PreparedPublish | Exception]:
        """Check each (payload, previous) and upload its photos: one outcome per listing, in order."""
        ...

    def publish_prepared(self, prepared: Sequence[PreparedPublish]) -> list[RemoteRef | Exception]:
        """`publish` for each prepared listing, in order: its RemoteRef, or the error that kept that
        listing (and only it) from going live."""
        ...


class BatchPublishingAdapter(PlatformAdapter, BatchPublishing, Protocol):
    """A platform adapter that publishes in batches too."""


# ----- credentials -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class OAuthTokens:
    access_token: str
    access_expires_at: datetime  # naive UTC
    refresh_token: str | None
    refresh_expires_at: datetime | None = None
    scope: str = ""

    def __repr__(self) -> str:  # never let a token reach a log line or an error text
        return f"OAuthTokens(expires={self.access_expires_at.isoformat()}, scope={self.scope!r})"


class MemoryTokenStore:
    """Tokens held in memory only: while a new connection is checked, before anything is kept."""

    def __init__(self, tokens: OAuthTokens | None = None) -> None:
        self.tokens = tokens

    def load(self) -> OAuthTokens | None:
        return self.tokens

    def save(self, tokens: OAuthTokens) -> None:
        self.tokens = tokens

    def clear(self) -> None:
        self.tokens = None


class TokenStore(Protocol):
    """One user's tokens for one platform. The keyring implementation is
    `reseller_desktop.platforms.credentials.KeyringTokenStore`."""

    def load(self) -> OAuthTokens | None: ...

    def save(self, tokens: OAuthTokens) -> None: ...

    def clear(self) -> None: ...
