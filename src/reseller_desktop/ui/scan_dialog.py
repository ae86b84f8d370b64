"""What happens after a scan: look the code up off the GUI thread, then open, offer a choice, or say why not.

The main window owns one `ScanController`, feeds it every code (`handle_scan`, from the scan
detector and the toolbar's scan field) and opens what it reports (`open_hit`, `new_listing_with_upc`).
Prompts are shown with `open()`, never `exec()`: the window keeps running, and a new scan replaces
the prompt of the previous one, so a seller can scan item after item without dismissing anything.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence

import shiboken6
from PySide6.QtCore import QModelIndex, QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractButton,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.db.database import UnitOfWork
from reseller_desktop.domain.barcodes import HIT_KIND_LABELS, EmptyScanError, ScanHit, ScannedCode, classify
from reseller_desktop.domain.errors import UserError
from reseller_desktop.repositories.code_lookup import CodeLookupRepository
from reseller_desktop.ui.tasks import TaskRunner

log = logging.getLogger(__name__)
NEW_LISTING_BUTTON = "New listing with this UPC"


def describe_hit(hit: ScanHit) -> str:
    text = f"{HIT_KIND_LABELS[hit.kind]}: {hit.title}"
    return f"{text} — {hit.detail}" if hit.detail else text


class ScanChoiceDialog(QDialog):
    """Several records match one code: the user picks one (Enter or double-click on it, or Open)."""

    chosen = Signal(object)  # ScanHit

    def __init__(self, code: str, hits: Sequence[ScanHit], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scan-choice")
        self.setWindowTitle("Which one?")
        self.hits = tuple(hits)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{len(self.hits)} records match {code}. Open which one?"))
        self.hit_list = QListWidget()
        for hit in self.hits:
            item = QListWidgetItem(describe_hit(hit))
            item.setData(Qt.ItemDataRole.UserRole, hit)
            self.hit_list.addItem(item)
        self.hit_list.setCurrentRow(0)
        # Enter on the list, a double-click (or a single click where the platform opens with one).
        self.hit_list.activated.connect(self._choose)
        layout.addWidget(self.hit_list)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        self.open_button = buttons.button(QDialogButtonBox.StandardButton.Open)
        # Not a default button: Enter in the list already picks, and must not pick twice.
        for button in buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        buttons.accepted.connect(lambda: self._choose(self.hit_list.currentIndex()))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.hit_list.setFocus()

    @Slot(QModelIndex)
    def _choose(self, index: QModelIndex) -> None:
        if not index.isValid() or self.result() == QDialog.DialogCode.Accepted:
            return
        hit = index.data(Qt.ItemDataRole.UserRole)
        self.accept()
        self.chosen.emit(hit)


class ScanController(QObject):
    """Looks scanned codes up for the signed-in user and reports what to open."""

    open_hit = Signal(object)  # ScanHit: exactly one record, or the one the user chose
    new_listing_with_upc = Signal(str)  # a valid GTIN nothing matched; the user asked for a new listing
    lookup_started = Signal(str)  # the code being looked up, for a status line

    def __init__(self, runner: TaskRunner, unit_of_work: Callable[[], UnitOfWork], parent: QWidget) -> None:
        super().__init__(parent)
        self._runner = runner
        self._unit_of_work = unit_of_work
        self._parent = parent
        self._scans = itertools.count(1)
        self._latest = 0
        self._prompt: QDialog | None = None

    @property
    def prompt(self) -> QDialog | None:
        """The chooser or message now showing for the last scan, if any."""
        if self._prompt is not None and shiboken6.isValid(self._prompt) and self._prompt.isVisible():
            return self._prompt
        return None

    @Slot(str)
    def handle_scan(self, code: str) -> None:
        try:
            scanned = classify(code)
        except EmptyScanError:
            return
        self._close_prompt()
        scan_number = self._latest = next(self._scans)
        make_unit_of_work = self._unit_of_work
        text = scanned.text

        def lookup() -> list[ScanHit]:  # on a worker thread: its own connection, plain data out
            with make_unit_of_work() as uow:
                return CodeLookupRepository(uow.connection, uow.user_id).find(text)

        self.lookup_started.emit(text)
        self._runner.run(
            lookup,
            on_done=lambda hits: self._found(scan_number, scanned, hits),
            on_error=lambda error: self._failed(scan_number, scanned, error),
            label=f"Looking up {text}",
        )

    def _is_stale(self, scan_number: int) -> bool:
        # A later scan replaced this one; its answer would open the wrong thing.
        return scan_number != self._latest or not shiboken6.isValid(self._parent)

    def _found(self, scan_number: int, scanned: ScannedCode, hits: list[ScanHit]) -> None:
        if self._is_stale(scan_number):
            return
        if len(hits) == 1:
            self.open_hit.emit(hits[0])
        elif hits:
            dialog = ScanChoiceDialog(scanned.text, hits, self._parent)
            dialog.chosen.connect(self.open_hit.emit)
            self._show(dialog)
        elif (misread := scanned.misread_error()) is not None:
            self._message(QMessageBox.Icon.Warning, "Scan again", misread.message, misread.hint)
        elif scanned.is_gtin:
            self._offer_new_listing(scanned.text)
        else:
            self._message(
                QMessageBox.Icon.Information,
                "Not found",
                f"Nothing was found for {scanned.text}.",
                "A scan matches a UPC/EAN, SKU, listing or card id, storage id, or a bin or section label exactly.",
            )

    def _failed(self, scan_number: int, scanned: ScannedCode, error: BaseException) -> None:
        if self._is_stale(scan_number):
            return
        if isinstance(error, UserError):
            self._message(QMessageBox.Icon.Warning, "Lookup failed", error.message, error.hint)
            return
        log.error("looking up %r failed", scanned.text, exc_info=error)
        self._message(
            QMessageBox.Icon.Critical,
            "Lookup failed",
            f"Looking up {scanned.text} failed because of a program error: {error}",
            "The details are in the log; please report them.",
        )

    def _offer_new_listing(self, code: str) -> None:
        box = self._box(QMessageBox.Icon.Question, "Not found", f"Nothing was found for {code}.")
        box.setInformativeText("Start a new listing with this UPC?")
        create = box.addButton(NEW_LISTING_BUTTON, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(create)

        def clicked(button: QAbstractButton) -> None:
            if button is create:
                self.new_listing_with_upc.emit(code)

        box.buttonClicked.connect(clicked)
        self._show(box)

    def _message(self, icon: QMessageBox.Icon, title: str, text: str, hint: str = "") -> None:
        box = self._box(icon, title, text)
        if hint:
            box.setInformativeText(hint)
        box.addButton(QMessageBox.StandardButton.Ok)
        self._show(box)

    def _box(self, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
        box = QMessageBox(self._parent)
        box.setObjectName("scan-message")
        box.setIcon(icon)
        box.setWindowTitle(title)
        box.setText(text)
        return box

    def _show(self, dialog: QDialog) -> None:
        self._close_prompt()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._prompt = dialog
        dialog.open()  # window-modal, and returns at once: never a nested event loop

    def _close_prompt(self) -> None:
        prompt, self._prompt = self._prompt, None
        if prompt is not None and shiboken6.isValid(prompt):
            prompt.reject()
