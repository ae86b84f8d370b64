"""Passes of the sync engine, one after another, on a background thread (desktop) or in the
foreground (headless `reseller-desktop sync`), until told to stop.

Between passes the loop sleeps until the next timed job is due (a sale poll, a scheduled
withdrawal, a delist task), and at most the pass interval: a sale is seen one poll interval after
the last poll, and a cancellation goes out when its cooldown ends, not up to a pass later. A pass
cut short for a timed job is followed by the next at once; `wake()` starts one early.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from uuid import UUID

from reseller_desktop.domain.errors import UserError
from reseller_desktop.jobs.engine import PassReport, SyncEngine

log = logging.getLogger(__name__)
# Woken this much after a job's due time, so the job is due (not a hair early) when the pass claims it.
WAKE_MARGIN_SECONDS = 0.005
STILL_DUE_RECHECK_SECONDS = 1.0


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
            report = self.run_once()
            self._wake.wait(self.wait_after(report))
            self._wake.clear()

    def wait_after(self, report: PassReport | None) -> float:
        """Seconds to sleep after a pass that gave `report` (None: the pass failed)."""
        if report is None:
            return self.interval
        if report.cut_short:
            return 0.0
        due = report.next_due
        if due is None:
            return self.interval
        if due <= report.started_at:
            # Due before the pass began and still due: waiting on another client's lease or on a
            # race; looked at again shortly rather than at once, so the loop never spins.
            return min(self.interval, STILL_DUE_RECHECK_SECONDS)
        until = (due - self.engine.clock()).total_seconds() + WAKE_MARGIN_SECONDS
        return min(self.interval, max(0.0, until))

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
