"""The sync board driven as a seller would: real widgets, a real database, the real sync services."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from reseller_desktop.db.database import Database, UnitOfWork
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.repositories.base import utc_now
from reseller_desktop.settings import AppPaths, Settings
from reseller_desktop.ui import sync_model
from reseller_desktop.ui.main_window import MainWindow
from reseller_desktop.ui.manual_post_dialog import ManualPostDialog
from reseller_desktop.ui.sync_dialogs import ListOnDialog, MarkPostedDialog
from reseller_desktop.ui.sync_model import SyncBoardModel
from reseller_desktop.ui.sync_view import SyncView
from reseller_desktop.ui.tasks import TaskRunner
from reseller_desktop.ui.workspace import Workspace


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


@pytest.fixture
def listings(database: Database, alice: UserRecord) -> Listings:
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


@pytest.fixture
def board(qtbot: QtBot, database: Database, alice: UserRecord, tmp_path: Path) -> Iterator[Board]:
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


def test_the_board_shows_each_platform_status_per_cell(qtbot: QtBot, board: Board, listings: Listings) -> None:
    start(qtbot, board, 3)
    headers = [board.model.headerData(c, Qt.Orientation.Horizontal) for c in range(board.model.columnCount())]
    assert headers == ["Title", "SKU", "Status", "eBay", "Etsy", "Depop", "Poshmark"]
    assert board.model.index(0, 0).data() == "Brass lamp"  # newest listing first
    assert cell_text(board, listings.jeans, "ebay") == "✖ failed"
    assert cell_text(board, listings.jeans, "poshmark") == "✍ Post by hand"
    assert cell_text(board, listings.jeans, "etsy") == ""  # not on Etsy at all
    assert cell_text(board, listings.hoodie, "etsy") == "● active"
    assert cell_text(board, listings.lamp, "ebay") == "● active"
    row, column = board.model.row_of(listings.jeans), board.model.column_of("ebay")
    assert row is not None and column is not None
    tooltip = board.model.index(row, column).data(Qt.ItemDataRole.ToolTipRole)
    assert "Error: eBay refused the price" in tooltip and "Retries: 6" in tooltip and "Last synced: never" in tooltip
    assert board.view.summary.text() == "2 need attention · 2 cancellations scheduled"


def test_needs_attention_platform_and_search_narrow_the_board(qtbot: QtBot, board: Board, listings: Listings) -> None:
    start(qtbot, board, 3)
    board.view.attention.setChecked(True)
    qtbot.waitUntil(lambda: board.model.rowCount() == 2 and not board.model._fetching, timeout=10_000)
    assert board.model.row_of(listings.lamp) is None
    board.view.platform.setCurrentIndex(board.view.platform.findData("poshmark"))
    qtbot.waitUntil(lambda: board.model.rowCount() == 1, timeout=10_000)
    assert board.model.row_of(listings.jeans) == 0  # only its Poshmark row needs posting
    board.view.attention.setChecked(False)
    board.view.platform.setCurrentIndex(0)
    qtbot.waitUntil(lambda: board.model.rowCount() == 3, timeout=10_000)
    qtbot.keyClicks(board.view.search, "ho")  # two letters: too few to search by
    board.view.apply_filter()
    assert board.model.rowCount() == 3
    qtbot.keyClicks(board.view.search, "od")
    qtbot.waitUntil(lambda: board.model.rowCount() == 1, timeout=10_000)
    assert board.model.row_of(listings.hoodie) == 0 and board.view.empty.isHidden()
    board.view.search.setText("zzz")
    qtbot.waitUntil(board.view.empty.isVisible, timeout=10_000)
    assert board.view.empty.text() == "No listing matches these filters."


def test_more_pages_load_at_the_end_of_the_table(
    qtbot: QtBot, board: Board, database: Database, alice: UserRecord, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync_model, "PAGE_SIZE", 30)  # more than the 500-pixel table shows at once
    with database.unit_of_work(alice.id) as uow:
        for number in range(70):
            put_on(uow, add_listing(uow, f"Item {number}"), "ebay", status="active")
        uow.commit()
    start(qtbot, board, 30)
    assert board.model.canFetchMore(board.model.index(-1, -1))
    board.view.table.scrollToBottom()
    qtbot.waitUntil(lambda: board.model.rowCount() >= 60, timeout=10_000)
    board.view.table.scrollToBottom()
    qtbot.waitUntil(lambda: board.model.rowCount() == 70, timeout=10_000)
    assert not board.model.canFetchMore(board.model.index(-1, -1))
    titles = [board.model.index(r, 0).data() for r in range(70)]
    assert titles == [f"Item {n}" for n in range(69, -1, -1)]


def test_a_scheduled_cancellation_counts_down_every_second(qtbot: QtBot, board: Board, listings: Listings) -> None:
    start(qtbot, board, 3)
    assert re.fullmatch(r"◷ cancels in 1[45]:\d\d", cell_text(board, listings.hoodie, "ebay"))
    ticked: list[tuple[int, int]] = []
    board.model.dataChanged.connect(lambda first, last, _roles: ticked.append((first.row(), first.column())))
    board.clock.seconds += 600  # ten minutes on; the timer's next tick repaints the countdown
    qtbot.waitUntil(lambda: len(ticked) >= 2, timeout=5_000)
    assert re.fullmatch(r"◷ cancels in [45]:\d\d", cell_text(board, listings.hoodie, "ebay"))
    hoodie = board.model.row_of(listings.hoodie)
    countdown_cells = {(hoodie, board.model.column_of("ebay")), (hoodie, board.model.column_of("depop"))}
    assert set(ticked) == countdown_cells  # only the countdown cells repaint
    board.clock.seconds += 600
    qtbot.waitUntil(lambda: cell_text(board, listings.hoodie, "ebay") == "◷ cancelling…")
    assert cell_text(board, listings.hoodie, "depop") == "⚑ Delist now!"  # by hand: the seller's turn


def test_retry_now_makes_a_failed_cell_pending_with_fresh_attempts(
    qtbot: QtBot, board: Board, listings: Listings, database: Database
) -> None:
    start(qtbot, board, 3)
    select(board, listings.jeans, "ebay")
    trigger(board, "retry")
    qtbot.waitUntil(lambda: cell_text(board, listings.jeans, "ebay") == "◌ pending", timeout=10_000)
    row = platform_row(database, listings.jeans, "ebay")
    assert (row["status"], row["retry_count"], row["error_message"]) == ("pending", 0, None)
    assert "will be tried again" in board.view.message.text()
    assert board.view.table.currentIndex().row() == board.model.row_of(listings.jeans)  # still selected


def test_cancel_now_asks_first_then_makes_the_cancellation_due(
    qtbot: QtBot, board: Board, listings: Listings, database: Database
) -> None:
    start(qtbot, board, 3)
    select(board, listings.hoodie, "ebay")
    seen: list[str] = []
    answer_next_box("No", seen)
    trigger(board, "cancel")
    assert "instead of at the end of the cooldown" in seen[0]
    assert platform_row(database, listings.hoodie, "ebay")["cancel_scheduled_at"] > utc_now()
    answer_next_box("Yes", seen)
    trigger(board, "cancel")
    qtbot.waitUntil(lambda: cell_text(board, listings.hoodie, "ebay") == "◷ cancelling…", timeout=10_000)
    assert platform_row(database, listings.hoodie, "ebay")["cancel_scheduled_at"] <= utc_now()
    assert not board.view.cell_actions.actions["cancel"].isEnabled()  # nothing left to bring forward


def test_keep_listed_says_where_it_stays_for_sale_and_makes_it_active(
    qtbot: QtBot, board: Board, listings: Listings, database: Database
) -> None:
    start(qtbot, board, 3)
    select(board, listings.hoodie, "depop")
    seen: list[str] = []
    answer_next_box("Yes", seen)
    trigger(board, "keep")
    assert "The item stays for sale on Depop." in seen[0]
    qtbot.waitUntil(lambda: cell_text(board, listings.hoodie, "depop") == "● active", timeout=10_000)
    row = platform_row(database, listings.hoodie, "depop")
    assert (row["status"], row["cancel_scheduled_at"]) == ("active", None)
    qtbot.waitUntil(lambda: board.view.summary.text() == "2 need attention · 1 cancellation scheduled")


def test_mark_posted_wants_the_address_and_makes_the_cell_active(
    qtbot: QtBot, board: Board, listings: Listings, database: Database
) -> None:
    start(qtbot, board, 3)
    select(board, listings.jeans, "poshmark")
    assert not board.view.cell_actions.actions["open_on_platform"].isEnabled()
    trigger(board, "mark_posted")
    dialog = board.view.cell_actions.dialog
    assert isinstance(dialog, MarkPostedDialog) and dialog.isVisible()
    dialog.url.setText("poshmark.com/listing/abc")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "starting with https://" in dialog.error.text(), timeout=10_000)
    assert dialog.isVisible() and platform_row(database, listings.jeans, "poshmark")["status"] == "pending"
    dialog.url.setText("https://poshmark.com/listing/abc")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: cell_text(board, listings.jeans, "poshmark") == "● active", timeout=10_000)
    assert not dialog.isVisible()
    row = platform_row(database, listings.jeans, "poshmark")
    assert (row["status"], row["platform_url"]) == ("active", "https://poshmark.com/listing/abc")
    trigger(board, "open_on_platform")
    assert board.opened == [QUrl("https://poshmark.com/listing/abc")]


def test_mark_delisted_closes_the_delist_task(
    qtbot: QtBot, board: Board, database: Database, alice: UserRecord
) -> None:
    with database.unit_of_work(alice.id) as uow:
        listing_id = add_listing(uow, "Denim jacket")
        put_on(uow, listing_id, "mercari", status="pending_cancel", cancel_scheduled_at=utc_now() - timedelta(1))
        uow.notifications.add(
            "warning", "Delist on Mercari now", listing_id=listing_id, platform="mercari", data={"task": "delist"}
        )
        uow.commit()
    start(qtbot, board, 1)
    assert cell_text(board, listing_id, "mercari") == "⚑ Delist now!"
    select(board, listing_id, "mercari")
    trigger(board, "mark_delisted")
    qtbot.waitUntil(lambda: cell_text(board, listing_id, "mercari") == "– canceled", timeout=10_000)
    with database.connect() as conn:
        assert conn.scalar(text("SELECT is_read FROM notifications")) is True
    assert not board.view.cell_actions.actions["mark_delisted"].isEnabled()


def test_list_on_more_platforms_shows_what_to_fix_and_adds_ebay(
    qtbot: QtBot, board: Board, database: Database, alice: UserRecord, tmp_path: Path
) -> None:
    Image.new("RGB", (40, 30), "green").save(tmp_path / "front.jpg")
    photo = board.photos.add(tmp_path / "front.jpg")
    long_title = "Vintage Carhartt detroit jacket blanket lined size large brown duck 90s"  # 71 characters
    with database.unit_of_work(alice.id) as uow:
        listing_id = add_listing(uow, long_title, photos=[photo], condition="good")
        put_on(uow, listing_id, "etsy", status="active")
        uow.commit()
    start(qtbot, board, 1)
    select(board, listing_id, "etsy")
    trigger(board, "list_on")
    dialog = board.view.cell_actions.dialog
    assert isinstance(dialog, ListOnDialog)
    assert "etsy" not in dialog.checks  # already live there
    for platform in ("ebay", "grailed", "poshmark", "depop"):
        dialog.checks[platform].setChecked(True)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: dialog.problems["grailed"].text() != "", timeout=10_000)
    assert dialog.isVisible()  # refused platforms stay in view with what to fix
    assert "Grailed allows 60 characters; this title has 71." in dialog.problems["grailed"].text()
    assert "Poshmark needs a description" in dialog.problems["poshmark"].text()
    assert "Depop needs a description" in dialog.problems["depop"].text()
    assert dialog.problems["ebay"].text() == "queued" and not dialog.checks["ebay"].isEnabled()
    assert platform_row(database, listing_id, "ebay")["status"] == "pending"
    with database.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM platform_listings")) == 2
    qtbot.waitUntil(lambda: cell_text(board, listing_id, "ebay") == "◌ pending", timeout=10_000)
    assert "will be listed on eBay" in board.view.message.text()


def test_copy_for_posting_gives_the_text_and_a_folder_of_photos(
    qtbot: QtBot, board: Board, database: Database, alice: UserRecord, tmp_path: Path
) -> None:
    uris = []
    for name, colour in (("front.jpg", "red"), ("back.png", "blue")):
        Image.new("RGB", (40, 30), colour).save(tmp_path / name)
        uris.append(board.photos.add(tmp_path / name))
    with database.unit_of_work(alice.id) as uow:
        listing_id = add_listing(
            uow, "Coach tote", sku="TOTE-7", photos=uris, description="Leather, barely used.", price="55.00"
        )
        put_on(uow, listing_id, "poshmark", status="pending")
        uow.commit()
    start(qtbot, board, 1)
    select(board, listing_id, "poshmark")
    trigger(board, "copy_for_posting")
    qtbot.waitUntil(lambda: isinstance(board.view.cell_actions.dialog, ManualPostDialog), timeout=10_000)
    dialog = board.view.cell_actions.dialog
    assert isinstance(dialog, ManualPostDialog) and dialog.isVisible()
    assert dialog.title.text() == "Coach tote" and dialog.price.text() == "55.00"
    assert dialog.description.toPlainText() == "Leather, barely used."
    folder = tmp_path / "posting" / "poshmark" / "TOTE-7"
    assert sorted(p.name for p in folder.iterdir()) == ["01.jpg", "02.png"]
    assert (folder / "01.jpg").read_bytes() == board.photos.path_of(uris[0]).read_bytes()  # the cover first
    dialog.copy_buttons["description"].click()
    assert QGuiApplication.clipboard().text() == "Leather, barely used."
    dialog.folder_button.click()
    dialog.platform_button.click()
    assert board.opened == [QUrl.fromLocalFile(str(folder)), QUrl("https://poshmark.com/create-listing")]


def test_refresh_reads_the_board_again_and_keeps_the_selected_cell(
    qtbot: QtBot, board: Board, listings: Listings, database: Database, alice: UserRecord
) -> None:
    start(qtbot, board, 3)
    select(board, listings.lamp, "ebay")
    with database.unit_of_work(alice.id) as uow:  # a background sync pass finds eBay refusing it
        (ebay,) = uow.platform_listings.for_listing(listings.lamp)
        uow.platform_listings.update(ebay.id, {"status": "failed", "error_message": "Listing ended by eBay"})
        uow.commit()
    assert not board.view.cell_actions.actions["retry"].isEnabled()
    board.view.refresh()
    qtbot.waitUntil(lambda: cell_text(board, listings.lamp, "ebay") == "✖ failed", timeout=10_000)
    current = board.view.table.currentIndex()
    assert (current.row(), current.column()) == (board.model.row_of(listings.lamp), board.model.column_of("ebay"))
    assert board.view.cell_actions.actions["retry"].isEnabled()
    assert board.view.summary.text() == "3 need attention · 2 cancellations scheduled"


def test_a_refusal_shows_what_to_do_not_a_traceback(
    qtbot: QtBot, board: Board, listings: Listings, database: Database, alice: UserRecord
) -> None:
    start(qtbot, board, 3)
    select(board, listings.hoodie, "ebay")
    with database.unit_of_work(alice.id) as uow:  # the last unit went elsewhere meanwhile
        uow.listings.update(listings.hoodie, {"quantity": 0})
        uow.commit()
    seen: list[str] = []
    answer_next_box("Yes", seen)
    trigger(board, "keep")
    qtbot.waitUntil(lambda: "no unit left to sell" in board.view.message.text(), timeout=10_000)
    assert "Set the quantity" in board.view.message.text() and "Traceback" not in board.view.message.text()


@pytest.fixture
def workspace(qtbot: QtBot, database: Database, alice: UserRecord, tmp_path: Path) -> Iterator[Workspace]:
    runner = TaskRunner()
    window = MainWindow(runner)
    paths = AppPaths(tmp_path / "data", tmp_path / "config")
    space = Workspace(window, runner, database=database, user=alice, paths=paths, settings=Settings())
    window.show()
    yield space
    space.shut_down()
    window.close()
    runner.wait()
    window.deleteLater()


def test_the_workspace_shows_the_board_on_the_sync_page_with_its_count(
    qtbot: QtBot, workspace: Workspace, listings: Listings
) -> None:
    window = workspace.window
    assert window.pages.widget(3) is workspace.sync_view
    workspace.refresh_sync_views()
    qtbot.waitUntil(lambda: window.navigation.item(3).text() == "Sync (2)", timeout=10_000)
    assert window.marketplaces_action.isEnabled()
    with qtbot.waitSignal(workspace.sync_view.sync_requested):
        workspace.sync_view.sync_button.click()
    workspace.sync_view.select_cell(listings.lamp, "ebay")
    workspace.sync_view.cell_actions.actions["open_listing"].trigger()
    qtbot.waitUntil(lambda: listings.lamp in workspace.editors, timeout=10_000)
    editor = workspace.editors[listings.lamp]
    qtbot.waitUntil(lambda: editor.record is not None, timeout=10_000)
    assert editor.isVisible() and editor.title.text() == "Brass lamp"


def test_file_marketplaces_opens_the_marketplaces_page_once(
    qtbot: QtBot, workspace: Workspace, no_keyring: None
) -> None:
    from reseller_desktop.ui.marketplaces_page import MarketplacesPage

    workspace.window.marketplaces_action.trigger()
    dialog = workspace.marketplaces_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.findChild(MarketplacesPage) is not None
    dialog.close()
    workspace.window.marketplaces_action.trigger()
    assert workspace.marketplaces_dialog is dialog and dialog.isVisible()  # made on first use, then reused
