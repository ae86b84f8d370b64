"""The sync board's cell actions, driven as a seller would: retry, cancel now, keep listed, mark
posted or delisted, list on more platforms, copy for posting; and a refusal shown as what to do."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from tests.sync_view_support import (  # noqa: F401  (board_fixture, listings_fixture: fixtures)
    Board,
    Listings,
    add_listing,
    answer_next_box,
    board_fixture,
    cell_text,
    listings_fixture,
    platform_row,
    put_on,
    select,
    start,
    trigger,
    trigger_answering,
)

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.repositories.base import utc_now
from reseller_desktop.ui.manual_post_dialog import ManualPostDialog
from reseller_desktop.ui.sync_dialogs import ListOnDialog, MarkPostedDialog


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
    assert "instead of at the end of the cooldown" in trigger_answering(board, "cancel", "No")
    assert platform_row(database, listings.hoodie, "ebay")["cancel_scheduled_at"] > utc_now()
    trigger_answering(board, "cancel", "Yes")
    qtbot.waitUntil(lambda: cell_text(board, listings.hoodie, "ebay") == "◷ cancelling…", timeout=10_000)
    assert platform_row(database, listings.hoodie, "ebay")["cancel_scheduled_at"] <= utc_now()
    assert not board.view.cell_actions.actions["cancel"].isEnabled()  # nothing left to bring forward


def test_keep_listed_says_where_it_stays_for_sale_and_makes_it_active(
    qtbot: QtBot, board: Board, listings: Listings, database: Database
) -> None:
    start(qtbot, board, 3)
    select(board, listings.hoodie, "depop")
    assert "The item stays for sale on Depop." in trigger_answering(board, "keep", "Yes")
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


def test_a_refusal_shows_what_to_do_not_a_traceback(
    qtbot: QtBot, board: Board, listings: Listings, database: Database, alice: UserRecord
) -> None:
    start(qtbot, board, 3)
    select(board, listings.hoodie, "ebay")
    with database.unit_of_work(alice.id) as uow:  # the last unit went elsewhere meanwhile
        uow.listings.update(listings.hoodie, {"quantity": 0})
        uow.commit()
    trigger_answering(board, "keep", "Yes")
    qtbot.waitUntil(lambda: "no unit left to sell" in board.view.message.text(), timeout=10_000)
    assert "Set the quantity" in board.view.message.text() and "Traceback" not in board.view.message.text()
