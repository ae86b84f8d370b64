"""The sync engine's state: leases, steps and backoff on platform_listings, order lines, poll state,
API call counts, a trigger that asks for a platform update whenever a live listing changes, and one
that takes a listing down everywhere when it stops being for sale (sold: after the cooldown).

Revision ID: 0004_sync_state
Revises: 0003_listing_indexes
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import MetaData

from reseller_desktop.db import sync_tables as sync
from reseller_desktop.db.contract_tables import NAMING_CONVENTION, add_contract_tables
from reseller_desktop.db.schema_ops import SchemaBuilder

revision = "0004_sync_state"
down_revision = "0003_listing_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    add_contract_tables(metadata)
    sync.add_sync_tables(metadata)
    builder = SchemaBuilder(op.get_bind(), revision)
    platform_listings = metadata.tables["platform_listings"]
    for column in sync.PLATFORM_LISTING_COLUMNS:
        builder.ensure_column(platform_listings, platform_listings.c[column])
    for name in sync.NEW_TABLES:
        builder.ensure_table(metadata.tables[name])
    for table, index_name in sync.ADDED_INDEXES:
        (index,) = (i for i in metadata.tables[table].indexes if i.name == index_name)
        builder.ensure_index(index)
    for table, name, sql, message in sync.CHECKS:
        builder.ensure_check(table, name, sql, message)
    builder.ensure_function(sync.UPDATE_TRIGGER_FUNCTION, sync.UPDATE_TRIGGER_FUNCTION_SQL)
    builder.ensure_trigger("listings", sync.UPDATE_TRIGGER, sync.UPDATE_TRIGGER_SQL)
    builder.ensure_function(sync.LEFT_SALE_FUNCTION, sync.LEFT_SALE_FUNCTION_SQL)
    builder.ensure_trigger("listings", sync.LEFT_SALE_TRIGGER, sync.LEFT_SALE_TRIGGER_SQL)


def downgrade() -> None:
    SchemaBuilder(op.get_bind(), revision).undo()
