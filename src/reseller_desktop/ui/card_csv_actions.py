"""The Cards page's "Import cards…" and "Export cards…": a file chooser, then the import dialog (preview,
row errors, one transaction, progress and cancel) or an export off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QPushButton

from reseller_desktop.services.card_csv import CardImportResult
from reseller_desktop.services.csv_transfer import UnitOfWorkFactory
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.ui.card_import_dialog import CardImportDialog, export_cards_to
from reseller_desktop.ui.cards_view import CardsView
from reseller_desktop.ui.tasks import TaskRunner


class CardCsvActions:
    def __init__(
        self, view: CardsView, runner: TaskRunner, new_uow: UnitOfWorkFactory, say: Callable[[str], None]
    ) -> None:
        self.view, self.runner, self.new_uow, self.say = view, runner, new_uow, say
        self.import_button = QPushButton("Import cards…")
        self.import_button.setToolTip("ManaBox, Collectr, TCGplayer app, Dragon Shield, or this app's own export")
        self.import_button.clicked.connect(self.ask_import)
        self.export_button = QPushButton("Export cards…")
        self.export_button.clicked.connect(self.ask_export)
        view.add_tool_button(self.import_button)
        view.add_tool_button(self.export_button)

    def ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.view, "Import cards", "", "CSV files (*.csv *.txt)")
        if path:
            self.import_from(Path(path))

    def import_from(self, path: Path) -> CardImportDialog:
        dialog = CardImportDialog(self.runner, self.new_uow, path, self.view)
        dialog.imported.connect(self._imported)
        dialog.open()
        return dialog

    def _imported(self, _result: CardImportResult) -> None:
        self.view.reload()

    def ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.view, "Export cards", "cards.csv", "CSV files (*.csv)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        self.export_button.setEnabled(False)
        self.export_button.setText(f"Exporting to {path.name}…")

        def done(count: int) -> None:
            self._export_finished(f"Exported {count:,} card(s) to {path.name}.")

        export_cards_to(
            self.runner,
            self.new_uow,
            path,
            on_done=done,
            on_error=lambda error: self._export_finished(describe_failure(error)),
        )

    def _export_finished(self, text: str) -> None:
        self.export_button.setEnabled(True)
        self.export_button.setText("Export cards…")
        self.say(text)
