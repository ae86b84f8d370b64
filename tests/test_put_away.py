"""Put away with a keyboard-wedge scanner against a real database: a label sets the place, items move
there, a new label switches it, undo puts the last one back, and fast scans wait their turn."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot
from tests.conftest import PgServer
from tests.storage_support import (  # noqa: F401  (*_fixture: fixtures)
    OLD_SHELF,
    SCAN_SETTINGS,
    UPC_A,
    Shelves,
    UowFactory,
    focus,
    items_in,
    moves_logged,
    new_uow_fixture,
    open_session,
    open_storage_page,
    parent_fixture,
    place_of,
    runner_fixture,
    scan,
    settled,
    shelves_fixture,
)

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.domain.scan_sessions import ScanTarget
from reseller_desktop.ui.put_away_dialog import PutAwayDialog
from reseller_desktop.ui.scan_dialog import ScanChoiceDialog
from reseller_desktop.ui.scanner import ScanDetector
from reseller_desktop.ui.storage_model import NAME
from reseller_desktop.ui.tasks import TaskRunner


@pytest.fixture
def dialog(qtbot: QtBot, runner: TaskRunner, new_uow: UowFactory, shelves: Shelves, parent: QWidget) -> PutAwayDialog:
    return open_session(qtbot, PutAwayDialog(runner, new_uow, SCAN_SETTINGS, None, parent))


def test_a_label_sets_the_place_and_each_scanned_item_goes_there(
    qtbot: QtBot, dialog: PutAwayDialog, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    assert dialog.status.text() == "Scan the label of the bin or section to put things into."
    scan(qtbot, dialog.scan_field, "LV-501")
    assert settled(qtbot, dialog, 1) == ["1. Levi's 501: not moved; scan a bin or section label first, then the items."]
    assert place_of(database, alice, shelves.jeans_item) == (shelves.bin_a, shelves.a1)

    scan(qtbot, dialog.scan_field, f"SEC-{shelves.b3}")
    assert settled(qtbot, dialog, 2)[-1] == "2. Now putting away into B › 3"
    assert dialog.place.text() == "Putting away into B › 3"
    scan(qtbot, dialog.scan_field, "LV-501")  # the jeans by SKU
    scan(qtbot, dialog.scan_field, "PT-1")  # the fleece, on no shelf yet
    scan(qtbot, dialog.scan_field, shelves.jacket_storage_id)  # the jacket by its storage label
    scan(qtbot, dialog.scan_field, shelves.card_uuid)  # the card, already there
    assert settled(qtbot, dialog, 6)[2:] == [
        "3. Levi's 501 → B › 3 (from A › 1)",
        "4. Patagonia fleece → B › 3 (was not in storage)",
        "5. Carhartt jacket → B › 3 (from A › 2)",
        "6. Charizard was already in B › 3.",
    ]
    assert dialog.counter.text() == "3 item(s) put away"
    assert items_in(database, alice, shelves.bin_b, shelves.b3) == [
        "Carhartt jacket",
        "Charizard",
        "Levi's 501",
        "Patagonia fleece",
    ]
    assert [(m["to"], m["via"]) for m in moves_logged(database, alice)] == [("B › 3", "scan")] * 3
    assert dialog.scan_field.text() == shelves.card_uuid  # the scanner's code is shown, never typed in
    assert dialog.scan_field.selectedText() == shelves.card_uuid


def test_another_label_switches_the_place_and_the_same_scan_twice_moves_once(
    qtbot: QtBot, dialog: PutAwayDialog, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    for code in (f"SEC-{shelves.a2}", "LV-501", UPC_A, f"bin-{shelves.bin_a}", "LV-501"):
        scan(qtbot, dialog.scan_field, code)
    assert settled(qtbot, dialog, 5) == [
        "1. Now putting away into A › 2",
        "2. Levi's 501 → A › 2 (from A › 1)",
        "3. Levi's 501 is already in A › 2 (scan 2).",  # its UPC: the same listing
        "4. Now putting away into A",  # a bin label typed with Caps Lock off still counts
        "5. Levi's 501 → A (from A › 2)",
    ]
    assert place_of(database, alice, shelves.jeans_item) == (shelves.bin_a, None)
    assert len(moves_logged(database, alice)) == 2


def test_undo_last_puts_back_the_newest_move_each_time(
    qtbot: QtBot, dialog: PutAwayDialog, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    assert not dialog.undo_button.isEnabled()
    for code in (f"SEC-{shelves.a2}", "LV-501", "PT-1"):
        scan(qtbot, dialog.scan_field, code)
    settled(qtbot, dialog, 3)
    assert items_in(database, alice, shelves.bin_a, shelves.a2) == [
        "Carhartt jacket",
        "Levi's 501",
        "Patagonia fleece",
        "Wool hat",
    ]
    dialog.undo_button.click()
    lines = settled(qtbot, dialog, 4)
    assert lines[2] == "3. Undone: Patagonia fleece → A › 2 (was not in storage)"
    assert lines[3] == "Undone scan 3: Patagonia fleece is off the shelf again."
    assert dialog.log.item(1).font().strikeOut()  # the undone line, second from the top
    dialog.undo_button.click()
    assert settled(qtbot, dialog, 5)[-1] == "Undone scan 2: Levi's 501 is back in A › 1."
    assert place_of(database, alice, shelves.jeans_item) == (shelves.bin_a, shelves.a1)
    assert items_in(database, alice, shelves.bin_a, shelves.a2) == ["Carhartt jacket", "Wool hat"]
    assert dialog.counter.text() == "0 item(s) put away"
    assert not dialog.undo_button.isEnabled()


def test_a_code_of_several_listings_asks_which_one_moves(
    qtbot: QtBot, dialog: PutAwayDialog, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    with database.unit_of_work(alice.id) as uow:
        twin = uow.listings.add(
            {"title": "Levi's 501 (2nd)", "price": "45.00", "upc": "0" + UPC_A, "status": "active", **OLD_SHELF}
        )
        uow.commit()
    scan(qtbot, dialog.scan_field, f"SEC-{shelves.b3}")
    scan(qtbot, dialog.scan_field, UPC_A)
    qtbot.waitUntil(lambda: isinstance(dialog.prompt, ScanChoiceDialog))
    chooser = dialog.prompt
    assert isinstance(chooser, ScanChoiceDialog)
    assert [hit.title for hit in chooser.hits] == ["Levi's 501", "Levi's 501 (2nd)"]
    assert chooser.findChild(QLabel).text() == f"2 records match {UPC_A}. Which one is it?"
    chooser.hit_list.setCurrentRow(1)
    qtbot.keyClick(chooser.hit_list, Qt.Key.Key_Return)
    assert settled(qtbot, dialog, 2)[-1] == "2. Levi's 501 (2nd) → B › 3 (was not in storage)"
    with database.unit_of_work(alice.id) as uow:
        assert uow.listings.get(twin.id).storage_location == "B › 3"
    assert place_of(database, alice, shelves.jeans_item) == (shelves.bin_a, shelves.a1)  # the other stayed


def test_cancelling_the_choice_skips_that_scan_and_the_next_goes_on(
    qtbot: QtBot, dialog: PutAwayDialog, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    with database.unit_of_work(alice.id) as uow:
        uow.listings.add({"title": "Twin", "price": "5.00", "upc": UPC_A, "status": "active", **OLD_SHELF})
        uow.commit()
    scan(qtbot, dialog.scan_field, f"SEC-{shelves.b3}")
    scan(qtbot, dialog.scan_field, UPC_A)
    qtbot.waitUntil(lambda: isinstance(dialog.prompt, ScanChoiceDialog))
    scan(qtbot, dialog.prompt.hit_list, "CH-9")  # scanned while the question is open: it waits
    assert dialog.waiting == 1
    dialog.prompt.reject()
    assert settled(qtbot, dialog, 3)[1:] == [
        f"{UPC_A}: skipped; it matches 2 records and none was picked.",
        "2. Carhartt jacket → B › 3 (from A › 2)",  # a skipped scan gets no number
    ]


def test_a_full_section_refuses_the_item_with_its_message(
    qtbot: QtBot, dialog: PutAwayDialog, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    for code in (f"SEC-{shelves.a1}", "CH-9", "PT-1"):
        scan(qtbot, dialog.scan_field, code)
    assert settled(qtbot, dialog, 3)[1:] == [
        "2. Carhartt jacket → A › 1 (from A › 2)",
        "3. Patagonia fleece: not moved. Section A › 1 has room for 0 more (capacity 2); 1 would go in. "
        "Choose another section, move fewer, or raise its capacity. Nothing was moved.",
    ]
    with database.unit_of_work(alice.id) as uow:
        assert uow.listings.get(shelves.fleece).storage_location == "shelf"


def test_unknown_and_misread_codes_are_listed_with_what_to_do(qtbot: QtBot, dialog: PutAwayDialog) -> None:
    scan(qtbot, dialog.scan_field, "ZZZ-404")
    scan(qtbot, dialog.scan_field, "012345678906")
    assert settled(qtbot, dialog, 2) == [
        "1. Nothing was found for ZZZ-404.",
        "2. UPC-A 012345678906: check digit is wrong: probably a misread, scan again.",
    ]


def test_fast_scans_wait_for_the_one_under_way_and_run_in_order(
    qtbot: QtBot, dialog: PutAwayDialog, shelves: Shelves, pg: PgServer, db_name: str
) -> None:
    with psycopg.connect(pg.libpq(db_name)) as locker:
        locker.execute("LOCK TABLE listings IN ACCESS EXCLUSIVE MODE")  # every lookup now waits for us
        for code in (f"SEC-{shelves.a2}", "LV-501", "PT-1"):
            scan(qtbot, dialog.scan_field, code)
        assert dialog.busy and dialog.waiting == 2  # the first is looked up; the others queue
        assert dialog.status.text().endswith("(2 waiting)")
        assert dialog.log_texts() == []
        locker.rollback()
    assert settled(qtbot, dialog, 3) == [
        "1. Now putting away into A › 2",
        "2. Levi's 501 → A › 2 (from A › 1)",
        "3. Patagonia fleece → A › 2 (was not in storage)",
    ]


@pytest.fixture
def main_detector() -> Iterator[list[str]]:
    """The main window's scanner, installed before the dialog's (as the workspace does)."""
    detector = ScanDetector(SCAN_SETTINGS)
    scans: list[str] = []
    detector.scanned.connect(scans.append)
    detector.install()
    yield scans
    detector.remove()


def test_scans_in_the_dialog_are_its_own_and_the_main_scanner_gets_them_again_after(
    qtbot: QtBot, main_detector: list[str], runner: TaskRunner, new_uow: UowFactory, shelves: Shelves, parent: QWidget
) -> None:
    dialog = open_session(qtbot, PutAwayDialog(runner, new_uow, SCAN_SETTINGS, None, parent))
    scan(qtbot, dialog.scan_field, f"SEC-{shelves.a2}")
    assert settled(qtbot, dialog, 1) == ["1. Now putting away into A › 2"]
    assert main_detector == []  # the listing behind was not opened
    dialog.done_button.click()
    focus(qtbot, parent)
    scan(qtbot, parent, "LV-501")
    assert main_detector == ["LV-501"]


def test_put_away_from_the_storage_page_starts_at_the_chosen_section_and_the_page_follows(
    qtbot: QtBot, runner: TaskRunner, new_uow: UowFactory, shelves: Shelves
) -> None:
    view = open_storage_page(qtbot, runner, new_uow)
    a2 = ScanTarget(shelves.bin_a, shelves.a2, "A › 2")
    view.select(a2)
    dialog = view.open_put_away()
    focus(qtbot, dialog.scan_field)
    assert dialog.place.text() == "Putting away into A › 2"
    scan(qtbot, dialog.scan_field, "LV-501")
    assert settled(qtbot, dialog, 1) == ["1. Levi's 501 → A › 2 (from A › 1)"]
    sections = view.tree_model.index(0, NAME)
    qtbot.waitUntil(lambda: view.tree_model.index(1, 2, sections).data() == "3")  # A › 2 holds 3 now
    qtbot.waitUntil(lambda: "Levi's 501" in [r.title for r in view.contents_model.rows])
    dialog.done_button.click()


def test_a_database_that_cannot_be_reached_is_said_in_the_list_and_scanning_goes_on(
    qtbot: QtBot, pg: PgServer, alice: UserRecord, parent: QWidget
) -> None:
    missing = pg.database("no_such_database")
    runner = TaskRunner()
    try:
        dialog = open_session(
            qtbot, PutAwayDialog(runner, lambda: missing.unit_of_work(alice.id), SCAN_SETTINGS, None, parent)
        )
        scan(qtbot, dialog.scan_field, "LV-501")
        scan(qtbot, dialog.scan_field, "PT-1")
        lines = settled(qtbot, dialog, 2)
        assert [line.split(":")[0] for line in lines] == [
            "1. LV-501 could not be looked up",
            "2. PT-1 could not be looked up",
        ]
        assert "no_such_database" in lines[0], lines
    finally:
        runner.wait()
        missing.dispose()
