"""Pages of the listings view: keyset pagination in the database's order, at any table size.

A page starts after the last row of the previous one — (sort value, id) — so the database reads
only the rows it returns, never an OFFSET's worth before them. Nullable columns sort their NULLs
where the index has them (last going up, first going down), and the keyset covers both parts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import cast, func, literal, select, tuple_

from reseller_desktop.db import schema
from reseller_desktop.domain.errors import FieldError, ValidationError
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.domain.money import from_real
from reseller_desktop.domain.vocabulary import LISTING_STATUSES
from reseller_desktop.repositories.base import UserScopedRepository
from reseller_desktop.repositories.listing_filters import filter_conditions

t = schema.listings
pl = schema.platform_listings
SORTABLE = ("updated_at", "created_at", "title", "price", "cost", "quantity", "status", "storage_location", "sku", "id")
NOT_NULL = frozenset({"title", "price", "id"})
COUNT_CAP = 10_000  # counts above this show as "10,000+": exact counts of a million rows cost seconds


@dataclass(frozen=True)
class ListingRow:
    """One row of the listings table: what the view shows, nothing more."""

    id: int
    title: str
    price: Decimal
    cost: Decimal | None
    quantity: int | None
    status: str | None
    storage_location: str | None
    sku: str | None
    upc: str | None
    updated_at: datetime | None
    cover: str | None  # first photo's URI
    platforms: tuple[tuple[str, str], ...]  # (platform, status), by platform


@dataclass(frozen=True)
class PageKey:
    """Where the next page starts: the sort value and id of the last row shown."""

    value: Any
    id: int


@dataclass(frozen=True)
class Sort:
    column: str = "updated_at"
    descending: bool = True

    def __post_init__(self) -> None:
        if self.column not in SORTABLE:
            raise ValidationError([FieldError("sort", f"Listings cannot be sorted by {self.column!r}.")])


_COLUMNS = (
    t.c.id,
    t.c.title,
    t.c.price,
    t.c.cost,
    t.c.quantity,
    t.c.status,
    t.c.storage_location,
    t.c.sku,
    t.c.upc,
    t.c.updated_at,
    t.c.photos,
)


class ListingPageRepository(UserScopedRepository):
    def page(
        self, listing_filter: ListingFilter, sort: Sort, after: PageKey | None = None, limit: int = 200
    ) -> tuple[list[ListingRow], PageKey | None]:
        """Up to `limit` rows after `after`, and the key to continue from (None at the end).

        A nullable column is read in two parts, its values by an index range and its NULLs by id,
        so no page has to read past the rows before it (an OR of both would).
        """
        column = t.c[sort.column]
        base = filter_conditions(self._conn, self.user_id, listing_filter)

        def fetch(where: list[Any], order: list[Any], count: int) -> list[Any]:
            query = select(*_COLUMNS, column.label("sort_value")).where(base, *where).order_by(*order).limit(count)
            return list(self._conn.execute(query).mappings().all())

        descending = sort.descending
        by_value = [column.desc(), t.c.id.desc()] if descending else [column.asc(), t.c.id.asc()]
        by_id = [t.c.id.desc()] if descending else [t.c.id.asc()]
        in_nulls = after is not None and after.value is None
        past_value = [_past(column, after, descending)] if after is not None and not in_nulls else []
        past_id = [(t.c.id < after.id) if descending else (t.c.id > after.id)] if after is not None and in_nulls else []
        if sort.column in NOT_NULL:
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
        return self._with_platforms(rows), key

    def rows(self, ids: Sequence[int]) -> list[ListingRow]:
        """These listings again (a page the view let go of), in the order asked; missing ones left out."""
        rows = self._conn.execute(
            select(*_COLUMNS).where(t.c.id.in_(list(ids)), t.c.user_id == self.user_id)
        ).mappings()
        by_id = {row.id: row for row in self._with_platforms(list(rows))}
        return [by_id[i] for i in ids if i in by_id]

    def _with_platforms(self, rows: Sequence[Any]) -> list[ListingRow]:
        ids = [row["id"] for row in rows]
        chips: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
        if ids:
            for listing_id, platform, status in self._conn.execute(
                select(pl.c.listing_id, pl.c.platform, pl.c.status)
                .where(pl.c.listing_id.in_(ids))
                .order_by(pl.c.platform)
            ):
                chips[listing_id].append((platform, status or "pending"))
        return [
            ListingRow(
                id=row["id"],
                title=row["title"],
                price=from_real(row["price"]) or Decimal(0),
                cost=from_real(row["cost"]),
                quantity=row["quantity"],
                status=row["status"],
                storage_location=row["storage_location"],
                sku=row["sku"],
                upc=row["upc"],
                updated_at=row["updated_at"],
                cover=_cover(row["photos"]),
                platforms=tuple(chips[row["id"]]),
            )
            for row in rows
        ]

    def status_counts(self, listing_filter: ListingFilter) -> dict[str, int]:
        """Listings per status under the filter's other conditions, each counted up to COUNT_CAP + 1."""
        without_status = ListingFilter(**{**listing_filter.__dict__, "statuses": ()})
        base = filter_conditions(self._conn, self.user_id, without_status)
        counts: dict[str, int] = {}
        for status in LISTING_STATUSES:
            capped = select(literal(1)).where(base, t.c.status == status).limit(COUNT_CAP + 1).subquery()
            counts[status] = int(self._conn.scalar(select(func.count()).select_from(capped)) or 0)
        return counts


def _past(column: Any, key: PageKey, descending: bool) -> Any:
    # The key is bound as the column's own type: a REAL read back into Python and sent as a double
    # would compare unequal to itself, and the same page would come back for ever.
    value = tuple_(cast(literal(key.value), column.type), literal(key.id))
    return tuple_(column, t.c.id) < value if descending else tuple_(column, t.c.id) > value


def _cover(photos: Any) -> str | None:
    if isinstance(photos, list) and photos and isinstance(photos[0], str):
        return photos[0]
    return None


def format_count(count: int) -> str:
    return f"{COUNT_CAP:,}+" if count > COUNT_CAP else f"{count:,}"
