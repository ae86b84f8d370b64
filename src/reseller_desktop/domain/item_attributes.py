"""Which attributes fit which kind of item; stored in the listing's `attributes` JSON.

Attributes a form does not show (set by the web app, or under another item type) are kept as they
are: changing the item type never throws away what the seller typed.
"""

from __future__ import annotations

from typing import Final

ATTRIBUTE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "general": (),
    "clothing": ("brand", "size", "color", "material"),
    "electronics": ("brand", "model"),
    "trading_card": ("game", "set_name", "card_number", "grader", "grade"),
    "collectible": ("brand", "maker", "year"),
}


def fields_for(item_type: str | None) -> tuple[str, ...]:
    return ATTRIBUTE_FIELDS.get(item_type or "general", ())


def label(field: str) -> str:
    return field.replace("_", " ").capitalize()
