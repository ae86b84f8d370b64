"""Listings CSV export and import against a real database and real files: the preview, the merge by
SKU, every kind of bad row, all-or-nothing, cancel, awkward text, and tenant isolation."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy import select, text
from tests.conftest import PgServer
from tests.csv_files import read_csv, write_csv
from tests.transfer_support import (  # noqa: F401  (*_fixture: fixtures)
    WAIT_MS,
    Factory,
    as_alice_fixture,
    as_bob_fixture,
    locked,
    table_rows,
)

from reseller_desktop.bench import csv_import
from reseller_desktop.bench.context import BenchContext
from reseller_desktop.db import schema
from reseller_desktop.db.database import Database
from reseller_desktop.db.errors import ConstraintError
from reseller_desktop.domain.errors import UserError, ValidationError
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.domain.listing_rules import listing_errors
from reseller_desktop.domain.money import parse_money
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.repositories.listing_import import (
    JSON_DIFFERS,
    JSON_DIFFERS_SQL,
    JSON_DIFFERS_SQL_BEFORE_16,
    STAGED_COLUMNS,
    ListingImportRepository,
)
from reseller_desktop.services.csv_transfer import (
    BadRow,
    CsvFileError,
    ExportCancelledError,
    ImportCancelledError,
    ImportRejectedError,
    TransferProgress,
)
from reseller_desktop.services.listing_csv import (
    COLUMNS,
    ImportPreview,
    ImportResult,
    export_listings,
    import_listings,
    parse_row,
    preview_import,
)


def listings_state(database: Database, user: UserRecord | None = None) -> list[tuple[Any, ...]]:
    return table_rows(database, "listings", user)


def activity(database: Database, action: str = "import_listings") -> list[dict[str, Any]]:
    log = schema.activity_logs
    with database.connect() as conn:
        return list(conn.scalars(select(log.c.details).where(log.c.action == action).order_by(log.c.id)))


def add(factory: Factory, **values: Any) -> int:
    with factory() as uow:
        listing_id = uow.listings.add(values).id
        uow.commit()
    return listing_id


def add_webapp_row(database: Database, user: UserRecord, **values: Any) -> None:
    """A row as the web app may write it: no SKU, empty text, NULL defaults, JSON with other spacing."""
    columns = {"listing_uuid": f"web-{values.get('title')}", "user_id": user.id, **values}
    names = ", ".join(columns)
    with database.engine.begin() as conn:
        conn.execute(text(f"INSERT INTO listings ({names}) VALUES ({', '.join(':' + n for n in columns)})"), columns)


def test_export_then_import_changes_nothing(
    tmp_path: Path, database: Database, alice: UserRecord, as_alice: Factory
) -> None:
    add(
        as_alice,
        title="Levi's 501 Jeans W32 L34",
        description="Dark wash.\nNo flaws.",
        price="45.00",
        cost="6.50",
        condition="good",
        category="Men's Jeans",
        item_type="clothing",
        attributes={"brand": "Levi's", "size": "W32 L34", "color": "Indigo"},
        photos=["sha256:ab12", "sha256:cd34"],
        quantity=2,
        storage_location="B1",
        sku="LV-501",
        upc="012345678905",
        status="active",
        platform_statuses={"ebay": "active", "etsy": "pending"},
    )
    add(
        as_alice,
        title="Game Boy DMG-01",
        price="89.99",
        status="sold",
        sold_platform="ebay",
        sold_date=datetime(2024, 5, 1, 14, 30, 15, 123456),
        sold_price="79.99",
        quantity=0,
        storage_location="C2",
    )
    add(as_alice, title="Draft with nothing else", price="0")
    add_webapp_row(
        database,
        alice,
        title="Web app row",
        price=0.1,
        description="",
        attributes='{ "brand" : "Nike",  "size": "10" }',
        photos='[ "a.jpg", "b.jpg" ]',
        quantity=None,
        status=None,
    )
    before = listings_state(database)
    exported = tmp_path / "listings.csv"

    assert export_listings(as_alice, exported) == 4
    assert preview_import(as_alice, exported) == ImportPreview(0, 0, 4, ())
    assert import_listings(as_alice, exported) == ImportResult(0, 0, 4)

    assert listings_state(database) == before  # not even updated_at moved
    assert activity(database) == []
    again = tmp_path / "again.csv"
    export_listings(as_alice, again)
    assert again.read_bytes() == exported.read_bytes()
    first = read_csv(exported)[0]
    assert first["price"] == "45.00"
    assert first["photos"] == '["sha256:ab12","sha256:cd34"]'
    assert read_csv(exported)[1]["sold_date"] == "2024-05-01T14:30:15.123456Z"


def test_rows_are_created_or_updated_by_sku(tmp_path: Path, database: Database, as_alice: Factory) -> None:
    changed_id = add(as_alice, title="Patagonia Fleece", price="45.00", sku="PAT-1")
    add(as_alice, title="Carhartt Jacket", price="60.00", sku="CAR-1")
    exported = tmp_path / "listings.csv"
    export_listings(as_alice, exported)
    rows = read_csv(exported)
    rows[0]["price"] = "52.50"
    rows[0]["listing_uuid"] = "ignored-for-an-existing-listing"
    new_uuid = "4d7e2a8c-0b6f-4c55-9d1e-2f3a4b5c6d7e"
    rows.append({"title": "Nike Air Max", "price": "80", "sku": "NIKE-90", "listing_uuid": new_uuid})
    rows.append({"title": "No SKU given", "price": "5"})
    write_csv(exported, rows)
    with as_alice() as uow:
        before = uow.listings.get(changed_id)
    unchanged_before = listings_state(database)[1]

    assert preview_import(as_alice, exported) == ImportPreview(to_create=2, to_update=1, unchanged=1, bad_rows=())
    assert import_listings(as_alice, exported) == ImportResult(created=2, updated=1, unchanged=1)

    with as_alice() as uow:
        after = uow.listings.get(changed_id)
        assert after.price == Decimal("52.50")
        assert after.listing_uuid == before.listing_uuid
        assert after.updated_at is not None and before.updated_at is not None
        assert after.updated_at > before.updated_at
        assert uow.listings.find_by_sku("NIKE-90")[0].listing_uuid == new_uuid
        generated = next(r for r in uow.listings.page() if r.title == "No SKU given")
        assert generated.sku is not None and generated.sku.startswith("RD-")
        assert generated.quantity == 1 and generated.status == "draft"
    assert listings_state(database)[1] == unchanged_before
    assert activity(database) == [{"file": "listings.csv", "created": 2, "updated": 1, "unchanged": 1}]
    assert activity(database, "create_listing") == [{"title": "Patagonia Fleece"}, {"title": "Carhartt Jacket"}]


def _messages(error: ValidationError) -> list[str]:
    return [f"{e.field}: {e.message}" for e in error.errors]


def _money_message(value: str, field: str) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_money(value, field)
    return _messages(caught.value)[0]


def _rule_messages(**values: Any) -> str:
    return "; ".join(f"{e.field}: {e.message}" for e in listing_errors({"title": "T", "price": Decimal(1), **values}))


def test_every_bad_row_is_reported_with_its_row_number(tmp_path: Path, database: Database, as_alice: Factory) -> None:
    ok = {"title": "Fine", "price": "1"}
    rows: list[dict[str, str]] = [
        {**ok, "sku": "OK-1"},  # row 2
        {**ok, "title": ""},  # 3
        {**ok, "title": "x" * 81},  # 4
        {**ok, "price": "abc"},  # 5
        {**ok, "price": ""},  # 6
        {**ok, "price": "-1"},  # 7
        {**ok, "cost": "1.005"},  # 8
        {**ok, "price": "100000"},  # 9
        {**ok, "quantity": "two"},  # 10
        {**ok, "quantity": "-1"},  # 11
        {**ok, "condition": "mint"},  # 12
        {**ok, "status": "listed"},  # 13
        {**ok, "status": "active"},  # 14
        {**ok, "status": "sold"},  # 15
        {**ok, "sold_date": "yesterday"},  # 16
        {**ok, "attributes": "[1]"},  # 17
        {**ok, "photos": '{"a": 1}'},  # 18
        {**ok, "platform_statuses": "{bad"},  # 19
        {},  # 20: an empty line, skipped but counted, as a spreadsheet counts it
        {**ok, "sku": "OK-2"},  # 21
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    with path.open("a", encoding="utf-8", newline="") as stream:
        stream.write("too,few,cells\r\n")  # 22
    expected = (
        BadRow(3, _rule_messages(title="")),
        BadRow(4, _rule_messages(title="x" * 81)),
        BadRow(5, _money_message("abc", "price")),
        BadRow(6, _rule_messages(price=None)),
        BadRow(7, _money_message("-1", "price")),
        BadRow(8, _money_message("1.005", "cost")),
        BadRow(9, _money_message("100000", "price")),
        BadRow(10, _rule_messages(quantity="two")),
        BadRow(11, _rule_messages(quantity=-1)),
        BadRow(12, _rule_messages(condition="mint")),
        BadRow(13, _rule_messages(status="listed")),
        BadRow(14, _rule_messages(status="active")),
        BadRow(15, _rule_messages(status="sold")),
        BadRow(16, "sold_date: 'yesterday' is not a date and time; write it like 2024-05-01T14:30:00Z."),
        BadRow(17, 'attributes: must be a JSON object, like {"brand": "Levi\'s"}.'),
        BadRow(18, 'photos: must be a JSON array of photo URIs, like ["file:///photos/a.jpg"].'),
        BadRow(19, 'platform_statuses: must be a JSON object, like {"brand": "Levi\'s"}.'),
        BadRow(22, "has 3 cells; the header has 21 columns."),
    )
    assert "title: A title is required." in expected[0].reason  # the editor's words, not the file's
    assert expected[12].reason.count("Required when the listing is sold.") == 3
    before = listings_state(database)

    preview = preview_import(as_alice, path)
    assert preview.bad_rows == expected
    assert (preview.to_create, preview.to_update, preview.unchanged) == (2, 0, 0)
    with pytest.raises(ImportRejectedError) as rejected:
        import_listings(as_alice, path)
    assert rejected.value.preview == preview
    assert "18 rows of bad.csv cannot be imported; nothing was written." in str(rejected.value)
    assert listings_state(database) == before


def test_duplicate_skus_and_uuids_in_the_file_are_errors_on_the_later_rows(tmp_path: Path, as_alice: Factory) -> None:
    uuid = "0f8d9a52-8c1e-4a8a-9f0e-3a3b1c2d4e5f"
    path = write_csv(
        tmp_path / "dups.csv",
        [
            {"title": "First", "price": "1", "sku": "DUP"},  # 2
            {"title": "Other", "price": "1", "sku": "OTHER"},  # 3
            {"title": "Second", "price": "1", "sku": " DUP "},  # 4: the same SKU once trimmed
            {"title": "Bad price", "price": "x", "sku": "BAD-FIRST"},  # 5
            {"title": "After a bad row", "price": "1", "sku": "BAD-FIRST"},  # 6
            {"title": "Has a uuid", "price": "1", "sku": "U-1", "listing_uuid": uuid},  # 7
            {"title": "Same uuid", "price": "1", "sku": "U-2", "listing_uuid": uuid},  # 8
            {"title": "Third", "price": "1", "sku": "DUP"},  # 9
        ],
    )
    preview = preview_import(as_alice, path)
    assert [(b.row_number, b.reason) for b in preview.bad_rows] == [
        (4, "sku: SKU DUP is already on row 2 of this file; each must be unique."),
        (5, _money_message("x", "price")),
        (6, "sku: SKU BAD-FIRST is already on row 5 of this file; each must be unique."),
        (8, f"listing_uuid: listing_uuid {uuid} is already on row 7 of this file; each must be unique."),
        (9, "sku: SKU DUP is already on row 2 of this file; each must be unique."),
    ]
    assert preview.to_create == 3


def test_a_listing_uuid_of_another_own_listing_with_another_sku_is_refused(
    tmp_path: Path, database: Database, alice: UserRecord, as_alice: Factory
) -> None:
    add(as_alice, title="Has SKU A", price="1", sku="A")
    add_webapp_row(database, alice, title="legacy", price=2)  # no SKU at all
    export_listings(as_alice, tmp_path / "x.csv")
    rows = read_csv(tmp_path / "x.csv")
    rows[0]["sku"] = "B"
    rows[1]["sku"] = "NEW"
    write_csv(tmp_path / "x.csv", rows)
    preview = preview_import(as_alice, tmp_path / "x.csv")
    assert [b.row_number for b in preview.bad_rows] == [2, 3]
    assert preview.bad_rows[0].reason.startswith(
        "listing_uuid: This listing_uuid is your listing with SKU A, but this row has another SKU. "
        "Rows are matched by SKU: put SKU A back to update it, or clear listing_uuid"
    )
    assert "your listing that has no SKU" in preview.bad_rows[1].reason


def test_when_the_database_refuses_a_row_nothing_is_written(
    tmp_path: Path, database: Database, as_alice: Factory
) -> None:
    # A stricter rule than ours, as the web app might add: the database has the last word.
    with database.engine.begin() as conn:
        conn.execute(text("ALTER TABLE listings ADD CONSTRAINT ck_test_no_recalls CHECK (title NOT LIKE '%RECALLED%')"))
    add(as_alice, title="Lamp", price="10", sku="A")
    path = write_csv(
        tmp_path / "refused.csv",
        [
            {"title": "Lamp", "price": "12", "sku": "A"},
            {"title": "Chair", "price": "30", "sku": "B"},
            {"title": "RECALLED crib", "price": "40", "sku": "C"},
        ],
    )
    before = listings_state(database)
    assert preview_import(as_alice, path) == ImportPreview(2, 1, 0, ())

    written: list[int] = []
    with pytest.raises(ConstraintError) as refused:
        # Progress at every row: rows 2 and 3 were written before row 4 was refused.
        import_listings(as_alice, path, progress=lambda p: written.append(p.done), progress_rows=1)
    assert refused.value.constraint == "ck_test_no_recalls"
    assert written[-3:] == [1, 2, 3]  # rows 2, 3 and 4 reached, in one statement
    assert listings_state(database) == before
    assert activity(database) == []


def test_cancel_stops_the_write_under_way_and_rolls_everything_back(
    tmp_path: Path, pg: PgServer, db_name: str, database: Database, as_alice: Factory
) -> None:
    add(as_alice, title="Lamp", price="10", sku="A")
    rows = [{"title": "Lamp", "price": "11", "sku": "A"}] + [
        {"title": f"Item {n}", "price": "1", "sku": f"S-{n}"} for n in range(6)
    ]
    path = write_csv(tmp_path / "cancel.csv", rows)
    before = listings_state(database)
    cancel = threading.Event()
    seen: list[TransferProgress] = []
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            import_listings(as_alice, path, progress=seen.append, cancel=cancel)
        except BaseException as exc:  # handed to the test's thread
            outcome.append(exc)

    # Another client's lock makes the write wait: the cancel must stop the statement under way.
    with locked(pg, db_name, "listings"):
        worker = threading.Thread(target=run)
        worker.start()
        while not any(p.phase == "Writing" for p in seen) and worker.is_alive():
            worker.join(0.01)
        cancel.set()
        worker.join(WAIT_MS / 1000)
        assert not worker.is_alive()  # stopped while the lock is still held
    assert [type(e) for e in outcome] == [ImportCancelledError]
    assert [p.done for p in seen if p.phase == "Writing"] == [0]
    assert listings_state(database) == before
    assert activity(database) == []
    # Untouched by the cancel, the same import goes through.
    assert import_listings(as_alice, path) == ImportResult(6, 1, 0)


def test_a_cancel_while_reading_stops_before_anything_is_checked(tmp_path: Path, as_alice: Factory) -> None:
    rows = [{"title": f"Item {n}", "price": "1", "sku": f"S-{n}"} for n in range(12_000)]
    path = write_csv(tmp_path / "big.csv", rows)
    cancel = threading.Event()
    seen: list[str] = []

    def on_progress(progress: TransferProgress) -> None:
        seen.append(progress.phase)
        cancel.set()

    with pytest.raises(ImportCancelledError):
        preview_import(as_alice, path, progress=on_progress, cancel=cancel)
    assert seen == ["Reading"]  # the first batch read, then no more


AWKWARD = [
    ('Comma, "quoted" title', 'She said "hi", then left.\n\nSecond paragraph, with, commas.'),
    ("Two\nlines", "Windows line end\r\nand a tab\tin it"),
    ("Ünïcödé 日本語 🎉 עברית", "Ω≈ç√∫ — “curly” ‘quotes’ … "),
    ("  spaced title  ", " leading and trailing spaces "),
    ("=SUM(A1:A2)", "a formula-looking cell stays text"),
]


def test_commas_quotes_newlines_and_unicode_survive(tmp_path: Path, database: Database, as_alice: Factory) -> None:
    rows = [{"title": t, "description": d, "price": "1", "sku": f"AW-{n}"} for n, (t, d) in enumerate(AWKWARD)]
    path = write_csv(tmp_path / "awkward.csv", rows, encoding="utf-8-sig")  # with a byte-order mark, as Excel saves
    assert import_listings(as_alice, path) == ImportResult(len(AWKWARD), 0, 0)
    with as_alice() as uow:
        stored = [(r.title, r.description) for r in uow.listings.page()]
    assert stored == AWKWARD

    exported = tmp_path / "exported.csv"
    export_listings(as_alice, exported)
    assert [(r["title"], r["description"]) for r in read_csv(exported)] == AWKWARD
    before = listings_state(database)
    assert import_listings(as_alice, exported) == ImportResult(0, 0, len(AWKWARD))
    assert listings_state(database) == before


def test_importing_as_bob_never_touches_alices_listings(
    tmp_path: Path, database: Database, alice: UserRecord, bob: UserRecord, as_alice: Factory, as_bob: Factory
) -> None:
    add(as_alice, title="Alice's lamp", price="10", sku="SHARED")
    add(as_alice, title="Alice's chair", price="20", sku="ALICE-ONLY")
    alices_file = tmp_path / "alice.csv"
    export_listings(as_alice, alices_file)
    rows = read_csv(alices_file)
    rows[0]["price"] = "99.00"
    write_csv(alices_file, rows)  # alice's SKUs and listing_uuids, changed, imported by bob
    alice_before = listings_state(database, alice)

    assert preview_import(as_bob, alices_file) == ImportPreview(2, 0, 0, ())  # nothing says alice has them
    assert import_listings(as_bob, alices_file) == ImportResult(2, 0, 0)

    assert listings_state(database, alice) == alice_before
    bobs = listings_state(database, bob)
    assert len(bobs) == 2
    alice_uuids = {row[1] for row in alice_before}
    assert not alice_uuids & {row[1] for row in bobs}  # fresh listing_uuids for bob
    bobs_file = tmp_path / "bob.csv"
    assert export_listings(as_bob, bobs_file) == 2
    assert {r["sku"]: r["price"] for r in read_csv(bobs_file)} == {"SHARED": "99.00", "ALICE-ONLY": "20.00"}


def test_export_follows_the_filter_in_id_order_batch_by_batch(
    tmp_path: Path, database: Database, as_alice: Factory
) -> None:
    rows = [
        {
            "title": f"Item {n}",
            "price": "1",
            "sku": f"N-{n:05d}",
            "status": "draft" if n % 3 == 0 else "active",
            "storage_location": "B1",
        }
        for n in range(4_500)
    ]
    assert import_listings(as_alice, write_csv(tmp_path / "many.csv", rows)).created == 4_500
    with database.connect() as conn:
        active_in_id_order = list(
            conn.execute(text("SELECT sku FROM listings WHERE status = 'active' ORDER BY id")).scalars()
        )
    seen: list[TransferProgress] = []

    path = tmp_path / "active.csv"
    count = export_listings(as_alice, path, ListingFilter(statuses=("active",)), progress=seen.append)

    assert count == 3_000
    assert [r["sku"] for r in read_csv(path)] == active_in_id_order
    assert seen == [TransferProgress("Exporting", 2_000, 3_000), TransferProgress("Exporting", 3_000, 3_000)]
    assert not path.with_name("active.csv.partial").exists()


def test_a_cancelled_or_failed_export_leaves_no_file(tmp_path: Path, as_alice: Factory) -> None:
    write = [{"title": f"Item {n}", "price": "1", "sku": f"N-{n}"} for n in range(2_500)]
    import_listings(as_alice, write_csv(tmp_path / "many.csv", write))
    cancel = threading.Event()
    path = tmp_path / "out.csv"
    with pytest.raises(ExportCancelledError):
        export_listings(as_alice, path, progress=lambda _: cancel.set(), cancel=cancel)
    assert list(tmp_path.iterdir()) == [tmp_path / "many.csv"]
    with pytest.raises(CsvFileError, match="Cannot write"):
        export_listings(as_alice, tmp_path / "no such folder" / "out.csv")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty.csv is empty."),
        (",".join(c for c in COLUMNS if c != "price").encode(), "(missing: price)"),
        ((",".join(COLUMNS) + ",colour").encode(), "(unknown: colour)"),
        ((",".join(COLUMNS) + ",title").encode(), "(repeated: title)"),
        ((",".join(COLUMNS) + "\r\n" + "caf\xe9,").encode("latin-1"), "empty.csv is not UTF-8 text."),
    ],
)
def test_a_file_that_is_not_a_listings_csv_is_refused_as_a_whole(
    tmp_path: Path, as_alice: Factory, content: bytes, message: str
) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(CsvFileError) as refused:
        preview_import(as_alice, path)
    assert message in str(refused.value)
    assert isinstance(refused.value, UserError)


def test_a_missing_file_is_a_clear_message(tmp_path: Path, as_alice: Factory) -> None:
    with pytest.raises(CsvFileError, match=r"Cannot read .*nope\.csv: No such file or directory"):
        preview_import(as_alice, tmp_path / "nope.csv")


def _staged_row(row_number: int, generated_sku: str | None, **cells: str) -> tuple[Any, ...]:
    """A valid row as the reader stages it, with `generated_sku` in place of the SKU it generated."""
    row = dict.fromkeys(COLUMNS, "") | {"title": "Item", "price": "2"} | cells
    staged, errors = parse_row(row_number, [row[name] for name in COLUMNS])
    assert errors == []
    sku_at = STAGED_COLUMNS.index("sku")
    return staged if generated_sku is None else (*staged[:sku_at], generated_sku, *staged[sku_at + 1 :])


def test_a_generated_sku_that_collides_is_replaced(database: Database, alice: UserRecord, as_alice: Factory) -> None:
    add(as_alice, title="Existing", price="1", sku="RD-TAKEN001")
    generated = _staged_row(2, None, title="New")
    assert generated[STAGED_COLUMNS.index("sku_generated")] is True
    rows = [
        _staged_row(2, "RD-TAKEN001", title="New"),  # generated, and an existing listing has it
        _staged_row(3, "RD-TWICE001", title="Twin A"),  # generated twice in the file
        _staged_row(4, "RD-TWICE001", title="Twin B"),
        _staged_row(5, "RD-GIVEN001", title="Generated"),  # generated, and row 6 gives it
        _staged_row(6, None, title="Given", sku="RD-GIVEN001"),
    ]
    fresh: Iterator[str] = iter(["RD-FRESH001", "RD-FRESH002", "RD-FRESH003", "RD-FRESH004"])
    with as_alice() as uow:
        repository = ListingImportRepository(uow.connection, uow.user_id, uow.activity_log)
        repository.start()
        repository.stage(rows)
        assert repository.classify(lambda: next(fresh)) == []
        assert repository.merge() == (5, 0)
        uow.commit()
    with as_alice() as uow:
        by_title = {r.title: r.sku for r in uow.listings.page()}
    assert by_title["Existing"] == "RD-TAKEN001"
    assert by_title["Given"] == "RD-GIVEN001"  # a SKU the file gives is kept
    generated_skus = {by_title[title] for title in ("New", "Twin A", "Twin B", "Generated")}
    assert generated_skus == {"RD-FRESH001", "RD-FRESH002", "RD-FRESH003", "RD-FRESH004"}


def test_the_import_bench_area_measures_the_app_beside_a_raw_copy_and_leaves_no_trace(
    tmp_path: Path, database: Database, alice: UserRecord, as_alice: Factory
) -> None:
    add(as_alice, title="Alice's lamp", price="10", sku="LAMP")
    before = (listings_state(database), table_rows(database, "users"), table_rows(database, "activity_logs"))
    # The area uses the context's database, scratch folder and scale, not the generated dataset.
    ctx = BenchContext(
        scale=0.0001, workdir=tmp_path, server=cast(Any, None), database=database, dataset=cast(Any, None), runs=5
    )

    [figure] = list(csv_import.figures(ctx))

    assert figure.name == "CSV import of 100 listings (parse, validate, write)"
    assert (figure.unit, figure.better, figure.target) == ("rows/s", "higher", 50_000)
    assert len(figure.samples.values) == csv_import.SMALL_SCALE_RUNS
    assert all(value > 0 for value in figure.samples.values)
    assert figure.limit is not None and figure.limit > 0
    assert figure.limit_label == "raw psycopg COPY into listings"
    assert figure.extra["rows"] == 100
    assert [set(phases) for phases in figure.extra["phase_seconds"]] == [{"Reading", "Checking", "Writing"}] * 2
    # The file is the export's format, and every row of it is a new listing the import accepts.
    file = tmp_path / "import-listings-100-6.csv"
    assert list(read_csv(file)[0]) == list(COLUMNS)
    assert preview_import(as_alice, file) == ImportPreview(100, 0, 0, ())
    # The throwaway users and all they wrote are gone; alice's listing is as it was.
    assert (listings_state(database), table_rows(database, "users"), table_rows(database, "activity_logs")) == before


@pytest.mark.parametrize("function_sql", [JSON_DIFFERS_SQL, JSON_DIFFERS_SQL_BEFORE_16])
def test_json_cells_are_compared_as_json_on_every_server_version(database: Database, function_sql: str) -> None:
    cases = [
        (None, None, False),
        ('{ "a" : 1,  "b": [1, 2] }', '{"a":1,"b":[1,2]}', False),  # spacing, as the web app writes it
        ('{"b":1,"a":2}', '{"a":2,"b":1}', False),  # key order
        ("", None, False),  # a blank cell is no JSON: as the file writes it back
        ("null", None, False),
        ('{"a":1}', '{"a":2}', True),
        ('{"a":1}', None, True),
        (None, '{"a":1}', True),
        ("{not json", '{"a":1}', True),  # malformed in the database: replaced
        ('{"a":"x"}', '{"a":"\\u0000"}', True),  # JSON Python reads but PostgreSQL does not: written, not a crash
    ]
    with database.connect() as conn:
        conn.execute(text(function_sql))
        found = [
            conn.scalar(text(f"SELECT {JSON_DIFFERS}(:old, :new)"), {"old": old, "new": new}) for old, new, _ in cases
        ]
    assert found == [expected for _, _, expected in cases]
