"""The "lookups" and "photos" bench areas run end to end on a small real dataset and real files."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from tests.conftest import PgServer

from reseller_desktop.bench import lookups, photos
from reseller_desktop.bench.context import BenchContext, Dataset
from reseller_desktop.bench.figures import Figure
from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord

PLATFORMS = ("ebay", "etsy", "poshmark", "mercari", "depop")


def upc_a(number: int) -> str:
    """A valid UPC-A: eleven digits and their check digit."""
    digits = f"{number:011d}"
    total = 3 * sum(int(d) for d in digits[0::2]) + sum(int(d) for d in digits[1::2])
    return digits + str(-total % 10)


def seed(database: Database, seller: UserRecord, other: UserRecord) -> None:
    """Listings with titles, SKUs and UPCs; some on five platforms; storage items; another seller's too."""
    for user, count in ((seller, 15), (other, 4)):
        with database.unit_of_work(user.id) as uow:
            for n in range(count):
                listing = uow.listings.add(
                    {
                        "title": f"Vintage Levi's 50{n % 3} jeans W{30 + n % 6}",
                        "description": "button fly, light wash",
                        "price": 40 + n,
                        "status": "active",
                        "storage_location": f"B{n % 4}",
                        "upc": upc_a(7_000_000 + n) if n % 2 else None,
                    }
                )
                for platform in PLATFORMS if n % 3 == 0 else PLATFORMS[:2]:
                    row = uow.platform_listings.add(listing.id, platform)
                    uow.platform_listings.update(row.id, {"status": "active"})
            shelf = uow.storage.add_bin(f"Shelf of {user.username}", "clothing")
            for n in range(5):
                uow.storage.add_item({"title": f"Box {n}", "bin_id": shelf.id})
            uow.commit()


def context(pg: PgServer, database: Database, seller: UserRecord, other: UserRecord, workdir: Path) -> BenchContext:
    dataset = Dataset(
        scale=0.0001,
        seller_id=seller.id,
        seller_email=seller.email,
        other_ids=(other.id,),
        counts={"listings": 15, "all_listings": 19},
    )
    return BenchContext(scale=0.0001, workdir=workdir, server=pg.embedded, database=database, dataset=dataset, runs=3)


def check_sane(figure: Figure) -> None:
    assert figure.samples.values and all(math.isfinite(v) and v > 0 for v in figure.samples.values)
    assert figure.target > 0 and figure.unit
    assert figure.as_json()["name"] == figure.name


def test_the_lookups_area_measures_search_scan_and_mark_sold_through_the_app(
    pg: PgServer, database: Database, alice: UserRecord, bob: UserRecord, tmp_path: Path
) -> None:
    seed(database, alice, bob)
    found = list(lookups.figures(context(pg, database, alice, bob, tmp_path)))

    assert [f.name for f in found] == [
        "search as you type, 3+ characters, first page",
        "barcode scan → record shown (UPC/SKU/storage_id)",
        "mark sold with 5 platforms (sold_* + 4 cancellations scheduled, one transaction)",
    ]
    for figure in found:
        check_sane(figure)
    search, scan, sold = found
    assert search.statistic == scan.statistic == "p95"
    assert search.limit is not None and scan.limit is not None and sold.limit is None
    # Every listing it sold had five platforms: one sold, four waiting to be withdrawn.
    with database.unit_of_work(alice.id) as uow:
        sold_rows = uow.listings.page(limit=100, status="sold")
        assert len(sold_rows) == len(sold.samples.values) + 1  # and the warm-up sale
        for listing in sold_rows:
            statuses = sorted(p.status or "" for p in uow.platform_listings.for_listing(listing.id))
            assert statuses == ["pending_cancel"] * 4 + ["sold"]
    with database.unit_of_work(bob.id) as uow:
        assert "sold" not in uow.listings.count_by_status()


def test_mark_sold_tops_up_listings_with_five_platforms_when_the_data_has_too_few(
    pg: PgServer, database: Database, alice: UserRecord, bob: UserRecord, tmp_path: Path
) -> None:
    seed(database, alice, bob)
    ctx = context(pg, database, alice, bob, tmp_path)
    ctx.runs = 7  # more than the 5 listings seeded on five platforms
    figure = lookups.mark_sold_figure(ctx)
    assert len(figure.samples.values) == 7
    with database.unit_of_work(alice.id) as uow:
        assert uow.listings.count_by_status()["sold"] == 8


def test_the_photos_area_makes_thumbnails_through_the_app_and_leaves_no_cache_behind(
    pg: PgServer,
    database: Database,
    alice: UserRecord,
    bob: UserRecord,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(photos, "PHOTO_SIZE", (800, 600))  # the same code on smaller photos, for speed
    (figure,) = photos.figures(context(pg, database, alice, bob, tmp_path))

    check_sane(figure)
    assert (figure.unit, figure.better, figure.target) == ("thumbs/s", "higher", 40.0)
    assert figure.limit is not None and figure.limit > 0
    originals = sorted((tmp_path / "photos-bench" / "originals").iterdir())
    assert len(originals) == len(photos.ORIENTATIONS)
    assert not (tmp_path / "photos-bench" / "data" / "thumbnails").exists()
