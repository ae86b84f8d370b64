"""Import cards from a collector app's CSV export (or ours), and export all cards, from the Cards page.

The dialog is the listings' import dialog (preview, row-numbered errors, one transaction, progress,
cancel) given the card workers of services/card_csv.py; it also names the file's format and lists
the rows imported with a note (a price in another currency, a storage item that is not yours).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWidget

from reseller_desktop.services.card_csv import (
    CardImportPreview,
    describe_counts,
    describe_result,
    export_cards,
    import_cards,
    preview_card_import,
)
from reseller_desktop.services.csv_transfer import UnitOfWorkFactory
from reseller_desktop.ui.import_dialog import ImportDialog, ImportKind, run_export
from reseller_desktop.ui.tasks import TaskRunner


def _preview_counts(preview: CardImportPreview) -> str:
    notes = len(preview.warnings)
    noted = f"; {notes} row{'s' if notes != 1 else ''} with a note below" if notes else ""
    return f"{preview.format_name} file: {describe_counts(preview)}{noted}"


CARDS = ImportKind(
    "cards",
    preview_card_import,
    import_cards,
    _preview_counts,
    describe_result,
    "every row already matches your cards.",
    lambda preview: preview.warnings,
)


class CardImportDialog(ImportDialog):
    """`imported` carries a CardImportResult once the cards are committed."""

    def __init__(
        self,
        runner: TaskRunner,
        unit_of_work_factory: UnitOfWorkFactory,
        path: Path | str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(runner, unit_of_work_factory, path, parent, kind=CARDS)


def export_cards_to(
    runner: TaskRunner,
    unit_of_work_factory: UnitOfWorkFactory,
    path: Path | str,
    *,
    on_done: Callable[[int], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
) -> threading.Event:
    """Export all the user's cards to `path` on the runner; `on_done` gets the count.

    Returns the cancel flag: set it to stop the export (no file is left behind).
    """
    return run_export(
        runner,
        lambda cancel: export_cards(unit_of_work_factory, path, cancel=cancel),
        f"Exporting cards to {Path(path).name}",
        on_done=on_done,
        on_error=on_error,
    )
