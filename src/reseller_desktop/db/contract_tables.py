"""The shared data contract (shared/seeds/003), table by table, exactly as written there.

FROZEN: migration 0001 builds the database from this module, and the contract only ever grows by
addition. Never edit a definition here; add new things in a new module and a new migration.

Three names the contract uses but never defines get a minimal definition (see README, "Tables the
contract names but never defines"): `collectibles` (target of listings.collectible_id),
`platform_activity` and `training_data` (targets of contract indexes).
"""

from __future__ import annotations

from sqlalchemy import (
    REAL,
    TIMESTAMP,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import UUID

from reseller_desktop.db.json_text import JSONText

# PostgreSQL's own default names, so a database the web app created by plain DDL matches ours.
NAMING_CONVENTION = {
    "pk": "%(table_name)s_pkey",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "ck": "%(constraint_name)s",
    "ix": "%(column_0_label)s_idx",
}

NOW = text("now()")
FALSE = text("false")
TRUE = text("true")


def _ts(name: str, *, default_now: bool = False) -> Column[object]:
    return Column(name, TIMESTAMP(timezone=False), server_default=NOW if default_now else None)


def add_contract_tables(metadata: MetaData) -> None:
    Table(
        "users",
        metadata,
        Column("id", UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")),
        Column("username", Text, nullable=False, unique=True),
        Column("email", Text, nullable=False, unique=True),
        Column("password_hash", Text),
        Column("supabase_uid", Text),
        Column("oauth_provider", Text),
        Column("is_admin", Boolean, server_default=FALSE),
        Column("is_active", Boolean, server_default=TRUE),
        Column("tier", Text, server_default=text("'FREE'")),
        Column("notification_email", Text),
        Column("email_verified", Boolean, server_default=FALSE),
        Column("verification_token", Text),
        Column("reset_token", Text),
        _ts("reset_token_expiry"),
        _ts("created_at", default_now=True),
        _ts("last_login"),
        Index("idx_users_is_admin", "is_admin"),
    )
    Table(
        "collectibles",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", UUID(as_uuid=True), ForeignKey("users.id")),
        Column("name", Text, nullable=False),
        Column("category", Text),
        Column("details", JSONText("collectibles.details")),
        _ts("created_at", default_now=True),
    )
    Table(
        "listings",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("listing_uuid", Text, nullable=False, unique=True),
        Column("user_id", UUID(as_uuid=True), ForeignKey("users.id")),
        Column("collectible_id", Integer, ForeignKey("collectibles.id")),
        Column("title", Text, nullable=False),
        Column("description", Text),
        Column("price", REAL, nullable=False),
        Column("cost", REAL),
        Column("condition", Text),
        Column("category", Text),
        Column("item_type", Text),
        Column("attributes", JSONText("listings.attributes")),
        Column("photos", JSONText("listings.photos")),
        Column("quantity", Integer, server_default=text("1")),
        Column("storage_location", Text),
        Column("sku", Text),
        Column("upc", Text),
        Column("status", Text, server_default=text("'draft'")),
        Column("sold_platform", Text),
        _ts("sold_date"),
        Column("sold_price", REAL),
        Column("platform_statuses", JSONText("listings.platform_statuses")),
        _ts("created_at", default_now=True),
        _ts("updated_at", default_now=True),
        Index("idx_listings_uuid", "listing_uuid"),
        Index("idx_listings_status", "status"),
        Index("idx_listings_user_id", "user_id"),
    )
    Table(
        "platform_listings",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("listing_id", Integer, ForeignKey("listings.id")),
        Column("platform", Text, nullable=False),
        Column("platform_listing_id", Text),
        Column("platform_url", Text),
        Column("status", Text, server_default=text("'pending'")),
        _ts("posted_at"),
        _ts("last_synced"),
        _ts("cancel_scheduled_at"),
        Column("error_message", Text),
        Column("retry_count", Integer, server_default=text("0")),
        UniqueConstraint("listing_id", "platform"),
        Index("idx_platform_listings_status", "status"),
    )
    Table(
        "marketplace_credentials",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", UUID(as_uuid=True), ForeignKey("users.id")),
        Column("platform", Text, nullable=False),
        Column("username", Text),
        Column("password", Text),
        _ts("created_at", default_now=True),
        _ts("updated_at", default_now=True),
        UniqueConstraint("user_id", "platform"),
    )
    Table(
        "storage_bins",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", UUID(as_uuid=True), ForeignKey("users.id")),
        Column("bin_name", Text, nullable=False),
        Column("bin_type", Text, nullable=False),
        Column("description", Text),
        _ts("created_at", default_now=True),
        UniqueConstraint("user_id", "bin_name", "bin_type"),
    )
    Table(
        "storage_sections",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("bin_id", Integer, ForeignKey("storage_bins.id")),
        Column("section_name", Text, nullable=False),
        Column("capacity", Integer),
        Column("item_count", Integer, server_default=text("0")),
        _ts("created_at", default_now=True),
        UniqueConstraint("bin_id", "section_name"),
    )
    Table(
        "storage_items",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", UUID(as_uuid=True), ForeignKey("users.id")),
        Column("storage_id", Text, nullable=False, unique=True),
        Column("bin_id", Integer, ForeignKey("storage_bins.id")),
        Column("section_id", Integer, ForeignKey("storage_sections.id")),
        Column("item_type", Text),
        Column("category", Text),
        Column("title", Text),
        Column("description", Text),
        Column("quantity", Integer, server_default=text("1")),
        Column("photos", JSONText("storage_items.photos")),
        Column("notes", Text),
        Column("listing_id", Integer, ForeignKey("listings.id")),
        _ts("created_at", default_now=True),
        _ts("updated_at", default_now=True),
        Index("idx_storage_items_user", "user_id", text("created_at DESC")),
        Index("idx_storage_items_bin_section", "bin_id", "section_id"),
        Index("idx_storage_items_storage_id", "storage_id"),
    )
    Table(
        "card_collections",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", UUID(as_uuid=True), ForeignKey("users.id")),
        Column("card_uuid", Text, nullable=False, unique=True),
        Column("card_type", Text, nullable=False),
        Column("title", Text, nullable=False),
        Column("card_number", Text),
        Column("quantity", Integer, server_default=text("1")),
        Column("organization_mode", Text),
        Column("primary_category", Text),
        Column("custom_categories", JSONText("card_collections.custom_categories")),
        Column("storage_location", Text),
        Column("storage_item_id", Integer, ForeignKey("storage_items.id")),
        Column("game_name", Text),
        Column("set_name", Text),
        Column("set_code", Text),
        Column("set_symbol", Text),
        Column("rarity", Text),
        Column("card_subtype", Text),
        Column("format_legality", JSONText("card_collections.format_legality")),
        Column("sport", Text),
        Column("year", Integer),
        Column("brand", Text),
        Column("series", Text),
        Column("player_name", Text),
        Column("team", Text),
        Column("is_rookie_card", Boolean, server_default=FALSE),
        Column("parallel_color", Text),
        Column("insert_series", Text),
        Column("grading_company", Text),
        Column("grading_score", REAL),
        Column("grading_serial", Text),
        Column("estimated_value", REAL),
        Column("value_tier", Text),
        Column("purchase_price", REAL),
        Column("photos", JSONText("card_collections.photos")),
        Column("notes", Text),
        Column("ai_identified", Boolean, server_default=FALSE),
        Column("ai_confidence", REAL),
        _ts("created_at", default_now=True),
        _ts("updated_at", default_now=True),
        Index("idx_card_collections_user", "user_id", text("created_at DESC")),
        Index("idx_card_collections_type", "card_type"),
        Index("idx_card_collections_org_mode", "organization_mode", "primary_category"),
        Index("idx_card_collections_set", "set_code", "card_number"),
        Index("idx_card_collections_sport_year", "sport", "year", "brand"),
    )
    Table(
        "notifications",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("type", Text, nullable=False),
        Column("listing_id", Integer, ForeignKey("listings.id")),
        Column("platform", Text),
        Column("title", Text, nullable=False),
        Column("message", Text),
        Column("data", JSONText("notifications.data")),
        Column("is_read", Boolean, server_default=FALSE),
        Column("sent_email", Boolean, server_default=FALSE),
        _ts("created_at", default_now=True),
        Index("idx_notifications_unread", "is_read"),
    )
    Table(
        "platform_activity",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", UUID(as_uuid=True), ForeignKey("users.id")),
        Column("listing_id", Integer, ForeignKey("listings.id")),
        Column("platform", Text),
        Column("activity_type", Text),
        Column("message", Text),
        Column("data", JSONText("platform_activity.data")),
        Column("is_read", Boolean, server_default=FALSE),
        _ts("created_at", default_now=True),
        Index("idx_platform_activity_user_unread", "user_id", "is_read", text("created_at DESC")),
    )
    Table(
        "activity_logs",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", UUID(as_uuid=True), ForeignKey("users.id")),
        Column("action", Text, nullable=False),
        Column("resource_type", Text),
        Column("resource_id", Integer),
        Column("details", JSONText("activity_logs.details")),
        Column("ip_address", Text),
        Column("user_agent", Text),
        _ts("created_at", default_now=True),
        Index("idx_activity_logs_user_id", "user_id"),
        Index("idx_activity_logs_action", "action"),
    )
    Table(
        "training_data",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("user_id", UUID(as_uuid=True), ForeignKey("users.id")),
        Column("kind", Text),
        Column("data", JSONText("training_data.data")),
        Column("label", Text),
        _ts("created_at", default_now=True),
        Index("idx_training_data_created", text("created_at DESC")),
    )


def contract_metadata() -> MetaData:
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    add_contract_tables(metadata)
    return metadata
