"""How the Cards page organizes a collection: the contract's organization modes as a tree of groups.

by_set: game › set; by_value: value tier; by_player: sport › player; custom: each tag of
custom_categories (a card with several tags is in each of them). A missing value is a group of
its own ("No set", "Untagged") so every card is somewhere. The sums come from the database; this
module only arranges and names them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final

from reseller_desktop.domain.listing_filter import MIN_SEARCH_CHARS
from reseller_desktop.domain.money import format_money
from reseller_desktop.domain.vocabulary import VALUE_TIERS

MODE_LABELS: Final = {"by_set": "By set", "by_value": "By value", "by_player": "By player", "custom": "By tag"}
# The card fields each mode groups by, from the top level down ("tag": one of custom_categories).
LEVELS: Final[dict[str, tuple[str, ...]]] = {
    "by_set": ("game_name", "set_name"),
    "by_value": ("value_tier",),
    "by_player": ("sport", "player_name"),
    "custom": ("tag",),
}
NONE_LABELS: Final = {
    "game_name": "No game",
    "set_name": "No set",
    "value_tier": "No value",
    "sport": "No sport",
    "player_name": "No player",
    "tag": "Untagged",
}
TIER_ORDER: Final = tuple(reversed(VALUE_TIERS))  # grail first: the cards worth looking at
TIER_LABELS: Final = {"low": "Low", "mid": "Mid", "high": "High", "grail": "Grail"}


@dataclass(frozen=True)
class GroupPath:
    """A group: its mode and the keys from the top level down (fewer keys: a parent group).

    A key of None is the group of cards without that value."""

    mode: str
    keys: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        if self.mode not in LEVELS or len(self.keys) > len(LEVELS[self.mode]):
            raise ValueError(f"{self.keys!r} is not a group of {self.mode!r}")

    @property
    def fields(self) -> tuple[str, ...]:
        return LEVELS[self.mode][: len(self.keys)]


@dataclass(frozen=True)
class CardFilter:
    """What the Cards page shows: search, card type, and the group picked in the tree."""

    search: str = ""  # substring of title, player, set name or card number
    card_type: str | None = None
    group: GroupPath | None = None

    @property
    def search_term(self) -> str:
        term = self.search.strip()
        return term if len(term) >= MIN_SEARCH_CHARS else ""

    def without_group(self) -> CardFilter:
        return CardFilter(self.search, self.card_type, None)


@dataclass(frozen=True)
class GroupSums:
    """Counts and money of one group under the current filter (keys: the group's path)."""

    keys: tuple[str | None, ...]
    cards: int  # card rows
    quantity: int  # cards owned (sum of quantity)
    value: Decimal  # sum of estimated_value × quantity


@dataclass(frozen=True)
class GroupNode:
    path: GroupPath
    label: str
    cards: int
    quantity: int
    value: Decimal
    children: tuple[GroupNode, ...] = field(default=())


def key_label(level_field: str, key: str | None) -> str:
    if key is None or not key.strip():
        return NONE_LABELS[level_field]
    if level_field == "value_tier":
        return TIER_LABELS.get(key, key)
    if level_field == "sport":
        return key.title()
    return key


def _order(level_field: str, key: str | None) -> tuple[int, str]:
    if level_field == "value_tier":
        return (TIER_ORDER.index(key) if key in TIER_ORDER else len(TIER_ORDER), "")
    return (1 if key is None else 0, (key or "").casefold())


def build_tree(mode: str, sums: Iterable[GroupSums]) -> tuple[GroupNode, ...]:
    """The groups as a tree, from the database's per-group sums.

    `sums` holds a row for every group on every level (a parent's own sums, not added up here: in
    custom mode a card with two tags is in both, and the parent level may count it once)."""
    levels = LEVELS[mode]
    by_depth: dict[int, list[GroupSums]] = {}
    for row in sums:
        by_depth.setdefault(len(row.keys), []).append(row)

    def nodes(prefix: tuple[str | None, ...]) -> tuple[GroupNode, ...]:
        depth = len(prefix) + 1
        if depth > len(levels):
            return ()
        rows = [row for row in by_depth.get(depth, []) if row.keys[:-1] == prefix]
        rows.sort(key=lambda row: _order(levels[depth - 1], row.keys[-1]))
        return tuple(
            GroupNode(
                GroupPath(mode, row.keys),
                key_label(levels[depth - 1], row.keys[-1]),
                row.cards,
                row.quantity,
                row.value,
                nodes(row.keys),
            )
            for row in rows
        )

    return nodes(())


def tier_ranges(mid_from: Decimal, high_from: Decimal, grail_from: Decimal) -> dict[str, str]:
    """What each value tier means with these thresholds, for labels and tooltips."""
    return {
        "low": f"under {format_money(mid_from)}",
        "mid": f"{format_money(mid_from)} to under {format_money(high_from)}",
        "high": f"{format_money(high_from)} to under {format_money(grail_from)}",
        "grail": f"{format_money(grail_from)} and up",
    }
