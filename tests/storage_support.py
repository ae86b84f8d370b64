"""Shelves for the Storage page tests: two bins with sections, listings, a card and storage items in
them, in a real database; a task runner that ends its work before the database goes; and scans
typed the way a keyboard-wedge scanner types them.

Bin A (clothing): section 1 (capacity 2) holds the jeans; section 2 (no limit) the jacket and a
hat; a scarf lies loose in the bin. Bin B (cards): section 3 (capacity 5) holds the Charizard card's
item. The fleece listing is on no shelf.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from reseller_desktop.db.database import Database, UnitOfWork
from reseller_desktop.domain.records import StorageItemRecord, UserRecord
from reseller_desktop.settings import Settings
from reseller_desktop.ui.scan_session_dialog import ScanSessionDialog
from reseller_desktop.ui.storage_view import StorageView
from reseller_desktop.ui.tasks import TaskRunner

UPC_A = "012345678905"
# QTest's bursts arrive well under a millisecond apart; a generous interval keeps a loaded machine
# from splitting one (as in test_scanner).
SCAN_SETTINGS = Settings(scan_max_key_interval_ms=150, scan_min_length=4)
UowFactory = Callable[[], UnitOfWork]
Session = TypeVar("Session", bound=ScanSessionDialog)


OLD_SHELF = {"storage_location": "shelf"}  # what an active listing said before it was shelved here


@dataclass(frozen=True)
class Shelves:
    bin_a: int
    a1: int  # capacity 2
    a2: int  # no limit
    bin_b: int
    b3: int  # capacity 5
    jeans: int  # listing, SKU LV-501, UPC_A, stored in A › 1
    jeans_item: int
    jacket: int  # listing, SKU CH-9, stored in A › 2
    jacket_item: int
    jacket_storage_id: str
    hat_item: int  # a storage item of no listing, in A › 2
    hat_storage_id: str
    fleece: int  # listing, SKU PT-1, on no shelf
    card: int  # Charizard, in its own item in B › 3
    card_uuid: str
    card_item: int
    scarf_item: int  # loose in bin A


@pytest.fixture(name="shelves")  # named apart: test parameters do not shadow an import
def shelves_fixture(database: Database, alice: UserRecord) -> Shelves:
    with database.unit_of_work(alice.id) as uow:
        bin_a = uow.storage.add_bin("A", "clothing")
        a1 = uow.storage.add_section(bin_a.id, "1", capacity=2)
        a2 = uow.storage.add_section(bin_a.id, "2")
        bin_b = uow.storage.add_bin("B", "cards")
        b3 = uow.storage.add_section(bin_b.id, "3", capacity=5)
        jeans = uow.listings.add(
            {"title": "Levi's 501", "price": "45.00", "sku": "LV-501", "upc": UPC_A, "status": "active", **OLD_SHELF}
        )
        jacket = uow.listings.add(
            {"title": "Carhartt jacket", "price": "80.00", "sku": "CH-9", "status": "active", **OLD_SHELF}
        )
        fleece = uow.listings.add(
            {"title": "Patagonia fleece", "price": "55.00", "sku": "PT-1", "status": "active", **OLD_SHELF}
        )

        def item(title: str, section_id: int | None = None, **values: Any) -> StorageItemRecord:
            place = {"section_id": section_id} if section_id is not None else {"bin_id": bin_a.id}
            return uow.storage.add_item({"title": title, **place, **values})

        jeans_item = item("Levi's 501", a1.id, listing_id=jeans.id)
        jacket_item = item("Carhartt jacket", a2.id, listing_id=jacket.id)
        hat_item = item("Wool hat", a2.id)
        card_item = item("Charizard", b3.id, item_type="trading_card")
        card = uow.cards.add({"card_type": "tcg", "title": "Charizard", "storage_item_id": card_item.id})
        scarf_item = item("Silk scarf")
        uow.commit()
    return Shelves(
        bin_a.id,
        a1.id,
        a2.id,
        bin_b.id,
        b3.id,
        jeans.id,
        jeans_item.id,
        jacket.id,
        jacket_item.id,
        jacket_item.storage_id,
        hat_item.id,
        hat_item.storage_id,
        fleece.id,
        card.id,
        card.card_uuid,
        card_item.id,
        scarf_item.id,
    )


@pytest.fixture(name="runner")  # named apart: test parameters do not shadow an import
def runner_fixture(database: Database) -> Iterator[TaskRunner]:
    """Depends on `database` so that its work ends before the pool is disposed."""
    runner = TaskRunner()
    yield runner
    runner.wait()


@pytest.fixture(name="new_uow")  # named apart: test parameters do not shadow an import
def new_uow_fixture(database: Database, alice: UserRecord) -> UowFactory:
    return lambda: database.unit_of_work(alice.id)


@pytest.fixture(name="parent")  # named apart: test parameters do not shadow an import
def parent_fixture(qtbot: QtBot) -> QWidget:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def place_of(database: Database, alice: UserRecord, storage_item_id: int) -> tuple[int | None, int | None]:
    with database.unit_of_work(alice.id) as uow:
        item = uow.storage.get_item(storage_item_id)
        return item.bin_id, item.section_id


def items_in(database: Database, alice: UserRecord, bin_id: int, section_id: int | None) -> list[str]:
    with database.unit_of_work(alice.id) as uow:
        return [t.title for t in uow.storage.contents(bin_id, section_id)]


def moves_logged(database: Database, alice: UserRecord) -> list[dict[str, Any]]:
    """The details of the move rows in activity_logs, newest first."""
    with database.unit_of_work(alice.id) as uow:
        return [
            dict(e.details)
            for e in uow.activity.recent()
            if e.action == "move_storage_item" and isinstance(e.details, dict)
        ]


def focus(qtbot: QtBot, widget: QWidget) -> None:
    """Make `widget` the focused widget of an active window, as a seller's scanner finds it."""
    window = widget.window()
    window.activateWindow()
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)


def scan(qtbot: QtBot, widget: QWidget, code: str) -> None:
    """A keyboard-wedge scan: the code's keys in one burst, then Enter."""
    qtbot.keyClicks(widget, code)
    qtbot.keyClick(widget, Qt.Key.Key_Return)


def open_storage_page(qtbot: QtBot, runner: TaskRunner, new_uow: UowFactory) -> StorageView:
    """The Storage page over the shelves, once its tree and the first place's contents have loaded."""
    page = StorageView(runner, new_uow, settings=SCAN_SETTINGS)
    qtbot.addWidget(page)
    page.resize(1100, 600)
    page.show()
    qtbot.waitUntil(lambda: page.tree_model.rowCount() == 2 and runner.active == 0)
    return page


def open_session(qtbot: QtBot, dialog: Session) -> Session:
    """A put-away or audit dialog shown, its scan field focused as a scanner finds it."""
    dialog.show()
    qtbot.waitExposed(dialog)
    focus(qtbot, dialog.scan_field)
    return dialog


def settled(qtbot: QtBot, dialog: ScanSessionDialog, lines: int) -> list[str]:
    """The running list (oldest first) once `lines` lines are in it and nothing is under way."""
    qtbot.waitUntil(lambda: len(dialog.log_texts()) == lines and not dialog.busy and dialog.waiting == 0)
    return dialog.log_texts()
