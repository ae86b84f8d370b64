"""Value history of cards, from the daily snapshots (card_value_snapshots, one row per card and day
on which its value or quantity was set).

A card's value on a day is its latest snapshot on or before that day. The collection's total on a
day is the sum of that over its cards, times each card's quantity. It is computed in one query from
changes rather than per day and card: a card's opening amount before the range (one index probe per
card), plus, per day in the range, how much each snapshot changed its card's amount. The running
sum of the daily changes is the total, so the work grows with the snapshots in the range, not with
days × cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, text

from reseller_desktop.db import schema
from reseller_desktop.domain.errors import NotFoundError
from reseller_desktop.repositories.base import UserScopedRepository

s = schema.card_value_snapshots
cards = schema.card_collections


@dataclass(frozen=True)
class CardValuePoint:
    day: date
    value: Decimal  # the card's estimated value (one card)
    quantity: int


@dataclass(frozen=True)
class TotalPoint:
    day: date
    total: Decimal  # sum over cards of value × quantity


_COLLECTION_TOTALS = text(
    """
WITH opening AS (
    SELECT c.id AS card_id, o.amount
    FROM card_collections c
    CROSS JOIN LATERAL (
        SELECT v.estimated_value * v.quantity AS amount
        FROM card_value_snapshots v
        WHERE v.card_id = c.id AND v.day < :first
        ORDER BY v.day DESC
        LIMIT 1
    ) o
    WHERE c.user_id = :user_id
),
in_range AS (
    SELECT card_id, day, estimated_value * quantity AS amount,
           lag(estimated_value * quantity) OVER (PARTITION BY card_id ORDER BY day) AS earlier
    FROM card_value_snapshots
    WHERE user_id = :user_id AND day BETWEEN :first AND :last
),
daily AS (
    SELECT r.day, sum(r.amount - coalesce(r.earlier, o.amount, 0)) AS change
    FROM in_range r LEFT JOIN opening o ON o.card_id = r.card_id
    GROUP BY r.day
)
SELECT d.day::date AS day,
       (SELECT coalesce(sum(amount), 0) FROM opening)
       + sum(coalesce(daily.change, 0)) OVER (ORDER BY d.day) AS total
FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d(day)
LEFT JOIN daily ON daily.day = d.day::date
ORDER BY d.day
"""
)


class CardValueRepository(UserScopedRepository):
    def card_history(self, card_id: int) -> list[CardValuePoint]:
        owner = self._conn.scalar(select(cards.c.user_id).where(cards.c.id == card_id))
        if owner != self.user_id:
            raise NotFoundError("card", card_id)
        rows = self._conn.execute(
            select(s.c.day, s.c.estimated_value, s.c.quantity)
            .where(s.c.card_id == card_id, s.c.user_id == self.user_id)
            .order_by(s.c.day)
        )
        return [CardValuePoint(day, Decimal(value), int(quantity)) for day, value, quantity in rows]

    def first_day(self) -> date | None:
        """The day of the oldest snapshot (where an "all time" chart starts)."""
        day = self._conn.scalar(select(func.min(s.c.day)).where(s.c.user_id == self.user_id))
        return day if isinstance(day, date) else None

    def collection_totals(self, first: date, last: date) -> list[TotalPoint]:
        """The collection's value on every day from `first` to `last`, both included."""
        if last < first:
            return []
        rows = self._conn.execute(_COLLECTION_TOTALS, {"user_id": self.user_id, "first": first, "last": last})
        return [TotalPoint(day, Decimal(total).quantize(Decimal("0.01"))) for day, total in rows]
