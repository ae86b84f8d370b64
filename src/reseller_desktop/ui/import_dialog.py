"""Import listings (or, given another ImportKind, cards) from a CSV file, and export them to one.

The dialog previews first (what would be created, updated or left alone, and every bad row), then
imports in one transaction with a progress bar; Cancel stops the work and rolls all of it back.
Reading, checking and writing all run on the task runner, never on the GUI thread; the workers
return plain records and report progress through a queued signal. What is imported, and how its
counts are worded, is an ImportKind: LISTINGS here, CARDS in ui/card_import_dialog.py.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.errors import UserError
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.services.csv_transfer import (
    BadRow,
    ImportCancelledError,
    ImportRejectedError,
    ProgressCallback,
    TransferProgress,
    UnitOfWorkFactory,
)
from reseller_desktop.services.listing_csv import (
    describe_preview,
    describe_result,
    export_listings,
    import_listings,
    preview_import,
)
from reseller_desktop.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
PROGRESS_STEPS = 1000  # the bar counts in thousandths: byte counts of big files overflow a Qt int
NOTES_SHOWN = 500  # notes (rows imported with a remark) listed in the table; bad rows are all listed
# preview_import / import_listings and their kin: (factory, path, progress, cancel) → a preview / result.
FileWork = Callable[[UnitOfWorkFactory, Path, ProgressCallback, threading.Event], Any]


@dataclass(frozen=True)
class ImportKind:
    """What an import dialog imports: the workers that preview and import a file, and their wording.

    A preview has `bad_rows`, `has_errors` and `to_write`, as ImportPreview has.
    """

    noun: str  # "listings": in the title
    preview: FileWork
    run_import: FileWork
    describe_preview: Callable[[Any], str]  # the counts: "1 to create, 1 to update, 1 unchanged"
    describe_result: Callable[[str, Any], str]  # (file name, result) → "Imported x.csv: 1 created, …"
    up_to_date: str  # why there is nothing to import
    notes: Callable[[Any], Sequence[BadRow]] = lambda _preview: ()  # rows listed though not refused


LISTINGS = ImportKind(
    "listings",
    preview_import,
    import_listings,
    describe_preview,
    describe_result,
    "every row already matches your listings.",
)


def export_listings_to(
    runner: TaskRunner,
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path | str,
    listing_filter: ListingFilter | None = None,
    *,
    on_done: Callable[[int], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> threading.Event:
    """Export the listings `listing_filter` shows to `path` on the runner; `on_done` gets the count.

    Returns the cancel flag: set it to stop the export (no file is left behind).
    """
    return run_export(
        runner,
        lambda cancel: export_listings(unit_of_work_factory, path, listing_filter, cancel=cancel),
        f"Exporting listings to {Path(path).name}",
        on_done=on_done,
        on_error=on_error,
    )


def run_export(
    runner: TaskRunner,
    export: Callable[[threading.Event], int],
    label: str,
    *,
    on_done: Callable[[int], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> threading.Event:
    """Run `export` (given its cancel flag; it returns the count) on the runner; return the flag."""
    cancel = threading.Event()
    runner.run(lambda: export(cancel), on_done=on_done, on_error=on_error, label=label)
    return cancel


class ImportDialog(QDialog):
    imported = Signal(object)  # the kind's result (ImportResult), once committed: the view refreshes
    _progress_reported = Signal(object)  # TransferProgress, emitted on a worker thread

    def __init__(
        self,
        runner: TaskRunner,
        unit_of_work_factory: UnitOfWorkFactory,
        path: Path | str,
        parent: QWidget | None = None,
        kind: ImportKind = LISTINGS,
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.unit_of_work_factory = unit_of_work_factory
        self.path = Path(path)
        self.kind = kind
        self.preview: Any = None  # the kind's preview (ImportPreview for listings)
        self.import_result: Any = None
        self._cancel: threading.Event | None = None  # set while work is under way
        self._close_when_idle = False
        self.setWindowTitle(f"Import {kind.noun} from {self.path.name}")
        self.resize(720, 460)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bad_rows = QTableWidget(0, 2)
        self.bad_rows.setHorizontalHeaderLabels(["Row", "Problem"])
        self.bad_rows.verticalHeader().hide()
        self.bad_rows.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.bad_rows.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.bad_rows.setWordWrap(True)
        self.bad_rows.hide()
        self.phase = QLabel()
        self.progress = QProgressBar()
        self.progress.setRange(0, PROGRESS_STEPS)
        self.buttons = QDialogButtonBox()
        self.import_button = QPushButton("Import")
        self.import_button.setEnabled(False)
        self.cancel_button = QPushButton("Cancel")
        self.buttons.addButton(self.import_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.import_button.clicked.connect(self.start_import)
        self.cancel_button.clicked.connect(self.cancel_or_close)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.bad_rows, 1)
        layout.addStretch(0)
        layout.addWidget(self.phase)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self._progress_reported.connect(self._show_progress, Qt.ConnectionType.QueuedConnection)
        self._start_preview()

    @property
    def busy(self) -> bool:
        return self._cancel is not None

    # ---- the work, on the runner -----------------------------------------------------------------

    def _start_preview(self) -> None:
        self.summary.setText(f"Checking {self.path.name}…")
        self._run(self.kind.preview, self._previewed, f"Checking {self.path.name}")

    def start_import(self) -> None:
        if self.busy or self.preview is None or self.preview.has_errors:
            return
        self.import_button.setEnabled(False)
        self.summary.setText(f"Importing {self.path.name}…")
        self._run(self.kind.run_import, self._imported, f"Importing {self.path.name}")

    def _run(self, work: Callable[..., Any], on_done: Callable[[Any], None], label: str) -> None:
        """Run a preview or an import of this file on the runner, with progress and a cancel flag."""
        factory, path, report, cancel = (
            self.unit_of_work_factory,
            self.path,
            self._progress_reported.emit,
            self._begin(),
        )
        self.runner.run(
            lambda: work(factory, path, report, cancel), on_done=on_done, on_error=self._failed, label=label
        )

    def _begin(self) -> threading.Event:
        self._cancel = threading.Event()
        self.cancel_button.setText("Cancel")
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        return self._cancel

    # ---- results, on the GUI thread --------------------------------------------------------------

    def _previewed(self, preview: Any) -> None:
        self._cancel = None
        self._show_preview(preview)
        self._finish_phase("Checked")

    def _imported(self, result: Any) -> None:
        self._cancel = None
        self.import_result = result
        self.summary.setText(self.kind.describe_result(self.path.name, result))
        self.import_button.hide()
        self.cancel_button.setText("Close")
        self._finish_phase("Done")
        self.imported.emit(result)

    def _failed(self, error: BaseException) -> None:
        self._cancel = None
        self.phase.setText("")
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setValue(0)
        if isinstance(error, ImportRejectedError):  # the file or the data changed since the preview
            self._show_preview(error.preview)
        elif isinstance(error, UserError):
            self.summary.setText(str(error))
            self.import_button.setEnabled(
                isinstance(error, ImportCancelledError) and self.preview is not None and self._can_import(self.preview)
            )
        else:
            log.error("import of %s failed", self.path, exc_info=error)
            self.summary.setText(
                f"The import failed unexpectedly ({type(error).__name__}: {error}). Nothing was written."
            )
        self.cancel_button.setText("Close")
        self._close_if_asked()

    def _show_preview(self, preview: Any) -> None:
        self.preview = preview
        counts = self.kind.describe_preview(preview)
        if preview.has_errors:
            count = len(preview.bad_rows)
            self.summary.setText(
                f"{counts}. {count} row{'s' if count != 1 else ''} cannot be imported; "
                "correct them in the file and open it again. Nothing is imported until every row is valid."
            )
        elif preview.to_write == 0:
            self.summary.setText(f"{counts}. Nothing to import: {self.kind.up_to_date}")
        else:
            self.summary.setText(f"{counts}. Import writes all of them in one go, or nothing.")
        notes = self.kind.notes(preview)
        listed = [(str(r.row_number), r.reason) for r in preview.bad_rows]
        listed += [(str(n.row_number), f"Note: {n.reason}") for n in notes[:NOTES_SHOWN]]
        if len(notes) > NOTES_SHOWN:  # a file of euro prices notes every row; the first ones say what it is
            more = len(notes) - NOTES_SHOWN
            listed.append(("", f"… and {more:,} more row{'s' if more != 1 else ''} with a note."))
        self.bad_rows.setRowCount(len(listed))
        for index, (row_number, reason) in enumerate(listed):
            number = QTableWidgetItem(row_number)
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.bad_rows.setItem(index, 0, number)
            self.bad_rows.setItem(index, 1, QTableWidgetItem(reason))
        self.bad_rows.setVisible(bool(listed))
        self.import_button.setEnabled(self._can_import(preview))

    @staticmethod
    def _can_import(preview: Any) -> bool:
        return not preview.has_errors and preview.to_write > 0

    def _show_progress(self, progress: TransferProgress) -> None:
        self.phase.setText(f"{progress.phase}…")
        if progress.total <= 0:
            self.progress.setRange(0, 0)  # a step of unknown length
        else:
            self.progress.setRange(0, PROGRESS_STEPS)
            self.progress.setValue(min(PROGRESS_STEPS, progress.done * PROGRESS_STEPS // progress.total))

    def _finish_phase(self, text: str) -> None:
        self.phase.setText(text)
        self.progress.setRange(0, PROGRESS_STEPS)
        self.progress.setValue(PROGRESS_STEPS)
        self._close_if_asked()

    # ---- cancel and close ------------------------------------------------------------------------

    def cancel_or_close(self) -> None:
        """The Cancel button: stop the work under way (it rolls back) and say so; Close when idle."""
        if self._cancel is None:
            self.reject()
            return
        self._cancel.set()
        self.cancel_button.setEnabled(False)
        self.phase.setText("Cancelling…")

    def reject(self) -> None:
        """Esc or closing the window. While work runs this cancels it and closes once it has rolled
        back, so the dialog never disappears with a transaction still open behind it."""
        if self._cancel is not None:
            self._close_when_idle = True
            self.cancel_or_close()
            return
        super().reject()

    def _close_if_asked(self) -> None:
        if self._close_when_idle:
            self._close_when_idle = False
            super().reject()
