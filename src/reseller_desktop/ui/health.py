"""Is the database reachable? Asked every few seconds off the GUI thread; changes are announced."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy import text

from reseller_desktop.db.database import Database
from reseller_desktop.services.startup import describe_failure
from reseller_desktop.ui.tasks import TaskRunner

CHECK_EVERY_MS = 10_000


class DatabaseHealth(QObject):
    changed = Signal(bool, str)  # reachable, and why not

    def __init__(self, runner: TaskRunner, database: Database, interval_ms: int = CHECK_EVERY_MS) -> None:
        super().__init__()
        self._runner = runner
        self._database = database
        self._checking = False
        self.reachable = True
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> None:
        if self._checking:
            return
        self._checking = True
        database = self._database

        def ping() -> None:
            with database.connect() as conn:
                conn.execute(text("SELECT 1"))

        self._runner.run(
            ping, on_done=lambda _: self._report(True, ""), on_error=self._down, label="Checking", owner=self
        )

    def stop(self) -> None:
        self._timer.stop()

    def _down(self, error: BaseException) -> None:
        self._report(False, describe_failure(error))

    def _report(self, reachable: bool, reason: str) -> None:
        self._checking = False
        if reachable != self.reachable:
            self.reachable = reachable
            self.changed.emit(reachable, reason)
