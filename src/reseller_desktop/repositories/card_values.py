"""Value history of cards, from the daily snapshots (card_value_snapshots, one row per card and day
on which its value or quantity was set).

A card's value on a day is its latest snapshot on or before that day. The collection's total on a
day is the sum of that over its cards, times each card's quantity. It is computed in one query from
changes rather than per day and card: each card's amount on the eve of the range (one index probe
per card) and every snapshot in the range, in (card, day) order, each minus the one before it of the
same card, summed per day; the running sum of those changes is the total. The work grows with the
cards and the snapshots in the range, not with days × cards.
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


# Amounts in whole cents (BIGINT): integer arithmetic over millions of snapshots is faster than
# NUMERIC, and exact.
_AMOUNT = "round(v.estimated_value::float8 * 100)::bigint * v.quantity"
COLLECTION_TOTALS = text(
    f"""
WITH snapshot AS (
    SELECT c.id AS card_id, CAST(:first AS date) - 1 AS day, o.amount
    FROM card_collections c
    CROSS JOIN LATERAL (
        SELECT {_AMOUNT} AS amount
        FROM card_value_snapshots v
        WHERE v.card_id = c.id AND v.day < :first
        ORDER BY v.day DESC
        LIMIT 1
    ) o
    WHERE c.user_id = :user_id
    UNION ALL
    SELECT v.card_id, v.day, {_AMOUNT}
    FROM card_value_snapshots v
    WHERE v.user_id = :user_id AND v.day BETWEEN :first AND :last
),
changes AS (
    SELECT day, amount - coalesce(lag(amount) OVER (PARTITION BY card_id ORDER BY day), 0) AS change
    FROM snapshot
),
daily AS (
    SELECT greatest(day, CAST(:first AS date)) AS day, sum(change) AS change
    FROM changes
    GROUP BY 1
)
SELECT d.day::date AS day, sum(coalesce(daily.change, 0)) OVER (ORDER BY d.day) AS total_cents
FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d(day)
LEFT JOIN daily ON daily.day = d.day::date
ORDER BY d.day
"""  # noqa: S608 - _AMOUNT is a constant of this module; the values are bound
)
# The sort by (card, day) of a year of snapshots fits in memory with this; the default 4 MB spills to disk.
WORK_MEM = "64MB"


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
        self._conn.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        rows = self._conn.execute(COLLECTION_TOTALS, {"user_id": self.user_id, "first": first, "last": last})
        return [TotalPoint(day, (Decimal(cents) / 100).quantize(Decimal("0.01"))) for day, cents in rows]
