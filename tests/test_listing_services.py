"""Listing pages (keyset, database-sorted, filtered), sales with the cancel-cooldown, bulk changes
with undo, and edits that would overwrite another client's change."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, text
from tests.concurrency import run_together

from reseller_desktop.db import schema
from reseller_desktop.db.database import Database
from reseller_desktop.domain.errors import ValidationError
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.repositories import text_search
from reseller_desktop.repositories.listing_filters import filter_parts
from reseller_desktop.repositories.listing_pages import COUNT_CAP, SORTABLE, PageKey, Sort, format_count
from reseller_desktop.repositories.listings import StaleListingError
from reseller_desktop.services.listing_bulk import BulkChange, apply_bulk, undo_bulk
from reseller_desktop.services.sales import record_sale, record_sale_by_hand

SOLD_AT = datetime(2026, 11, 20, 14, 30)


@pytest.fixture
def stock(database: Database, alice: UserRecord) -> list[int]:
    """40 listings with repeated and missing values in every sortable column."""
    ids = []
    with database.unit_of_work(alice.id) as uow:
        for n in range(40):
            listing = uow.listings.add(
                {
                    "title": f"Item {n % 7}",
                    "price": Decimal(n % 5) + Decimal("0.99"),
                    "cost": None if n % 3 == 0 else Decimal(n % 4),
                    "quantity": n % 3,
                    "status": "active" if n % 2 else "draft",
                    "storage_location": f"B{n % 4}" if n % 2 or n % 5 else None,
                    "description": "vintage denim jacket" if n % 10 == 0 else "plain",
                }
            )
            ids.append(listing.id)
        uow.connection.execute(text("UPDATE listings SET updated_at = NULL WHERE id % 6 = 0"))
        uow.commit()
    return ids


def all_pages(
    database: Database, user: UserRecord, sort: Sort, listing_filter: ListingFilter | None = None
) -> list[int]:
    listing_filter = listing_filter or ListingFilter()
    seen: list[int] = []
    key: PageKey | None = None
    while True:
        with database.unit_of_work(user.id) as uow:
            rows, key = uow.listing_pages.page(listing_filter, sort, key, limit=7)
        seen.extend(r.id for r in rows)
        if key is None:
            return seen


@pytest.mark.parametrize("column", SORTABLE)
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_pages_visit_every_row_once_in_the_databases_order(
    database: Database, alice: UserRecord, stock: list[int], column: str, descending: bool
) -> None:
    direction = "DESC NULLS FIRST" if descending else "ASC NULLS LAST"
    id_direction = "DESC" if descending else "ASC"
    with database.connect() as conn:
        expected = list(
            conn.scalars(
                text(f"SELECT id FROM listings WHERE user_id = :u ORDER BY {column} {direction}, id {id_direction}"),
                {"u": alice.id},
            )
        )
    assert all_pages(database, alice, Sort(column, descending)) == expected


def test_filters_and_search_narrow_the_pages_and_counts(
    database: Database, alice: UserRecord, stock: list[int]
) -> None:
    active = all_pages(database, alice, Sort("id", False), ListingFilter(statuses=("active",)))
    assert len(active) == 20
    denim = all_pages(database, alice, Sort("id", False), ListingFilter(search="DENIM"))
    assert denim == [stock[0], stock[10], stock[20], stock[30]]
    in_b1 = all_pages(database, alice, Sort("id", False), ListingFilter(storage_location="B1"))
    assert in_b1 and all(stock.index(i) % 4 == 1 for i in in_b1)
    prefix = all_pages(database, alice, Sort("id", False), ListingFilter(storage_location="B*"))
    assert set(in_b1) < set(prefix)
    assert all_pages(database, alice, Sort("id", False), ListingFilter(search="100% wool_")) == []
    with database.unit_of_work(alice.id) as uow:
        counts = uow.listing_pages.status_counts(ListingFilter(statuses=("active",), search="denim"))
    assert counts == {"draft": 4, "active": 0, "sold": 0, "canceled": 0}


SEARCHES = (("plain", lambda n: n % 10 != 0), ("DENIM", lambda n: n % 10 == 0), ("tem 3", lambda n: n % 7 == 3))


@pytest.mark.parametrize(
    ("index_match_cost", "ways"),
    [(10_000, {"in order"}), (1, {"in order", "search index"}), (0, {"search index"})],
    ids=["in order", "both", "search index"],
)
@pytest.mark.parametrize(("column", "descending"), [("updated_at", True), ("updated_at", False), ("quantity", True)])
def test_search_pages_are_the_same_whichever_way_the_rows_are_read(
    database: Database,
    alice: UserRecord,
    stock: list[int],
    monkeypatch: pytest.MonkeyPatch,
    index_match_cost: float,
    ways: set[str],
    column: str,
    descending: bool,
) -> None:
    """In sort order a few rows at a time, through the search index, or the one and then the other:
    the pages hold the matching rows of the unsearched order, each once, NULLs where they belong."""
    monkeypatch.setattr(text_search, "FIRST_WINDOW", 3)
    monkeypatch.setattr(text_search, "LARGEST_WINDOW", 4)
    monkeypatch.setattr(text_search, "INDEX_MATCH_COST", index_match_cost)
    monkeypatch.setattr(text_search, "_matches_in_table", lambda *_: (10.0, 1.0))  # as the sample says
    used: set[str] = set()
    read_window, bitmap_scans_only = text_search._read_window, text_search._bitmap_scans_only
    monkeypatch.setattr(text_search, "_read_window", lambda *a, **k: used.add("in order") or read_window(*a, **k))
    monkeypatch.setattr(text_search, "_bitmap_scans_only", lambda c: used.add("search index") or bitmap_scans_only(c))
    in_order = all_pages(database, alice, Sort(column, descending))
    for term, matches in SEARCHES:
        matching = {listing for n, listing in enumerate(stock) if matches(n)}
        assert all_pages(database, alice, Sort(column, descending), ListingFilter(search=term)) == [
            listing for listing in in_order if listing in matching
        ]
    assert used == ways
    with database.unit_of_work(alice.id) as uow:  # the planner is itself again after the page
        uow.listing_pages.page(ListingFilter(search="plain"), Sort(column, descending), limit=7)
        assert uow.connection.scalar(text("SELECT current_setting('enable_indexscan')")) == "on"


def test_the_sample_counts_a_terms_matches_in_the_whole_table(
    database: Database, alice: UserRecord, stock: list[int]
) -> None:
    with database.unit_of_work(alice.id) as uow:
        uow.connection.execute(text("ANALYZE listings"))  # a table this small is then read whole
        _, search = filter_parts(uow.connection, alice.id, ListingFilter(search="denim"))
        assert text_search._matches_in_table(uow.connection, schema.listings, search) == (4.0, 0.1)


def test_counts_are_capped_and_shown_as_such() -> None:
    assert format_count(COUNT_CAP + 1) == f"{COUNT_CAP:,}+"
    assert format_count(1234) == "1,234"


def test_page_rows_carry_cover_and_platform_chips(database: Database, alice: UserRecord) -> None:
    with database.unit_of_work(alice.id) as uow:
        listing = uow.listings.add({"title": "Coach bag", "price": 80, "photos": ["photos/a.jpg", "photos/b.jpg"]})
        for platform in ("poshmark", "ebay"):
            uow.platform_listings.add(listing.id, platform)
        uow.commit()
    with database.unit_of_work(alice.id) as uow:
        (row,), _ = uow.listing_pages.page(ListingFilter(), Sort())
        assert row.cover == "photos/a.jpg"
        assert row.platforms == (("ebay", "pending"), ("poshmark", "pending"))
        assert uow.listing_pages.rows([listing.id, 999999]) == [row]


@pytest.fixture
def cross_listed(database: Database, alice: UserRecord) -> int:
    with database.unit_of_work(alice.id) as uow:
        listing = uow.listings.add(
            {
                "title": "Filson Tin Cloth Cruiser",
                "price": 180,
                "cost": 25,
                "status": "active",
                "storage_location": "C2",
            }
        )
        for platform, status in (
            ("ebay", "active"),
            ("etsy", "active"),
            ("poshmark", "active"),
            ("mercari", "canceled"),
        ):
            row = uow.platform_listings.add(listing.id, platform)
            uow.platform_listings.update(row.id, {"status": status})
        uow.commit()
    return listing.id


def test_the_last_unit_sold_schedules_every_other_live_platform_for_cancellation(
    database: Database, alice: UserRecord, cross_listed: int
) -> None:
    with database.unit_of_work(alice.id) as uow:
        outcome = record_sale(uow, cross_listed, platform="Etsy", price="175.00", sold_at=SOLD_AT)
        uow.commit()
    assert outcome.sold_out and outcome.cancellations == ("ebay", "poshmark")
    with database.unit_of_work(alice.id) as uow:
        listing = uow.listings.get(cross_listed)
        platforms = {
            p.platform: (p.status, p.cancel_scheduled_at) for p in uow.platform_listings.for_listing(cross_listed)
        }
    assert (listing.status, listing.quantity, listing.sold_platform) == ("sold", 0, "etsy")
    assert (listing.sold_price, listing.sold_date) == (Decimal("175.00"), SOLD_AT)
    assert platforms == {
        "etsy": ("sold", None),
        "ebay": ("pending_cancel", SOLD_AT + timedelta(minutes=15)),
        "poshmark": ("pending_cancel", SOLD_AT + timedelta(minutes=15)),
        "mercari": ("canceled", None),
    }


def test_a_sale_leaves_an_activity_entry_for_each_platform_row_it_changed(
    database: Database, alice: UserRecord, cross_listed: int
) -> None:
    with database.unit_of_work(alice.id) as uow:
        record_sale(uow, cross_listed, platform="etsy", price="175.00", sold_at=SOLD_AT)
        uow.commit()
    with database.unit_of_work(alice.id) as uow:
        platform_of = {p.id: p.platform for p in uow.platform_listings.for_listing(cross_listed)}
        entries = list(reversed(uow.activity.recent(limit=5)))
    cancel_at = str(SOLD_AT + timedelta(minutes=15))
    assert [(e.action, platform_of.get(e.resource_id or 0), e.details) for e in entries[:3]] == [
        ("update_platform_listing", "ebay", {"status": "pending_cancel", "cancel_scheduled_at": cancel_at}),
        ("update_platform_listing", "etsy", {"status": "sold"}),
        ("update_platform_listing", "poshmark", {"status": "pending_cancel", "cancel_scheduled_at": cancel_at}),
    ]
    assert [e.action for e in entries[3:]] == ["update_listing", "record_sale"]
    assert entries[4].details == {
        "platform": "etsy",
        "price": "175.00",
        "sold_at": SOLD_AT.isoformat(),
        "units": 1,
        "units_left": 0,
        "cancel": ["ebay", "poshmark"],
    }


def test_marking_sold_takes_as_many_statements_on_five_platforms_as_on_two(
    database: Database, alice: UserRecord
) -> None:
    """The listing is locked while a sale is recorded: the work must not grow with its platforms."""

    def statements_of_a_sale(platforms: tuple[str, ...]) -> int:
        with database.unit_of_work(alice.id) as uow:
            listing = uow.listings.add({"title": "Boots", "price": 60, "status": "active", "storage_location": "B1"})
            for platform in platforms:
                uow.platform_listings.update(uow.platform_listings.add(listing.id, platform).id, {"status": "active"})
            uow.commit()
        sent: list[str] = []
        with database.unit_of_work(alice.id) as uow:
            event.listen(uow.connection, "before_cursor_execute", lambda *args: sent.append(args[2]))
            outcome = record_sale_by_hand(uow, listing.id, platform=platforms[0], price=55, sold_at=SOLD_AT)
            uow.commit()
        assert outcome.cancellations == platforms[1:]
        return len(sent)

    assert statements_of_a_sale(("ebay", "etsy")) == statements_of_a_sale(
        ("depop", "ebay", "etsy", "mercari", "poshmark")
    )


def test_with_units_left_a_sale_lowers_the_quantity_and_keeps_every_platform(
    database: Database, alice: UserRecord, cross_listed: int
) -> None:
    with database.unit_of_work(alice.id) as uow:
        uow.listings.update(cross_listed, {"quantity": 2})
        first = record_sale(
            uow, cross_listed, platform="ebay", price=180, sold_at=SOLD_AT, cooldown=timedelta(minutes=5)
        )
        assert not first.sold_out and first.listing.quantity == 1 and first.listing.status == "active"
        assert {p.status for p in uow.platform_listings.for_listing(cross_listed)} == {"active", "canceled"}
        second = record_sale(
            uow, cross_listed, platform="ebay", price=170, sold_at=SOLD_AT, cooldown=timedelta(minutes=5)
        )
        assert second.sold_out and second.cancel_at == SOLD_AT + timedelta(minutes=5)
        with pytest.raises(ValidationError, match="cannot be sold"):
            record_sale(uow, cross_listed, platform="ebay", price=1, sold_at=SOLD_AT)
        assert [e.action for e in uow.activity.recent(limit=40)].count("record_sale") == 2


def test_bulk_status_change_skips_what_the_rules_refuse_and_undo_restores(
    database: Database, alice: UserRecord, stock: list[int]
) -> None:
    with database.unit_of_work(alice.id) as uow:
        result = apply_bulk(uow, stock[:10], BulkChange("status", "active"))
        uow.commit()
    # drafts without a location (n = 0) cannot go active; the five already active are no change at all
    assert dict(result.skipped) == {stock[0]: "no storage location; set one first"}
    assert result.changed == 4
    with database.unit_of_work(alice.id) as uow:
        assert {uow.listings.get(i).status for i in stock[1:10]} == {"active"}
        assert undo_bulk(uow, result.undo).restored == 4
        uow.commit()
    with database.unit_of_work(alice.id) as uow:
        assert [uow.listings.get(i).status for i in stock[:4]] == ["draft", "active", "draft", "active"]
        actions = [e.action for e in uow.activity.recent(limit=3)]
    assert actions[:2] == ["undo_bulk_change", "bulk_update_listings"]


def test_bulk_price_by_percent_rounds_to_the_cent_and_refuses_out_of_range(
    database: Database, alice: UserRecord, stock: list[int]
) -> None:
    with database.unit_of_work(alice.id) as uow:
        result = apply_bulk(uow, stock[:3], BulkChange("price_percent", "-10"))
        assert [uow.listings.get(i).price for i in stock[:3]] == [Decimal("0.89"), Decimal("1.79"), Decimal("2.69")]
        too_much = apply_bulk(uow, stock[:1], BulkChange("price_percent", "99999999"))
        assert too_much.changed == 0 and "outside 0 to 99,999.99" in too_much.skipped[0][1]
        undo_bulk(uow, result.undo)
        assert [uow.listings.get(i).price for i in stock[:3]] == [Decimal("0.99"), Decimal("1.99"), Decimal("2.99")]


def test_bulk_delete_and_undo_bring_back_platform_rows_and_links(
    database: Database, alice: UserRecord, cross_listed: int
) -> None:
    with database.unit_of_work(alice.id) as uow:
        item = uow.storage.add_item({"title": "Cruiser", "listing_id": cross_listed})
        uow.notifications.add("info", "Price drop suggested", listing_id=cross_listed)
        for row in uow.platform_listings.for_listing(cross_listed):  # taken down everywhere first
            uow.platform_listings.update(row.id, {"status": "canceled"})
        result = apply_bulk(uow, [cross_listed], BulkChange("delete"))
        assert result.skipped == ()
        uow.commit()
    with database.unit_of_work(alice.id) as uow:
        assert uow.listing_pages.rows([cross_listed]) == []
        undo_bulk(uow, result.undo)
        uow.commit()
    with database.unit_of_work(alice.id) as uow:
        assert uow.listings.get(cross_listed).title == "Filson Tin Cloth Cruiser"
        assert len(uow.platform_listings.for_listing(cross_listed)) == 4
        assert uow.storage.get_item(item.id).listing_id == cross_listed
        assert [n.listing_id for n in uow.notifications.recent()] == [cross_listed]


def test_bulk_changes_never_touch_another_users_listings(
    database: Database, alice: UserRecord, bob: UserRecord, stock: list[int]
) -> None:
    with database.unit_of_work(bob.id) as uow:
        result = apply_bulk(uow, stock[:5], BulkChange("price", "1.00"))
        deleted = apply_bulk(uow, stock[:5], BulkChange("delete"))
        uow.commit()
    assert result.changed == 0 and deleted.changed == 0
    with database.unit_of_work(alice.id) as uow:
        assert uow.listings.get(stock[1]).price == Decimal("1.99")


def test_saving_over_a_change_made_elsewhere_is_refused_until_the_seller_chooses(
    database: Database, alice: UserRecord, cross_listed: int
) -> None:
    with database.unit_of_work(alice.id) as uow:
        opened = uow.listings.get(cross_listed)
    with database.engine.begin() as conn:  # the web app edits the same listing
        conn.execute(text("UPDATE listings SET price = 150, updated_at = now() WHERE id = :i"), {"i": cross_listed})
    with database.unit_of_work(alice.id) as uow:
        with pytest.raises(StaleListingError, match="changed elsewhere") as caught:
            uow.listings.update(cross_listed, {"title": "Mine"}, expected_updated_at=opened.updated_at)
        assert caught.value.current.price == Decimal("150.00")
        kept = uow.listings.update(cross_listed, {"title": "Mine"}, expected_updated_at=caught.value.current.updated_at)
        uow.commit()
    assert kept.title == "Mine" and kept.price == Decimal("150.00")


def test_undo_leaves_alone_what_changed_since_the_bulk_change(
    database: Database, alice: UserRecord, bob: UserRecord, cross_listed: int
) -> None:
    with database.unit_of_work(alice.id) as uow:
        other = uow.listings.add({"title": "Other", "price": 5, "status": "active", "storage_location": "A1"})
        result = apply_bulk(uow, [cross_listed, other.id], BulkChange("price", "10.00"))
        uow.commit()
    with database.unit_of_work(alice.id) as uow:  # then one of them sells
        record_sale(uow, cross_listed, platform="ebay", price="10.00", sold_at=SOLD_AT)
        uow.listings.update(other.id, {"price": "12.00"})
        uow.commit()
    with database.unit_of_work(bob.id) as uow:
        assert undo_bulk(uow, result.undo).restored == 0  # not bob's to undo
    with database.unit_of_work(alice.id) as uow:
        outcome = undo_bulk(uow, result.undo)
        assert (outcome.restored, outcome.changed_since) == (0, 2)
        assert uow.listings.get(cross_listed).status == "sold"
        assert uow.listings.get(other.id).price == Decimal("12.00")


def test_two_sales_of_the_last_units_at_once_are_both_counted(
    database: Database, alice: UserRecord, cross_listed: int
) -> None:
    with database.unit_of_work(alice.id) as uow:
        uow.listings.update(cross_listed, {"quantity": 2})
        uow.commit()

    def sell(_client: int) -> None:
        with database.unit_of_work(alice.id) as uow:
            record_sale(uow, cross_listed, platform="etsy", price=170, sold_at=SOLD_AT)
            uow.commit()

    assert run_together(sell) == []
    with database.unit_of_work(alice.id) as uow:
        listing = uow.listings.get(cross_listed)
    assert (listing.quantity, listing.status) == (0, "sold")


def test_status_rules_hold_for_every_write_not_only_the_editor(
    database: Database, alice: UserRecord, cross_listed: int
) -> None:
    with database.unit_of_work(alice.id) as uow:
        draft = uow.listings.add({"title": "Draft", "price": 3})
        with pytest.raises(ValidationError, match="only an active listing"):
            record_sale(uow, draft.id, platform="ebay", price=3, sold_at=SOLD_AT)
        record_sale(uow, cross_listed, platform="ebay", price=170, sold_at=SOLD_AT)
        with pytest.raises(ValidationError, match="sold listing can become nothing"):
            uow.listings.update(cross_listed, {"status": "active"})
        with pytest.raises(ValidationError, match="Mark as sold"):
            uow.listings.update(draft.id, {"status": "sold"})


def test_the_platform_filter_finds_listings_on_that_platform(
    database: Database, alice: UserRecord, cross_listed: int, stock: list[int]
) -> None:
    assert all_pages(database, alice, Sort("id", False), ListingFilter(platform="poshmark")) == [cross_listed]
    assert all_pages(database, alice, Sort("id", False), ListingFilter(platform="whatnot")) == []
