"""Pages, group sums and totals of the Cards page, at any collection size.

Pages are keyset pages in the database's order (repositories/keyset.py), as for listings. Group sums
and totals are one GROUP BY each under the current filter (repositories/card_filters.py), served by
the covering indexes of db/card_indexes.py.

Money is summed in whole cents: each REAL value is widened to float8, times 100, rounded and cast
to BIGINT (every storable amount comes back to its cent; see domain/money.py), so a million cards
add up exactly and without NUMERIC arithmetic per row. (A REAL cast straight to NUMERIC keeps only
six digits: 12345.67 would become 12345.7.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Float, RowMapping, and_, cast, func, literal, select

from reseller_desktop.db import schema
from reseller_desktop.db.card_indexes import KEYSET_COLUMNS
from reseller_desktop.domain.card_groups import LEVELS, CardFilter, GroupSums
from reseller_desktop.domain.money import from_real
from reseller_desktop.repositories.base import UserScopedRepository
from reseller_desktop.repositories.card_filters import filter_conditions, tags_of_card
from reseller_desktop.repositories.keyset import KeysetSort, PageKey, cover_of, keyset_page, rows_by_id

t = schema.card_collections
listings = schema.listings


@dataclass(frozen=True)
class CardRow:
    """One row of the cards table: what the view shows, nothing more."""

    id: int
    card_type: str
    title: str
    card_number: str | None
    quantity: int | None
    game_name: str | None
    set_name: str | None
    sport: str | None
    year: int | None
    brand: str | None
    player_name: str | None
    team: str | None
    is_rookie_card: bool | None
    parallel_color: str | None
    grading_company: str | None
    grading_score: float | None
    card_condition: str | None
    estimated_value: Decimal | None
    value_tier: str | None
    purchase_price: Decimal | None
    storage_location: str | None
    listing_id: int | None
    listing_status: str | None
    updated_at: datetime | None
    cover: str | None  # first photo's URI


@dataclass(frozen=True)
class CardTotals:
    """Sums under the current filter. Gain counts only cards with both a value and a purchase price."""

    cards: int
    quantity: int
    value: Decimal
    cost: Decimal
    gain: Decimal


class CardSort(KeysetSort):
    SORTABLE = (*KEYSET_COLUMNS, "id")
    NOT_NULL = frozenset({"title", "id"})
    ROWS = "Cards"


_COLUMNS = (
    t.c.id,
    t.c.card_type,
    t.c.title,
    t.c.card_number,
    t.c.quantity,
    t.c.game_name,
    t.c.set_name,
    t.c.sport,
    t.c.year,
    t.c.brand,
    t.c.player_name,
    t.c.team,
    t.c.is_rookie_card,
    t.c.parallel_color,
    t.c.grading_company,
    t.c.grading_score,
    t.c.card_condition,
    t.c.estimated_value,
    t.c.value_tier,
    t.c.purchase_price,
    t.c.storage_location,
    t.c.listing_id,
    t.c.updated_at,
    t.c.photos,
)


def cents(column: Any) -> Any:
    """A REAL money column as whole cents (BIGINT), summed exactly and fast (see the module note)."""
    return cast(func.round(cast(column, Float(precision=53)) * 100), BigInteger)


def _owned() -> Any:
    return func.coalesce(t.c.quantity, 1)


class CardPageRepository(UserScopedRepository):
    def page(
        self, card_filter: CardFilter, sort: CardSort, after: PageKey | None = None, limit: int = 200
    ) -> tuple[list[CardRow], PageKey | None]:
        """Up to `limit` rows after `after`, and the key to continue from (None at the end)."""
        where = filter_conditions(self._conn, self.user_id, card_filter)
        rows, key = keyset_page(self._conn, t, _COLUMNS, where, sort=sort, after=after, limit=limit)
        return self._with_listing_status(rows), key

    def rows(self, ids: Sequence[int]) -> list[CardRow]:
        """These cards again (a page the view let go of), in the order asked; missing ones left out."""
        return self._with_listing_status(rows_by_id(self._conn, t, _COLUMNS, self.user_id, ids))

    def _with_listing_status(self, rows: Sequence[RowMapping]) -> list[CardRow]:
        # A second small query rather than a join: the search expression names the card columns
        # unqualified, as its index does, and a join would make them ambiguous.
        listing_ids = {row["listing_id"] for row in rows if row["listing_id"] is not None}
        status: dict[int, str | None] = {}
        if listing_ids:
            query = select(listings.c.id, listings.c.status).where(listings.c.id.in_(listing_ids))
            status = {listing_id: value for listing_id, value in self._conn.execute(query)}
        return [_row(row, status.get(row["listing_id"])) for row in rows]

    def linked_listings(self, card_ids: Sequence[int], *, lock: bool = False) -> dict[int, LinkedListing]:
        """The listing each of these cards is linked to (cards without one left out). With `lock`,
        the cards stay locked until the transaction ends, so two clients cannot list one card twice."""
        mine = (t.c.id.in_(list(card_ids)), t.c.user_id == self.user_id)
        if lock:
            self._conn.execute(select(t.c.id).where(*mine).order_by(t.c.id).with_for_update())
        query = (
            select(t.c.id, t.c.title, t.c.listing_id, listings.c.title.label("listing_title"), listings.c.status)
            .select_from(t.join(listings, listings.c.id == t.c.listing_id))
            .where(*mine)
        )
        return {
            row.id: LinkedListing(row.id, row.title, row.listing_id, row.listing_title, row.status)
            for row in self._conn.execute(query)
        }

    def overview(self, card_filter: CardFilter, mode: str) -> tuple[list[GroupSums], CardTotals]:
        """The sums of every group of `mode` on every level under the filter (its own group choice
        left out: the tree shows all groups), and the totals of the filter itself.

        One scan where it can be: with no group chosen, the tree's grand total is the totals row
        (custom mode excepted, where a card with two tags is in two groups)."""
        levels = LEVELS[mode]
        where = filter_conditions(self._conn, self.user_id, card_filter.without_group())
        if levels == ("tag",):
            tag = func.jsonb_array_elements_text(tags_of_card()).table_valued("tag").render_derived()
            query = (
                select(tag.c.tag, *_measures())
                .select_from(t.outerjoin(tag, literal(True)))
                .where(where)
                .group_by(tag.c.tag)
            )
            groups = [_sums((row.tag,), row) for row in self._conn.execute(query)]
            return groups, self.totals(card_filter)
        columns = [t.c[name] for name in levels]
        grouping = func.grouping(*columns).label("grouping")
        query = select(*columns, grouping, *_measures()).where(where).group_by(func.rollup(*columns))
        groups, grand = [], None
        for row in self._conn.execute(query):
            depth = _depth(int(row.grouping), len(columns))
            if depth:
                groups.append(_sums(tuple(row[i] for i in range(depth)), row))
            else:
                grand = _totals(row)
        if card_filter.group is not None or grand is None:
            return groups, self.totals(card_filter)
        return groups, grand

    def group_sums(self, card_filter: CardFilter, mode: str) -> list[GroupSums]:
        return self.overview(card_filter, mode)[0]

    def totals(self, card_filter: CardFilter) -> CardTotals:
        where = filter_conditions(self._conn, self.user_id, card_filter)
        return _totals(self._conn.execute(select(*_measures()).where(where)).one())


def _measures() -> tuple[Any, ...]:
    value, cost = cents(t.c.estimated_value), cents(t.c.purchase_price)
    both = and_(t.c.estimated_value.is_not(None), t.c.purchase_price.is_not(None))
    return (
        func.count().label("cards"),
        func.sum(_owned()).label("quantity"),
        func.sum(value * _owned()).label("value"),
        func.sum(cost * _owned()).label("cost"),
        func.sum((value - cost) * _owned()).filter(both).label("gain"),
    )


def _totals(row: Any) -> CardTotals:
    return CardTotals(
        cards=int(row.cards),
        quantity=int(row.quantity or 0),
        value=_money(row.value),
        cost=_money(row.cost),
        gain=_money(row.gain),
    )


def _depth(grouping: int, levels: int) -> int:
    """How many levels a ROLLUP row groups by: GROUPING() has a bit set per rolled-up column."""
    depth = levels
    while depth and grouping & 1:
        grouping >>= 1
        depth -= 1
    return depth


def _money(total_cents: Decimal | int | None) -> Decimal:
    return (Decimal(total_cents or 0) / 100).quantize(Decimal("0.01"))


def _sums(keys: tuple[str | None, ...], row: Any) -> GroupSums:
    return GroupSums(keys, int(row.cards), int(row.quantity or 0), _money(row.value))


def _row(row: RowMapping, listing_status: str | None) -> CardRow:
    return CardRow(
        id=row["id"],
        card_type=row["card_type"],
        title=row["title"],
        card_number=row["card_number"],
        quantity=row["quantity"],
        game_name=row["game_name"],
        set_name=row["set_name"],
        sport=row["sport"],
        year=row["year"],
        brand=row["brand"],
        player_name=row["player_name"],
        team=row["team"],
        is_rookie_card=row["is_rookie_card"],
        parallel_color=row["parallel_color"],
        grading_company=row["grading_company"],
        grading_score=row["grading_score"],
        card_condition=row["card_condition"],
        estimated_value=from_real(row["estimated_value"]),
        value_tier=row["value_tier"],
        purchase_price=from_real(row["purchase_price"]),
        storage_location=row["storage_location"],
        listing_id=row["listing_id"],
        listing_status=listing_status,
        updated_at=row["updated_at"],
        cover=cover_of(row["photos"]),
    )


@dataclass(frozen=True)
class LinkedListing:
    """The listing a card was listed on ("List this card")."""

    card_id: int
    card_title: str
    listing_id: int
    listing_title: str
    status: str | None

    @property
    def is_live(self) -> bool:
        """Still for sale or being prepared: the card is not listed again while it is."""
        return self.status not in ("sold", "canceled")
