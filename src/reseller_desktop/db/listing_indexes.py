"""Indexes for the listings workspace (migration 0003): search, keyset pages, scans, unique SKUs.

FROZEN once released: migration 0003 applies exactly this.

Search is substring search over title, SKU, UPC and description, served by one trigram GIN index on
their concatenation (pg_trgm makes ILIKE '%term%' an index scan). A server where the extension
cannot be created gets a full-text index instead and the search becomes word-prefix search.
"""

from __future__ import annotations

from typing import Final

SEARCH_DOCUMENT: Final = (
    "(coalesce(title, '') || ' ' || coalesce(sku, '') || ' ' || coalesce(upc, '') || ' ' || coalesce(description, ''))"
)
TRIGRAM_INDEX: Final = "idx_listings_search_trgm"
FULLTEXT_INDEX: Final = "idx_listings_search_fts"
TRIGRAM_INDEX_SQL: Final = f"CREATE INDEX {TRIGRAM_INDEX} ON listings USING gin ({SEARCH_DOCUMENT} gin_trgm_ops)"
FULLTEXT_INDEX_SQL: Final = (
    f"CREATE INDEX {FULLTEXT_INDEX} ON listings USING gin (to_tsvector('simple', {SEARCH_DOCUMENT}))"
)

UNIQUE_SKU_INDEX: Final = "uq_listings_user_sku"
UNIQUE_SKU_SQL: Final = f"CREATE UNIQUE INDEX {UNIQUE_SKU_INDEX} ON listings (user_id, sku) WHERE sku IS NOT NULL"

# Keyset pagination: one index per sortable column, each ending in id so the order is total.
KEYSET_COLUMNS: Final = (
    "updated_at",
    "created_at",
    "title",
    "price",
    "cost",
    "quantity",
    "status",
    "storage_location",
    "sku",
)
BTREE_INDEXES: Final = (
    ("idx_listings_user_id_id", ("user_id", "id")),
    *((f"idx_listings_user_{column}", ("user_id", column, "id")) for column in KEYSET_COLUMNS),
    ("idx_listings_user_upc", ("user_id", "upc")),
    ("idx_platform_listings_listing", ("listing_id", "status")),
)
