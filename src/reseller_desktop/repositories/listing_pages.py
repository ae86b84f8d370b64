"""Pages of the listings view: keyset pages in the database's order (repositories/keyset.py), with
each listing's cover and platform chips, and the per-status counts of the filter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ARRAY, Integer, RowMapping, any_, bindparam, func, literal, select

from reseller_desktop.db import schema
from reseller_desktop.db.listing_indexes import KEYSET_COLUMNS
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.domain.money import from_real
from reseller_desktop.domain.vocabulary import LISTING_STATUSES
from reseller_desktop.repositories.base import UserScopedRepository
from reseller_desktop.repositories.keyset import KeysetSort, PageKey, cover_of, keyset_page, rows_by_id
from reseller_desktop.repositories.listing_filters import filter_conditions, filter_parts
from reseller_desktop.repositories.text_search import search_page

t = schema.listings
pl = schema.platform_listings
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


class Sort(KeysetSort):
    SORTABLE = (*KEYSET_COLUMNS, "id")
    NOT_NULL = frozenset({"title", "price", "id"})
    ROWS = "Listings"


SORTABLE = Sort.SORTABLE

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
        """Up to `limit` rows after `after`, and the key to continue from (None at the end)."""
        where, search = filter_parts(self._conn, self.user_id, listing_filter)
        if search is None:
            rows, key = keyset_page(self._conn, t, _COLUMNS, where, sort=sort, after=after, limit=limit)
        else:
            rows, key = search_page(self._conn, t, _COLUMNS, where, search, sort=sort, after=after, limit=limit)
        return self._with_platforms(rows), key

    def rows(self, ids: Sequence[int]) -> list[ListingRow]:
        """These listings again (a page the view let go of), in the order asked; missing ones left out."""
        return self._with_platforms(rows_by_id(self._conn, t, _COLUMNS, self.user_id, ids))

    def _with_platforms(self, rows: Sequence[RowMapping]) -> list[ListingRow]:
        ids = [row["id"] for row in rows]
        chips: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
        if ids:
            # One array parameter, not an IN list of a page's ids: the statement text stays the same
            # from page to page, so neither SQLAlchemy nor psycopg rewrites it for every page.
            in_page = pl.c.listing_id == any_(bindparam("page_ids", ids, type_=ARRAY(Integer)))
            query = select(pl.c.listing_id, pl.c.platform, pl.c.status).where(in_page).order_by(pl.c.platform)
            for listing_id, platform, status in self._conn.execute(query).all():
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
                cover=cover_of(row["photos"]),
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


def format_count(count: int) -> str:
    return f"{COUNT_CAP:,}+" if count > COUNT_CAP else f"{count:,}"
