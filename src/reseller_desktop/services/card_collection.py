"""What the Cards page loads and saves, each in its own unit of work (run on the task runner)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.card_groups import CardFilter, GroupNode, build_tree
from reseller_desktop.domain.card_rules import TierThresholds
from reseller_desktop.domain.records import CardRecord
from reseller_desktop.repositories.card_pages import CardPageRepository, CardRow, CardSort, CardTotals
from reseller_desktop.repositories.card_values import CardValuePoint, CardValueRepository, TotalPoint
from reseller_desktop.repositories.keyset import PageKey

UnitOfWorkFactory = Callable[[], UnitOfWork]


def card_pages(uow: UnitOfWork) -> CardPageRepository:
    return CardPageRepository(uow.connection, uow.user_id, uow.activity_log)


def card_values(uow: UnitOfWork) -> CardValueRepository:
    return CardValueRepository(uow.connection, uow.user_id, uow.activity_log)


@dataclass(frozen=True)
class CollectionOverview:
    """The group tree, the totals and the tier thresholds of the current filter, read together."""

    mode: str
    tree: tuple[GroupNode, ...]
    totals: CardTotals
    thresholds: TierThresholds


def load_page(
    new_uow: UnitOfWorkFactory, card_filter: CardFilter, sort: CardSort, after: PageKey | None, limit: int
) -> tuple[list[CardRow], PageKey | None]:
    with new_uow() as uow:
        return card_pages(uow).page(card_filter, sort, after, limit)


def load_rows(new_uow: UnitOfWorkFactory, ids: list[int]) -> list[CardRow]:
    with new_uow() as uow:
        return card_pages(uow).rows(ids)


def load_overview(new_uow: UnitOfWorkFactory, card_filter: CardFilter, mode: str) -> CollectionOverview:
    with new_uow() as uow:
        groups, totals = card_pages(uow).overview(card_filter, mode)
        return CollectionOverview(mode, build_tree(mode, groups), totals, uow.cards.tier_thresholds())


def load_totals(new_uow: UnitOfWorkFactory, card_filter: CardFilter) -> CardTotals:
    with new_uow() as uow:
        return card_pages(uow).totals(card_filter)


def save_thresholds(new_uow: UnitOfWorkFactory, thresholds: TierThresholds) -> int:
    with new_uow() as uow:
        touched = uow.cards.set_tier_thresholds(thresholds)
        uow.commit()
        return touched


def load_card(new_uow: UnitOfWorkFactory, card_id: int) -> CardRecord:
    with new_uow() as uow:
        return uow.cards.get(card_id)


def save_card(new_uow: UnitOfWorkFactory, card_id: int | None, values: dict[str, Any]) -> CardRecord:
    """A new card (card_id None) or the changes to one; the stored card comes back."""
    with new_uow() as uow:
        record = uow.cards.add(values) if card_id is None else uow.cards.update(card_id, values)
        uow.commit()
        return record


def delete_cards(new_uow: UnitOfWorkFactory, card_ids: list[int]) -> int:
    with new_uow() as uow:
        for card_id in card_ids:
            uow.cards.delete(card_id)
        uow.commit()
        return len(card_ids)


@dataclass(frozen=True)
class ValueHistory:
    """What the value chart shows: one card's values, or the collection's total per day."""

    title: str
    points: tuple[tuple[date, Any], ...]  # (day, Decimal)


def load_card_history(new_uow: UnitOfWorkFactory, card_id: int) -> ValueHistory:
    with new_uow() as uow:
        card = uow.cards.get(card_id)
        history: list[CardValuePoint] = card_values(uow).card_history(card_id)
    return ValueHistory(f"{card.title}: estimated value", tuple((p.day, p.value) for p in history))


def load_collection_history(new_uow: UnitOfWorkFactory, days: int | None, today: date | None = None) -> ValueHistory:
    """The collection's total over the last `days` days (None: since the first snapshot).

    Days are UTC days, as the snapshots are kept."""
    last = today or datetime.now(UTC).date()
    with new_uow() as uow:
        values = card_values(uow)
        # Before the first snapshot there is no history to show (not a collection worth $0).
        since = values.first_day() or last
        first = since if days is None else max(since, last - timedelta(days=days - 1))
        totals: list[TotalPoint] = values.collection_totals(first, last)
    return ValueHistory("Collection value", tuple((p.day, p.total) for p in totals))
