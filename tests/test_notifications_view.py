"""The notifications page driven as a seller would: real widgets, a real database, two users."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from tests.workspace_support import open_workspace

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.settings import AppPaths
from reseller_desktop.ui.notifications_model import MESSAGE, PLATFORM, TITLE, TYPE
from reseller_desktop.ui.notifications_view import NotificationsView
from reseller_desktop.ui.workspace import Workspace

NOTIFICATIONS = 4  # the page's position in the navigation


@dataclass
class Seeded:
    listing_id: int
    sale_id: int  # about the listing, unread


@pytest.fixture
def seeded(database: Database, alice: UserRecord, bob: UserRecord) -> Seeded:
    with database.unit_of_work(alice.id) as uow:
        listing = uow.listings.add({"title": "Levi's 501 jeans", "price": "40.00"})
        info = uow.notifications.add("info", "Sync is running", "Every 30 seconds")
        uow.notifications.mark_read(info.id)
        uow.notifications.add("error", "eBay refused a listing", "Add the item's condition", platform="ebay")
        uow.notifications.add("warning", "Delist on Poshmark now", listing_id=listing.id, platform="poshmark")
        sale = uow.notifications.add(
            "sale", "Sold on eBay", "Levi's 501 jeans sold for $38.00", listing_id=listing.id, platform="ebay"
        )
        uow.commit()
    with database.unit_of_work(bob.id) as uow:
        uow.notifications.add("sale", "Bob's sale", "Not for alice's eyes")
        uow.notifications.add("error", "Bob's error")
        uow.commit()
    return Seeded(listing.id, sale.id)


@pytest.fixture
def workspace(qtbot: QtBot, database: Database, alice: UserRecord, tmp_path: Path) -> Iterator[Workspace]:
    with open_workspace(database, alice, AppPaths(tmp_path / "data", tmp_path / "config")) as space:
        yield space


def loaded(qtbot: QtBot, view: NotificationsView, rows: int) -> None:
    view.refresh()
    qtbot.waitUntil(lambda: view.model.rowCount() == rows, timeout=10_000)


def nav_text(space: Workspace) -> str:
    return space.window.navigation.item(NOTIFICATIONS).text()


def unread_in_database(database: Database, alice: UserRecord) -> int:
    with database.unit_of_work(alice.id) as uow:
        return uow.notifications.unread_count()


def test_only_my_notifications_newest_first_unread_in_bold(qtbot: QtBot, workspace: Workspace, seeded: Seeded) -> None:
    view = workspace.notifications
    assert workspace.window.pages.widget(NOTIFICATIONS) is view
    loaded(qtbot, view, 4)
    titles = [view.model.index(row, TITLE).data() for row in range(4)]
    assert titles == ["Sold on eBay", "Delist on Poshmark now", "eBay refused a listing", "Sync is running"]
    assert view.model.index(0, TYPE).data() == "$ sale"
    assert view.model.index(0, MESSAGE).data() == "Levi's 501 jeans sold for $38.00"
    assert view.model.index(1, PLATFORM).data() == "Poshmark"
    bold = [view.model.index(row, TITLE).data(Qt.ItemDataRole.FontRole) for row in range(4)]
    assert [isinstance(font, QFont) and font.bold() for font in bold] == [True, True, True, False]
    qtbot.waitUntil(lambda: nav_text(workspace) == "Notifications (3)", timeout=10_000)
    assert view.summary.text() == "4 shown · 3 unread"


def test_mark_read_and_mark_all_read_update_the_count_and_the_database(
    qtbot: QtBot, workspace: Workspace, seeded: Seeded, database: Database, alice: UserRecord
) -> None:
    view = workspace.notifications
    loaded(qtbot, view, 4)
    view.table.selectRow(2)  # "eBay refused a listing"
    assert view.mark_read_button.isEnabled() and not view.open_button.isEnabled()  # not about a listing
    view.mark_read_button.click()
    qtbot.waitUntil(lambda: nav_text(workspace) == "Notifications (2)", timeout=10_000)
    assert unread_in_database(database, alice) == 2
    assert view.model.index(2, TITLE).data(Qt.ItemDataRole.FontRole) is None  # no longer bold
    assert not view.mark_read_button.isEnabled()
    view.mark_all_button.click()
    qtbot.waitUntil(lambda: nav_text(workspace) == "Notifications", timeout=10_000)
    assert unread_in_database(database, alice) == 0
    assert view.message.text() == "Every notification is marked read."
    with database.connect() as conn:  # bob's stay unread
        assert conn.scalar(text("SELECT count(*) FROM notifications WHERE is_read IS NOT TRUE")) == 2


def test_filters_by_unread_and_by_type(qtbot: QtBot, workspace: Workspace, seeded: Seeded) -> None:
    view = workspace.notifications
    loaded(qtbot, view, 4)
    view.unread_only.setChecked(True)
    qtbot.waitUntil(lambda: view.model.rowCount() == 3, timeout=10_000)
    view.type.setCurrentIndex(view.type.findData("error"))
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    assert view.model.index(0, TITLE).data() == "eBay refused a listing"
    view.table.selectRow(0)
    view.mark_read_button.click()  # a read one leaves the unread-only list
    qtbot.waitUntil(lambda: view.model.rowCount() == 0, timeout=10_000)
    view.unread_only.setChecked(False)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)


def test_open_listing_emits_the_id_opens_the_editor_and_marks_it_read(
    qtbot: QtBot, workspace: Workspace, seeded: Seeded, database: Database, alice: UserRecord
) -> None:
    view = workspace.notifications
    loaded(qtbot, view, 4)
    view.table.selectRow(0)  # the sale
    with qtbot.waitSignal(view.open_listing, timeout=5_000) as opened:
        view.open_button.click()
    assert opened.args == [seeded.listing_id]
    qtbot.waitUntil(lambda: seeded.listing_id in workspace.editors, timeout=10_000)
    qtbot.waitUntil(lambda: nav_text(workspace) == "Notifications (2)", timeout=10_000)
    with database.connect() as conn:
        assert conn.scalar(text("SELECT is_read FROM notifications WHERE id = :i"), {"i": seeded.sale_id}) is True


def test_refresh_keeps_the_selected_notification(
    qtbot: QtBot, workspace: Workspace, seeded: Seeded, database: Database, alice: UserRecord
) -> None:
    view = workspace.notifications
    loaded(qtbot, view, 4)
    view.table.selectRow(1)  # "Delist on Poshmark now"
    with database.unit_of_work(alice.id) as uow:  # a sync pass adds one at the top
        uow.notifications.add("error", "Etsy token expired", "Connect Etsy again", platform="etsy")
        uow.commit()
    workspace.refresh_sync_views()
    qtbot.waitUntil(lambda: view.model.rowCount() == 5, timeout=10_000)
    selected = view.selected()
    assert selected is not None and selected.title == "Delist on Poshmark now"
    qtbot.waitUntil(lambda: nav_text(workspace) == "Notifications (4)", timeout=10_000)
