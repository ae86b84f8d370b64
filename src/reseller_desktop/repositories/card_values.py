"""Value history of cards, from the daily snapshots (card_value_snapshots, one row per card and day
on which its value or quantity was set).

A card's value on a day is its latest snapshot on or before that day. The collection's total on a
day is the sum of that over its cards, times each card's quantity. The database keeps how much that
total moves on each day (card_value_daily_changes, one row per seller and day, kept exact by
triggers: db/value_history_tables.py), so the total on a day is the sum of the changes up to it: a
chart of any range reads at most one row per day of history, however many cards there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, text

from reseller_desktop.db import schema
from reseller_desktop.db.value_history_tables import DAILY_CHANGES
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


# The changes before the range give its first day's starting total; the running sum of the changes
# in it, the rest. Amounts are in whole cents.
COLLECTION_TOTALS = text(
    f"""
SELECT d.day::date AS day,
       (SELECT coalesce(sum(change), 0) FROM {DAILY_CHANGES} WHERE user_id = :user_id AND day < :first)
       + sum(coalesce(c.change, 0)) OVER (ORDER BY d.day) AS total_cents
FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d(day)
LEFT JOIN (
    SELECT day, change FROM {DAILY_CHANGES} WHERE user_id = :user_id AND day BETWEEN :first AND :last
) c ON c.day = d.day::date
ORDER BY d.day
"""  # noqa: S608 - DAILY_CHANGES is a constant table name; the values are bound
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
        rows = self._conn.execute(COLLECTION_TOTALS, {"user_id": self.user_id, "first": first, "last": last})
        return [TotalPoint(day, (Decimal(cents) / 100).quantize(Decimal("0.01"))) for day, cents in rows]
