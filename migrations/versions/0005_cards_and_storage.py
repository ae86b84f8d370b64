"""Cards and storage kept true by the database: section counts and capacity, location paths that follow
the stored item, sold-out items leaving their shelf, value tiers and the per-day price history.

Revision ID: 0005_cards_and_storage
Revises: 0004_sync_state
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import MetaData, text

from reseller_desktop.db import collection_tables as collection
from reseller_desktop.db.contract_tables import NAMING_CONVENTION, add_contract_tables
from reseller_desktop.db.schema_ops import SchemaBuilder

revision = "0005_cards_and_storage"
down_revision = "0004_sync_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    add_contract_tables(metadata)
    collection.add_collection_tables(metadata)
    builder = SchemaBuilder(op.get_bind(), revision)
    for table_name, columns in (
        ("card_collections", collection.CARD_COLUMNS),
        ("storage_items", collection.STORAGE_ITEM_COLUMNS),
    ):
        table = metadata.tables[table_name]
        for column in columns:
            builder.ensure_column(table, table.c[column])
    for name in collection.NEW_TABLES:
        builder.ensure_table(metadata.tables[name])
    for table_name, index_name in collection.ADDED_INDEXES:
        (index,) = (i for i in metadata.tables[table_name].indexes if i.name == index_name)
        builder.ensure_index(index)
    for name, arguments, sql in collection.FUNCTIONS:
        builder.ensure_function(name, sql, arguments)
    bind = op.get_bind()
    bind.execute(text(collection.RECOUNT_SQL))
    for table_name, name, sql in collection.TRIGGERS:
        builder.ensure_trigger(table_name, name, sql)
    bind.execute(text(collection.RETIER_SQL))


def downgrade() -> None:
    SchemaBuilder(op.get_bind(), revision).undo()
