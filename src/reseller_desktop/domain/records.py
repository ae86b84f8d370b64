"""Plain records returned by repositories and workers: frozen, no ORM, safe to pass between threads.

Field names are the contract's column names. Money is Decimal (cents); timestamps are naive UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

JSONValue = Any


@dataclass(frozen=True)
class UserRecord:
    id: UUID
    username: str
    email: str
    has_password: bool
    is_admin: bool | None
    is_active: bool | None
    tier: str | None
    created_at: datetime | None
    last_login: datetime | None


@dataclass(frozen=True)
class ListingRecord:
    id: int
    listing_uuid: str
    user_id: UUID | None
    collectible_id: int | None
    title: str
    description: str | None
    price: Decimal
    cost: Decimal | None
    condition: str | None
    category: str | None
    item_type: str | None
    attributes: JSONValue
    photos: JSONValue
    quantity: int | None
    storage_location: str | None
    sku: str | None
    upc: str | None
    status: str | None
    sold_platform: str | None
    sold_date: datetime | None
    sold_price: Decimal | None
    platform_statuses: JSONValue
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class PlatformListingRecord:
    id: int
    listing_id: int | None
    platform: str
    platform_listing_id: str | None
    platform_url: str | None
    status: str | None
    posted_at: datetime | None
    last_synced: datetime | None
    cancel_scheduled_at: datetime | None
    error_message: str | None
    retry_count: int | None


@dataclass(frozen=True)
class CredentialRecord:
    """The database half of a marketplace credential; secrets live in the OS keyring."""

    id: int
    user_id: UUID | None
    platform: str
    username: str | None
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class CardRecord:
    id: int
    user_id: UUID | None
    card_uuid: str
    card_type: str
    title: str
    card_number: str | None
    quantity: int | None
    organization_mode: str | None
    primary_category: str | None
    custom_categories: JSONValue
    storage_location: str | None
    storage_item_id: int | None
    game_name: str | None
    set_name: str | None
    set_code: str | None
    set_symbol: str | None
    rarity: str | None
    card_subtype: str | None
    format_legality: JSONValue
    sport: str | None
    year: int | None
    brand: str | None
    series: str | None
    player_name: str | None
    team: str | None
    is_rookie_card: bool | None
    parallel_color: str | None
    insert_series: str | None
    grading_company: str | None
    grading_score: float | None
    grading_serial: str | None
    estimated_value: Decimal | None
    value_tier: str | None
    purchase_price: Decimal | None
    photos: JSONValue
    notes: str | None
    ai_identified: bool | None
    ai_confidence: float | None
    created_at: datetime | None
    updated_at: datetime | None
    # Added by the desktop (migration 0005):
    listing_id: int | None = None  # the listing made from this card ("List this card")
    card_condition: str | None = None  # as the seller or a collector app wrote it: "Near Mint", "LP"
    language: str | None = None
    source_ids: JSONValue = None  # ids a collector app gave it: {"scryfall_id": ..., "tcgplayer_sku": ...}


@dataclass(frozen=True)
class BinRecord:
    id: int
    user_id: UUID | None
    bin_name: str
    bin_type: str
    description: str | None
    created_at: datetime | None


@dataclass(frozen=True)
class SectionRecord:
    id: int
    bin_id: int | None
    section_name: str
    capacity: int | None
    item_count: int | None
    created_at: datetime | None


@dataclass(frozen=True)
class StorageItemRecord:
    id: int
    user_id: UUID | None
    storage_id: str
    bin_id: int | None
    section_id: int | None
    item_type: str | None
    category: str | None
    title: str | None
    description: str | None
    quantity: int | None
    photos: JSONValue
    notes: str | None
    listing_id: int | None
    created_at: datetime | None
    updated_at: datetime | None
    # Added by the desktop (migration 0005): taken off the shelf when its listing sold out.
    removed_at: datetime | None = None
    removed_from: str | None = None  # the location path it left, e.g. "B › 3"
    removed_from_section_id: int | None = None
    removed_from_bin_id: int | None = None


@dataclass(frozen=True)
class NotificationRecord:
    id: int
    type: str
    listing_id: int | None
    platform: str | None
    title: str
    message: str | None
    data: JSONValue
    is_read: bool | None
    sent_email: bool | None
    created_at: datetime | None


@dataclass(frozen=True)
class ActivityRecord:
    id: int
    user_id: UUID | None
    action: str
    resource_type: str | None
    resource_id: int | None
    details: JSONValue
    ip_address: str | None
    user_agent: str | None
    created_at: datetime | None


def field_names(record_type: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(record_type))


@dataclass(frozen=True)
class SectionNode:
    """A section as the storage tree shows it."""

    section: SectionRecord
    path: str  # "B › 3"
    free: int | None  # capacity left; None when the section has no capacity set


@dataclass(frozen=True)
class BinNode:
    bin: BinRecord
    sections: tuple[SectionNode, ...]
    loose_items: int  # in the bin but in none of its sections


@dataclass(frozen=True)
class StoredThing:
    """A storage item with what it holds or stands for, as a contents list shows it."""

    storage_item_id: int
    storage_id: str
    title: str
    item_type: str | None
    quantity: int | None
    listing_id: int | None
    listing_status: str | None
    card_ids: tuple[int, ...]
    bin_id: int | None
    section_id: int | None
    path: str | None  # None once taken off the shelf (sold out)
    removed_from: str | None
