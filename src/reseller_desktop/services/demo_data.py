"""Sample inventory for trying the app (`reseller-desktop --demo-data`) and for screenshots.

Only an account with no listings gets it, so real data is never mixed with samples.
"""

from __future__ import annotations

import random
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from PIL import Image, ImageDraw

from reseller_desktop.db.database import Database
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.repositories.base import utc_now
from reseller_desktop.services.demo_collection import add_demo_collection

BRANDS = ("Levi's", "Patagonia", "Nike", "Carhartt", "Pendleton", "Coach", "Ralph Lauren", "The North Face", "Filson")
ITEMS = (
    ("501 Jeans", "clothing", "Men's Jeans"),
    ("Better Sweater Fleece", "clothing", "Men's Jackets"),
    ("Air Max 90 Sneakers", "clothing", "Men's Shoes"),
    ("Detroit Jacket", "clothing", "Men's Jackets"),
    ("Wool Board Shirt", "clothing", "Men's Shirts"),
    ("Leather Crossbody Bag", "clothing", "Women's Bags"),
    ("Oxford Button-Down", "clothing", "Men's Shirts"),
    ("Nuptse Puffer", "clothing", "Women's Coats"),
    ("Tin Cloth Cruiser", "clothing", "Men's Jackets"),
)
COLLECTIBLES = (
    ("Pyrex Butterprint Mixing Bowl 403", "collectible", "Kitchen"),
    ("Fiesta Ware Turquoise Pitcher", "collectible", "Kitchen"),
    ("Nintendo Game Boy DMG-01 Console", "electronics", "Video Games"),
    ("Sony Walkman WM-F2015 Cassette Player", "electronics", "Audio"),
)
SIZES = ("S", "M", "L", "XL", "W32 L32", "W34 L30", "10", "11")
COLOURS = ("Navy", "Black", "Olive", "Tan", "Red Plaid", "Indigo")
CONDITIONS = ("new", "like_new", "excellent", "good", "good", "fair")
PLATFORMS = ("ebay", "etsy", "poshmark", "mercari", "depop")
SWATCHES = ("#1e3a8a", "#111827", "#4d7c0f", "#b45309", "#991b1b", "#1d4ed8", "#6b21a8", "#0f766e")


def _sample_photos(store: PhotoStore) -> list[str]:
    """A few product-like pictures (a garment on a plain ground), stored like any photo."""
    uris = []
    with tempfile.TemporaryDirectory(prefix="rd-demo-") as folder:
        for n, colour in enumerate(SWATCHES):
            image = Image.new("RGB", (480, 480), "#f3f4f6")
            draw = ImageDraw.Draw(image)
            shirt = [
                (150, 90),
                (210, 70),
                (270, 70),
                (330, 90),
                (400, 170),
                (350, 210),
                (330, 190),
                (330, 410),
                (150, 410),
                (150, 190),
                (130, 210),
                (80, 170),
            ]
            draw.polygon(shirt, fill=colour)
            draw.line([(210, 70), (240, 110), (270, 70)], fill="#f3f4f6", width=6)
            path = Path(folder) / f"sample-{n}.jpg"
            image.save(path, quality=85)
            uris.append(store.add(path))
    return uris


def add_demo_data(
    database: Database, user_id: UUID, count: int = 240, seed: int = 7, photo_store: PhotoStore | None = None
) -> int:
    """Add `count` sample listings to an account that has none; return how many were added."""
    rng = random.Random(seed)  # noqa: S311 - sample data, reproducible on purpose
    with database.unit_of_work(user_id) as uow:
        if uow.listings.count_by_status():
            return 0
        photos = _sample_photos(photo_store) if photo_store is not None else []
        locations = [f"{b}{s}" for b in "ABCD" for s in range(1, 7)]
        for n in range(count):
            if rng.random() < 0.8:
                name, item_type, category = rng.choice(ITEMS)
                brand, size, colour = rng.choice(BRANDS), rng.choice(SIZES), rng.choice(COLOURS)
                title = f"{brand} {name} {colour} Size {size}"
                attributes: dict[str, str] = {"brand": brand, "size": size, "color": colour}
            else:
                title, item_type, category = rng.choice(COLLECTIBLES)
                attributes = {}
            cost = Decimal(rng.randint(200, 2500)).scaleb(-2)
            price = (cost * Decimal(rng.choice((3, 4, 5, 6)))).quantize(Decimal("1")) - Decimal("0.01")
            status = rng.choices(("draft", "active", "sold", "canceled"), weights=(15, 60, 20, 5))[0]
            values: dict[str, object] = {
                "title": title[:80],
                "description": f"{title}. Measurements and flaws in photos. Ships next business day.",
                "price": price,
                "cost": cost,
                "condition": rng.choice(CONDITIONS),
                "category": category,
                "item_type": item_type,
                "attributes": attributes,
                "quantity": 1 if rng.random() < 0.9 else rng.randint(2, 5),
                "storage_location": rng.choice(locations) if status != "draft" or rng.random() < 0.5 else None,
                "status": status,
                "photos": [rng.choice(photos)] if photos and rng.random() < 0.85 else None,
            }
            platforms = rng.sample(PLATFORMS, rng.randint(1, 4)) if status != "draft" else []
            if status == "sold":
                values |= {
                    "quantity": 0,
                    "sold_platform": platforms[0],
                    "sold_date": utc_now() - timedelta(days=rng.randint(0, 60), minutes=n),
                    "sold_price": price - Decimal(rng.randint(0, 5)),
                }
            listing = uow.listings.add(values)
            for position, platform in enumerate(platforms):
                row = uow.platform_listings.add(listing.id, platform)
                platform_status = {"active": "active", "canceled": "canceled", "draft": "pending"}.get(status, "")
                if status == "sold":
                    platform_status = "sold" if position == 0 else "canceled"
                uow.platform_listings.update(row.id, {"status": platform_status, "posted_at": utc_now()})
        add_demo_collection(uow, rng)
        uow.commit()
    return count
