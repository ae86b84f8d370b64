"""Passes of the sync engine, one after another, on a background thread (desktop) or in the
foreground (headless `reseller-desktop sync`), until told to stop."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from uuid import UUID

from reseller_desktop.domain.errors import UserError
from reseller_desktop.jobs.engine import PassReport, SyncEngine

log = logging.getLogger(__name__)


class SyncLoop:
    def __init__(
        self,
        engine: SyncEngine,
        users: Callable[[], Sequence[UUID]],
        interval_seconds: float,
        *,
        on_pass: Callable[[PassReport], None] | None = None,
        on_problem: Callable[[str], None] | None = None,
    ) -> None:
        self.engine, self.users, self.interval = engine, users, interval_seconds
        self.on_pass, self.on_problem = on_pass, on_problem
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> PassReport | None:
        try:
            report = self.engine.run_once(self.users())
        except UserError as exc:  # the database is unreachable, the schema too new, ...: try again later
            log.warning("sync pass skipped: %s", exc)
            if self.on_problem is not None:
                self.on_problem(str(exc))
            return None
        except Exception:
            log.exception("sync pass failed")
            if self.on_problem is not None:
                self.on_problem("The sync pass failed unexpectedly; see the log. It will be tried again.")
            return None
        if self.on_pass is not None:
            self.on_pass(report)
        return report

    def run_forever(self) -> None:
        while not self._stop.is_set():
            self.run_once()
            self._wake.wait(self.interval)
            self._wake.clear()

    def wake(self) -> None:
        """Run the next pass now (Sync now, a new listing queued)."""
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run_forever, name="sync", daemon=True)
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the loop to stop after the pass in progress; wait for it up to `timeout` seconds."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()
