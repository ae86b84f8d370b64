"""What the Storage page changes: bins and sections made, renamed, resized and deleted, and items
moved to another place. Each change is saved on a worker thread; the page's message line says what
it did (or, in the dialog that asked, what the database refused, so nothing typed is lost) and the
page reloads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from reseller_desktop.domain.records import BinNode
from reseller_desktop.domain.scan_sessions import ScanTarget
from reseller_desktop.services import storage_browser as browser
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.services.storage_moves import MoveResult
from reseller_desktop.ui.questions import ask
from reseller_desktop.ui.storage_dialogs import (
    CapacityDialog,
    MoveToDialog,
    NewBinDialog,
    NewSectionDialog,
    RenameDialog,
    SavingDialog,
)
from reseller_desktop.ui.storage_model import StorageTreeModel, UnitOfWorkFactory
from reseller_desktop.ui.tasks import TaskRunner

ERROR_STYLE = "color: #b91c1c"


class StorageChanges(QWidget):
    """The changing half of the Storage page; the page (StorageView) provides what is declared here."""

    _runner: TaskRunner
    _new_uow: UnitOfWorkFactory
    tree_model: StorageTreeModel
    message: QLabel
    shown: ScanTarget | None  # whose contents the table shows (None: removed items or nothing)
    selected_target: Callable[[], ScanTarget | None]
    selected_item_ids: Callable[[], list[int]]
    refresh: Callable[[], None]

    # ----- messages -----------------------------------------------------------------------------------
    def _say(self, text: str) -> None:
        self.message.setStyleSheet("")
        self.message.setText(text)

    def _show_error(self, error: BaseException) -> None:
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(describe_failure(error))

    def _run(
        self, work: Callable[[], Any], done: Callable[[Any], str], label: str, dialog: SavingDialog | None = None
    ) -> None:
        """Run a change; say what it did and reload, or show why not (in the dialog, if one asked)."""

        def finished(result: Any) -> None:
            self._say(done(result))
            if dialog is not None and shiboken6.isValid(dialog):
                dialog.done_saving()
            self.refresh()

        def failed(error: BaseException) -> None:
            if dialog is not None and shiboken6.isValid(dialog) and dialog.isVisible():
                dialog.show_error(describe_failure(error))
            else:
                self._show_error(error)

        self._runner.run(work, on_done=finished, on_error=failed, label=label, owner=self)

    def _open(
        self, dialog: SavingDialog, work: Callable[[Any], Any], done: Callable[[Any], str], label: str
    ) -> SavingDialog:
        """Show a dialog; what it submits is saved by `work(values)` on a worker thread."""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.submitted.connect(lambda values: self._run(lambda: work(values), done, label, dialog))
        dialog.open()
        return dialog

    # ----- bins and sections --------------------------------------------------------------------------
    def _node(self, bin_id: int) -> BinNode | None:
        return next((n for n in self.tree_model.bins if n.bin.id == bin_id), None)

    def ask_new_bin(self) -> SavingDialog:
        new_uow = self._new_uow
        return self._open(
            NewBinDialog(self.tree_model.bin_types(), self),
            lambda values: browser.add_bin(new_uow, *values),
            lambda record: f"Bin {record.bin_name} made.",
            "Making a bin",
        )

    def ask_new_section(self) -> SavingDialog:
        target, new_uow = self.selected_target(), self._new_uow
        return self._open(
            NewSectionDialog([n.bin for n in self.tree_model.bins], target.bin_id if target else None, self),
            lambda values: browser.add_section(new_uow, *values),
            lambda record: f"Section {record.section_name} made.",
            "Making a section",
        )

    def ask_rename(self) -> SavingDialog | None:
        target = self.selected_target()
        node = self._node(target.bin_id) if target else None
        if target is None or node is None:
            return None
        current = node.bin.bin_name
        if target.section_id is not None:
            current = next(s.section.section_name for s in node.sections if s.section.id == target.section_id)
        new_uow = self._new_uow
        return self._open(
            RenameDialog(target, current, self),
            lambda name: browser.rename_place(new_uow, target, name),
            lambda name: f"{target.path} renamed to {name}.",
            "Renaming",
        )

    def ask_capacity(self) -> SavingDialog | None:
        target = self.selected_target()
        node = self._node(target.bin_id) if target else None
        if target is None or target.section_id is None or node is None:
            return None
        section = next(s.section for s in node.sections if s.section.id == target.section_id)
        new_uow = self._new_uow
        return self._open(
            CapacityDialog(target, section.capacity, section.item_count or 0, self),
            lambda capacity: browser.set_capacity(new_uow, section.id, capacity),
            lambda record: f"{target.path} now takes {'any number' if record.capacity is None else record.capacity}.",
            "Setting capacity",
        )

    def ask_delete(self) -> None:
        target = self.selected_target()
        if target is None:
            return
        what = "bin" if target.section_id is None else "section"
        if ask(self, f"Delete {what}", f"Delete the {what} {target.path}? Its printed label stops working."):
            new_uow = self._new_uow
            self._run(lambda: browser.delete_place(new_uow, target), lambda _: f"{target.path} deleted.", "Deleting")

    # ----- moving -------------------------------------------------------------------------------------
    def move_items(self, storage_item_ids: Sequence[int], target: ScanTarget, *, via: str) -> None:
        ids, new_uow = list(storage_item_ids), self._new_uow
        self._say(f"Moving {len(ids)} item(s) to {target.path}…")
        self._run(
            lambda: browser.move_storage_items(new_uow, ids, target, via=via),
            lambda results: _describe_moves(results, target),
            "Moving items",
        )

    def ask_move(self) -> SavingDialog | None:
        ids, new_uow = self.selected_item_ids(), self._new_uow
        if not ids:
            return None
        return self._open(
            MoveToDialog([t for t in self.tree_model.targets() if t != self.shown], len(ids), self),
            lambda target: (target, browser.move_storage_items(new_uow, ids, target, via="bulk")),
            lambda moved: _describe_moves(moved[1], moved[0]),
            "Moving items",
        )


def _describe_moves(results: list[MoveResult], target: ScanTarget) -> str:
    stayed = sum(1 for r in results if r.stayed)
    text = f"Moved {len(results) - stayed} item(s) to {target.path}."
    return text + (f" {stayed} already there." if stayed else "")
