"""Keyset pages of a user's rows in the database's order, at any table size (listings, cards).

A page starts after the last row of the previous one, its (sort value, id), so the database reads
only the rows it returns, never an OFFSET's worth before them. Each sortable column has a
(user_id, column, id) index (db/listing_indexes.py, db/card_indexes.py). Nullable columns sort their
NULLs where the index has them (last going up, first going down), and the keyset covers both parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import Connection, RowMapping, Table, cast, literal, select, tuple_

from reseller_desktop.domain.errors import FieldError, ValidationError


@dataclass(frozen=True)
class PageKey:
    """Where the next page starts: the sort value and id of the last row shown."""

    value: Any
    id: int


@dataclass(frozen=True)
class KeysetSort:
    """The column a table is sorted by, and which way. Each table's subclass names its columns."""

    column: str = "updated_at"
    descending: bool = True

    SORTABLE: ClassVar[tuple[str, ...]] = ()
    NOT_NULL: ClassVar[frozenset[str]] = frozenset()  # read in one part: no NULLs to place
    ROWS: ClassVar[str] = "Rows"  # what the table holds, for the message

    def __post_init__(self) -> None:
        if self.column not in self.SORTABLE:
            raise ValidationError([FieldError("sort", f"{self.ROWS} cannot be sorted by {self.column!r}.")])


def keyset_page(
    conn: Connection,
    table: Table,
    columns: Sequence[Any],
    where: Any,
    *,
    sort: KeysetSort,
    after: PageKey | None,
    limit: int,
) -> tuple[list[RowMapping], PageKey | None]:
    """Up to `limit` rows of `columns` under `where` after `after`, and the key to continue from
    (None at the end).

    A nullable column is read in two parts, its values by an index range and its NULLs by id,
    so no page has to read past the rows before it (an OR of both would).
    """
    column, row_id = table.c[sort.column], table.c.id

    def fetch(conditions: list[Any], order: list[Any], count: int) -> list[RowMapping]:
        query = select(*columns, column.label("sort_value")).where(where, *conditions).order_by(*order).limit(count)
        return list(conn.execute(query).mappings().all())

    descending = sort.descending
    by_value = [column.desc(), row_id.desc()] if descending else [column.asc(), row_id.asc()]
    by_id = [row_id.desc()] if descending else [row_id.asc()]
    in_nulls = after is not None and after.value is None
    past_value = [past_key_condition(column, row_id, after, descending)] if after is not None and not in_nulls else []
    past_id = [(row_id < after.id) if descending else (row_id > after.id)] if after is not None and in_nulls else []
    if sort.column in sort.NOT_NULL:
        rows = fetch(past_value, by_value, limit)
    elif not descending:  # values going up, then the NULLs
        rows = [] if in_nulls else fetch([column.is_not(None), *past_value], by_value, limit)
        if len(rows) < limit:
            rows += fetch([column.is_(None), *past_id], by_id, limit - len(rows))
    else:  # the NULLs first, then values going down
        rows = fetch([column.is_(None), *past_id], by_id, limit) if after is None or in_nulls else []
        if len(rows) < limit:
            rows += fetch([column.is_not(None), *past_value], by_value, limit - len(rows))
    key = PageKey(rows[-1]["sort_value"], rows[-1]["id"]) if len(rows) == limit else None
    return rows, key


def rows_by_id(
    conn: Connection, table: Table, columns: Sequence[Any], user_id: UUID, ids: Sequence[int]
) -> list[RowMapping]:
    """These rows again (a page the view let go of), in the order asked; missing ones left out."""
    query = select(*columns).where(table.c.id.in_(list(ids)), table.c.user_id == user_id)
    by_id = {row["id"]: row for row in conn.execute(query).mappings()}
    return [by_id[i] for i in ids if i in by_id]


def cover_of(photos: Any) -> str | None:
    """The first photo's URI (photos is JSON another program may have written in any shape)."""
    if isinstance(photos, list) and photos and isinstance(photos[0], str):
        return photos[0]
    return None


def past_key_condition(column: Any, row_id: Any, key: PageKey, descending: bool) -> Any:
    # The key is bound as the column's own type: a REAL read back into Python and sent as a double
    # would compare unequal to itself, and the same page would come back for ever.
    value = tuple_(cast(literal(key.value), column.type), literal(key.id))
    return tuple_(column, row_id) < value if descending else tuple_(column, row_id) > value
