"""What the seller can do with the selected cell of the sync board, each enabled by the cell's state.

Every change is one short transaction on the task runner (the background sync does the marketplace
calls later); once it is committed the affected row is read again and put back into the board. What
the database or the rules refuse is shown as a message that says what to do, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtWidgets import QDialog, QWidget

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.errors import ValidationError
from reseller_desktop.domain.platforms import label
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.services import sync_actions
from reseller_desktop.services.manual_posting import ManualPost, prepare_manual_post
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.services.sync_board import BoardPage, BoardRow, PlatformCell
from reseller_desktop.ui.manual_post_dialog import ManualPostDialog, UrlOpener
from reseller_desktop.ui.questions import ask
from reseller_desktop.ui.sync_dialogs import ListOnDialog, MarkPostedDialog, platforms_to_offer
from reseller_desktop.ui.sync_model import SyncBoardModel, UnitOfWorkFactory, load_row
from reseller_desktop.ui.tasks import TaskRunner

CellChange = Callable[[UnitOfWork, int], Any]
ACTION_TEXTS = {
    "list_on": "List on more platforms…",
    "retry": "Retry now",
    "cancel": "Cancel now",
    "keep": "Keep listed",
    "mark_posted": "Mark posted…",
    "mark_delisted": "Mark delisted",
    "copy_for_posting": "Copy for posting…",
    "remove": "Remove from platform",
    "open_listing": "Open listing",
    "open_on_platform": "Open on platform",
}


def user_message(error: BaseException) -> str:
    """What went wrong and what to do, in words; field errors without the field names."""
    if isinstance(error, ValidationError):
        return " ".join(e.message for e in error.errors)
    return describe_failure(error)


def enabled_actions(row: BoardRow | None, cell: PlatformCell | None, cancel_due: bool) -> set[str]:
    """The actions that make sense for this listing and platform cell as they stand."""
    if row is None:
        return set()
    names = {"open_listing"}
    if row.listing_status == "active" and platforms_to_offer(row):
        names.add("list_on")
    if cell is None:
        return names
    status = cell.status
    if cell.platform_url:
        names.add("open_on_platform")
    if not cell.manual and (status == "failed" or cell.error_message or cell.retry_count):
        names.add("retry")
    if status in ("pending", "active", "failed") or (status == "pending_cancel" and not cancel_due):
        names.add("cancel")
    if status == "pending_cancel":
        names.add("keep")
    if cell.manual and status in ("pending", "failed"):
        names.update({"mark_posted", "copy_for_posting"})
    if cell.manual and status in ("active", "pending_cancel"):
        names.add("mark_delisted")
    never_posted = cell.platform_listing_ref is None and cell.posted_at is None
    if status in ("canceled", "sold") or (status in ("pending", "failed") and never_posted):
        names.add("remove")
    return names


class SyncActions(QObject):
    open_listing = Signal(int)
    message = Signal(str, bool)  # text, and whether it is a problem

    def __init__(
        self,
        runner: TaskRunner,
        new_uow: UnitOfWorkFactory,
        model: SyncBoardModel,
        parent: QWidget,
        *,
        photos: PhotoStore,
        posting_folder: Path,
        open_url: UrlOpener = QDesktopServices.openUrl,
    ) -> None:
        super().__init__(parent)
        self._runner, self._new_uow, self._model, self._parent = runner, new_uow, model, parent
        self._photos, self._posting_folder, self._open_url = photos, posting_folder, open_url
        self.row: BoardRow | None = None
        self.cell: PlatformCell | None = None
        self.dialog: QDialog | None = None  # the one open, kept so it is not collected while shown
        slots: dict[str, Callable[[], None]] = {
            "list_on": self.ask_list_on,
            "retry": self.retry_now,
            "cancel": self.cancel_now,
            "keep": self.keep_listed,
            "mark_posted": self.ask_mark_posted,
            "mark_delisted": self.mark_delisted,
            "copy_for_posting": self.copy_for_posting,
            "remove": self.remove_platform,
            "open_listing": self._open_listing,
            "open_on_platform": self.open_on_platform,
        }
        self.actions: dict[str, QAction] = {}
        for name, slot in slots.items():
            action = QAction(ACTION_TEXTS[name], self)
            action.triggered.connect(slot)
            self.actions[name] = action
        self.select(None, None)

    def select(self, row: BoardRow | None, cell: PlatformCell | None) -> None:
        self.row, self.cell = row, cell
        cancel_due = cell is not None and self._model.cancel_is_due(cell)
        enabled = enabled_actions(row, cell, cancel_due)
        for name, action in self.actions.items():
            action.setEnabled(name in enabled)

    # ----- one platform row ---------------------------------------------------------------------
    def retry_now(self) -> None:
        self._change_cell("Retrying", sync_actions.retry_now, "will be tried again on the next sync pass")

    def cancel_now(self) -> None:
        row, cell = self.row, self.cell
        if row is None or cell is None:
            return
        where = label(cell.platform)
        question = (
            f"Take “{row.title}” down from {where} now instead of at the end of the cooldown?"
            if cell.status == "pending_cancel"
            else f"End “{row.title}” on {where} now? It will no longer be for sale there."
        )
        if self._confirm("Cancel now", question):
            self._change_cell("Cancelling", sync_actions.cancel_now, "comes down on the next sync pass")

    def keep_listed(self) -> None:
        row, cell = self.row, self.cell
        if row is None or cell is None:
            return
        where = label(cell.platform)
        question = f"Keep “{row.title}” listed on {where}? The item stays for sale on {where}."
        if self._confirm("Keep listed", question):
            self._change_cell("Keeping it listed", sync_actions.keep_listed, "stays listed")

    def mark_delisted(self) -> None:
        self._change_cell("Marking delisted", sync_actions.mark_delisted, "is marked delisted")

    def remove_platform(self) -> None:
        row, cell = self.row, self.cell
        if row is None or cell is None:
            return
        question = f"Forget {label(cell.platform)} for “{row.title}”? Its row on the board goes away."
        if self._confirm("Remove from platform", question):
            self._change_cell("Removing", sync_actions.remove_platform, "is no longer tracked")

    def ask_mark_posted(self) -> None:
        row, cell = self.row, self.cell
        if row is None or cell is None:
            return
        dialog = MarkPostedDialog(row.title, cell.platform, self._parent)
        dialog.submitted.connect(lambda url: self._mark_posted(dialog, row, cell, url))
        self._show(dialog)

    def _mark_posted(self, dialog: MarkPostedDialog, row: BoardRow, cell: PlatformCell, url: str) -> None:
        def change(uow: UnitOfWork, platform_listing_id: int) -> Any:
            return sync_actions.mark_posted(uow, platform_listing_id, url)

        self._change_cell(
            "Marking posted", change, "is marked posted", row=row, cell=cell, on_error=dialog.show_error, done=dialog
        )

    def copy_for_posting(self) -> None:
        cell = self.cell
        if cell is None:
            return
        new_uow, photos, folder = self._new_uow, self._photos, self._posting_folder

        def work() -> ManualPost:
            with new_uow() as uow:
                return prepare_manual_post(uow, cell.platform_listing_id, photos, folder)

        self._runner.run(work, on_done=self._show_post, on_error=self._failed, label="Copying photos", owner=self)

    def _show_post(self, post: ManualPost) -> None:
        self._show(ManualPostDialog(post, self._open_url, self._parent))

    def open_on_platform(self) -> None:
        if self.cell is not None and self.cell.platform_url and not self._open_url(QUrl(self.cell.platform_url)):
            self.message.emit(f"Could not open a browser here; the listing is at {self.cell.platform_url}", True)

    def _open_listing(self) -> None:
        if self.row is not None:
            self.open_listing.emit(self.row.listing_id)

    # ----- the listing -----------------------------------------------------------------------------
    def ask_list_on(self, row: BoardRow | None = None) -> None:
        """List on more platforms: the selected row's listing, or `row` (from the listings view)."""
        row = row or self.row
        if row is None:
            return
        dialog = ListOnDialog(row, self._parent)
        dialog.submitted.connect(lambda platforms: self._list_on(dialog, row, platforms))
        self._show(dialog)

    def _list_on(self, dialog: ListOnDialog, row: BoardRow, platforms: list[str]) -> None:
        new_uow, board_filter = self._new_uow, self._model.board_filter

        def work() -> tuple[sync_actions.ListOnOutcome, BoardPage]:
            with new_uow() as uow:
                outcome = sync_actions.list_on(uow, row.listing_id, platforms)
                uow.commit()
            with new_uow() as uow:
                return outcome, load_row(uow, board_filter, row.listing_id)

        def done(result: tuple[sync_actions.ListOnOutcome, BoardPage]) -> None:
            outcome, page = result
            self._model.apply_row(row.listing_id, page)
            names = ", ".join(label(p) for p in outcome.added)
            refused = ", ".join(label(p) for p in outcome.refused)
            text = f"“{row.title}” will be listed on {names}." if names else f"“{row.title}” was not listed anywhere."
            self.message.emit(text + (f" Not on {refused} yet: see what to fix." if refused else ""), bool(refused))
            if shiboken6.isValid(dialog):  # the seller may have closed it and opened another meanwhile
                dialog.show_outcome(outcome)

        def failed(error: BaseException) -> None:
            if shiboken6.isValid(dialog):
                dialog.show_error(user_message(error))
            else:
                self._failed(error)

        # Owned by the actions, not the dialog: the change is committed either way, so its outcome
        # must reach the board even when the dialog is gone.
        self._runner.run(work, on_done=done, on_error=failed, label="Listing", owner=self)

    # ----- helpers -----------------------------------------------------------------------------------------
    def _change_cell(
        self,
        busy: str,
        change: CellChange,
        outcome: str,
        *,
        row: BoardRow | None = None,
        cell: PlatformCell | None = None,
        on_error: Callable[[str], None] | None = None,
        done: QDialog | None = None,
    ) -> None:
        row, cell = row or self.row, cell or self.cell
        if row is None or cell is None:
            return
        new_uow, board_filter, listing_id = self._new_uow, self._model.board_filter, row.listing_id

        def work() -> BoardPage:
            with new_uow() as uow:
                change(uow, cell.platform_listing_id)
                uow.commit()
            with new_uow() as uow:
                return load_row(uow, board_filter, listing_id)

        def changed(page: BoardPage) -> None:
            self._model.apply_row(listing_id, page)
            self.message.emit(f"“{row.title}” on {label(cell.platform)} {outcome}.", False)
            if done is not None and shiboken6.isValid(done):
                done.accept()

        def failed(error: BaseException) -> None:
            if on_error is not None and (done is None or shiboken6.isValid(done)):
                on_error(user_message(error))
            else:
                self._failed(error)

        self._runner.run(work, on_done=changed, on_error=failed, label=busy, owner=self)

    def _failed(self, error: BaseException) -> None:
        self.message.emit(user_message(error), True)

    def _confirm(self, title: str, question: str) -> bool:
        return ask(self._parent, title, question)

    def _show(self, dialog: QDialog) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = dialog
        dialog.open()
