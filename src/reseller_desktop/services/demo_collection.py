"""Sample bins, sections and trading cards with a value history, added with the sample listings.

The listings' locations ("B3") become real places (bin B, section 3) holding a storage item for each
listing, so the Storage page and the location paths ("B › 3") show what a seller's shelves look like.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from reseller_desktop.db import schema
from reseller_desktop.db.database import UnitOfWork

TCG = (
    ("Pokémon", "Base Set", "BS", "Charizard", "4/102", "Holo Rare", "Holo"),
    ("Pokémon", "Base Set", "BS", "Blastoise", "2/102", "Holo Rare", "Holo"),
    ("Pokémon", "Evolving Skies", "EVS", "Umbreon VMAX", "215/203", "Secret Rare", "Alternate Art"),
    ("Pokémon", "151", "MEW", "Mew ex", "205/165", "Special Illustration Rare", None),
    ("Pokémon", "Crown Zenith", "CRZ", "Pikachu", "160/159", "Secret Rare", "Gold"),
    ("Pokémon", "Paldea Evolved", "PAL", "Magikarp", "203/193", "Illustration Rare", None),
    ("Magic: The Gathering", "Dominaria United", "DMU", "Sheoldred, the Apocalypse", "107", "Mythic", "Foil"),
    ("Magic: The Gathering", "Modern Horizons 2", "MH2", "Ragavan, Nimble Pilferer", "138", "Mythic", None),
    ("Magic: The Gathering", "Commander Masters", "CMM", "Jeweled Lotus", "396", "Mythic", "Etched"),
    ("Magic: The Gathering", "The Lord of the Rings", "LTR", "The One Ring", "246", "Mythic", "Foil"),
)
SPORTS = (
    ("baseball", 1989, "Upper Deck", "Upper Deck", "Ken Griffey Jr.", "Seattle Mariners", "1", True),
    ("baseball", 2011, "Topps", "Update", "Mike Trout", "Los Angeles Angels", "US175", True),
    ("basketball", 2003, "Topps", "Topps Chrome", "LeBron James", "Cleveland Cavaliers", "111", True),
    ("basketball", 2018, "Panini", "Prizm", "Luka Dončić", "Dallas Mavericks", "280", True),
    ("football", 2017, "Panini", "Donruss Optic", "Patrick Mahomes II", "Kansas City Chiefs", "177", True),
    ("football", 2000, "Bowman", "Bowman", "Tom Brady", "New England Patriots", "236", True),
    ("basketball", 1996, "Topps", "Topps Chrome", "Kobe Bryant", "Los Angeles Lakers", "138", True),
    ("baseball", 2018, "Topps", "Topps Chrome", "Shohei Ohtani", "Los Angeles Angels", "150", True),
)
GRADERS = ("PSA", "BGS", "SGC", "CGC")


def add_demo_collection(uow: UnitOfWork, rng: random.Random, history_days: int = 120) -> None:
    """Bins for the sample listings' locations, and sample cards with a price history."""
    _shelve_listings(uow)
    _add_cards(uow, rng, history_days)


def _shelve_listings(uow: UnitOfWork) -> None:
    listings = schema.listings
    rows = uow.connection.execute(
        select(listings.c.id, listings.c.title, listings.c.item_type, listings.c.storage_location, listings.c.status)
        .where(
            listings.c.user_id == uow.user_id,
            listings.c.storage_location.is_not(None),
            listings.c.status.in_(("draft", "active")),  # what is sold or withdrawn is off the shelf
        )
        .order_by(listings.c.id)
    ).all()
    bins: dict[str, int] = {}
    sections: dict[str, int] = {}
    for listing_id, title, item_type, location, _status in rows:
        bin_name, section_name = location[0], location[1:]
        if bin_name not in bins:
            bins[bin_name] = uow.storage.add_bin(bin_name, "clothing", f"Tote {bin_name} on the garage rack").id
        if location not in sections:
            sections[location] = uow.storage.add_section(bins[bin_name], section_name, capacity=30).id
        uow.storage.add_item(
            {"title": title, "item_type": item_type, "listing_id": listing_id, "section_id": sections[location]}
        )


def _add_cards(uow: UnitOfWork, rng: random.Random, history_days: int) -> None:
    cards_bin = uow.storage.add_bin("Cards", "cards", "Card cabinet")
    places = {
        name: uow.storage.add_section(cards_bin.id, name, capacity=capacity).id
        for name, capacity in (("Binder 1", 360), ("Binder 2", 360), ("Graded box", 50))
    }
    made: list[tuple[int, Decimal]] = []
    for game, set_name, set_code, title, number, rarity, subtype in TCG:
        value = Decimal(rng.choice((8, 15, 40, 90, 180, 420, 1200))) + Decimal(rng.randint(0, 99)).scaleb(-2)
        graded = rng.random() < 0.3
        card = uow.cards.add(
            {
                "card_type": "tcg",
                "title": title,
                "game_name": game,
                "set_name": set_name,
                "set_code": set_code,
                "card_number": number,
                "rarity": rarity,
                "card_subtype": subtype,
                "card_condition": "Near Mint",
                "language": "English",
                "quantity": rng.choice((1, 1, 1, 2, 3)),
                "grading_company": rng.choice(GRADERS) if graded else None,
                "grading_score": rng.choice((9, 9.5, 10)) if graded else None,
                "purchase_price": (value * Decimal("0.6")).quantize(Decimal("0.01")),
                "custom_categories": ["Binder 1" if game.startswith("Pok") else "Binder 2"],
            }
        )
        made.append((card.id, value))
        section = places["Graded box" if graded else ("Binder 1" if game.startswith("Pok") else "Binder 2")]
        item = uow.storage.add_item({"title": title, "item_type": "trading_card", "section_id": section})
        uow.cards.update(card.id, {"storage_item_id": item.id})
    for sport, year, brand, series, player, team, number, rookie in SPORTS:
        value = Decimal(rng.choice((25, 60, 150, 400, 900, 2500))) + Decimal(rng.randint(0, 99)).scaleb(-2)
        card = uow.cards.add(
            {
                "card_type": "sports",
                "title": f"{year} {brand} {series} {player}",
                "sport": sport,
                "year": year,
                "brand": brand,
                "series": series,
                "player_name": player,
                "team": team,
                "card_number": number,
                "is_rookie_card": rookie,
                "grading_company": rng.choice(GRADERS),
                "grading_score": rng.choice((8, 9, 9.5, 10)),
                "grading_serial": str(rng.randint(10_000_000, 99_999_999)),
                "purchase_price": (value * Decimal("0.55")).quantize(Decimal("0.01")),
                "custom_categories": ["PC"] if rng.random() < 0.4 else ["Sell"],
            }
        )
        made.append((card.id, value))
        item = uow.storage.add_item(
            {"title": card.title, "item_type": "trading_card", "section_id": places["Graded box"]}
        )
        uow.cards.update(card.id, {"storage_item_id": item.id})
    _add_history(uow, rng, made, history_days)


def _add_history(uow: UnitOfWork, rng: random.Random, made: list[tuple[int, Decimal]], days: int) -> None:
    """Weekly values over the last `days` that drift to today's, as price imports would have left them."""
    snapshots = schema.card_value_snapshots
    today = date.today()
    rows = []
    for card_id, value in made:
        start = value * Decimal(rng.uniform(0.6, 1.3))
        for week in range(days // 7, 0, -1):
            share = Decimal(week) / Decimal(days // 7)
            past = (value + (start - value) * share) * Decimal(rng.uniform(0.95, 1.05))
            rows.append(
                {
                    "card_id": card_id,
                    "user_id": uow.user_id,
                    "day": today - timedelta(days=week * 7),
                    "estimated_value": past.quantize(Decimal("0.01")),
                    "quantity": 1,
                }
            )
        uow.cards.update(card_id, {"estimated_value": value})  # today's value, and today's snapshot
    uow.connection.execute(snapshots.insert(), rows)
