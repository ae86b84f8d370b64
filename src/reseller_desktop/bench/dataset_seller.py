"""One generated seller: the COPY lines of their listings, marketplace rows, cards, value history and
storage, streamed in the order the loader writes them.

Listings and cards are written first; the storage items made for them on the way are kept (a few
hundred thousand short lines at most) and written after, then bins and sections, whose item counts
are known only then. Marketplace rows and value snapshots are derived from compact per-row arrays in a
second pass, so nothing of the size of the listings table is held in memory.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from array import array
from collections.abc import Iterator

from reseller_desktop.bench.dataset_rows import (
    BRANDS,
    CARD_NAMES,
    COLORS,
    CONDITIONS,
    FIRST,
    GAMES,
    GRADERS,
    GRADES,
    LAST,
    LOOSE_PLACES,
    NULL,
    PARALLELS,
    PLATFORMS,
    RARITIES,
    SPORTS,
    TAGS,
    Ids,
    SellerSize,
    StorageLayout,
    card_value,
    line,
    listing_title,
    photo_list,
    stamp,
    tier_of,
    upc_of,
    uuid_from,
)

LISTING_COLUMNS = (
    "id, listing_uuid, user_id, title, description, price, cost, condition, category, item_type, attributes, photos, "
    "quantity, storage_location, sku, upc, status, sold_platform, sold_date, sold_price, platform_statuses, "
    "created_at, updated_at"
)
PLATFORM_COLUMNS = (
    "id, listing_id, platform, platform_listing_id, platform_url, status, posted_at, last_synced, "
    "cancel_scheduled_at, error_message, retry_count"
)
ITEM_COLUMNS = (
    "id, user_id, storage_id, bin_id, section_id, item_type, category, title, quantity, listing_id, created_at, "
    "updated_at"
)
BIN_COLUMNS = "id, user_id, bin_name, bin_type, description, created_at"
SECTION_COLUMNS = "id, bin_id, section_name, capacity, item_count, created_at"
CARD_COLUMNS = (  # what varies per card first, then the describing fields of _card_kind
    "id, user_id, card_uuid, quantity, storage_location, storage_item_id, estimated_value, value_tier, "
    "purchase_price, photos, created_at, updated_at, card_number, grading_serial, "
    "card_type, title, organization_mode, primary_category, custom_categories, game_name, set_name, set_code, "
    "rarity, card_subtype, sport, year, brand, series, player_name, team, is_rookie_card, parallel_color, "
    "grading_company, grading_score, card_condition, language"
)
SNAPSHOT_COLUMNS = "id, card_id, user_id, day, estimated_value, quantity, recorded_at"

ACTIVE, SOLD, DRAFT, CANCELED = 0, 1, 2, 3
STATUS_NAMES = ("active", "sold", "draft", "canceled")
ROW_STATUS = ("active", "canceled", "pending", "canceled")  # each marketplace row of a listing in that status
POOL_BITS = 14  # pools of ready-made text up to 16,384 entries (fewer for a small seller)
DESCRIPTION = "Measurements in photos. Smoke-free home; ships next business day."
THREE_YEARS = 3 * 365 * 86_400


def _platform_statuses(platforms: tuple[str, ...], status: int) -> dict[str, str]:
    statuses = dict.fromkeys(platforms, ROW_STATUS[status])
    if status == SOLD:
        statuses[platforms[0]] = "sold"
    return statuses


def _pool_mask(rows: int) -> int:
    return (1 << min(POOL_BITS, max(6, (rows - 1).bit_length() - 2))) - 1


def _platform_shape(platforms: tuple[str, ...], status: int, n: int) -> list[tuple[str, str, str, int, bool]]:
    """(platform, status, error, retries, has a remote listing) of each marketplace row of a listing."""
    shape = []
    for k, platform in enumerate(platforms):
        state, error = ROW_STATUS[status], NULL
        if status == ACTIVE and (n + k) % 20 == 0:
            state, error = "failed", "eBay refused the listing: add a category"
        elif status == SOLD and k == 0:
            state = "sold"
        shape.append((platform, state, error, 6 if error != NULL else 0, status != DRAFT))
    return shape


def _card_kind(rng: random.Random) -> tuple[str, str, bool]:
    """A card's describing fields (CARD_COLUMNS from card_type on) as COPY text: title, text, graded."""
    graded = rng.random() < 0.15
    if rng.random() < 0.7:
        game, sets = rng.choice(GAMES)
        set_name = rng.choice(sets)
        title = rng.choice(CARD_NAMES)
        set_code = "".join(word[0] for word in set_name.split()).upper()
        kind: tuple[object, ...] = ("tcg", title, "by_set", set_name, game, set_name, set_code, rng.choice(RARITIES),
                "Foil" if rng.random() < 0.2 else None, None, None, None, None, None, None, "f", None)  # fmt: skip
    else:
        sport, brands, teams = rng.choice(SPORTS)
        year, brand, team = rng.randint(1952, 2025), rng.choice(brands), rng.choice(teams)
        player = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        title = f"{year} {brand} {player}"
        kind = ("sports", title, "by_player", player, None, None, None, None, None, sport, year, brand,
                f"{brand} Series {1 + year % 3}", player, team, "t" if rng.random() < 0.1 else "f",
                rng.choice(PARALLELS) if rng.random() < 0.2 else None)  # fmt: skip
    tags = json.dumps(rng.sample(TAGS, rng.randint(0, 2)))
    grading = (rng.choice(GRADERS), rng.choice(GRADES)) if graded else (None, None)
    condition = None if graded else rng.choice(("Near Mint", "Lightly Played", "Moderately Played"))
    text = line(*kind[:4], tags, *kind[4:], *grading, condition, "English").rstrip("\n")
    return title, text, graded


class SellerRows:
    """The lines of one seller, table by table (call the methods in the order they are defined)."""

    def __init__(self, user_id: str, size: SellerSize, ids: Ids, seed: str, now: dt.datetime) -> None:
        self.user_id = user_id
        self.size = size
        self.ids = ids
        self.rng = random.Random(seed)
        self.now = now
        self.layout = StorageLayout(user_id, size, ids)
        self.item_lines: list[str] = []
        # 75 % of the storage items hold listings, the rest cards.
        self.listing_items = min(size.storage_items * 3 // 4, size.listings)
        self.card_items = min(size.storage_items - self.listing_items, size.cards)
        self.first_listing = ids.listing
        self.first_card = ids.card
        self.statuses = array("b")
        self.card_values = array("d")
        self.card_quantities = array("b")
        ids.listing += size.listings
        ids.card += size.cards

    def _created(self, n: int) -> dt.datetime:
        return self.now - dt.timedelta(seconds=(n * 7919) % THREE_YEARS)

    def _platforms(self, n: int) -> tuple[str, ...]:
        count = 1 + (n * 6) % 5  # the pattern repeats every 25 listings (platform_statuses are cached by it)
        start = n % len(PLATFORMS)
        return tuple(PLATFORMS[(start + k) % len(PLATFORMS)] for k in range(count))

    def _store(self, owner_id: int, for_cards: bool, n: int, title: str, item_type: str) -> tuple[int, str]:
        """A storage item for a listing or a card: its id and location path."""
        bin_id, section_id, path = self.layout.place(n, for_cards)
        item_id = self.ids.item
        self.ids.item += 1
        listing_id = None if for_cards else owner_id
        created = stamp(self.now)
        self.item_lines.append(
            line(
                item_id,
                self.user_id,
                f"SI-{item_id:010d}",
                bin_id,
                section_id,
                item_type,
                None,
                title,
                1,
                listing_id,
                created,
                created,
            )
        )
        return item_id, path

    def listings(self) -> Iterator[str]:
        # One draw of 64 random bits per row, cut into fields, and pools of ready-made text: the
        # generator must keep up with COPY (a million rows in well under a minute).
        rng = self.rng
        mask = _pool_mask(self.size.listings)
        titles = [listing_title(rng) for _ in range(mask + 1)]
        prices = [round(rng.uniform(4, 250), 2) if rng.random() < 0.95 else round(rng.uniform(250, 2500), 2)
                  for _ in range(mask + 1)]  # fmt: skip
        attributes = [json.dumps({"brand": brand, "color": color}) for brand in BRANDS for color in COLORS]
        platform_statuses: dict[tuple[int, int], str] = {}
        user_id, now, stored = self.user_id, self.now, 0
        for n in range(self.size.listings):
            listing_id = self.first_listing + n
            bits = rng.getrandbits(64)
            title, category, item_type = titles[bits & mask]
            roll = (bits >> 12) & 1023
            status = ACTIVE if roll < 461 else SOLD if roll < 768 else DRAFT if roll < 973 else CANCELED
            self.statuses.append(status)
            price = prices[(bits >> 22) & mask]
            cost = NULL if (bits >> 34) & 3 == 0 else round(price * (0.05 + ((bits >> 36) & 63) / 140), 2)
            location = NULL
            if status == ACTIVE:
                if stored < self.listing_items:
                    _item, location = self._store(listing_id, False, stored, title, item_type)
                    stored += 1
                else:
                    location = LOOSE_PLACES[(bits >> 42) % len(LOOSE_PLACES)]
            elif status == DRAFT and (bits >> 42) & 3 == 0:
                location = LOOSE_PLACES[(bits >> 44) % len(LOOSE_PLACES)]
            created = self._created(n)
            updated = min(now, created + dt.timedelta(hours=(bits >> 48) & 2047))
            created_text, updated_text = stamp(created), stamp(updated)
            sold = status == SOLD
            key = (n % 25, status)
            if key not in platform_statuses:
                platform_statuses[key] = json.dumps(_platform_statuses(self._platforms(n), status))
            sold_fields = (
                f"{self._platforms(n)[0]}\t{updated_text}\t{round(price * 0.85, 2)}"
                if sold
                else f"{NULL}\t{NULL}\t{NULL}"
            )
            quantity = 0 if sold else (1 if n % 20 else 2 + n % 7)
            upc = upc_of(listing_id) if n % 5 < 2 else NULL
            uuid_text = uuid_from(rng.getrandbits(128))
            yield (
                f"{listing_id}\t{uuid_text}\t{user_id}\t{title}\t{title}. {DESCRIPTION}\t{price}\t{cost}\t"
                f"{CONDITIONS[n % 6]}\t{category}\t{item_type}\t{attributes[(bits >> 52) % len(attributes)]}\t"
                f"{photo_list(listing_id, 1 + n % 4)}\t{quantity}\t{location}\tRD-{listing_id:08d}\t{upc}\t"
                f"{STATUS_NAMES[status]}\t{sold_fields}\t{platform_statuses[key]}\t{created_text}\t{updated_text}\n"
            )

    def platform_rows(self) -> Iterator[str]:
        shapes: dict[tuple[int, int], list[tuple[str, str, str, int, bool]]] = {}
        for n, status in enumerate(self.statuses):
            listing_id = self.first_listing + n
            key = (n % 100, status)
            if key not in shapes:
                shapes[key] = _platform_shape(self._platforms(n), status, n)
            posted = stamp(self._created(n) + dt.timedelta(hours=1))
            for platform, state, error, retries, remote in shapes[key]:
                row_id = self.ids.platform
                self.ids.platform += 1
                if remote:
                    ref = f"{platform[:2].upper()}{listing_id:010d}"
                    where = f"{ref}\thttps://{platform}.example/listing/{ref}\t{state}\t{posted}\t{posted}"
                else:
                    where = f"{NULL}\t{NULL}\t{state}\t{NULL}\t{NULL}"
                yield f"{row_id}\t{listing_id}\t{platform}\t{where}\t{NULL}\t{error}\t{retries}\n"

    def cards(self) -> Iterator[str]:
        rng = self.rng
        mask = _pool_mask(self.size.cards)
        kinds = [_card_kind(rng) for _ in range(mask + 1)]
        user_id = self.user_id
        for n in range(self.size.cards):
            card_id = self.first_card + n
            bits = rng.getrandbits(64)
            title, described, graded = kinds[bits & mask]
            value = card_value(rng)
            quantity = 1 if (bits >> 16) & 7 else 2 + (bits >> 19) % 3
            self.card_values.append(value)
            self.card_quantities.append(quantity)
            created = stamp(self._created(n))
            location, item_id = NULL, NULL
            if n < self.card_items:
                item, location = self._store(card_id, True, n, title, "trading_card")
                item_id = str(item)
            number = f"{1 + (bits >> 24) % 300}/{150 + (bits >> 33) % 170}"
            serial = f"{10_000_000 + (bits >> 40) % 89_999_999}" if graded else NULL
            paid = round(value * (0.3 + ((bits >> 8) & 255) / 320), 2)
            yield (
                f"{card_id}\t{user_id}\t{uuid_from(rng.getrandbits(128))}\t{quantity}\t{location}\t{item_id}\t"
                f"{value}\t{tier_of(value)}\t{paid}\t{photo_list(-card_id, 1 + n % 2)}\t{created}\t{created}\t"
                f"{number}\t{serial}\t{described}\n"
            )

    def snapshots(self) -> Iterator[str]:
        """1–4 values per card over the last year, the newest today's value."""
        today = self.now.date()
        recorded = stamp(self.now)
        for n, value in enumerate(self.card_values):
            card_id = self.first_card + n
            count = 1 + card_id % 4
            for k in range(count):
                back = count - 1 - k
                day = today - dt.timedelta(days=back * 91 + (card_id % 7 if back else 0))
                past_value = round(value * (1 - 0.08 * back), 2)
                row_id = self.ids.snapshot
                self.ids.snapshot += 1
                yield line(row_id, card_id, self.user_id, day, past_value, self.card_quantities[n], recorded)

    def storage_items(self) -> Iterator[str]:
        yield from self.item_lines

    def bins(self) -> Iterator[str]:
        yield from self.layout.bin_lines()

    def sections(self) -> Iterator[str]:
        yield from self.layout.section_lines()
