"""Auditing a section with a keyboard-wedge scanner against a real database: found where expected,
found but recorded elsewhere (and the one-click fix), missing, unknown, and duplicate scans."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot
from tests.storage_support import (  # noqa: F401  (*_fixture: fixtures)
    OLD_SHELF,
    SCAN_SETTINGS,
    UPC_A,
    Shelves,
    UowFactory,
    focus,
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
from reseller_desktop.domain.barcodes import HitKind
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.domain.scan_sessions import ScanTarget, ThingRef
from reseller_desktop.services.sales import record_sale
from reseller_desktop.ui.audit_dialog import DUPLICATES, ELSEWHERE, FOUND, MISSING, UNKNOWN, AuditDialog
from reseller_desktop.ui.scan_dialog import ScanChoiceDialog
from reseller_desktop.ui.tasks import TaskRunner


def open_audit(
    qtbot: QtBot, runner: TaskRunner, new_uow: UowFactory, parent: QWidget, target: ScanTarget | None = None
) -> AuditDialog:
    return open_session(qtbot, AuditDialog(runner, new_uow, SCAN_SETTINGS, target, parent))


@pytest.fixture
def audit(qtbot: QtBot, runner: TaskRunner, new_uow: UowFactory, shelves: Shelves, parent: QWidget) -> AuditDialog:
    return open_audit(qtbot, runner, new_uow, parent)


def test_an_audit_sorts_every_scan_and_lists_what_was_never_scanned(
    qtbot: QtBot, audit: AuditDialog, shelves: Shelves
) -> None:
    assert audit.status.text() == "Scan the label of the section (or bin) to audit."
    scan(qtbot, audit.scan_field, "CH-9")
    assert settled(qtbot, audit, 1) == ["CH-9: scan the label of the section to audit first, then its items."]
    for code in (f"SEC-{shelves.a2}", "CH-9", "LV-501", "ZZZ-404", "ch-9", shelves.jacket_storage_id):
        scan(qtbot, audit.scan_field, code)
    assert settled(qtbot, audit, 7)[1:] == [
        "Auditing A › 2: 2 item(s) expected.",
        "1. Carhartt jacket: found where expected.",
        "2. Levi's 501: found here, but recorded as A › 1.",
        "3. Nothing was found for ZZZ-404.",
        "4. Nothing was found for ch-9.",  # a SKU is exact: not the jacket
        "5. Carhartt jacket: found where expected.",  # its storage label: the same item, another code
    ]
    assert audit.group_lines(FOUND) == ["Carhartt jacket"]
    assert audit.group_lines(ELSEWHERE) == ["Levi's 501: recorded as A › 1"]
    assert audit.group_lines(MISSING) == [f"Wool hat ({shelves.hat_storage_id})"]
    assert audit.group_lines(UNKNOWN) == [
        "Nothing was found for ZZZ-404.",
        "Nothing was found for ch-9.",
    ]
    assert audit.group_lines(DUPLICATES) == []
    assert audit.summary.text() == "A › 2: 1 found, 1 recorded elsewhere, 1 missing, 2 unknown."


def test_a_thing_scanned_twice_is_flagged_as_a_duplicate(qtbot: QtBot, audit: AuditDialog, shelves: Shelves) -> None:
    for code in (f"SEC-{shelves.a2}", "CH-9", "CH-9", "ZZZ-404", "ZZZ-404"):
        scan(qtbot, audit.scan_field, code)
    lines = settled(qtbot, audit, 5)
    assert lines[2] == "2. Carhartt jacket: found where expected. Duplicate: already scanned as scan 1."
    assert lines[4] == "4. Nothing was found for ZZZ-404. Duplicate: already scanned as scan 3."
    assert audit.log.item(0).foreground().color().name() == "#b45309"  # flagged in its own colour
    assert audit.group_lines(DUPLICATES) == ["Carhartt jacket: scanned 2 times", "ZZZ-404: scanned 2 times"]
    assert audit.group_lines(FOUND) == ["Carhartt jacket"]


def test_move_here_corrects_the_record_of_a_thing_found_elsewhere(
    qtbot: QtBot, audit: AuditDialog, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    changed: list[bool] = []
    audit.changed.connect(lambda: changed.append(True))
    for code in (f"SEC-{shelves.a2}", "LV-501", "PT-1"):
        scan(qtbot, audit.scan_field, code)
    settled(qtbot, audit, 3)
    assert audit.group_lines(ELSEWHERE) == [
        "Levi's 501: recorded as A › 1",
        "Patagonia fleece: recorded as no storage record for this listing",
    ]
    audit.fix_buttons[ThingRef(HitKind.LISTING, shelves.jeans)].click()
    assert settled(qtbot, audit, 4)[-1] == "Levi's 501 is now recorded in A › 2."
    assert place_of(database, alice, shelves.jeans_item) == (shelves.bin_a, shelves.a2)
    assert [(m["from"], m["to"], m["via"]) for m in moves_logged(database, alice)] == [("A › 1", "A › 2", "scan")]
    assert audit.group_lines(FOUND) == ["Levi's 501 — moved here from A › 1"]
    assert audit.group_lines(ELSEWHERE) == ["Patagonia fleece: recorded as no storage record for this listing"]
    assert changed == [True]
    audit.fix_all_button.click()
    assert settled(qtbot, audit, 5)[-1] == "Patagonia fleece is now recorded in A › 2."
    with database.unit_of_work(alice.id) as uow:
        assert uow.listings.get(shelves.fleece).storage_location == "A › 2"
    assert audit.group_lines(ELSEWHERE) == []
    assert not audit.fix_all_button.isEnabled()


def test_auditing_the_chosen_section_a_card_and_a_sold_listing(
    qtbot: QtBot,
    runner: TaskRunner,
    new_uow: UowFactory,
    shelves: Shelves,
    parent: QWidget,
    database: Database,
    alice: UserRecord,
) -> None:
    with database.unit_of_work(alice.id) as uow:
        record_sale(uow, shelves.jacket, platform="ebay", price="70.00", sold_at=datetime.now(UTC).replace(tzinfo=None))
        uow.commit()
    audit = open_audit(qtbot, runner, new_uow, parent, ScanTarget(shelves.bin_b, shelves.b3, "B › 3"))
    assert settled(qtbot, audit, 1) == ["Auditing B › 3: 1 item(s) expected."]
    scan(qtbot, audit.scan_field, shelves.card_uuid.upper())  # a scanner with Caps Lock on
    scan(qtbot, audit.scan_field, "CH-9")
    assert settled(qtbot, audit, 3)[1:] == [
        "1. Charizard: found where expected.",
        "2. Carhartt jacket: found here, but recorded as taken out of A › 2 when it sold.",
    ]
    assert audit.report() is not None and audit.report().missing == ()  # type: ignore[union-attr]


def test_copies_sharing_a_upc_are_taken_in_turn_and_then_it_asks(
    qtbot: QtBot, audit: AuditDialog, shelves: Shelves, database: Database, alice: UserRecord
) -> None:
    with database.unit_of_work(alice.id) as uow:
        for size in ("W30", "W34"):
            copy = uow.listings.add(
                {"title": f"Levi's 501 {size}", "price": "45.00", "upc": UPC_A, "status": "active", **OLD_SHELF}
            )
            uow.storage.add_item({"title": copy.title, "section_id": shelves.a2, "listing_id": copy.id})
        uow.commit()
    for code in (f"SEC-{shelves.a2}", UPC_A, UPC_A):
        scan(qtbot, audit.scan_field, code)
    assert settled(qtbot, audit, 3)[1:] == [
        "1. Levi's 501 W30: found where expected.",
        "2. Levi's 501 W34: found where expected.",
    ]
    scan(qtbot, audit.scan_field, UPC_A)  # every copy expected here is counted: which one is this?
    qtbot.waitUntil(lambda: isinstance(audit.prompt, ScanChoiceDialog))
    chooser = audit.prompt
    assert isinstance(chooser, ScanChoiceDialog)
    assert [hit.title for hit in chooser.hits] == ["Levi's 501", "Levi's 501 W30", "Levi's 501 W34"]
    qtbot.keyClick(chooser.hit_list, Qt.Key.Key_Return)
    assert settled(qtbot, audit, 4)[-1] == "3. Levi's 501: found here, but recorded as A › 1."


def test_a_label_before_any_item_starts_over_and_after_items_is_not_an_item(
    qtbot: QtBot, audit: AuditDialog, shelves: Shelves
) -> None:
    for code in (f"SEC-{shelves.a2}", f"SEC-{shelves.a1}", "LV-501", f"BIN-{shelves.bin_b}"):
        scan(qtbot, audit.scan_field, code)
    assert settled(qtbot, audit, 4) == [
        "Auditing A › 2: 2 item(s) expected.",
        "Auditing A › 1: 1 item(s) expected.",
        "1. Levi's 501: found where expected.",
        "2. BIN-2: Bin B is a label, not an item; press Done, then audit it on its own.",
    ]
    assert audit.place.text() == "Auditing A › 1"
    assert audit.report() is not None and audit.report().is_clean is False  # type: ignore[union-attr]


def test_audit_from_the_storage_page_and_the_page_shows_the_fix(
    qtbot: QtBot, runner: TaskRunner, new_uow: UowFactory, shelves: Shelves
) -> None:
    view = open_storage_page(qtbot, runner, new_uow)
    view.select(ScanTarget(shelves.bin_a, shelves.a2, "A › 2"))
    qtbot.waitUntil(lambda: [r.title for r in view.contents_model.rows] == ["Carhartt jacket", "Wool hat"])
    audit = view.open_audit()
    focus(qtbot, audit.scan_field)
    scan(qtbot, audit.scan_field, "LV-501")
    assert settled(qtbot, audit, 2)[-1] == "1. Levi's 501: found here, but recorded as A › 1."
    audit.fix_buttons[ThingRef(HitKind.LISTING, shelves.jeans)].click()
    settled(qtbot, audit, 3)
    qtbot.waitUntil(
        lambda: [r.title for r in view.contents_model.rows] == ["Carhartt jacket", "Levi's 501", "Wool hat"]
    )
    audit.done_button.click()
