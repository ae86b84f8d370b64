"""The desktop's background sync: the same engine as `reseller-desktop sync`, on its own thread.

Passes run off the GUI thread and return plain reports; a queued signal brings each report to the
GUI thread, where the views refresh. No widget is touched from the sync thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.jobs.adapters import AdapterSource, KeyringAdapterSource
from reseller_desktop.jobs.engine import PassReport, SyncEngine
from reseller_desktop.jobs.loop import SyncLoop
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.settings import Settings


class SyncWorker(QObject):
    pass_finished = Signal(object)  # PassReport
    problem = Signal(str)

    def __init__(
        self,
        database: Database,
        user: UserRecord,
        settings: Settings,
        photos: PhotoStore,
        *,
        adapters: AdapterSource | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine = SyncEngine(database, settings, photos, adapters or KeyringAdapterSource(settings, database))
        self.loop = SyncLoop(
            self.engine,
            lambda: [user.id],
            settings.sync.pass_interval_seconds,
            on_pass=self._report,
            on_problem=self.problem.emit,
        )

    def _report(self, report: PassReport) -> None:
        self.pass_finished.emit(report)  # emitted on the sync thread, delivered on the GUI thread

    def start(self) -> None:
        if not self.loop.running:
            self.loop.start()

    def sync_now(self) -> None:
        self.loop.wake()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the pass under way (its calls are bounded by the HTTP timeouts)."""
        self.loop.stop(timeout)
