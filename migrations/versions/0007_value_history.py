"""The collection's value per day kept as it changes: one change per seller and day, maintained by
triggers on the value snapshots (queued per transaction, added at commit), computed once here from
the snapshots already recorded.

Revision ID: 0007_value_history
Revises: 0006_card_indexes
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import MetaData

from reseller_desktop.db import value_history_tables as history
from reseller_desktop.db.collection_tables import add_collection_tables
from reseller_desktop.db.contract_tables import NAMING_CONVENTION, add_contract_tables
from reseller_desktop.db.schema_ops import SchemaBuilder

revision = "0007_value_history"
down_revision = "0006_card_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    add_contract_tables(metadata)
    add_collection_tables(metadata)
    history.add_value_history_tables(metadata)
    bind = op.get_bind()
    builder = SchemaBuilder(bind, revision)
    for name in history.NEW_TABLES:
        builder.ensure_table(metadata.tables[name])
    for name, arguments, sql in history.FUNCTIONS:
        builder.ensure_function(name, sql, arguments)
    # The triggers first: from here on no other client can write a snapshot until this commits (its
    # lock waits for them), so the backfill below counts every snapshot exactly once.
    for table_name, name, sql in history.TRIGGERS:
        builder.ensure_trigger(table_name, name, sql)
    history.backfill_daily_changes(bind)


def downgrade() -> None:
    SchemaBuilder(op.get_bind(), revision).undo()
