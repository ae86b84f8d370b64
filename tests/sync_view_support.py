"""What the sync board tests share: a board on a real database with the real sync services, a few
listings in every state a cell can be in, and the moves a seller makes (select a cell, trigger an
action, answer a question)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from reseller_desktop.db.database import Database, UnitOfWork
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.repositories.base import utc_now
from reseller_desktop.ui.sync_model import SyncBoardModel
from reseller_desktop.ui.sync_view import SyncView
from reseller_desktop.ui.tasks import TaskRunner


class FakeClock:
    """The model's monotonic clock, moved on by the test instead of by waiting."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


@dataclass
class Board:
    view: SyncView
    model: SyncBoardModel
    clock: FakeClock
    photos: PhotoStore
    opened: list[QUrl] = field(default_factory=list)


@dataclass
class Listings:
    jeans: int  # eBay failed, Poshmark to post by hand
    hoodie: int  # Etsy active; eBay and Depop waiting to be cancelled
    lamp: int  # eBay active: nothing to do


def add_listing(uow: UnitOfWork, title: str, **values: object) -> int:
    fields = {"title": title, "price": "40.00", "status": "active", "storage_location": "B1", **values}
    return uow.listings.add(fields).id


def put_on(uow: UnitOfWork, listing_id: int, platform: str, **changes: object) -> int:
    row = uow.platform_listings.add(listing_id, platform)
    uow.platform_listings.update(row.id, changes)
    return row.id


@pytest.fixture(name="listings")  # named apart from the fixture so that test parameters do not shadow an import
def listings_fixture(database: Database, alice: UserRecord) -> Listings:
    soon = utc_now() + timedelta(minutes=15)
    with database.unit_of_work(alice.id) as uow:
        jeans = add_listing(uow, "Levi's 501 jeans", sku="JEANS-1")
        put_on(uow, jeans, "ebay", status="failed", error_message="eBay refused the price", retry_count=6)
        put_on(uow, jeans, "poshmark", status="pending")
        hoodie = add_listing(uow, "Nike hoodie", sku="HOOD-1")
        put_on(uow, hoodie, "etsy", status="active", platform_url="https://www.etsy.com/listing/1")
        put_on(uow, hoodie, "ebay", status="pending_cancel", cancel_scheduled_at=soon, platform_listing_id="v1|2|0")
        put_on(uow, hoodie, "depop", status="pending_cancel", cancel_scheduled_at=soon, posted_at=utc_now())
        lamp = add_listing(uow, "Brass lamp", sku="LAMP-1")
        put_on(uow, lamp, "ebay", status="active", platform_url="https://www.ebay.com/itm/3")
        uow.commit()
    return Listings(jeans, hoodie, lamp)


@pytest.fixture(name="board")
def board_fixture(qtbot: QtBot, database: Database, alice: UserRecord, tmp_path: Path) -> Iterator[Board]:
    runner = TaskRunner()
    clock = FakeClock()
    model = SyncBoardModel(runner, lambda: database.unit_of_work(alice.id), clock=clock)
    photos = PhotoStore(tmp_path / "data")
    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url)
        return True

    view = SyncView(
        runner,
        lambda: database.unit_of_work(alice.id),
        model,
        photos=photos,
        posting_folder=tmp_path / "posting",
        open_url=open_url,
    )
    qtbot.addWidget(view)
    view.resize(1100, 500)
    view.show()
    yield Board(view, model, clock, photos, opened)
    runner.wait()


def start(qtbot: QtBot, board: Board, rows: int) -> None:
    board.view.start()
    qtbot.waitUntil(lambda: board.model.rowCount() == rows and not board.model._fetching, timeout=10_000)


def cell_text(board: Board, listing_id: int, platform: str) -> str:
    row, column = board.model.row_of(listing_id), board.model.column_of(platform)
    assert row is not None and column is not None
    return str(board.model.index(row, column).data() or "")


def select(board: Board, listing_id: int, platform: str) -> None:
    assert board.view.select_cell(listing_id, platform)


def trigger(board: Board, name: str) -> None:
    action = board.view.cell_actions.actions[name]
    assert action.isEnabled(), name
    action.trigger()


def platform_row(database: Database, listing_id: int, platform: str) -> dict[str, Any]:
    with database.connect() as conn:
        return dict(
            conn.execute(
                text("SELECT * FROM platform_listings WHERE listing_id = :l AND platform = :p"),
                {"l": listing_id, "p": platform},
            )
            .mappings()
            .one()
        )


def answer_next_box(button_text: str, seen: list[str]) -> None:
    """Click a button of the next message box once it is up, noting the question it asked."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.text())
        for button in box.buttons():
            if button.text().replace("&", "") == button_text:
                button.click()
                return
        raise AssertionError([b.text() for b in box.buttons()])

    QTimer.singleShot(20, click)


def trigger_answering(board: Board, name: str, button_text: str) -> str:
    """Trigger the action and click `button_text` in the question it asks; the question's text."""
    seen: list[str] = []
    answer_next_box(button_text, seen)
    trigger(board, name)
    return seen[0]
