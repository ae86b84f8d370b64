"""The card import dialog and the card export action, driven as a user would: real widgets, a real
database, the collector apps' files, the real task runner."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from tests.conftest import PgServer
from tests.csv_files import read_csv
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
from tests.workspace_support import open_workspace

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.services.card_csv import CardImportResult
from reseller_desktop.settings import AppPaths
from reseller_desktop.ui.card_import_dialog import CardImportDialog, export_cards_to
from reseller_desktop.ui.import_dialog import PROGRESS_STEPS
from reseller_desktop.ui.tasks import TaskRunner

FIXTURES = Path(__file__).parent / "fixtures" / "cards"


def cards_state(database: Database) -> list[tuple[Any, ...]]:
    return table_rows(database, "card_collections")


def open_dialog(qtbot: QtBot, runner: TaskRunner, factory: Factory, path: Path) -> CardImportDialog:
    return previewed(qtbot, CardImportDialog(runner, factory, path))


def test_preview_names_the_format_and_notes_then_imports(qtbot: QtBot, runner: TaskRunner, as_alice: Factory) -> None:
    dialog = open_dialog(qtbot, runner, as_alice, FIXTURES / "manabox.csv")

    assert dialog.windowTitle() == "Import cards from manabox.csv"
    assert dialog.summary.text() == (
        "ManaBox file: 7 to create, 1 to merge, 0 refused; 1 row with a note below. "
        "Import writes all of them in one go, or nothing."
    )
    assert not dialog.bad_rows.isHidden()
    assert listed_rows(dialog) == [
        ("7", "Note: Purchase price 3.10 EUR is kept in the card's notes; the app's prices are in US dollars.")
    ]
    assert dialog.import_button.isEnabled()

    with qtbot.waitSignal(dialog.imported, timeout=WAIT_MS) as imported:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    result = imported.args[0]
    assert isinstance(result, CardImportResult)
    assert (result.format_name, result.created, result.merged) == ("ManaBox", 7, 1)
    assert dialog.summary.text() == "Imported manabox.csv (ManaBox): 7 created, 1 merged."
    assert dialog.progress.value() == PROGRESS_STEPS
    with as_alice() as uow:
        bolt = next(card for card in uow.cards.page() if card.title == "Lightning Bolt")
    assert bolt.quantity == 6

    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_importing_the_same_file_again_says_it_adds_to_cards_owned(
    qtbot: QtBot, runner: TaskRunner, as_alice: Factory
) -> None:
    first = open_dialog(qtbot, runner, as_alice, FIXTURES / "tcgplayer.csv")
    with qtbot.waitSignal(first.imported, timeout=WAIT_MS):
        qtbot.mouseClick(first.import_button, Qt.MouseButton.LeftButton)

    again = open_dialog(qtbot, runner, as_alice, FIXTURES / "tcgplayer.csv")
    assert again.summary.text().startswith(
        "TCGplayer app file: 0 to create, 6 to merge (6 into cards you already own), 0 refused."
    )
    assert again.bad_rows.isHidden()
    assert again.import_button.isEnabled()


def test_a_file_of_euro_prices_lists_the_first_notes_and_counts_the_rest(
    qtbot: QtBot, runner: TaskRunner, as_alice: Factory, tmp_path: Path
) -> None:
    path = tmp_path / "euro.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["Name", "Set code", "Collector number", "Foil", "Quantity", "ManaBox ID", "Scryfall ID",
                         "Purchase price", "Purchase price currency"])  # fmt: skip
        writer.writerows([f"Forest {n}", "M21", str(n), "normal", "1", str(n), "", "0.10", "EUR"] for n in range(502))
    dialog = open_dialog(qtbot, runner, as_alice, path)

    assert dialog.summary.text().startswith("ManaBox file: 502 to create, 0 to merge, 0 refused; 502 rows with a note")
    rows = listed_rows(dialog)
    assert len(rows) == 501
    assert rows[0] == (
        "2",
        "Note: Purchase price 0.10 EUR is kept in the card's notes; the app's prices are in US dollars.",
    )
    assert rows[-1] == ("", "… and 2 more rows with a note.")
    assert dialog.import_button.isEnabled()


def test_bad_rows_are_listed_and_import_stays_disabled(
    qtbot: QtBot, runner: TaskRunner, database: Database, as_alice: Factory
) -> None:
    dialog = open_dialog(qtbot, runner, as_alice, FIXTURES / "manabox_bad_rows.csv")

    assert listed_rows(dialog) == [
        ("3", "Quantity: 'two' is not a quantity; write a whole number from 0."),
        (
            "5",
            "Purchase price: 'about a dollar' is not an amount of money; write it like 12.50.; "
            "Name: A card name is required.",
        ),
        ("6", "Misprint: 'maybe' is neither true nor false."),
    ]
    assert dialog.summary.text().startswith("ManaBox file: 2 to create, 0 to merge, 3 refused. 3 rows cannot")
    assert not dialog.import_button.isEnabled()
    dialog.start_import()  # not even when asked directly
    assert not dialog.busy
    assert cards_state(database) == []


def test_a_file_that_is_not_a_card_export_says_so(
    qtbot: QtBot, runner: TaskRunner, as_alice: Factory, tmp_path: Path
) -> None:
    path = tmp_path / "listings.csv"
    path.write_text("title,price\nLamp,3\n", encoding="utf-8")
    dialog = open_dialog(qtbot, runner, as_alice, path)
    assert dialog.summary.text().startswith("listings.csv is not a card export this app knows")
    assert not dialog.import_button.isEnabled()
    assert dialog.cancel_button.text() == "Close"


def test_cancel_while_writing_rolls_back(
    qtbot: QtBot, runner: TaskRunner, pg: PgServer, db_name: str, database: Database, as_alice: Factory
) -> None:
    dialog = open_dialog(qtbot, runner, as_alice, FIXTURES / "collectr.csv")
    before = cards_state(database)
    # Another client holds a lock that makes the import's first write wait: the import is then
    # certainly under way, on its worker, when Cancel is pressed.
    with locked(pg, db_name, "card_collections"):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.phase.text() == "Writing…", timeout=WAIT_MS)
        assert dialog.busy
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
        assert dialog.phase.text() == "Cancelling…"
        assert not dialog.cancel_button.isEnabled()

    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT_MS)
    assert dialog.summary.text() == "The import was cancelled; nothing was written."
    assert dialog.import_button.isEnabled()  # the preview still holds: it may be tried again
    assert dialog.import_result is None
    assert cards_state(database) == before


def test_export_action_writes_every_card_on_the_runner(
    qtbot: QtBot, runner: TaskRunner, as_alice: Factory, tmp_path: Path
) -> None:
    dialog = open_dialog(qtbot, runner, as_alice, FIXTURES / "dragon_shield.csv")
    with qtbot.waitSignal(dialog.imported, timeout=WAIT_MS):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    path = tmp_path / "cards.csv"
    done: list[int] = []
    labels: list[str] = []
    runner.busy_changed.connect(lambda _count, label: labels.append(label))

    export_cards_to(runner, as_alice, path, on_done=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)

    assert done == [5]
    assert labels[0] == "Exporting cards to cards.csv"
    titles = sorted(row["title"] for row in read_csv(path))
    assert titles[0] == "Fable of the Mirror-Breaker // Reflection of Kiki-Jiki"
    assert len(titles) == 5


def test_the_cards_page_imports_and_exports_cards(
    qtbot: QtBot, database: Database, alice: UserRecord, tmp_path: Path
) -> None:
    with open_workspace(database, alice, AppPaths(tmp_path / "data", tmp_path / "config")) as space:
        assert space.card_csv.import_button.parent() is not None  # on the Cards page's toolbar
        dialog = space.card_csv.import_from(FIXTURES / "tcgplayer.csv")
        qtbot.waitUntil(dialog.import_button.isEnabled, timeout=WAIT_MS)
        with qtbot.waitSignal(dialog.imported, timeout=WAIT_MS):
            dialog.start_import()
        qtbot.waitUntil(lambda: space.cards.model.rowCount() > 0, timeout=WAIT_MS)
        dialog.close()
        target = tmp_path / "cards.csv"
        space.card_csv.export_to(target)
        qtbot.waitUntil(space.card_csv.export_button.isEnabled, timeout=WAIT_MS)
        assert space.window.statusBar().currentMessage().startswith("Exported ")
        assert len(read_csv(target)) == space.cards.model.rowCount()
