"""Search of a table's text document (listings, cards), served by an index on that document.

Substring search (ILIKE '%term%') uses the trigram index when the server has pg_trgm; without it
the full-text index matches word prefixes. Which one is decided once per database and index.

A page of search results is in the view's sort order, and two plans can give it: read the rows in
that order (the keyset index) until the page is full, or find every match through the search index
and sort them. The first costs rows read ≈ page ÷ share of rows matching, the second ≈ all matches;
which is cheaper depends on the term, by a hundredfold either way at a million rows. PostgreSQL's
estimate of a substring's share is too rough to choose (at 1,000,000 listings "hoodie", in 1.8 % of
them, went through the search index and took 0.3-0.6 s; "wrangler cas", in 0.15 %, was read in
order and took 0.5-1.7 s; the other plan took 50-80 and 85-200 ms). So `search_page` counts the
term's matches on a sample of the table and in the rows it reads, and picks the plan itself.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    Connection,
    RowMapping,
    Table,
    Text,
    and_,
    case,
    func,
    literal,
    literal_column,
    select,
    text,
    union_all,
)
from sqlalchemy import column as sql_column
from sqlalchemy import table as sql_table

from reseller_desktop.repositories.keyset import KeysetSort, PageKey, keyset_page, past_key_condition

_index_exists: dict[tuple[str, str], bool] = {}
_pg_class = sql_table("pg_class", sql_column("oid"), sql_column("reltuples"))

# Rows read in the sort order per query, at least and at most.
FIRST_WINDOW = 500
LARGEST_WINDOW = 16_000
# Rows of the table sampled to count how many match, all sellers together (the search index holds
# them all, so the index plan visits every seller's matches).
SAMPLE_ROWS = 400
# What one match costs through the search index, in rows read in order: a bitmap heap visit, the
# recheck and the sort, against an index step and the test (EXPLAIN ANALYZE at 1,000,000 listings:
# 10-25 µs a match, 5-12 µs a row).
INDEX_MATCH_COST = 2
# Planner settings that leave only bitmap scans: the search index, not the sort order's index.
_BITMAP_ONLY = ("enable_indexscan", "enable_indexonlyscan", "enable_seqscan")


def has_index(conn: Connection, index_name: str) -> bool:
    key = (conn.engine.url.render_as_string(hide_password=True), index_name)
    if key not in _index_exists:
        _index_exists[key] = bool(conn.scalar(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": index_name}))
    return _index_exists[key]


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(document_sql: str, term: str, trigram: bool) -> Any:
    """Rows whose document (the SQL expression the search index is on) holds `term`."""
    document = literal_column(document_sql, Text)
    if trigram:
        return document.ilike(f"%{escape_like(term)}%", escape="\\")
    words = [w for w in "".join(c if c.isalnum() else " " for c in term).split() if w]
    query = " & ".join(f"{w}:*" for w in words) or "''"
    return func.to_tsvector(literal_column("'simple'"), document).op("@@")(
        func.to_tsquery(literal_column("'simple'"), query)
    )


def search_page(
    conn: Connection,
    table: Table,
    columns: Sequence[Any],
    where: Any,
    search: Any,
    *,
    sort: KeysetSort,
    after: PageKey | None,
    limit: int,
) -> tuple[list[RowMapping], PageKey | None]:
    """`keyset_page` of the rows under `where` that `search` matches (`columns` must hold the id).

    A sample of the table says about how many rows match, so what the search index plan costs. The
    rows are read in sort order, a window at a time, while the share of matches (the sample's, then
    the one seen in order) says reading on costs less; else the search index finds the rest. Where
    the matches are bunched away from the start of the order, reading stops at the index plan's
    cost, so no term costs much more than twice its cheaper plan.
    """
    matching, share = _matches_in_table(conn, table, search)
    index_cost = matching * INDEX_MATCH_COST  # what the search index plan costs, in rows read in order
    found: list[RowMapping] = []
    key, read = after, 0
    while True:
        needed = limit - len(found)
        if read:
            share = len(found) / read
        if share:
            expected = needed / share * 1.2  # a margin, so that one window mostly does
            if expected > index_cost - read:
                break
        else:  # none seen in order: read as many again, up to the index plan's cost (none if the sample found none)
            expected = min(float(read), index_cost - read)
            if expected < 1:
                break
        window = math.ceil(min(max(expected, FIRST_WINDOW), LARGEST_WINDOW))
        matches, rows_read, key = _read_window(
            conn, table, columns, where, search, sort=sort, after=key, rows=window, need=needed
        )
        read += rows_read
        found += matches
        if len(found) >= limit or key is None:  # a full page, or the end of the rows
            page_key = PageKey(found[-1]["sort_value"], found[-1]["id"]) if len(found) == limit else None
            return found, page_key
    with _bitmap_scans_only(conn):
        rest, page_key = keyset_page(
            conn, table, columns, and_(where, search), sort=sort, after=key, limit=limit - len(found)
        )
    return [*found, *rest], page_key


def _read_window(
    conn: Connection,
    table: Table,
    columns: Sequence[Any],
    where: Any,
    search: Any,
    *,
    sort: KeysetSort,
    after: PageKey | None,
    rows: int,
    need: int,
) -> tuple[list[RowMapping], int, PageKey | None]:
    """Up to `need` matching rows among the next `rows` rows in sort order after `after`; how many
    rows were read; and where the next window starts (None at the end of the rows).

    The database reads the rows in order and stops at the `need`-th match, and only matches come
    back. The parts of the order are those of `keyset_page`: a nullable column's values and NULLs.
    """
    column, row_id = table.c[sort.column], table.c.id
    named = {"sort_value": column, "id": row_id}
    matches: list[RowMapping] = []
    read = 0
    for conditions, by in _parts(column, row_id, sort, after):
        budget = rows - read
        order = [named[name].desc() if sort.descending else named[name].asc() for name in by]
        window = (
            select(*columns, column.label("sort_value"), search.label("matched"))
            .where(where, *conditions)
            .order_by(*order)
            .limit(budget)
            .subquery()
        )
        # The same order outside: the planner sees the window is in it already, so nothing is sorted
        # and the scan stops at the `need`-th match. In the same round trip, the window's last row:
        # where the next window starts when this one falls short.
        ordering = [window.c[name].desc() if sort.descending else window.c[name].asc() for name in by]
        found = (
            select(*(window.c[c.name] for c in columns), window.c.sort_value, literal(False).label("last"))
            .where(window.c.matched)
            .order_by(*ordering)
            .limit(need - len(matches))
        )
        # Only the key of that row, so the index alone answers (an index-only scan, no table pages).
        blanks = [c if c.name == "id" else literal(None, c.type).label(c.name) for c in columns]
        last = (
            select(*blanks, column.label("sort_value"), literal(True).label("last"))
            .where(where, *conditions)
            .order_by(*order)
            .offset(budget - 1)
            .limit(1)
        )
        rows_back = conn.execute(union_all(found, last)).mappings().all()
        matches += [row for row in rows_back if not row["last"]]
        if len(matches) >= need:
            return matches, read + budget, None
        ends = [row for row in rows_back if row["last"]]
        if ends:  # the window ends inside this part
            return matches, rows, PageKey(ends[0]["sort_value"], ends[0]["id"])
        # The part ended before the window did (a column's few NULLs, the last rows): its rows are not
        # counted, so the share of matches comes out a little high, which only makes the next window smaller.
    return matches, read, None


BY_VALUE = ("sort_value", "id")
BY_ID = ("id",)


def _parts(
    column: Any, row_id: Any, sort: KeysetSort, after: PageKey | None
) -> list[tuple[list[Any], tuple[str, ...]]]:
    """The parts of the sort order from `after` on, as `keyset_page` reads them: each part's
    conditions and its order (a nullable column's values by value, its NULLs by id)."""
    descending = sort.descending
    in_nulls = after is not None and after.value is None
    past_value = [past_key_condition(column, row_id, after, descending)] if after is not None and not in_nulls else []
    past_id = [(row_id < after.id) if descending else (row_id > after.id)] if after is not None and in_nulls else []
    if sort.column in sort.NOT_NULL:
        return [(past_value, BY_VALUE)]
    values = ([column.is_not(None), *past_value], BY_VALUE)
    nulls = ([column.is_(None), *past_id], BY_ID)
    if not descending:  # values going up, then the NULLs
        return [nulls] if in_nulls else [values, nulls]
    return [nulls, values] if after is None or in_nulls else [values]  # the NULLs first, then values down


def _matches_in_table(conn: Connection, table: Table, search: Any) -> tuple[float, float]:
    """About how many rows of the whole table `search` matches, and what share of its rows that is,
    from a sample of about SAMPLE_ROWS rows (whole pages, at random), in one round trip.

    A small table is read whole. One never analysed (no row count yet) is taken as all matches of a
    few hundred rows: reading in order then finds out which plan it is for.
    """
    rows_estimate = (
        select(_pg_class.c.reltuples).where(_pg_class.c.oid == func.to_regclass(table.name)).scalar_subquery()
    )
    percent = case(
        (rows_estimate < 0, 0.0),
        else_=func.least(100.0, SAMPLE_ROWS * 100.0 / func.greatest(rows_estimate, 1.0)),
    )
    sample = table.tablesample(func.system(percent), seed=literal(1))
    rows, matched, all_rows = conn.execute(
        select(func.count(), func.count().filter(search), rows_estimate).select_from(sample)
    ).one()
    if not rows:
        return float(SAMPLE_ROWS), 1.0
    share = matched / rows
    return max(float(all_rows), rows) * share, share


@contextmanager
def _bitmap_scans_only(conn: Connection) -> Iterator[None]:
    """Within the block the planner may only use bitmap scans, i.e. the search index. SET LOCAL: the
    transaction's end undoes it in any case; the block's end restores it for what follows."""
    settings = ", ".join(f"set_config('{name}', 'off', true)" for name in _BITMAP_ONLY)
    conn.execute(text(f"SELECT {settings}"))
    yield  # after an error in the block the transaction is done for, and its settings with it
    conn.execute(
        text("SELECT set_config(name, reset_val, true) FROM pg_settings WHERE name = ANY(:names)"),
        {"names": list(_BITMAP_ONLY)},
    )
