"""The schema the program works with: the contract plus the desktop's additions (head revision)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Index, MetaData, Table, text

from reseller_desktop.db.card_indexes import add_card_indexes
from reseller_desktop.db.collection_tables import add_collection_tables
from reseller_desktop.db.contract_tables import NAMING_CONVENTION, add_contract_tables
from reseller_desktop.db.desktop_additions import CHECKS, add_desktop_columns
from reseller_desktop.db.listing_indexes import BTREE_INDEXES, UNIQUE_SKU_INDEX
from reseller_desktop.db.sync_tables import CHECKS as SYNC_CHECKS
from reseller_desktop.db.sync_tables import add_sync_tables
from reseller_desktop.db.value_history_tables import add_value_history_tables


def build_metadata() -> MetaData:
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    add_contract_tables(metadata)
    add_desktop_columns(metadata)
    for check in CHECKS:
        metadata.tables[check.table].append_constraint(CheckConstraint(text(check.sql), name=check.name))
    # Migration 0003. The search index (an expression GIN index) is not described here: SQLAlchemy
    # cannot compare it; queries name its expression through listing_indexes.SEARCH_DOCUMENT.
    listings, platform_listings = metadata.tables["listings"], metadata.tables["platform_listings"]
    for name, columns in BTREE_INDEXES:
        table = platform_listings if name.startswith("idx_platform_listings") else listings
        Index(name, *(table.c[c] for c in columns))
    Index(UNIQUE_SKU_INDEX, listings.c.user_id, listings.c.sku, unique=True, postgresql_where=text("sku IS NOT NULL"))
    # Migration 0004: the sync engine's state.
    add_sync_tables(metadata)
    for table_name, name, sql, _message in SYNC_CHECKS:
        metadata.tables[table_name].append_constraint(CheckConstraint(text(sql), name=name))
    # Migration 0005: cards and storage.
    add_collection_tables(metadata)
    # Migration 0006: the Cards page's indexes (its expression indexes are left out, as above).
    add_card_indexes(metadata)
    # Migration 0007: the collection's value per day, kept as it changes.
    add_value_history_tables(metadata)
    return metadata


metadata = build_metadata()

users: Table = metadata.tables["users"]
listings: Table = metadata.tables["listings"]
platform_listings: Table = metadata.tables["platform_listings"]
marketplace_credentials: Table = metadata.tables["marketplace_credentials"]
card_collections: Table = metadata.tables["card_collections"]
storage_bins: Table = metadata.tables["storage_bins"]
storage_sections: Table = metadata.tables["storage_sections"]
storage_items: Table = metadata.tables["storage_items"]
notifications: Table = metadata.tables["notifications"]
activity_logs: Table = metadata.tables["activity_logs"]
marketplace_orders: Table = metadata.tables["marketplace_orders"]
marketplace_poll_state: Table = metadata.tables["marketplace_poll_state"]
marketplace_api_usage: Table = metadata.tables["marketplace_api_usage"]
card_value_tiers: Table = metadata.tables["card_value_tiers"]
card_value_snapshots: Table = metadata.tables["card_value_snapshots"]
