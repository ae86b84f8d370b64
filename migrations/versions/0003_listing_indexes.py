"""Indexes for the listings workspace: substring search (pg_trgm, or full text where the extension
cannot be had), keyset pagination per sortable column, barcode lookups, unique SKU per user.

Duplicate SKUs already stored keep the unique index from being built; they are listed by
`db upgrade` / `db current` and `db validate` builds it once they are fixed.

Revision ID: 0003_listing_indexes
Revises: 0002_invariants
"""

from __future__ import annotations

from alembic import op

from reseller_desktop.db import listing_indexes as ix
from reseller_desktop.db.schema_ops import SchemaBuilder

revision = "0003_listing_indexes"
down_revision = "0002_invariants"
branch_labels = None
depends_on = None


def upgrade() -> None:
    builder = SchemaBuilder(op.get_bind(), revision)
    if builder.ensure_extension("pg_trgm"):
        builder.ensure_raw_index("listings", ix.TRIGRAM_INDEX, ix.TRIGRAM_INDEX_SQL)
    else:
        builder.ensure_raw_index("listings", ix.FULLTEXT_INDEX, ix.FULLTEXT_INDEX_SQL)
    table_of = {"idx_platform_listings_listing": "platform_listings"}
    for name, columns in ix.BTREE_INDEXES:
        table = table_of.get(name, "listings")
        builder.ensure_raw_index(table, name, f"CREATE INDEX {name} ON {table} ({', '.join(columns)})")
    builder.ensure_raw_index("listings", ix.UNIQUE_SKU_INDEX, ix.UNIQUE_SKU_SQL, unique_columns=("user_id", "sku"))


def downgrade() -> None:
    SchemaBuilder(op.get_bind(), revision).undo()
