"""What the desktop adds to the contract (migration 0002): CHECKs for the contract's invariants and
additive columns and indexes. The contract allows only additions: new tables, nullable columns,
indexes; nothing here renames, retypes or drops.

FROZEN once released: migration 0002 applies exactly this; later additions get their own module.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, ForeignKey, Index, MetaData, Table
from sqlalchemy.dialects.postgresql import UUID

from reseller_desktop.domain.vocabulary import (
    CARD_TYPES,
    CONDITIONS,
    LISTING_STATUSES,
    NOTIFICATION_TYPES,
    ORGANIZATION_MODES,
    PLATFORM_LISTING_STATUSES,
    TITLE_MAX_CHARS,
    VALUE_TIERS,
)


@dataclass(frozen=True)
class Check:
    table: str
    name: str
    sql: str
    message: str  # what the user is told when a write breaks it


def _one_of(column: str, values: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{v}'" for v in values)
    return f"{column} IS NULL OR {column} IN ({listed})"


CHECKS: tuple[Check, ...] = (
    Check("listings", "ck_listings_quantity_nonnegative", "quantity >= 0", "Quantity must be 0 or more."),
    Check(
        "listings",
        "ck_listings_title_length",
        f"char_length(title) <= {TITLE_MAX_CHARS}",
        f"A title can have at most {TITLE_MAX_CHARS} characters.",
    ),
    Check(
        "listings",
        "ck_listings_status",
        _one_of("status", LISTING_STATUSES),
        f"Listing status must be one of: {', '.join(LISTING_STATUSES)}.",
    ),
    Check(
        "listings",
        "ck_listings_condition",
        _one_of("condition", CONDITIONS),
        f"Condition must be one of: {', '.join(CONDITIONS)}.",
    ),
    Check(
        "listings",
        "ck_listings_sold_fields",
        "status IS DISTINCT FROM 'sold' OR "
        "(sold_platform IS NOT NULL AND sold_date IS NOT NULL AND sold_price IS NOT NULL)",
        "A sold listing needs the platform it sold on, the sale date and the sale price.",
    ),
    Check(
        "listings",
        "ck_listings_active_location",
        "status IS DISTINCT FROM 'active' OR (storage_location IS NOT NULL AND btrim(storage_location) <> '')",
        "An active listing needs a storage location (e.g. B1 or Shelf-3).",
    ),
    Check(
        "listings",
        "ck_listings_money_nonnegative",
        "price >= 0 AND (cost IS NULL OR cost >= 0) AND (sold_price IS NULL OR sold_price >= 0)",
        "Prices and costs must be 0 or more.",
    ),
    Check(
        "platform_listings",
        "ck_platform_listings_status",
        _one_of("status", PLATFORM_LISTING_STATUSES),
        f"Platform status must be one of: {', '.join(PLATFORM_LISTING_STATUSES)}.",
    ),
    Check(
        "platform_listings",
        "ck_platform_listings_retry_count",
        "retry_count >= 0",
        "A retry count cannot be negative.",
    ),
    Check(
        "card_collections",
        "ck_card_collections_card_type",
        _one_of("card_type", CARD_TYPES),
        f"Card type must be one of: {', '.join(CARD_TYPES)}.",
    ),
    Check(
        "card_collections",
        "ck_card_collections_organization_mode",
        _one_of("organization_mode", ORGANIZATION_MODES),
        f"Organization mode must be one of: {', '.join(ORGANIZATION_MODES)}.",
    ),
    Check(
        "card_collections",
        "ck_card_collections_value_tier",
        _one_of("value_tier", VALUE_TIERS),
        f"Value tier must be one of: {', '.join(VALUE_TIERS)}.",
    ),
    Check(
        "card_collections",
        "ck_card_collections_quantity_nonnegative",
        "quantity >= 0",
        "Card quantity must be 0 or more.",
    ),
    Check(
        "storage_items",
        "ck_storage_items_quantity_nonnegative",
        "quantity >= 0",
        "Storage item quantity must be 0 or more.",
    ),
    Check(
        "storage_sections",
        "ck_storage_sections_counts_nonnegative",
        "(item_count IS NULL OR item_count >= 0) AND (capacity IS NULL OR capacity >= 0)",
        "A section's capacity and item count cannot be negative.",
    ),
    Check(
        "notifications",
        "ck_notifications_type",
        _one_of("type", NOTIFICATION_TYPES),
        f"Notification type must be one of: {', '.join(NOTIFICATION_TYPES)}.",
    ),
)

CHECK_MESSAGES = {check.name: check.message for check in CHECKS}

# Unique constraints and the message a user sees when a write collides with one.
UNIQUE_MESSAGES = {
    "users_username_key": "That username is taken; choose another.",
    "users_email_key": "A user with that email already exists.",
    "listings_listing_uuid_key": "A listing with that UUID already exists.",
    "platform_listings_listing_id_platform_key": "The listing is already on that platform.",
    "marketplace_credentials_user_id_platform_key": "You already have an account connected for that platform.",
    "storage_bins_user_id_bin_name_bin_type_key": "You already have a bin with that name and type.",
    "storage_sections_bin_id_section_name_key": "That bin already has a section with that name.",
    "storage_items_storage_id_key": "A storage item with that storage ID already exists.",
    "card_collections_card_uuid_key": "A card with that UUID already exists.",
    "uq_listings_user_sku": "You already have a listing with that SKU; SKUs are unique per seller.",
}


def add_desktop_columns(metadata: MetaData) -> None:
    """Additive nullable columns and their indexes, applied onto the contract tables."""
    # Notifications are owned through their listing in the contract; a notification without a
    # listing (a failed login to a marketplace, say) needs an owner of its own.
    Table(
        "notifications",
        metadata,
        Column("user_id", UUID(as_uuid=True), ForeignKey("users.id"), nullable=True),
        Index("idx_notifications_user_unread", "user_id", "is_read"),
        extend_existing=True,
    )


ADDED_COLUMNS: tuple[tuple[str, str], ...] = (("notifications", "user_id"),)
ADDED_INDEXES: tuple[tuple[str, str], ...] = (("notifications", "idx_notifications_user_unread"),)
