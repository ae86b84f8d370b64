"""The bulk write behind a CSV import, bound to one user like every repository.

Rows are COPYed into a temporary staging table, classified there against the user's listings in a
few set-based statements (never row by row), and merged with INSERT … ON CONFLICT on the unique
(user_id, sku) index. The whole import is the caller's one transaction: the staging table and its
helper function vanish with it, and a rollback leaves nothing behind.

How rows are matched (the same rules the preview reports):
- a row with a SKU updates the user's listing with that SKU, or creates one;
- a row whose SKU was left blank (the service generated one) updates the user's listing with the
  same listing_uuid when that listing has no SKU either (rows the web app made without one), so
  such rows round-trip; otherwise it creates a listing under the generated SKU;
- a row naming one of the user's listings by listing_uuid but with a different SKU is refused, as
  the user's intent (rename? copy?) cannot be told;
- a listing_uuid no listing has is kept for a new row; one that another user's listing has is
  replaced by a fresh one without saying so (tenants never learn about each other's rows).
"""

# SQL here is composed only from this module's own constants (the staging table, column lists);
# every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg.errors
from sqlalchemy import text

from reseller_desktop.db.listing_indexes import UNIQUE_SKU_INDEX
from reseller_desktop.domain.errors import UserError
from reseller_desktop.repositories.base import utc_now
from reseller_desktop.repositories.import_staging import StagingRepository, repeat_message

STAGING = "listing_import_staging"
JSON_DIFFERS = "pg_temp.listing_import_json_differs"
WRITTEN = "pg_temp.listing_import_written"
# The listing fields a seller owns, in the staging table's order (money as float8: see below).
FIELD_COLUMNS = (
    "title", "description", "price", "cost", "condition", "category", "item_type", "attributes", "photos",
    "quantity", "storage_location", "sku", "upc", "status", "sold_platform", "sold_date", "sold_price",
    "platform_statuses"
)  # fmt: skip
# What `stage` takes per row, in this order. Rows that failed validation are staged too, with only
# their keys (valid=False), so a duplicate SKU is found even when its first row has another error.
STAGED_COLUMNS = ("row_number", "valid", "sku_generated", "listing_uuid", *FIELD_COLUMNS, "created_at", "updated_at")

# Rows of the file between two reports of the merge's progress.
PROGRESS_ROWS = 5_000

# sku is left out: rows are matched on it, so it is equal wherever these comparisons run.
_TEXT = ("title", "description", "condition", "category", "item_type", "storage_location", "upc", "sold_platform")
_MONEY = ("price", "cost", "sold_price")
_JSON = ("attributes", "photos", "platform_statuses")

# Money is staged as float8, the value the listings repository binds, and cast to REAL in SQL the way
# an ordinary write is cast, so a cent amount lands on exactly the same REAL both ways.
_STAGING_DDL = f"""
CREATE TEMPORARY TABLE {STAGING} (
    row_number integer PRIMARY KEY,
    valid boolean NOT NULL,
    sku_generated boolean NOT NULL,
    listing_uuid text,
    title text, description text, price double precision, cost double precision, condition text,
    category text, item_type text, attributes text, photos text, quantity integer, storage_location text,
    sku text, upc text, status text, sold_platform text, sold_date timestamp, sold_price double precision,
    platform_statuses text, created_at timestamp, updated_at timestamp,
    match_id integer,
    changed boolean
) ON COMMIT DROP
"""

# JSON is compared as JSON, so text the web app wrote with other spacing or key order is "unchanged";
# malformed JSON in the database counts as different (the import replaces it). A re-imported export
# calls this for most rows (the export writes JSON in one form, the web app in another): PostgreSQL
# 16+ checks the JSON with pg_input_is_valid; older servers catch the error instead, which costs a
# subtransaction per call (a re-import of 100,000 rows checked in 5.6 s instead of 3.6 s).
JSON_DIFFERS_SQL = f"""
CREATE OR REPLACE FUNCTION {JSON_DIFFERS}(old text, new text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    old_json text := NULLIF(NULLIF(btrim(old), ''), 'null');
BEGIN
    IF old IS NOT DISTINCT FROM new THEN
        RETURN false;
    END IF;
    IF NOT pg_input_is_valid(COALESCE(old_json, 'null'), 'jsonb')
       OR NOT pg_input_is_valid(COALESCE(new, 'null'), 'jsonb') THEN
        RETURN true;
    END IF;
    RETURN old_json::jsonb IS DISTINCT FROM new::jsonb;
END
$$
"""
JSON_DIFFERS_SQL_BEFORE_16 = f"""
CREATE OR REPLACE FUNCTION {JSON_DIFFERS}(old text, new text) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF old IS NOT DISTINCT FROM new THEN
        RETURN false;
    END IF;
    BEGIN
        RETURN NULLIF(NULLIF(btrim(old), ''), 'null')::jsonb IS DISTINCT FROM new::jsonb;
    EXCEPTION WHEN data_exception THEN
        RETURN true;
    END;
END
$$
"""


def differs(old: str, new: str, money_cast: str = "") -> str:
    """SQL that is true when the listing `old` and the imported values `new` differ in a field.

    A CSV cannot tell NULL from empty text, and a blank quantity or status means the column's default,
    so those are compared the way the file would write them back.
    """
    parts = [f"NULLIF({old}.{c}, '') IS DISTINCT FROM {new}.{c}" for c in _TEXT]
    parts += [f"{old}.{c} IS DISTINCT FROM {new}.{c}{money_cast}" for c in _MONEY]
    parts += [
        f"COALESCE({old}.quantity, 1) IS DISTINCT FROM {new}.quantity",
        f"COALESCE({old}.status, 'draft') IS DISTINCT FROM {new}.status",
        f"{old}.sold_date IS DISTINCT FROM {new}.sold_date",
    ]
    parts += [f"({old}.{c} IS DISTINCT FROM {new}.{c} AND {JSON_DIFFERS}({old}.{c}, {new}.{c}))" for c in _JSON]
    return "(" + " OR ".join(parts) + ")"


_VALUES = ", ".join(f"s.{c}::real" if c in _MONEY else f"s.{c}" for c in FIELD_COLUMNS)
_SET_FROM_EXCLUDED = ", ".join(f"{c} = EXCLUDED.{c}" for c in FIELD_COLUMNS if c != "sku")
_SET_FROM_STAGING = ", ".join(
    f"{c} = s.{c}::real" if c in _MONEY else f"{c} = s.{c}" for c in FIELD_COLUMNS if c != "sku"
)
_TO_WRITE = "s.valid AND (s.match_id IS NULL OR s.changed)"

# While the merge runs, every :every-th row of the file it reaches says so in a notice: the client
# reads notices as they come, so one statement still shows progress. A notice's text is the row number.
_WRITTEN_DDL = f"""
CREATE OR REPLACE FUNCTION {WRITTEN}(row_number integer) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    RAISE NOTICE USING MESSAGE = row_number::text, HINT = '{WRITTEN}';
    RETURN true;
END
$$
"""

# The whole file in one statement, in file order (ids follow the file). A new row keeps the
# listing_uuid of its file row; one that classify cleared (none, or one another listing has) gets a
# fresh one.
_MERGE_BY_SKU = f"""
WITH merged AS (
    INSERT INTO listings AS l (listing_uuid, user_id, {", ".join(FIELD_COLUMNS)}, created_at, updated_at)
    SELECT COALESCE(s.listing_uuid, gen_random_uuid()::text),
           :user_id, {_VALUES}, COALESCE(s.created_at, :now), COALESCE(s.updated_at, :now)
    FROM (SELECT * FROM {STAGING} s WHERE {_TO_WRITE} AND s.sku IS NOT NULL ORDER BY s.row_number OFFSET 0) s
    -- Asked after the ordering (OFFSET keeps it out of the subquery), so a row is reported as written.
    WHERE s.row_number % :every <> 0 OR {WRITTEN}(s.row_number)
    ON CONFLICT (user_id, sku) WHERE sku IS NOT NULL
    DO UPDATE SET {_SET_FROM_EXCLUDED}, updated_at = :now
    WHERE {differs("l", "EXCLUDED")}
    RETURNING (l.xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged
"""

# Listings without a SKU (made by the web app) matched by listing_uuid; they keep having no SKU.
_UPDATE_BY_UUID = f"""
WITH updated AS (
    UPDATE listings l SET {_SET_FROM_STAGING}, updated_at = :now
    FROM {STAGING} s
    WHERE {_TO_WRITE} AND s.sku IS NULL AND l.id = s.match_id AND l.user_id = :user_id
      AND l.sku IS NULL AND {differs("l", "s", "::real")}
    RETURNING 1
)
SELECT count(*) FROM updated
"""

# Matching is one statement each over the whole file, joined on the user's listings (the planner
# hashes whichever side is smaller): in slices of the file, each slice would read them again.
_MATCH_BY_SKU = f"""
UPDATE {STAGING} s SET match_id = l.id, changed = {differs("l", "s", "::real")}
FROM listings l
WHERE s.valid AND NOT s.sku_generated AND l.user_id = :user_id AND l.sku = s.sku
"""
_MATCH_BY_UUID = f"""
UPDATE {STAGING} s SET match_id = l.id, sku = NULL, changed = {differs("l", "s", "::real")}
FROM listings l
WHERE s.valid AND s.sku_generated AND l.user_id = :user_id AND l.listing_uuid = s.listing_uuid AND l.sku IS NULL
"""
_UUID_OF_ANOTHER_LISTING = f"""
SELECT s.row_number, l.sku, s.sku_generated FROM {STAGING} s
JOIN listings l ON l.user_id = :user_id AND l.listing_uuid = s.listing_uuid
WHERE s.valid AND s.match_id IS DISTINCT FROM l.id ORDER BY s.row_number
"""
# A new row whose listing_uuid a listing has already (another user's: tenants never learn about each
# other's rows) gets a fresh one when written. One join for the whole file: asked in the merge, per
# row, the planner answers it by reading the whole listing_uuid index.
_CLEAR_TAKEN_UUIDS = f"""
UPDATE {STAGING} s SET listing_uuid = NULL
WHERE s.valid AND s.match_id IS NULL AND s.listing_uuid IS NOT NULL
  AND EXISTS (SELECT 1 FROM listings x WHERE x.listing_uuid = s.listing_uuid)
"""
# A generated SKU must not land on an existing listing or another row (ON CONFLICT would merge them).
# The repeated SKUs are counted once for the whole file (a hashed subplan), and only when there is a
# generated SKU to check: a file with SKUs costs nothing here.
_COLLIDING_GENERATED_SKUS = f"""
SELECT s.row_number FROM {STAGING} s
WHERE s.sku_generated AND (
    s.sku IN (SELECT sku FROM {STAGING} GROUP BY sku HAVING count(*) > 1)
    OR EXISTS (SELECT 1 FROM listings l WHERE l.user_id = :user_id AND l.sku = s.sku))
"""


class SkuIndexMissingError(UserError):
    def __init__(self) -> None:
        super().__init__(
            "Imports match rows by SKU, but the database has no unique SKU index yet (some listings share a SKU).",
            "Run `reseller-desktop db current` to list them, give each a SKU of its own, then `db validate`.",
        )


@dataclass(frozen=True)
class RowProblem:
    """A row the staging table shows cannot be imported (found in SQL, after parsing)."""

    row_number: int
    field: str
    message: str


@dataclass(frozen=True)
class StagedCounts:
    to_create: int
    to_update: int
    unchanged: int


class ListingImportRepository(StagingRepository):
    staging = STAGING
    staged_columns = STAGED_COLUMNS

    _matched_without_sku = 0  # rows matched to listings without a SKU, by listing_uuid

    def start(self) -> None:
        """Create the staging table and helper for this transaction; refuse early without the SKU index."""
        if not self._conn.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": UNIQUE_SKU_INDEX}):
            raise SkuIndexMissingError
        self._conn.execute(text(_STAGING_DDL))
        version = int(self._conn.scalar(text("SELECT current_setting('server_version_num')")) or 0)
        self._conn.execute(text(JSON_DIFFERS_SQL if version >= 160000 else JSON_DIFFERS_SQL_BEFORE_16))
        self._conn.execute(text(_WRITTEN_DDL))
        self._conn.execute(text("SET LOCAL client_min_messages = notice"))  # the merge's progress

    def classify(self, new_sku: Callable[[], str]) -> list[RowProblem]:
        """Match staged rows to the user's listings; return the rows that cannot be imported.

        Each step is one statement over the whole file: the import transaction allows them the time
        (see services/csv_transfer.import_transaction).
        """
        self._conn.execute(text(f"ANALYZE {STAGING}"))  # temporary tables are never auto-analyzed
        problems = self._duplicates("sku", "NOT sku_generated") + self._duplicates("listing_uuid", "true")
        self._invalidate([p.row_number for p in problems])
        self._replace_colliding_generated_skus(new_sku)
        params = {"user_id": self.user_id}
        self._conn.execute(text(_MATCH_BY_SKU), params)
        self._matched_without_sku = self._conn.execute(text(_MATCH_BY_UUID), params).rowcount
        rows = self._conn.execute(text(_UUID_OF_ANOTHER_LISTING), params).all()
        uuid_problems = [_uuid_problem(int(row), sku, bool(generated)) for row, sku, generated in rows]
        self._invalidate([p.row_number for p in uuid_problems])
        self._conn.execute(text(_CLEAR_TAKEN_UUIDS))
        return sorted(problems + uuid_problems, key=lambda p: p.row_number)

    def counts(self) -> StagedCounts:
        row = self._conn.execute(
            text(f"""
                SELECT count(*) FILTER (WHERE match_id IS NULL), count(*) FILTER (WHERE changed),
                       count(*) FILTER (WHERE match_id IS NOT NULL AND NOT changed)
                FROM {STAGING} WHERE valid""")
        ).one()
        return StagedCounts(int(row[0]), int(row[1]), int(row[2]))

    def merge(self, written: Callable[[int], None] | None = None, every: int = PROGRESS_ROWS) -> tuple[int, int]:
        """Write the staged rows that are new or changed in one statement; (created, updated).

        `written` is called with a row number as the merge reaches every `every`-th row of the file.
        """
        params = {"user_id": self.user_id, "now": utc_now(), "every": every}
        with self._notices(written):
            created, updated = self._conn.execute(text(_MERGE_BY_SKU), params).one()
        if self._matched_without_sku:
            updated += self._conn.scalar(text(_UPDATE_BY_UUID), params) or 0
        return int(created), int(updated)

    @contextmanager
    def _notices(self, written: Callable[[int], None] | None) -> Iterator[None]:
        """The merge's progress notices handed to `written` while the block runs."""
        driver = self._conn.connection.driver_connection
        if written is None or driver is None:
            yield
            return

        def on_notice(notice: psycopg.errors.Diagnostic) -> None:
            if notice.message_hint == WRITTEN and notice.message_primary:
                written(int(notice.message_primary))

        driver.add_notice_handler(on_notice)
        try:
            yield
        finally:
            driver.remove_notice_handler(on_notice)

    def record(self, file_name: str, created: int, updated: int, unchanged: int) -> None:
        details = {"file": file_name, "created": created, "updated": updated, "unchanged": unchanged}
        self._activity.record("import_listings", "listing", None, details)

    def _duplicates(self, column: str, among: str) -> list[RowProblem]:
        label = "SKU" if column == "sku" else "listing_uuid"
        return [
            RowProblem(row, column, repeat_message(label, value, first))
            for row, value, first in self._repeats(column, among)
        ]

    def _replace_colliding_generated_skus(self, new_sku: Callable[[], str]) -> None:
        query = text(_COLLIDING_GENERATED_SKUS)
        while colliding := self._conn.scalars(query, {"user_id": self.user_id}).all():
            self._conn.execute(
                text(f"UPDATE {STAGING} SET sku = :sku WHERE row_number = :row"),
                [{"sku": new_sku(), "row": row} for row in colliding],
            )


def _uuid_problem(row_number: int, their_sku: str | None, row_has_no_sku: bool) -> RowProblem:
    theirs = f"your listing with SKU {their_sku}" if their_sku else "your listing that has no SKU"
    if their_sku:
        fix = f"put SKU {their_sku} back to update it"
    else:
        fix = "leave the SKU blank to update it (give it a SKU in the app)"
    mine = "this row has no SKU" if row_has_no_sku else "this row has another SKU"
    return RowProblem(
        row_number,
        "listing_uuid",
        f"This listing_uuid is {theirs}, but {mine}. Rows are matched by SKU: {fix}, "
        "or clear listing_uuid to add the row as a new listing.",
    )
