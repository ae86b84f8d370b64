"""Indexes for the Cards page: substring search (pg_trgm, or full text where the extension cannot be
had), keyset pagination per sortable column, covering indexes for the group sums, and the tags of
custom_categories (a function that reads them safely, and a GIN index on it).

Revision ID: 0006_card_indexes
Revises: 0005_cards_and_storage
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import text

from reseller_desktop.db import card_indexes as ix
from reseller_desktop.db.schema_ops import SchemaBuilder

revision = "0006_card_indexes"
down_revision = "0005_cards_and_storage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    builder = SchemaBuilder(bind, revision)
    if builder.ensure_extension("pg_trgm"):
        builder.ensure_raw_index("card_collections", ix.TRIGRAM_INDEX, ix.TRIGRAM_INDEX_SQL)
    else:
        builder.ensure_raw_index("card_collections", ix.FULLTEXT_INDEX, ix.FULLTEXT_INDEX_SQL)
    for name, columns, included in ix.BTREE_INDEXES:
        builder.ensure_raw_index("card_collections", name, ix.btree_index_sql(name, columns, included))
    checks_without_raising = int(bind.scalar(text("SHOW server_version_num")) or 0) >= 160000
    tags_sql = ix.TAGS_FUNCTION_SQL if checks_without_raising else ix.TAGS_FUNCTION_SQL_BEFORE_16
    builder.ensure_function(ix.TAGS_FUNCTION, tags_sql, "text")
    builder.ensure_raw_index("card_collections", ix.TAGS_INDEX, ix.TAGS_INDEX_SQL)


def downgrade() -> None:
    SchemaBuilder(op.get_bind(), revision).undo()
