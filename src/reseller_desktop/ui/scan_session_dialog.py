"""What the put-away and audit dialogs share: scanner input, one scan at a time in order, a choice
when a code names several things, and the running list.

While the dialog is open it has its own scan detector on the application, installed after (so
before, in Qt's order) the main window's: a scan made here is this session's and never opens the
scanned listing behind it. The scan field takes codes typed or pasted by hand.

A scanner is faster than the database: each scan's work runs on the task runner, and scans (and
undo or fix clicks) arriving meanwhile wait in a queue and run in the order they came.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from reseller_desktop.domain.barcodes import ScanHit, clean_scan
from reseller_desktop.domain.scan_sessions import ScanTarget
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.settings import Settings
from reseller_desktop.ui.scan_dialog import ScanChoiceDialog
from reseller_desktop.ui.scanner import ScanDetector, ScanField
from reseller_desktop.ui.storage_model import UnitOfWorkFactory
from reseller_desktop.ui.tasks import TaskRunner

GOOD, NOTE, BAD = "#15803d", "#1d4ed8", "#b91c1c"
Step = Callable[[], None]


class ScanSessionDialog(QDialog):
    """The window around a session: the place it works on, the scan field, a status line, the running
    list, then the session's own parts (`finish_layout`) and Done."""

    changed = Signal()  # something moved: the Storage page reloads

    SESSION_TITLE: ClassVar[str]
    OBJECT_NAME: ClassVar[str]  # the dialog is "<name>-dialog", its place label "<name>-place"
    PLACE_FONT_SCALE: ClassVar[float] = 1.0

    # Each session's own: build its parts and start (`start_session`), handle one scan (ending with
    # `step_done()`, directly or from a callback), and say in the status line what the next scan will do.
    start_session: Callable[[ScanTarget | None], None]
    process: Callable[[str], None]
    describe_state: Callable[[], str]

    def __init__(
        self,
        runner: TaskRunner,
        new_uow: UnitOfWorkFactory,
        settings: Settings,
        target: ScanTarget | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.SESSION_TITLE)
        self.setObjectName(f"{self.OBJECT_NAME}-dialog")
        self.setMinimumSize(560, 480)
        self._runner = runner
        self._new_uow = new_uow
        self._queue: deque[Step] = deque()
        self._busy = False
        self.prompt: ScanChoiceDialog | None = None
        self.detector = ScanDetector(settings, self)
        self.place = QLabel("")
        self.place.setObjectName(f"{self.OBJECT_NAME}-place")
        font = self.place.font()
        if self.PLACE_FONT_SCALE != 1.0:
            font.setPointSizeF(font.pointSizeF() * self.PLACE_FONT_SCALE)
        font.setBold(True)
        self.place.setFont(font)
        self.scan_field = ScanField()
        self.scan_field.setObjectName("session-scan-field")
        self.status = QLabel("")
        self.status.setObjectName("session-status")
        self.status.setWordWrap(True)
        self.log = QListWidget()  # the running list, newest first
        self.log.setObjectName("session-log")
        self._lines: dict[int, QListWidgetItem] = {}
        self.done_button = self.button("Done", self.accept)
        self.detector.scanned.connect(self.scan_field.show_code)
        self.detector.scanned.connect(self.enqueue_scan)
        self.scan_field.scanned.connect(self.enqueue_scan)
        self.body = QVBoxLayout(self)
        for widget in (self.place, self.scan_field, self.status, self.log):
            self.body.addWidget(widget)
        self.start_session(target)

    def button(self, text: str, slot: Callable[[], None], tip: str = "") -> QPushButton:
        """A button that the Enter ending a scan never presses."""
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    def finish_layout(self, note: QLabel, action: QPushButton, results: QWidget | None = None) -> None:
        """The session's own parts under the running list: `results`, then `note`, `action` and Done."""
        if results is not None:
            self.body.addWidget(results, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(note, 1)
        buttons.addWidget(action)
        buttons.addWidget(self.done_button)
        self.body.addLayout(buttons)

    # ----- scanner on while shown ---------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.detector.install()
        self.scan_field.setFocus()

    def hideEvent(self, event: QHideEvent) -> None:
        self.detector.remove()
        super().hideEvent(event)

    # ----- the queue ----------------------------------------------------------------------------------
    @property
    def waiting(self) -> int:
        """Scans and clicks not started yet (the one under way not counted)."""
        return len(self._queue)

    @property
    def busy(self) -> bool:
        return self._busy

    def enqueue_scan(self, raw: str) -> None:
        code = clean_scan(raw)
        if code:
            self.enqueue(lambda: self.process(code))

    def enqueue(self, step: Step) -> None:
        self._queue.append(step)
        self._next()

    def _next(self) -> None:
        if self._busy or not self._queue:
            self.show_waiting()
            return
        self._busy = True
        step = self._queue.popleft()
        self.show_waiting()
        step()

    def step_done(self) -> None:
        """The step under way is finished (its answer is recorded): start the next."""
        self._busy = False
        self._next()

    def show_waiting(self) -> None:
        waiting = f" ({self.waiting} waiting)" if self.waiting else ""
        self.status.setText((self.describe_state() + waiting).strip())

    def run(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
        label: str,
    ) -> None:
        """Run a step's database work; its callback must end the step."""
        self._runner.run(work, on_done=on_done, on_error=on_error, label=label, owner=self)

    # ----- asking which one -----------------------------------------------------------------------------
    def choose(self, code: str, hits: Sequence[ScanHit], on_chosen: Callable[[ScanHit], None]) -> None:
        """Several things match: the seller picks one; cancelling skips the scan."""
        dialog = ScanChoiceDialog(code, hits, self)
        question = dialog.findChild(QLabel)
        if question is not None:  # it says "Open which one?"; here nothing opens
            question.setText(f"{len(hits)} records match {code}. Which one is it?")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.prompt = dialog

        def chosen(hit: ScanHit) -> None:
            self.prompt = None
            on_chosen(hit)

        def skipped() -> None:
            self.prompt = None
            self.note(code, f"{code}: skipped; it matches {len(hits)} records and none was picked.", NOTE)
            self.step_done()

        dialog.chosen.connect(chosen)
        dialog.rejected.connect(skipped)
        dialog.open()

    # ----- the running list -------------------------------------------------------------------------------
    def note(self, code: str, text: str, colour: str, number: int | None = None) -> QListWidgetItem:
        """Put a line at the top of the running list (`number`: the session's entry it shows)."""
        line = QListWidgetItem(text)
        line.setForeground(QColor(colour))
        line.setToolTip(f"Scanned: {code}")
        self.log.insertItem(0, line)
        if number is not None:
            self._lines[number] = line
        return line

    def strike(self, number: int, text: str) -> None:
        """Show an entry as taken back."""
        line = self._lines.get(number)
        if line is None or not shiboken6.isValid(line):
            return
        font = QFont(line.font())
        font.setStrikeOut(True)
        line.setFont(font)
        line.setText(text)

    def log_texts(self) -> list[str]:
        """The running list, oldest first."""
        return [self.log.item(row).text() for row in reversed(range(self.log.count()))]

    def failure_text(self, error: BaseException) -> str:
        return describe_failure(error)
