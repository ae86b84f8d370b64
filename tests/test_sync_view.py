"""The sync board driven as a seller would: real widgets, a real database, the real sync services.
What the board shows (cells, filters, paging, countdowns, refresh) and where it sits in the workspace;
the cell actions are in test_sync_view_actions.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.sync_view_support import (  # noqa: F401  (board_fixture, listings_fixture: fixtures)
    Board,
    Listings,
    add_listing,
    board_fixture,
    cell_text,
    listings_fixture,
    put_on,
    select,
    start,
)
from tests.workspace_support import open_workspace

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.settings import AppPaths
from reseller_desktop.ui import sync_model
from reseller_desktop.ui.workspace import Workspace


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


@pytest.fixture
def workspace(qtbot: QtBot, database: Database, alice: UserRecord, tmp_path: Path) -> Iterator[Workspace]:
    with open_workspace(database, alice, AppPaths(tmp_path / "data", tmp_path / "config")) as space:
        yield space


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
