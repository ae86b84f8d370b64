"""Rows of a generated seller, as lines of PostgreSQL's COPY text format (tab-separated, \\N for NULL).

Values look like a real reseller's: brand-and-item titles, prices with cents, statuses in the
proportions of a working shop (45 % active, 30 % sold, 20 % draft, 5 % canceled), 1–5 marketplace rows
per listing agreeing with the listing's status, photos as stored-photo URIs; cards TCG and sports,
graded and not, with values spread like a real collection (most under $10, a few grails).
Ids are given here, not by sequences, so rows can point at each other before they are written.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from stdnum import ean

from reseller_desktop.domain.storage_paths import location_path

NULL = "\\N"
NOW = dt.datetime(2026, 11, 1, 12, 0, 0)
PLATFORMS = ("ebay", "etsy", "poshmark", "mercari", "depop")
CONDITIONS = ("new", "like_new", "excellent", "good", "fair", "poor")
BRANDS = (
    "Levi's", "Nike", "Patagonia", "Coach", "Pyrex", "Carhartt", "Ralph Lauren", "Lululemon", "Adidas",
    "The North Face", "Dooney & Bourke", "Pendleton", "Wrangler", "Columbia", "Fossil", "Vera Bradley",
    "Le Creuset", "Fiesta", "Hot Wheels", "LEGO", "Funko", "Nintendo", "Eddie Bauer", "L.L.Bean", "Harley-Davidson",
)  # fmt: skip
ITEMS = (
    ("Clothing", "clothing", ("Denim Jacket", "501 Jeans", "Fleece Pullover", "Hoodie", "Flannel Shirt", "Parka",
                              "Graphic Tee", "Cardigan Sweater", "Cargo Pants", "Windbreaker")),
    ("Shoes", "clothing", ("Running Shoes", "Leather Boots", "High Top Sneakers", "Loafers")),
    ("Bags", "clothing", ("Leather Handbag", "Crossbody Bag", "Tote Bag", "Backpack")),
    ("Home", "general", ("Mixing Bowl Set", "Dutch Oven", "Casserole Dish", "Dinner Plates")),
    ("Toys", "collectible", ("Die-Cast Car Lot", "Building Set", "Vinyl Figure", "Action Figure")),
    ("Electronics", "electronics", ("Game Console", "Handheld Console", "Controller", "Headphones")),
)  # fmt: skip
LOOKS = ("Vintage", "NWT", "Y2K", "90s", "Rare", "Made in USA", "EUC", "Retro", "Classic", "Limited")
COLORS = ("Black", "Blue", "Red", "Green", "Brown", "Tan", "Gray", "White", "Navy", "Olive")
SIZES = ("XS", "S", "M", "L", "XL", "XXL", "32x30", "34x32", "8", "10")
LOOSE_PLACES = ("Shelf-1", "Shelf-2", "Shelf-3", "Garage", "Closet", "Tote-7", "Rack-2")
GAMES = (
    ("Pokemon", ("Base Set", "Jungle", "Fossil", "Evolving Skies", "Obsidian Flames", "Paldea Evolved")),
    ("Magic: The Gathering", ("Alpha", "Revised", "Modern Horizons 2", "Dominaria United", "Bloomburrow")),
    ("Yu-Gi-Oh!", ("Legend of Blue Eyes", "Metal Raiders", "Phantom Nightmare")),
    ("One Piece", ("Romance Dawn", "Paramount War", "Pillars of Strength")),
    ("Lorcana", ("The First Chapter", "Rise of the Floodborn", "Into the Inklands")),
)  # fmt: skip
CARD_NAMES = (
    "Charizard", "Pikachu", "Blastoise", "Mewtwo", "Black Lotus", "Lightning Bolt", "Counterspell", "Sol Ring",
    "Dark Magician", "Blue-Eyes White Dragon", "Monkey D. Luffy", "Roronoa Zoro", "Elsa", "Mickey Mouse",
    "Umbreon VMAX", "Rayquaza", "Gengar", "Snorlax", "Thoughtseize", "Ragavan",
)  # fmt: skip
RARITIES = ("common", "uncommon", "rare", "mythic", "holo rare", "secret rare")
SPORTS = (
    ("baseball", ("Topps", "Bowman", "Upper Deck", "Donruss"), ("Yankees", "Dodgers", "Red Sox", "Cubs", "Mets")),
    ("basketball", ("Panini", "Upper Deck", "Fleer", "Hoops"), ("Lakers", "Celtics", "Bulls", "Warriors")),
    ("football", ("Panini", "Topps", "Score", "Donruss"), ("Chiefs", "Packers", "Cowboys", "Eagles")),
    ("hockey", ("Upper Deck", "O-Pee-Chee"), ("Oilers", "Penguins", "Rangers")),
)  # fmt: skip
FIRST = ("Mike", "Shohei", "Aaron", "Luka", "LeBron", "Patrick", "Connor", "Justin", "Ken", "Derek", "Tom", "Jalen")
LAST = ("Trout", "Ohtani", "Judge", "Doncic", "James", "Mahomes", "McDavid", "Herbert", "Griffey", "Jeter", "Brady")
PARALLELS = ("Refractor", "Gold", "Silver Prizm", "Blue Wave", "Orange", "Black /10")
GRADERS = ("PSA", "BGS", "CGC", "SGC")
GRADES = (6.0, 7.0, 8.0, 8.5, 9.0, 9.5, 10.0)
TAGS = ("binder", "trade", "sell", "keep", "vault", "show")
TIERS = ((1000.0, "grail"), (100.0, "high"), (10.0, "mid"))  # the default thresholds (TierThresholds)


@dataclass
class Ids:
    """The next free id of each table, shared by every seller of a run."""

    listing: int
    platform: int
    bin: int
    section: int
    item: int
    card: int
    snapshot: int


@dataclass(frozen=True)
class SellerSize:
    listings: int
    cards: int
    bins: int
    sections: int
    storage_items: int


def cell(value: object) -> str:
    return NULL if value is None else str(value)


def line(*values: object) -> str:
    return "\t".join(cell(value) for value in values) + "\n"


def stamp(moment: dt.datetime) -> str:
    return moment.isoformat(sep=" ")


def photo_list(owner: int, count: int) -> str:
    """A JSON list of stored-photo URIs, distinct per owner (the files themselves are not needed)."""
    uris = []
    for k in range(count):
        digest = f"{((owner * 4 + k) * 0x9E3779B97F4A7C15F39CC0605CEDC835) % (1 << 256):064x}"
        uris.append(f'"photos/sha256/{digest[:2]}/{digest}.jpg"')
    return f"[{', '.join(uris)}]"


def uuid_from(bits: int) -> str:
    """A version-4 UUID's text from 128 random bits."""
    digits = f"{bits:032x}"
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-a{digits[17:20]}-{digits[20:32]}"


class StorageLayout:
    """Bins (80 % for clothing and goods, 20 % for cards), ten sections each, and items spread over them."""

    def __init__(self, user_id: str, size: SellerSize, ids: Ids) -> None:
        self.user_id = user_id
        self.bins = max(2, size.bins)
        self.card_bins = max(1, self.bins // 5)
        self.sections_per_bin = max(1, size.sections // self.bins)
        self.first_bin = ids.bin
        self.first_section = ids.section
        ids.bin += self.bins
        ids.section += self.bins * self.sections_per_bin
        self.counts: dict[int, int] = {}

    def bin_name(self, index: int) -> str:
        return f"{chr(65 + index % 26)}{index // 26 + 1}"

    def section_of(self, n: int, for_cards: bool) -> tuple[int, int]:
        """(bin index, section number) of the n-th item of its kind, spread evenly."""
        first, count = (self.bins - self.card_bins, self.card_bins) if for_cards else (0, self.bins - self.card_bins)
        count = max(1, count)
        places = count * self.sections_per_bin
        slot = (n * 7919) % places
        return first + slot // self.sections_per_bin, slot % self.sections_per_bin

    def place(self, n: int, for_cards: bool) -> tuple[int, int, str]:
        """bin id, section id and path of the n-th item of its kind; counts it."""
        bin_index, section_number = self.section_of(n, for_cards)
        section_id = self.first_section + bin_index * self.sections_per_bin + section_number
        self.counts[section_id] = self.counts.get(section_id, 0) + 1
        path = location_path(self.bin_name(bin_index), str(section_number + 1))
        return self.first_bin + bin_index, section_id, path

    def bin_lines(self) -> Iterator[str]:
        for index in range(self.bins):
            kind = "cards" if index >= self.bins - self.card_bins else "clothing"
            yield line(self.first_bin + index, self.user_id, self.bin_name(index), kind, None, stamp(NOW))

    def section_lines(self) -> Iterator[str]:
        for bin_index in range(self.bins):
            for number in range(self.sections_per_bin):
                section_id = self.first_section + bin_index * self.sections_per_bin + number
                held = self.counts.get(section_id, 0)
                roomy = 100 if bin_index >= self.bins - self.card_bins else 10
                capacity = None if section_id % 10 == 0 else max(held, roomy)
                yield line(section_id, self.first_bin + bin_index, str(number + 1), capacity, held, stamp(NOW))


def listing_title(rng: random.Random) -> tuple[str, str, str]:
    category, item_type, things = rng.choice(ITEMS)
    title = (
        f"{rng.choice(LOOKS)} {rng.choice(BRANDS)} {rng.choice(things)} {rng.choice(COLORS)} Size {rng.choice(SIZES)}"
    )
    return title[:80], category, item_type


def upc_of(n: int) -> str:
    body = f"{(n * 104729) % 10**11:011d}"
    return body + ean.calc_check_digit(body)


def card_value(rng: random.Random) -> float:
    return round(min(25_000.0, rng.lognormvariate(1.2, 1.6)), 2)


def tier_of(value: float) -> str:
    return next((tier for start, tier in TIERS if value >= start), "low")
