"""One task runner: work runs on a small thread pool, results come back on the GUI thread.

Workers get plain callables and return plain data (records, lists, numbers), never widgets or ORM
objects. Callbacks run on the GUI thread through a queued connection to a slot of this object,
which lives there.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Callback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


class _Relay(QObject):
    finished = Signal(int, object)
    failed = Signal(int, object)


class _Job(QRunnable):
    def __init__(self, job_id: int, work: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._id = job_id
        self._work = work
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._work()
        except BaseException as exc:
            self._relay.failed.emit(self._id, exc)
        else:
            self._relay.finished.emit(self._id, result)


@dataclass
class _Pending:
    label: str
    on_done: Callback | None
    on_error: ErrorCallback | None
    owner: QObject | None

    def owner_gone(self) -> bool:
        return self.owner is not None and not shiboken6.isValid(self.owner)


class TaskRunner(QObject):
    """Runs callables off the GUI thread; `busy_changed` tells the status bar what is under way."""

    busy_changed = Signal(int, str)  # tasks under way, label of the newest

    def __init__(self, parent: QObject | None = None, threads: int = 2) -> None:
        super().__init__(parent)
        # Two threads: the database pool has two connections, more workers would only queue there.
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._ids = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._relay = _Relay()
        self._relay.finished.connect(self._finished, Qt.ConnectionType.QueuedConnection)
        self._relay.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)

    @property
    def active(self) -> int:
        return len(self._pending)

    def run(
        self,
        work: Callable[[], Any],
        on_done: Callback | None = None,
        on_error: ErrorCallback | None = None,
        label: str = "Working",
        owner: QObject | None = None,
    ) -> None:
        """Run `work` on the pool; `on_done` or `on_error` later on the GUI thread.

        With `owner` (the widget the callbacks update), a result that arrives after the owner was
        deleted (an editor closed while saving) is dropped instead of touching a dead widget.
        """
        job_id = next(self._ids)
        self._pending[job_id] = _Pending(label, on_done, on_error, owner)
        self.busy_changed.emit(self.active, label)
        self._pool.start(_Job(job_id, work, self._relay))

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the pool is idle (shutdown and tests only; never from a user action)."""
        return self._pool.waitForDone(msecs)

    @Slot(int, object)
    def _finished(self, job_id: int, result: object) -> None:
        pending = self._pending.pop(job_id)
        self._announce()
        if pending.on_done is not None and not pending.owner_gone():
            pending.on_done(result)

    @Slot(int, object)
    def _failed(self, job_id: int, error: BaseException) -> None:
        pending = self._pending.pop(job_id)
        self._announce()
        if pending.owner_gone():
            log.info("%s finished after its window closed: %s", pending.label, error)
        elif pending.on_error is not None:
            pending.on_error(error)
        else:
            log.error("%s failed", pending.label, exc_info=error)

    def _announce(self) -> None:
        labels = [p.label for p in self._pending.values()]
        self.busy_changed.emit(self.active, labels[-1] if labels else "")
