"""Looking scanned codes up against a real database: every way a code matches, exactly, and only
among the signed-in user's own rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import event, text

from reseller_desktop.db.database import Database
from reseller_desktop.domain.barcodes import (
    CodeKind,
    EmptyScanError,
    HitKind,
    ScanHit,
    bin_label_code,
    classify,
    section_label_code,
)
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.repositories.base import ActivityLogWriter
from reseller_desktop.repositories.code_lookup import CodeLookupRepository

UPC_A = "012345678905"
EAN_13_OF_UPC_A = "0" + UPC_A
MISREAD_SKU = "123456789013"  # twelve digits whose last is not the check digit: a SKU, not a UPC


@dataclass
class Rows:
    listing: int
    listing_uuid: str
    listing_same_gtin: int
    listing_misread_sku: int
    card: int
    card_uuid: str
    bin: int
    section: int
    item: int
    storage_id: str


def make_rows(database: Database, user: UserRecord, bin_name: str = "A") -> Rows:
    with database.unit_of_work(user.id) as uow:
        listing = uow.listings.add({"title": "Levi's 501 W32 L34", "price": 45, "sku": "LV-501", "upc": UPC_A})
        same = uow.listings.add({"title": "Levi's 501 W30", "price": 40, "sku": "LV-501-B", "upc": EAN_13_OF_UPC_A})
        misread_sku = uow.listings.add({"title": "Odd SKU", "price": 1, "sku": MISREAD_SKU})
        uow.listings.add({"title": "Other product", "price": 5, "sku": "X-1", "upc": "4006381333931"})
        card = uow.cards.add({"card_type": "sports", "title": "1989 Upper Deck Ken Griffey Jr.", "set_name": "UD"})
        bin_ = uow.storage.add_bin(bin_name, "clothing")
        section = uow.storage.add_section(bin_.id, "1", capacity=30)
        item = uow.storage.add_item({"title": "501s", "bin_id": bin_.id, "section_id": section.id})
        uow.commit()
    return Rows(
        listing.id,
        listing.listing_uuid,
        same.id,
        misread_sku.id,
        card.id,
        card.card_uuid,
        bin_.id,
        section.id,
        item.id,
        item.storage_id,
    )


@pytest.fixture
def alice_rows(database: Database, alice: UserRecord) -> Rows:
    return make_rows(database, alice)


def find(database: Database, user: UserRecord, code: str) -> list[ScanHit]:
    with database.unit_of_work(user.id) as uow:
        return CodeLookupRepository(uow.connection, uow.user_id).find(code)


def keys(hits: list[ScanHit]) -> list[tuple[HitKind, int]]:
    return [(h.kind, h.id) for h in hits]


@pytest.mark.parametrize("spelling", [UPC_A, EAN_13_OF_UPC_A, "00" + UPC_A])
def test_upc_a_ean_13_and_gtin_14_find_every_listing_of_that_product(
    database: Database, alice: UserRecord, alice_rows: Rows, spelling: str
) -> None:
    hits = find(database, alice, spelling)
    assert sorted(keys(hits)) == sorted(
        [(HitKind.LISTING, alice_rows.listing), (HitKind.LISTING, alice_rows.listing_same_gtin)]
    )
    first = next(h for h in hits if h.id == alice_rows.listing)
    assert first.title == "Levi's 501 W32 L34"
    assert first.detail == f"SKU LV-501 · UPC {UPC_A} · draft"


def test_sku_matches_exactly_not_by_prefix_or_case(database: Database, alice: UserRecord, alice_rows: Rows) -> None:
    assert keys(find(database, alice, "LV-501")) == [(HitKind.LISTING, alice_rows.listing)]
    assert keys(find(database, alice, "LV-501-B")) == [(HitKind.LISTING, alice_rows.listing_same_gtin)]
    assert find(database, alice, "LV-50") == []
    assert find(database, alice, "lv-501") == []


def test_a_misread_is_not_looked_up_as_a_upc_but_still_finds_a_sku(
    database: Database, alice: UserRecord, alice_rows: Rows
) -> None:
    assert classify(MISREAD_SKU).kind is CodeKind.MISREAD_GTIN
    assert keys(find(database, alice, MISREAD_SKU)) == [(HitKind.LISTING, alice_rows.listing_misread_sku)]
    with database.unit_of_work(alice.id) as uow:  # a misread equal to a stored UPC still finds nothing
        uow.listings.update(alice_rows.listing_same_gtin, {"upc": "012345678906"})
        uow.commit()
    assert find(database, alice, "012345678906") == []


def test_listing_and_card_uuids_match_also_in_upper_case(
    database: Database, alice: UserRecord, alice_rows: Rows
) -> None:
    for code in (alice_rows.listing_uuid, alice_rows.listing_uuid.upper()):
        assert keys(find(database, alice, code)) == [(HitKind.LISTING, alice_rows.listing)]
    for code in (alice_rows.card_uuid, alice_rows.card_uuid.upper()):
        hits = find(database, alice, code)
        assert keys(hits) == [(HitKind.CARD, alice_rows.card)]
        assert hits[0].title == "1989 Upper Deck Ken Griffey Jr."
        assert hits[0].detail == "sports · UD"


def test_storage_item_by_storage_id_says_where_it_is(database: Database, alice: UserRecord, alice_rows: Rows) -> None:
    hits = find(database, alice, alice_rows.storage_id)
    assert hits == [
        ScanHit(
            HitKind.STORAGE_ITEM, alice_rows.item, "501s", f"Storage id {alice_rows.storage_id} · Bin A · Section 1"
        )
    ]


def test_bins_by_label_or_name_and_sections_by_label(database: Database, alice: UserRecord, alice_rows: Rows) -> None:
    bin_hit = ScanHit(HitKind.BIN, alice_rows.bin, "Bin A", f"clothing · Label BIN-{alice_rows.bin}")
    assert find(database, alice, bin_label_code(alice_rows.bin)) == [bin_hit]
    assert find(database, alice, bin_label_code(alice_rows.bin).lower()) == [bin_hit]
    assert find(database, alice, "a") == [bin_hit]  # the name, case-insensitively
    section = find(database, alice, section_label_code(alice_rows.section))
    assert section == [
        ScanHit(
            HitKind.SECTION,
            alice_rows.section,
            "Bin A › Section 1",
            f"Label SEC-{alice_rows.section} · Items stored: 1",
        )
    ]
    assert find(database, alice, bin_label_code(alice_rows.bin + 1000)) == []
    assert find(database, alice, section_label_code(alice_rows.section + 1000)) == []


def test_one_record_matching_several_ways_is_one_hit_and_kinds_come_in_order(
    database: Database, alice: UserRecord, alice_rows: Rows
) -> None:
    with database.unit_of_work(alice.id) as uow:
        uow.listings.update(alice_rows.listing, {"sku": UPC_A})  # same listing by SKU and by UPC
        tagged = uow.storage.add_item({"title": "Tagged by UPC"})
        # The web app lets a seller type any storage id, a product's barcode included.
        uow.connection.execute(
            text("UPDATE storage_items SET storage_id = :s WHERE id = :i"), {"s": UPC_A, "i": tagged.id}
        )
        uow.storage.add_bin(UPC_A, "cards")
        uow.commit()
    hits = find(database, alice, UPC_A)
    assert [h.kind for h in hits] == [HitKind.LISTING, HitKind.LISTING, HitKind.STORAGE_ITEM, HitKind.BIN]
    assert len({(h.kind, h.id) for h in hits}) == len(hits)


def test_nothing_found_and_nothing_scanned(database: Database, alice: UserRecord, alice_rows: Rows) -> None:
    assert find(database, alice, "NO-SUCH-CODE") == []
    assert find(database, alice, "4006381333948") == []  # a valid EAN-13 nobody has
    with pytest.raises(EmptyScanError):
        find(database, alice, "  ")


def test_bob_never_finds_alices_rows(database: Database, alice: UserRecord, bob: UserRecord) -> None:
    mine = make_rows(database, alice)
    bobs = make_rows(database, bob, bin_name="A")  # same bin name, same UPCs, same SKUs as alice
    codes = [
        UPC_A,
        EAN_13_OF_UPC_A,
        "LV-501",
        MISREAD_SKU,
        mine.listing_uuid,
        mine.card_uuid,
        mine.storage_id,
        "A",
        bin_label_code(mine.bin),
        section_label_code(mine.section),
    ]
    alices_ids = {
        (HitKind.LISTING, mine.listing),
        (HitKind.LISTING, mine.listing_same_gtin),
        (HitKind.LISTING, mine.listing_misread_sku),
        (HitKind.CARD, mine.card),
        (HitKind.STORAGE_ITEM, mine.item),
        (HitKind.BIN, mine.bin),
        (HitKind.SECTION, mine.section),
    }
    seen_by_bob = {key for code in codes for key in keys(find(database, bob, code))}
    assert seen_by_bob.isdisjoint(alices_ids)
    assert (HitKind.LISTING, bobs.listing) in seen_by_bob  # bob does find his own copies
    assert (HitKind.BIN, bobs.bin) in seen_by_bob
    assert find(database, bob, mine.listing_uuid) == []
    assert find(database, bob, section_label_code(mine.section)) == []


def test_an_item_linked_to_another_users_bin_does_not_reveal_that_bin(
    database: Database, alice: UserRecord, bob: UserRecord
) -> None:
    mine = make_rows(database, alice)
    bobs = make_rows(database, bob, bin_name="Bob's secret bin")
    with database.engine.begin() as conn:  # a link only another client could make
        conn.execute(
            text("UPDATE storage_items SET bin_id = :b, section_id = :s WHERE id = :i"),
            {"b": bobs.bin, "s": bobs.section, "i": mine.item},
        )
    assert find(database, alice, mine.storage_id) == [
        ScanHit(HitKind.STORAGE_ITEM, mine.item, "501s", f"Storage id {mine.storage_id}")
    ]


def test_a_lookup_writes_nothing(database: Database, alice: UserRecord, alice_rows: Rows) -> None:
    with database.engine.connect() as conn:
        before = conn.scalar(text("SELECT count(*) FROM activity_logs"))
    with database.unit_of_work(alice.id) as uow:
        repo = CodeLookupRepository(uow.connection, uow.user_id, ActivityLogWriter(uow.connection, uow.user_id))
        assert repo.find(UPC_A)
        uow.commit()
    with database.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM activity_logs")) == before


BULK_ROWS = """
INSERT INTO listings (listing_uuid, user_id, title, price, status, sku, upc)
SELECT gen_random_uuid()::text, :u, 'Bulk ' || i, 1, 'draft', 'BULK-' || i, lpad(i::text, 12, '0')
FROM generate_series(1, 20000) AS i;
INSERT INTO card_collections (card_uuid, user_id, card_type, title)
SELECT gen_random_uuid()::text, :u, 'tcg', 'Bulk card ' || i FROM generate_series(1, 5000) AS i;
INSERT INTO storage_items (storage_id, user_id, title)
SELECT 'BULK-SI-' || i, :u, 'Bulk item ' || i FROM generate_series(1, 5000) AS i;
ANALYZE listings; ANALYZE card_collections; ANALYZE storage_items;
"""


def test_one_statement_reaching_each_big_table_through_the_index_for_that_way_of_matching(
    database: Database, alice: UserRecord, alice_rows: Rows
) -> None:
    """At scale the planner must take the selective index per branch, never the user's whole set."""
    with database.engine.begin() as conn:
        for statement in BULK_ROWS.strip().split(";\n"):
            conn.execute(text(statement), {"u": alice.id})
    statements: list[tuple[str, Any]] = []
    with database.unit_of_work(alice.id) as uow:
        conn = uow.connection

        def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
            statements.append((statement, parameters))

        event.listen(conn, "before_cursor_execute", capture)
        assert keys(CodeLookupRepository(conn, uow.user_id).find(UPC_A))
        event.remove(conn, "before_cursor_execute", capture)
        assert len(statements) == 1  # one round trip per scan
        statement, parameters = statements[0]
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
    for table in ("listings", "card_collections", "storage_items"):
        assert f"Seq Scan on {table}" not in plan, plan
    index_conditions = "\n".join(line for line in plan.splitlines() if "Index Cond:" in line)
    for condition in ("sku = ", "listing_uuid = ", "upc = ANY", "card_uuid = ", "storage_id = "):
        assert condition in index_conditions, plan  # a condition only in a Filter line scans a whole set
