"""Barcode scanning in the window: key bursts told apart from typing (real key events, really spaced
in time), the toolbar's scan field, and what a scan opens, looked up in a real database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot
from tests.conftest import PgServer

from reseller_desktop.db.database import Database
from reseller_desktop.domain.barcodes import HitKind, ScanHit
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.settings import Settings
from reseller_desktop.ui.scan_dialog import NEW_LISTING_BUTTON, ScanChoiceDialog, ScanController
from reseller_desktop.ui.scanner import ScanDetector, ScanField
from reseller_desktop.ui.tasks import TaskRunner

UPC_A = "012345678905"
# Bursts from QTest arrive well under a millisecond apart; a generous interval keeps a loaded machine
# from splitting one. Slow typing waits three intervals of a tight one between keys.
BURST_INTERVAL_MS = 150
SLOW_INTERVAL_MS = 20
SLOW_DELAY_MS = 60


class Window(QWidget):
    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.field = QLineEdit(objectName="field")
        self.other = QLineEdit(objectName="other")
        self.scan_field = ScanField()
        for widget in (self.field, self.other, self.scan_field):
            layout.addWidget(widget)
        self.returns: list[str] = []  # the field's text each time Enter reached it
        self.field.returnPressed.connect(lambda: self.returns.append(self.field.text()))


@pytest.fixture
def window(qtbot: QtBot) -> Window:
    window = Window()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    window.field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.field)
    return window


MakeDetector = Callable[..., tuple[ScanDetector, list[str]]]


@pytest.fixture
def make_detector() -> Iterator[MakeDetector]:
    """A detector installed on the application for the test; returns it and the codes it reports."""
    made: list[ScanDetector] = []

    def make(
        interval_ms: int = BURST_INTERVAL_MS, min_length: int = 6, terminator: str = "Enter"
    ) -> tuple[ScanDetector, list[str]]:
        settings = Settings(
            scan_max_key_interval_ms=interval_ms, scan_min_length=min_length, scan_terminator=terminator
        )
        detector = ScanDetector(settings)
        scans: list[str] = []
        detector.scanned.connect(scans.append)
        detector.install()
        made.append(detector)
        return detector, scans

    yield make
    for detector in made:
        detector.remove()


def burst(qtbot: QtBot, widget: QWidget, text: str) -> None:
    qtbot.keyClicks(widget, text)  # no delay: every key within a fraction of a millisecond


# ----- the detector --------------------------------------------------------------------------------


def test_fast_burst_and_enter_is_a_scan_the_field_never_sees(
    qtbot: QtBot, window: Window, make_detector: MakeDetector
) -> None:
    detector, scans = make_detector()
    window.field.setText("typed before")
    burst(qtbot, window.field, UPC_A)
    assert window.field.text() == "typed before"  # held back while it may be a scan
    qtbot.keyClick(window.field, Qt.Key.Key_Return)
    assert scans == [UPC_A]
    assert window.field.text() == "typed before"
    assert window.returns == []  # the terminator was part of the scan too
    assert detector.held_text == ""  # nothing left to replay later
    qtbot.keyClick(window.field, "x", delay=SLOW_DELAY_MS)  # and the field still takes typing
    qtbot.waitUntil(lambda: window.field.text() == "typed beforex")


def test_slow_typing_reaches_the_field_intact(qtbot: QtBot, window: Window, make_detector: MakeDetector) -> None:
    _detector, scans = make_detector(interval_ms=SLOW_INTERVAL_MS)
    qtbot.keyClicks(window.field, UPC_A, delay=SLOW_DELAY_MS)
    qtbot.keyClick(window.field, Qt.Key.Key_Return, delay=SLOW_DELAY_MS)
    assert window.returns == [UPC_A]  # every character, in order, before the Enter
    assert scans == []


def test_burst_below_minimum_is_replayed_before_enter(
    qtbot: QtBot, window: Window, make_detector: MakeDetector
) -> None:
    _detector, scans = make_detector(min_length=6)
    burst(qtbot, window.field, "abc")
    assert window.field.text() == ""
    qtbot.keyClick(window.field, Qt.Key.Key_Return)
    assert window.returns == ["abc"]
    assert scans == []


def test_a_pause_alone_releases_held_keys(qtbot: QtBot, window: Window, make_detector: MakeDetector) -> None:
    detector, scans = make_detector(interval_ms=SLOW_INTERVAL_MS)
    burst(qtbot, window.field, "ab")
    assert detector.held_text == "ab"
    qtbot.waitUntil(lambda: window.field.text() == "ab")
    assert scans == []


def test_shortcuts_go_through_at_once_after_held_keys(
    qtbot: QtBot, window: Window, make_detector: MakeDetector
) -> None:
    make_detector()
    burst(qtbot, window.field, "hello")
    qtbot.keyClick(window.field, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert window.field.selectedText() == "hello"  # "hello" arrived first, then Ctrl+A selected it
    burst(qtbot, window.field, "xy")
    qtbot.keyClick(window.field, Qt.Key.Key_Backspace)
    assert window.field.text() == "x"


def test_auto_repeat_is_never_held(qtbot: QtBot, window: Window, make_detector: MakeDetector) -> None:
    make_detector()
    for _ in range(3):
        press = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Z, Qt.KeyboardModifier.NoModifier, "z", True)
        QApplication.sendEvent(window.field, press)
    assert window.field.text() == "zzz"


def test_capitals_typed_with_shift_are_in_the_scan(qtbot: QtBot, window: Window, make_detector: MakeDetector) -> None:
    _detector, scans = make_detector()
    for char in "BIN-12":
        # QTest presses and releases Shift around each capital, as a scanner does.
        modifier = Qt.KeyboardModifier.ShiftModifier if char.isupper() else Qt.KeyboardModifier.NoModifier
        qtbot.keyClick(window.field, char, modifier)
    qtbot.keyClick(window.field, Qt.Key.Key_Return)
    assert scans == ["BIN-12"]
    assert window.field.text() == ""


def test_tab_terminator_keeps_focus_and_enter_is_a_key(
    qtbot: QtBot, window: Window, make_detector: MakeDetector
) -> None:
    _detector, scans = make_detector(terminator="Tab")
    burst(qtbot, window.field, UPC_A)
    qtbot.keyClick(window.field, Qt.Key.Key_Tab)
    assert scans == [UPC_A]
    assert QApplication.focusWidget() is window.field
    burst(qtbot, window.field, "4006381333931")
    qtbot.keyClick(window.field, Qt.Key.Key_Return)
    assert window.returns == ["4006381333931"]
    assert scans == [UPC_A]


def test_held_keys_go_to_the_widget_that_had_focus(qtbot: QtBot, window: Window, make_detector: MakeDetector) -> None:
    make_detector(interval_ms=SLOW_INTERVAL_MS)
    burst(qtbot, window.field, "ab")
    window.other.setFocus()
    qtbot.waitUntil(lambda: window.field.text() == "ab")
    assert window.other.text() == ""


def test_a_click_releases_held_keys_first(qtbot: QtBot, window: Window, make_detector: MakeDetector) -> None:
    make_detector()
    burst(qtbot, window.field, "ab")
    qtbot.mouseClick(window.other, Qt.MouseButton.LeftButton)
    assert window.field.text() == "ab"  # at once: the click did not wait for the pause


def test_a_disabled_detector_holds_nothing(qtbot: QtBot, window: Window, make_detector: MakeDetector) -> None:
    detector, scans = make_detector()
    detector.set_enabled(False)
    burst(qtbot, window.field, UPC_A)
    assert window.field.text() == UPC_A
    qtbot.keyClick(window.field, Qt.Key.Key_Return)
    assert scans == []


# ----- the scan field ------------------------------------------------------------------------------


def test_scan_into_scan_field_is_reported_once(qtbot: QtBot, window: Window, make_detector: MakeDetector) -> None:
    _detector, scans = make_detector()
    from_field: list[str] = []
    window.scan_field.scanned.connect(from_field.append)
    window.scan_field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.scan_field)
    burst(qtbot, window.scan_field, UPC_A)
    qtbot.keyClick(window.scan_field, Qt.Key.Key_Return)
    assert scans == [UPC_A]
    assert from_field == []


def test_scan_field_takes_typed_or_pasted_code(qtbot: QtBot, window: Window, make_detector: MakeDetector) -> None:
    _detector, scans = make_detector(interval_ms=SLOW_INTERVAL_MS)
    from_field: list[str] = []
    window.scan_field.scanned.connect(from_field.append)
    window.scan_field.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.scan_field)
    qtbot.keyClicks(window.scan_field, "LV-501", delay=SLOW_DELAY_MS)
    qtbot.keyClick(window.scan_field, Qt.Key.Key_Return, delay=SLOW_DELAY_MS)
    assert from_field == ["LV-501"]
    assert window.scan_field.selectedText() == "LV-501"  # shown, and replaced by the next code
    QGuiApplication.clipboard().setText(f"  {UPC_A}\n")
    qtbot.keyClick(window.scan_field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.scan_field, Qt.Key.Key_Return)
    assert from_field == ["LV-501", UPC_A]
    assert scans == []


# ----- the controller, against a real database -----------------------------------------------------


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    runner = TaskRunner()
    yield runner
    runner.wait()


@pytest.fixture
def parent(qtbot: QtBot) -> QWidget:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    qtbot.waitExposed(parent)
    return parent


@pytest.fixture
def controller(runner: TaskRunner, database: Database, alice: UserRecord, parent: QWidget) -> ScanController:
    return ScanController(runner, lambda: database.unit_of_work(alice.id), parent)


@pytest.fixture
def listings(database: Database, alice: UserRecord) -> list[ScanHit]:
    with database.unit_of_work(alice.id) as uow:
        first = uow.listings.add({"title": "Levi's 501 W32", "price": 45, "sku": "LV-501", "upc": UPC_A})
        second = uow.listings.add({"title": "Levi's 501 W30", "price": 40, "sku": "LV-502", "upc": "0" + UPC_A})
        uow.commit()
    return [
        ScanHit(HitKind.LISTING, first.id, first.title, f"SKU LV-501 · UPC {UPC_A} · draft"),
        ScanHit(HitKind.LISTING, second.id, second.title, f"SKU LV-502 · UPC 0{UPC_A} · draft"),
    ]


def message_box(qtbot: QtBot, controller: ScanController) -> QMessageBox:
    qtbot.waitUntil(lambda: isinstance(controller.prompt, QMessageBox))
    box = controller.prompt
    assert isinstance(box, QMessageBox)
    return box


def test_one_hit_opens_it(qtbot: QtBot, controller: ScanController, listings: list[ScanHit]) -> None:
    with qtbot.waitSignal(controller.open_hit) as opened:
        controller.handle_scan("LV-501")
    assert opened.args == [listings[0]]
    assert controller.prompt is None


def test_several_hits_show_a_choice_and_enter_opens_the_chosen_one(
    qtbot: QtBot, controller: ScanController, listings: list[ScanHit]
) -> None:
    opened: list[ScanHit] = []
    controller.open_hit.connect(opened.append)
    controller.handle_scan(UPC_A)
    qtbot.waitUntil(lambda: isinstance(controller.prompt, ScanChoiceDialog))
    chooser = controller.prompt
    assert isinstance(chooser, ScanChoiceDialog)
    assert sorted(chooser.hits, key=lambda h: h.id) == listings
    assert chooser.hit_list.count() == 2
    assert opened == []  # nothing opens until the user picks
    chooser.hit_list.setCurrentRow(1)
    qtbot.keyClick(chooser.hit_list, Qt.Key.Key_Return)
    assert opened == [chooser.hits[1]]
    assert controller.prompt is None


def test_a_double_click_in_the_choice_opens_that_one(
    qtbot: QtBot, controller: ScanController, listings: list[ScanHit]
) -> None:
    controller.handle_scan("0" + UPC_A)  # the EAN-13 spelling finds both as well
    qtbot.waitUntil(lambda: isinstance(controller.prompt, ScanChoiceDialog))
    chooser = controller.prompt
    assert isinstance(chooser, ScanChoiceDialog)
    hit_list = chooser.hit_list
    rect = hit_list.visualItemRect(hit_list.item(1))
    with qtbot.waitSignal(controller.open_hit) as opened:
        # A real double-click is a click and then a double-click event; QTest sends only the latter.
        qtbot.mouseClick(hit_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert controller.prompt is chooser  # one click only selects
        qtbot.mouseDClick(hit_list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [chooser.hits[1]]


def test_no_hit_for_a_valid_upc_offers_a_new_listing_with_it(
    qtbot: QtBot, controller: ScanController, listings: list[ScanHit]
) -> None:
    controller.handle_scan("4006381333931")
    box = message_box(qtbot, controller)
    assert box.text() == "Nothing was found for 4006381333931."
    create = next(b for b in box.buttons() if b.text() == NEW_LISTING_BUTTON)
    with qtbot.waitSignal(controller.new_listing_with_upc) as new_listing:
        create.click()
    assert new_listing.args == ["4006381333931"]


def test_no_hit_for_other_text_just_says_so(qtbot: QtBot, controller: ScanController, listings: list[ScanHit]) -> None:
    controller.handle_scan("NO-SUCH-CODE")
    box = message_box(qtbot, controller)
    assert box.text() == "Nothing was found for NO-SUCH-CODE."
    assert NEW_LISTING_BUTTON not in [b.text() for b in box.buttons()]


def test_a_misread_says_scan_again_and_offers_nothing(
    qtbot: QtBot, controller: ScanController, listings: list[ScanHit]
) -> None:
    controller.handle_scan("012345678906")
    box = message_box(qtbot, controller)
    assert box.text() == "UPC-A 012345678906: check digit is wrong: probably a misread, scan again."
    assert NEW_LISTING_BUTTON not in [b.text() for b in box.buttons()]


def test_a_new_scan_replaces_the_prompt_and_only_the_latest_answer_counts(
    qtbot: QtBot, controller: ScanController, runner: TaskRunner, listings: list[ScanHit]
) -> None:
    controller.handle_scan("NO-SUCH-CODE")
    box = message_box(qtbot, controller)
    opened: list[ScanHit] = []
    controller.open_hit.connect(opened.append)
    controller.handle_scan(UPC_A)  # would show a choice, but is overtaken at once
    controller.handle_scan("LV-502")
    assert not box.isVisible()
    qtbot.waitUntil(lambda: runner.active == 0)
    assert opened == [listings[1]]
    assert controller.prompt is None


def test_the_lookup_never_blocks_the_window(
    qtbot: QtBot, controller: ScanController, runner: TaskRunner, pg: PgServer, db_name: str, listings: list[ScanHit]
) -> None:
    with psycopg.connect(pg.libpq(db_name)) as locker:
        locker.execute("LOCK TABLE listings IN ACCESS EXCLUSIVE MODE")  # the lookup now waits for us
        opened: list[ScanHit] = []
        controller.open_hit.connect(opened.append)
        controller.handle_scan("LV-501")
        assert runner.active == 1  # handle_scan returned while the database could not answer
        assert opened == []
        locker.rollback()
    qtbot.waitUntil(lambda: opened == [listings[0]])


def test_a_database_failure_is_shown_with_what_to_do(
    qtbot: QtBot, runner: TaskRunner, pg: PgServer, alice: UserRecord, parent: QWidget
) -> None:
    missing = pg.database("no_such_database")
    try:
        controller = ScanController(runner, lambda: missing.unit_of_work(alice.id), parent)
        controller.handle_scan("LV-501")
        box = message_box(qtbot, controller)
        assert box.windowTitle() == "Lookup failed"
        assert box.text()
        assert box.informativeText()
    finally:
        runner.wait()
        missing.dispose()


def test_end_to_end_a_scanned_burst_opens_the_listing(
    qtbot: QtBot,
    window: Window,
    make_detector: MakeDetector,
    runner: TaskRunner,
    database: Database,
    alice: UserRecord,
    listings: list[ScanHit],
) -> None:
    detector, _scans = make_detector()
    controller = ScanController(runner, lambda: database.unit_of_work(alice.id), window)
    detector.scanned.connect(controller.handle_scan)
    detector.scanned.connect(window.scan_field.show_code)
    with qtbot.waitSignal(controller.open_hit) as opened:
        burst(qtbot, window.field, "LV-502")
        qtbot.keyClick(window.field, Qt.Key.Key_Return)
    assert opened.args == [listings[1]]
    assert window.field.text() == ""
    assert window.scan_field.text() == "LV-502"
