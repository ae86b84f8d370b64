"""The bulk write behind a card import, bound to one user like every repository.

Rows are COPYed into a temporary staging table and matched there against the user's cards in a few
set-based statements, never one per row. The whole import is the caller's one transaction: the
staging table and its helper functions vanish with it, and a rollback leaves nothing behind.

How rows become cards (the preview reports the same):
- A row with a card_uuid (our own export) updates the user's card with that uuid when anything
  differs, or creates the card, keeping the uuid unless another user's card has it. created_at
  and updated_at of the file are kept for a new card and never change an existing one.
- Other rows are grouped by their identity (card_csv_formats.IDENTITY; blank and NULL alike):
  the rows of a group become one card holding the summed quantity; when the user already owns a
  card of that identity (the oldest one, if several) the group is added to it instead.
- Merging: quantities add up; the purchase price is the quantity-weighted average of the prices
  known; the estimated value is the file's (first row that has one), else the card keeps its own;
  tags (custom_categories) and source_ids are united, notes added when not already there; set
  name and rarity fill in what the card lacks. Nothing the card had is dropped.
- storage_item_id and listing_id that are not the user's are cleared, with a warning.
"""

# SQL here is composed only from this module's own constants (the staging table, column lists);
# every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from reseller_desktop.domain.card_csv_formats import (
    CARD_FIELDS,
    IDENTITY,
    OWN_FLAGS,
    OWN_INTEGERS,
    OWN_JSON,
    OWN_MONEY,
    OWN_NUMBERS,
)
from reseller_desktop.repositories.base import utc_now
from reseller_desktop.repositories.import_staging import StagingRepository, repeat_message

STAGING = "card_import_staging"
JSONB = "pg_temp.card_import_jsonb"
JSON_UNION = "pg_temp.card_import_json_union"
# What `stage` takes per row, in this order. Rows that failed validation are staged too, with only
# their keys (valid=False), so a repeated card_uuid is found even when its first row has another error.
STAGED_COLUMNS = ("row_number", "valid", "card_uuid", *CARD_FIELDS, "created_at", "updated_at")
INT_MAX = 2**31 - 1


def _sql_type(name: str) -> str:
    if name == "quantity":
        return "bigint"  # a group's first row holds the group's sum, which may not fit the column
    if name in OWN_INTEGERS:
        return "integer"
    if name in OWN_MONEY or name in OWN_NUMBERS:
        return "double precision"  # bound as the repository binds it, cast to REAL like a normal write
    return "boolean" if name in OWN_FLAGS else "text"


_STAGING_DDL = f"""
CREATE TEMPORARY TABLE {STAGING} (
    row_number integer PRIMARY KEY,
    valid boolean NOT NULL,
    card_uuid text,
    {", ".join(f"{name} {_sql_type(name)}" for name in CARD_FIELDS)},
    created_at timestamp, updated_at timestamp,
    group_row integer,
    group_size integer,
    match_id integer,
    changed boolean
) ON COMMIT DROP
"""
_MATCH_INDEX_DDL = f"CREATE INDEX ON {STAGING} (match_id)"
# JSON text as jsonb, NULL when blank or malformed (the web app may have written anything).
_JSONB_DDL = f"""
CREATE OR REPLACE FUNCTION {JSONB}(value text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    RETURN NULLIF(btrim(value), '')::jsonb;
EXCEPTION WHEN data_exception THEN
    RETURN NULL;
END
$$
"""
# `old` with what `new` adds: for lists (tags) the elements it lacks, in order; for objects (ids) the
# keys it lacks. `old` stays as it is when either is not JSON of that `shape`. The quick answers come
# first: JSONB's exception block costs a subtransaction.
_JSON_UNION_DDL = f"""
CREATE OR REPLACE FUNCTION {JSON_UNION}(old text, new text, shape text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    o jsonb;
    n jsonb;
BEGIN
    IF new IS NULL OR old IS NOT DISTINCT FROM new THEN
        RETURN old;
    END IF;
    n := {JSONB}(new);
    IF n IS NULL OR jsonb_typeof(n) <> shape THEN
        RETURN old;
    ELSIF old IS NULL OR btrim(old) = '' THEN
        RETURN new;
    END IF;
    o := {JSONB}(old);
    IF o IS NULL OR jsonb_typeof(o) <> shape THEN
        RETURN old;
    ELSIF shape = 'object' THEN
        RETURN (n || o)::text;
    END IF;
    RETURN (SELECT (o || COALESCE(jsonb_agg(e ORDER BY i), '[]'))::text
              FROM jsonb_array_elements(n) WITH ORDINALITY AS x(e, i) WHERE NOT o @> jsonb_build_array(e));
END
$$
"""


def _identity(alias: str, staged: bool) -> list[str]:
    """The identity columns as expressions equal for equal cards (blank = NULL), hash-joinable."""
    parts = []
    for name in IDENTITY:
        if name == "grading_score":
            parts.append(f"COALESCE({alias}.{name}{'::real' if staged else ''}, -1)")
        elif name == "title":
            parts.append(f"{alias}.title")
        else:
            parts.append(f"COALESCE({alias}.{name}, '')")
    return parts


_TEXT = tuple(n for n in CARD_FIELDS if _sql_type(n) == "text" and n not in OWN_JSON and n != "title")
_REAL = (*OWN_MONEY, *OWN_NUMBERS)


def _differs(old: str, new: str) -> str:
    """SQL true when card `old` and staged row `new` differ in a field a CSV can tell apart."""
    parts = [f"NULLIF({old}.{c}, '') IS DISTINCT FROM {new}.{c}" for c in _TEXT]
    parts += [f"{old}.{c} IS DISTINCT FROM {new}.{c}::real" for c in _REAL]
    parts += [f"{old}.{c} IS DISTINCT FROM {new}.{c}" for c in (*OWN_FLAGS, *OWN_INTEGERS) if c != "quantity"]
    parts += [f"{old}.title IS DISTINCT FROM {new}.title", f"COALESCE({old}.quantity, 1) <> {new}.quantity"]
    parts += [
        f"({old}.{c} IS DISTINCT FROM {new}.{c} AND {JSONB}({old}.{c}) IS DISTINCT FROM {JSONB}({new}.{c}))"
        for c in OWN_JSON
    ]
    return "(" + " OR ".join(parts) + ")"


def _cast(name: str, alias: str = "s") -> str:
    return f"{alias}.{name}::real" if name in _REAL else f"{alias}.{name}"


_SLICE = "s.row_number >= :first AND s.row_number < :stop AND s.valid"
# The identities of the user's cards, the oldest card of each; a table of its own so that matching
# is planned on true counts (see below).
OWNED = "card_import_owned"
_OWNED_DDL = f"""
CREATE TEMPORARY TABLE {OWNED} ON COMMIT DROP AS
SELECT min(c.id) AS id, {", ".join(f"{e} AS k{i}" for i, e in enumerate(_identity("c", staged=False)))}
FROM card_collections c WHERE c.user_id = :user_id GROUP BY {", ".join(_identity("c", staged=False))}
"""
_GROUP_ROWS = f"""
UPDATE {STAGING} s SET group_row = g.first_row, group_size = g.size FROM (
    SELECT row_number, min(row_number) OVER same_card AS first_row, count(*) OVER same_card AS size
    FROM {STAGING} WHERE valid AND card_uuid IS NULL
    WINDOW same_card AS (PARTITION BY {", ".join(_identity(STAGING, staged=True))})
) g WHERE s.row_number = g.row_number
"""
_MATCH_OWNED = f"""
UPDATE {STAGING} s SET match_id = o.id FROM {OWNED} o
WHERE s.valid AND s.card_uuid IS NULL AND s.group_row IS NOT NULL
  AND {" AND ".join(f"{e} = o.k{i}" for i, e in enumerate(_identity("s", staged=True)))}
"""
# Statements that meet the user's cards look them up by a unique index, one staged row at a time
# (correlated subqueries, `c.id = ANY(:ids)`), whatever the planner believes about card_collections:
# its statistics lag far behind an import that has just added thousands of cards.
_MATCH_UUID = f"""
UPDATE {STAGING} s SET match_id = (
    SELECT c.id FROM card_collections c WHERE c.card_uuid = s.card_uuid AND c.user_id = :user_id
) WHERE s.valid AND s.card_uuid IS NOT NULL
"""
_CHANGED = f"""
UPDATE {STAGING} s
SET changed = EXISTS (SELECT 1 FROM card_collections c WHERE c.id = s.match_id AND {_differs("c", "s")})
WHERE s.valid AND s.card_uuid IS NOT NULL AND s.match_id IS NOT NULL
"""
# A group of more than one row: its first row takes what the whole group adds up to.
_MERGE_GROUPS = f"""
WITH members AS MATERIALIZED (
    SELECT row_number, group_row, quantity, purchase_price, estimated_value, notes, custom_categories, source_ids
    FROM {STAGING} WHERE valid AND group_size > 1
),
tags AS (
    SELECT m.group_row, jsonb_agg(DISTINCT e.tag)::text AS tags FROM members m
    CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof({JSONB}(m.custom_categories)) = 'array'
        THEN {JSONB}(m.custom_categories) ELSE '[]'::jsonb END) AS e(tag)
    GROUP BY m.group_row
),
ids AS (
    SELECT m.group_row, jsonb_object_agg(e.key, e.value ORDER BY m.row_number DESC)::text AS ids
    FROM members m
    CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof({JSONB}(m.source_ids)) = 'object'
        THEN {JSONB}(m.source_ids) ELSE '{{}}'::jsonb END) AS e(key, value)
    GROUP BY m.group_row
),
totals AS (
    SELECT m.group_row, sum(m.quantity) AS quantity,
           COALESCE(sum(m.purchase_price::numeric * m.quantity) / NULLIF(sum(m.quantity)
               FILTER (WHERE m.purchase_price IS NOT NULL), 0), avg(m.purchase_price::numeric)) AS purchase_price,
           (array_agg(m.estimated_value ORDER BY m.row_number) FILTER (WHERE m.estimated_value IS NOT NULL))[1]
               AS estimated_value,
           string_agg(DISTINCT m.notes, E'\\n') AS notes
    FROM members m GROUP BY m.group_row
)
UPDATE {STAGING} s SET quantity = t.quantity, estimated_value = t.estimated_value,
    purchase_price = round(t.purchase_price, 2), notes = t.notes,
    custom_categories = COALESCE(tags.tags, s.custom_categories), source_ids = COALESCE(ids.ids, s.source_ids)
FROM totals t LEFT JOIN tags USING (group_row) LEFT JOIN ids USING (group_row)
WHERE s.row_number = t.group_row
"""
_TOO_MANY = f"""
SELECT s.row_number FROM {STAGING} s
WHERE s.valid AND s.row_number = s.group_row
  AND s.quantity + COALESCE((SELECT c.quantity FROM card_collections c WHERE c.id = s.match_id), 0) > {INT_MAX}
"""
_FOREIGN_KEYS = {"storage_item_id": ("storage_items", "storage item"), "listing_id": ("listings", "listing")}


def _clear_foreign(column: str) -> str:
    table = _FOREIGN_KEYS[column][0]
    return f"""
    WITH foreign_rows AS (
        SELECT s.row_number, s.{column} AS value FROM {STAGING} s
        WHERE s.valid AND s.{column} IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.id = s.{column} AND x.user_id = :user_id)
    )
    UPDATE {STAGING} s SET {column} = NULL FROM foreign_rows f WHERE s.row_number = f.row_number
    RETURNING f.row_number, f.value
    """


_COUNTS = f"""
SELECT count(*) FILTER (WHERE match_id IS NULL AND (card_uuid IS NOT NULL OR row_number = group_row)),
       count(*) FILTER (WHERE card_uuid IS NULL AND (row_number <> group_row OR match_id IS NOT NULL)),
       count(*) FILTER (WHERE card_uuid IS NULL AND match_id IS NOT NULL),
       count(*) FILTER (WHERE card_uuid IS NOT NULL AND match_id IS NOT NULL AND changed),
       count(*) FILTER (WHERE card_uuid IS NOT NULL AND match_id IS NOT NULL AND NOT changed)
FROM {STAGING} WHERE valid
"""
# The user's cards a slice of the file changes: by card_uuid, or by identity (the first row of a group).
_BY_UUID = "s.valid AND s.card_uuid IS NOT NULL AND s.changed"
_BY_IDENTITY = "s.valid AND s.card_uuid IS NULL AND s.row_number = s.group_row"
_CARDS_TO_CHANGE = f"""
SELECT s.match_id, s.card_uuid IS NOT NULL FROM {STAGING} s
WHERE {_SLICE} AND s.match_id IS NOT NULL AND ({_BY_UUID} OR {_BY_IDENTITY})
"""
# Each card pulls its row of the file (by the staging table's match_id index): no join to plan.
_UPDATE_BY_UUID = f"""
UPDATE card_collections c SET ({", ".join(CARD_FIELDS)}, updated_at) = (
    SELECT {", ".join(_cast(n) for n in CARD_FIELDS)}, :now FROM {STAGING} s WHERE s.match_id = c.id AND {_BY_UUID}
)
WHERE c.id = ANY(:ids) AND c.user_id = :user_id
"""
_WEIGHTED_PRICE = """CASE WHEN s.purchase_price IS NULL THEN c.purchase_price
    WHEN c.purchase_price IS NULL THEN s.purchase_price::real
    ELSE round((c.purchase_price::numeric * COALESCE(c.quantity, 1) + s.purchase_price::numeric * s.quantity)
               / NULLIF(COALESCE(c.quantity, 1) + s.quantity, 0), 2)::real END"""
_ADD_TO_OWNED = f"""
UPDATE card_collections c
SET (quantity, purchase_price, estimated_value, custom_categories, source_ids, notes, set_name, rarity, updated_at) = (
    SELECT COALESCE(c.quantity, 1) + s.quantity,
           COALESCE({_WEIGHTED_PRICE}, c.purchase_price),
           COALESCE(s.estimated_value::real, c.estimated_value),
           {JSON_UNION}(c.custom_categories, s.custom_categories, 'array'),
           {JSON_UNION}(c.source_ids, s.source_ids, 'object'),
           CASE WHEN s.notes IS NULL OR strpos(COALESCE(c.notes, ''), s.notes) > 0 THEN c.notes
                WHEN NULLIF(c.notes, '') IS NULL THEN s.notes ELSE c.notes || E'\\n' || s.notes END,
           COALESCE(NULLIF(c.set_name, ''), s.set_name),
           COALESCE(NULLIF(c.rarity, ''), s.rarity),
           :now
    FROM {STAGING} s WHERE s.match_id = c.id AND {_BY_IDENTITY}
)
WHERE c.id = ANY(:ids) AND c.user_id = :user_id
"""
_INSERT_COLUMNS = ("card_uuid", "user_id", *CARD_FIELDS, "created_at", "updated_at")
_INSERT_VALUES = ", ".join(
    f"COALESCE(s.{n}, false)" if n in OWN_FLAGS else _cast(n) for n in CARD_FIELDS
)  # the contract's defaults for the flags, as an ordinary add leaves them
_CREATE = f"""
INSERT INTO card_collections ({", ".join(_INSERT_COLUMNS)})
SELECT CASE WHEN s.card_uuid IS NULL OR EXISTS (SELECT 1 FROM card_collections x WHERE x.card_uuid = s.card_uuid)
            THEN gen_random_uuid()::text ELSE s.card_uuid END,
       :user_id, {_INSERT_VALUES}, COALESCE(s.created_at, :now), COALESCE(s.updated_at, :now)
FROM {STAGING} s
WHERE {_SLICE} AND s.match_id IS NULL AND (s.card_uuid IS NOT NULL OR s.row_number = s.group_row)
ORDER BY s.row_number
"""


@dataclass(frozen=True)
class RowNote:
    """A row the staging table shows something about (found in SQL, after parsing)."""

    row_number: int
    message: str


@dataclass(frozen=True)
class StagedCounts:
    to_create: int
    to_merge: int  # rows that add to another card rather than make one
    into_owned: int  # of those, rows that add to a card the user already had
    to_update: int
    unchanged: int


class CardImportRepository(StagingRepository):
    staging = STAGING
    staged_columns = STAGED_COLUMNS

    def start(self) -> None:
        """Create the staging table and helper functions for this transaction."""
        for ddl in (_STAGING_DDL, _MATCH_INDEX_DDL, _JSONB_DDL, _JSON_UNION_DDL):
            self._conn.execute(text(ddl))

    def classify(self) -> tuple[list[RowNote], list[RowNote]]:
        """Match staged rows to the user's cards and to each other; (rows refused, warnings)."""
        params = {"user_id": self.user_id}
        self._conn.execute(text(f"ANALYZE {STAGING}"))  # temporary tables are never auto-analyzed
        problems = [
            RowNote(row, repeat_message("card_uuid:", value, first)) for row, value, first in self._repeats("card_uuid")
        ]
        self._invalidate([p.row_number for p in problems])
        warnings = []
        for column, (_, noun) in _FOREIGN_KEYS.items():
            for row, value in self._conn.execute(text(_clear_foreign(column)), params).all():
                message = f"{column}: {value} is not one of your {noun}s; the card is imported without it."
                warnings.append(RowNote(int(row), message))
        self._conn.execute(text(_MATCH_UUID), params)
        self._conn.execute(text(_CHANGED))
        self._conn.execute(text(_GROUP_ROWS))
        self._conn.execute(text(_OWNED_DDL), params)
        self._conn.execute(text(f"ANALYZE {OWNED}, {STAGING}"))  # the groups too: they plan the merges
        self._conn.execute(text(_MATCH_OWNED))
        self._conn.execute(text(_MERGE_GROUPS))
        too_many = [
            RowNote(int(row), f"the rows of this card add up to more than {INT_MAX:,} copies.")
            for row in self._conn.scalars(text(_TOO_MANY)).all()
        ]
        self._invalidate([n.row_number for n in too_many], "row_number = ANY(:rows) OR group_row = ANY(:rows)")
        return sorted(problems + too_many, key=lambda n: n.row_number), sorted(warnings, key=lambda n: n.row_number)

    def counts(self) -> StagedCounts:
        return StagedCounts(*(int(n) for n in self._conn.execute(text(_COUNTS)).one()))

    def write(self, first: int, stop: int) -> None:
        """Write the staged rows first <= row_number < stop.

        The caller writes in slices so each statement stays well within the statement time limit and
        progress and cancel are seen between slices; it is still one transaction.
        """
        params: dict[str, Any] = {"user_id": self.user_id, "now": utc_now(), "first": first, "stop": stop}
        to_change = self._conn.execute(text(_CARDS_TO_CHANGE), params).all()
        for by_uuid, statement in ((True, _UPDATE_BY_UUID), (False, _ADD_TO_OWNED)):
            ids = [card_id for card_id, uuid_row in to_change if uuid_row is by_uuid]
            if ids:
                self._conn.execute(text(statement), {**params, "ids": ids})
        self._conn.execute(text(_CREATE), params)

    def record(self, file_name: str, file_format: str, counts: StagedCounts) -> None:
        details = {
            "file": file_name,
            "format": file_format,
            "created": counts.to_create,
            "merged": counts.to_merge,
            "merged_into_owned": counts.into_owned,
            "updated": counts.to_update,
            "unchanged": counts.unchanged,
        }
        self._activity.record("import_cards", "card", None, details)
