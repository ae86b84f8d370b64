"""The card editor's vocabulary: the choices its combo boxes offer and how JSON fields read as text."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox

GAMES = ("Pokémon", "Magic: The Gathering", "Yu-Gi-Oh!", "One Piece", "Disney Lorcana", "Flesh and Blood", "Digimon")
RARITIES = ("common", "uncommon", "rare", "mythic", "holo rare", "ultra rare", "secret rare", "special illustration")
FINISHES = ("Normal", "Foil", "Reverse Holo", "Holo", "1st Edition", "Etched", "Full Art", "Alternate Art")
SPORTS = ("baseball", "basketball", "football", "hockey", "soccer", "golf", "tennis", "racing", "wrestling")
BRANDS = ("Topps", "Panini", "Upper Deck", "Bowman", "Donruss", "Fleer", "Leaf", "Score")
GRADERS = ("PSA", "BGS", "CGC", "SGC", "HGA", "TAG", "CSG", "ISA")
CONDITIONS = ("Mint", "Near Mint", "Lightly Played", "Moderately Played", "Heavily Played", "Damaged")
LANGUAGES = ("English", "Japanese", "German", "French", "Italian", "Spanish", "Portuguese", "Korean", "Chinese")
# Text fields of the TCG and sports parts of the form, placed in this order: (field, label).
TCG_TEXT = (("set_name", "Set name"), ("set_code", "Set code"))
SPORTS_TEXT = (
    ("series", "Series"),
    ("player_name", "Player"),
    ("team", "Team"),
    ("parallel_color", "Parallel colour"),
    ("insert_series", "Insert series"),
)
# The fields offered as an editable choice: field → the usual values (anything else may be typed).
CHOICES = {
    "game_name": GAMES,
    "rarity": RARITIES,
    "card_subtype": FINISHES,
    "sport": SPORTS,
    "brand": BRANDS,
    "grading_company": GRADERS,
    "card_condition": CONDITIONS,
    "language": LANGUAGES,
}


def choice_box(values: tuple[str, ...]) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(["", *values])
    return combo


def plain(value: Any) -> str:
    return "" if value is None else str(value)


def tags_text(tags: Any) -> str:
    return ", ".join(str(t) for t in tags) if isinstance(tags, list) else plain(tags)


def formats_text(formats: Any) -> str:
    if isinstance(formats, dict):
        return ", ".join(f"{name}: {status}" for name, status in formats.items())
    return tags_text(formats)


def parse_formats(text: str) -> Any:
    """ "standard, modern" is a list of formats; "standard: legal, modern: banned" a format → status map."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    if not items:
        return None
    if not any(":" in item for item in items):
        return items
    pairs = (item.split(":", 1) if ":" in item else (item, "legal") for item in items)
    return {name.strip(): status.strip() for name, status in pairs}
