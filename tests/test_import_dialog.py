"""The import dialog and the export action, driven as a user would: real widgets, a real database,
real files, the real task runner."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from pytestqt.qtbot import QtBot
from tests.conftest import PgServer
from tests.csv_files import read_csv, write_csv
from tests.transfer_support import (  # noqa: F401  (*_fixture: fixtures)
    WAIT_MS,
    Factory,
    as_alice_fixture,
    listed_rows,
    locked,
    previewed,
    runner_fixture,
    table_rows,
)

from reseller_desktop.db.database import Database
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.services.listing_csv import ImportPreview, ImportResult, export_listings
from reseller_desktop.ui.import_dialog import PROGRESS_STEPS, ImportDialog, export_listings_to
from reseller_desktop.ui.tasks import TaskRunner


def listings_state(database: Database) -> list[tuple[Any, ...]]:
    return table_rows(database, "listings")


def add(factory: Factory, **values: Any) -> None:
    with factory() as uow:
        uow.listings.add(values)
        uow.commit()


def open_dialog(qtbot: QtBot, runner: TaskRunner, factory: Factory, path: Path) -> ImportDialog:
    return previewed(qtbot, ImportDialog(runner, factory, path))


@pytest.fixture
def changed_file(tmp_path: Path, as_alice: Factory) -> Path:
    """Alice's lamp and chair exported, the lamp's price changed and a mirror added."""
    add(as_alice, title="Lamp", price="10", sku="LAMP")
    add(as_alice, title="Chair", price="30", sku="CHAIR")
    path = tmp_path / "listings.csv"
    export_listings(as_alice, path)
    rows = read_csv(path)
    rows[0]["price"] = "12.00"
    rows.append({"title": "Mirror", "price": "25", "sku": "MIRROR"})
    return write_csv(path, rows)


def test_preview_then_import(qtbot: QtBot, runner: TaskRunner, as_alice: Factory, changed_file: Path) -> None:
    dialog = open_dialog(qtbot, runner, as_alice, changed_file)

    assert dialog.preview == ImportPreview(to_create=1, to_update=1, unchanged=1, bad_rows=())
    assert dialog.summary.text().startswith("1 to create, 1 to update, 1 unchanged.")
    assert dialog.import_button.isEnabled()
    assert dialog.bad_rows.isHidden()

    with qtbot.waitSignal(dialog.imported, timeout=WAIT_MS) as imported:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert imported.args == [ImportResult(created=1, updated=1, unchanged=1)]
    assert dialog.summary.text() == "Imported listings.csv: 1 created, 1 updated, 1 unchanged."
    assert dialog.progress.value() == PROGRESS_STEPS
    with as_alice() as uow:
        assert uow.listings.find_by_sku("LAMP")[0].price == Decimal("12.00")
        assert uow.listings.find_by_sku("MIRROR")[0].title == "Mirror"

    assert dialog.cancel_button.text() == "Close"
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_bad_rows_are_listed_and_import_stays_disabled(
    qtbot: QtBot, runner: TaskRunner, as_alice: Factory, tmp_path: Path
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            {"title": "Fine", "price": "1"},
            {"title": "Bad price", "price": "abc"},
            {"title": "Fine too", "price": "2"},
            {"title": "", "price": "3"},
        ],
    )
    dialog = open_dialog(qtbot, runner, as_alice, path)

    assert dialog.preview is not None and dialog.preview.to_create == 2
    assert not dialog.bad_rows.isHidden()
    assert listed_rows(dialog) == [
        ("3", "price: 'abc' is not an amount of money; write it like 12.50."),
        ("5", "title: A title is required."),
    ]
    assert "2 rows cannot be imported" in dialog.summary.text()
    assert not dialog.import_button.isEnabled()
    dialog.start_import()  # not even when asked directly
    assert not dialog.busy


def test_a_file_that_cannot_be_read_says_so(
    qtbot: QtBot, runner: TaskRunner, as_alice: Factory, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, runner, as_alice, tmp_path / "gone.csv")
    assert dialog.summary.text().startswith("Cannot read ")
    assert "gone.csv: No such file or directory." in dialog.summary.text()
    assert not dialog.import_button.isEnabled()
    assert dialog.cancel_button.text() == "Close"


@pytest.mark.parametrize("how", ["cancel button", "closing the window"])
def test_cancel_rolls_back_while_the_window_keeps_responding(
    qtbot: QtBot,
    runner: TaskRunner,
    pg: PgServer,
    db_name: str,
    database: Database,
    as_alice: Factory,
    changed_file: Path,
    how: str,
) -> None:
    dialog = open_dialog(qtbot, runner, as_alice, changed_file)
    before = listings_state(database)
    # Another client holds a lock that makes the import's first write wait: the import is then
    # certainly under way, on its worker, when Cancel is pressed.
    with locked(pg, db_name, "listings"):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.phase.text() == "Writing…", timeout=WAIT_MS)
        ticks: list[int] = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start(5)
        qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=WAIT_MS)  # the GUI thread turns meanwhile
        timer.stop()
        assert dialog.busy

        if how == "cancel button":
            qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        else:
            dialog.close()
        assert dialog.isVisible()  # until the import has rolled back
        assert dialog.phase.text() == "Cancelling…"
        assert not dialog.cancel_button.isEnabled()

        # The lock is still held: the cancel stops the write statement under way, not after it.
        if how == "cancel button":
            qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
            assert dialog.summary.text() == "The import was cancelled; nothing was written."
            assert dialog.isVisible()
            assert dialog.import_button.isEnabled()  # the preview still holds: it may be tried again
        else:
            qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
    assert dialog.import_result is None
    assert listings_state(database) == before


def test_export_action_writes_the_filtered_listings_on_the_runner(
    qtbot: QtBot, runner: TaskRunner, as_alice: Factory, tmp_path: Path
) -> None:
    add(as_alice, title="Lamp", price="10", sku="LAMP", status="active", storage_location="B1")
    add(as_alice, title="Chair", price="30", sku="CHAIR")
    path = tmp_path / "active.csv"
    done: list[int] = []
    labels: list[str] = []
    runner.busy_changed.connect(lambda _count, label: labels.append(label))

    export_listings_to(runner, as_alice, path, ListingFilter(statuses=("active",)), on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)

    assert done == [1]
    assert labels[0] == "Exporting listings to active.csv"
    assert [r["sku"] for r in read_csv(path)] == ["LAMP"]
