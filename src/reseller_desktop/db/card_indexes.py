"""Indexes for the Cards page (migration 0006): search, keyset pages, group sums, tags.

FROZEN once released: migration 0006 applies exactly this.

Search is substring search over title, player, set name and card number, served by one trigram GIN
index on their concatenation (the fallback without pg_trgm is a full-text index, as for listings).
Each sortable column has a (user_id, column, id) index for keyset pages. The group trees sum
quantity and value per set, player or tier: their indexes carry those columns (INCLUDE), so the
sums are index-only scans rather than reads of every card row.

Tags: custom_categories is JSON kept in TEXT, which another program may have written malformed.
`reseller_desktop_card_tags(text)` reads it as a JSON array of tags and never fails (malformed
JSON: no tags; a bare string: one tag), so grouping by tag cannot break the page, and it is
IMMUTABLE so a GIN index on it serves "cards with this tag". Grouping by tag calls it once per card
with tags (about 3 s for a million tagged cards): the one group tree that is not index-only.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import Index, MetaData

SEARCH_DOCUMENT: Final = (
    "(coalesce(title, '') || ' ' || coalesce(player_name, '') || ' ' || coalesce(set_name, '') || ' ' "
    "|| coalesce(card_number, ''))"
)
TRIGRAM_INDEX: Final = "idx_card_collections_search_trgm"
FULLTEXT_INDEX: Final = "idx_card_collections_search_fts"
TRIGRAM_INDEX_SQL: Final = (
    f"CREATE INDEX {TRIGRAM_INDEX} ON card_collections USING gin ({SEARCH_DOCUMENT} gin_trgm_ops)"
)
FULLTEXT_INDEX_SQL: Final = (
    f"CREATE INDEX {FULLTEXT_INDEX} ON card_collections USING gin (to_tsvector('simple', {SEARCH_DOCUMENT}))"
)

TAGS_FUNCTION: Final = "reseller_desktop_card_tags"
TAGS_FUNCTION_SIGNATURE: Final = f"{TAGS_FUNCTION}(text)"
# A JSON array as is, a JSON string as an array of it, anything else (malformed included) as [].
# pg_input_is_valid (PostgreSQL 16+) checks without raising; older servers catch the error, which
# costs a subtransaction per call (about half again as slow).
_TAGS_OF_DOC: Final = (
    "CASE jsonb_typeof(doc) WHEN 'array' THEN doc WHEN 'string' THEN jsonb_build_array(doc) ELSE '[]' END"
)
TAGS_FUNCTION_SQL: Final = (
    "CREATE OR REPLACE FUNCTION reseller_desktop_card_tags(raw text) RETURNS jsonb "
    "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
    "DECLARE doc jsonb; "
    "BEGIN "
    "IF NOT pg_input_is_valid(raw, 'jsonb') THEN RETURN '[]'; END IF; "
    "doc := raw::jsonb; "
    f"RETURN {_TAGS_OF_DOC}; "
    "END $$"
)
TAGS_FUNCTION_SQL_BEFORE_16: Final = (
    "CREATE OR REPLACE FUNCTION reseller_desktop_card_tags(raw text) RETURNS jsonb "
    "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$ "
    "DECLARE doc jsonb; "
    "BEGIN "
    "BEGIN doc := raw::jsonb; EXCEPTION WHEN others THEN RETURN '[]'; END; "
    f"RETURN {_TAGS_OF_DOC}; "
    "END $$"
)
TAGS_EXPRESSION: Final = f"{TAGS_FUNCTION}(custom_categories)"
TAGS_INDEX: Final = "idx_card_collections_tags"
TAGS_INDEX_SQL: Final = f"CREATE INDEX {TAGS_INDEX} ON card_collections USING gin ({TAGS_EXPRESSION} jsonb_path_ops)"

# Expression indexes, which SQLAlchemy metadata cannot describe (schema comparisons leave them out).
EXPRESSION_INDEXES: Final = (TRIGRAM_INDEX, FULLTEXT_INDEX, TAGS_INDEX)

# Keyset pagination: one index per sortable column, each ending in id so the order is total. The one
# list of the columns the cards table sorts by: CardSort (repositories/card_pages.py) takes these and id.
KEYSET_COLUMNS: Final = (
    "updated_at",
    "title",
    "set_name",
    "card_number",
    "player_name",
    "year",
    "grading_score",
    "quantity",
    "estimated_value",
    "purchase_price",
    "storage_location",
)
SUMMED: Final = ("quantity", "estimated_value", "purchase_price")
# (name, key columns, included columns)
BTREE_INDEXES: Final[tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]] = (
    ("idx_card_collections_user_id_id", ("user_id", "id"), ()),
    *((f"idx_card_collections_user_{column}", ("user_id", column, "id"), ()) for column in KEYSET_COLUMNS),
    ("idx_card_collections_user_set_groups", ("user_id", "game_name", "set_name"), SUMMED),
    ("idx_card_collections_user_player_groups", ("user_id", "sport", "player_name"), SUMMED),
    ("idx_card_collections_user_tier_groups", ("user_id", "value_tier"), SUMMED),
)


def btree_index_sql(name: str, columns: tuple[str, ...], included: tuple[str, ...]) -> str:
    include = f" INCLUDE ({', '.join(included)})" if included else ""
    return f"CREATE INDEX {name} ON card_collections ({', '.join(columns)}){include}"


def add_card_indexes(metadata: MetaData) -> None:
    """The B-tree indexes of migration 0006 on the program's metadata (db/schema.py)."""
    cards = metadata.tables["card_collections"]
    for name, columns, included in BTREE_INDEXES:
        Index(name, *(cards.c[c] for c in columns), postgresql_include=list(included))
