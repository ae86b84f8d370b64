"""What the view figures share: a QApplication without a screen, waiting on the event loop, the
moment a view has painted, the SQL a repository call sends (to replay it raw), and a heartbeat that
finds the longest time the GUI thread did not turn its event loop."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psutil
from sqlalchemy import Engine, event

HEARTBEAT_MS = 1
WAIT_TIMEOUT_S = 120.0


# What the offscreen platform says of every window it shows: noise between the figures.
OFFSCREEN_NOISE = ("This plugin does not support propagateSizeHints()", "This plugin does not support raise()")


def qt_app() -> Any:
    """The process's QApplication, made without a screen when there is none yet."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if existing is not None:
        return existing
    qInstallMessageHandler(_quiet_offscreen)
    return QApplication(["reseller-desktop-bench"])


def _quiet_offscreen(_kind: Any, _context: Any, message: str) -> None:
    if message not in OFFSCREEN_NOISE:
        print(message, file=sys.stderr)


def wait_until(done: Callable[[], bool], what: str, timeout_s: float = WAIT_TIMEOUT_S) -> None:
    """Turn the event loop until `done()`; checked every millisecond, so the GUI thread is idle
    in between (busy-waiting would take the GIL from the worker that fetches the page)."""
    from PySide6.QtCore import QEventLoop, QTimer

    if done():
        return
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    check = QTimer()
    check.setInterval(1)

    def tick() -> None:
        if done() or time.monotonic() > deadline:
            loop.quit()

    check.timeout.connect(tick)
    check.start()
    loop.exec()
    check.stop()
    if not done():
        raise TimeoutError(f"{what} did not happen within {timeout_s:.0f} s")


def rss_mb(pid: int | None = None) -> float:
    return float(psutil.Process(pid or os.getpid()).memory_info().rss) / 2**20


class PaintClock:
    """When a widget (a table's viewport) finished painting: a paint event is noticed, and the time
    is taken once the event loop comes back, after the paint and the flush to the window."""

    def __init__(self, widget: Any) -> None:
        from PySide6.QtCore import QEvent, QObject, QTimer

        self.times: deque[float] = deque(maxlen=256)
        clock = self

        class _Filter(QObject):
            def eventFilter(self, watched: QObject, ev: QEvent) -> bool:
                if ev.type() == QEvent.Type.Paint:
                    QTimer.singleShot(0, clock._painted)
                return False

        self._filter = _Filter(widget)
        widget.installEventFilter(self._filter)

    def _painted(self) -> None:
        self.times.append(time.perf_counter())

    def first_since(self, moment: float) -> float | None:
        """The end of the first paint after `moment` (None: none yet)."""
        return next((painted for painted in self.times if painted >= moment), None)


class StallMeter:
    """A 1 ms heartbeat on the GUI thread: the longest gap between two beats is the longest time the
    event loop did not turn (minus the beat itself). Gaps are kept per stretch (`next_stretch`)."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(HEARTBEAT_MS)
        self._timer.timeout.connect(self._beat)
        self._last = 0.0
        self.longest: list[float] = [0.0]  # ms, per stretch

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def next_stretch(self) -> None:
        self.longest.append(0.0)

    def _beat(self) -> None:
        now = time.perf_counter()
        gap = (now - self._last) * 1000 - HEARTBEAT_MS
        self._last = now
        self.longest[-1] = max(self.longest[-1], gap)


@dataclass(frozen=True)
class Statement:
    sql: str
    params: Any


@contextmanager
def sql_sent(engine: Engine) -> Iterator[list[Statement]]:
    """The statements this thread sends through `engine` inside the block, as sent (expanded)."""
    sent: list[Statement] = []
    thread = threading.get_ident()

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_context: Any) -> None:
        if threading.get_ident() == thread and statement.strip().upper() != "SELECT 1":  # the pool's ping
            sent.append(Statement(statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def replay(conn: Any, statements: Sequence[Statement]) -> int:
    """Send the statements on a plain psycopg connection and read every row; the row count."""
    rows = 0
    for statement in statements:
        rows += len(conn.execute(statement.sql, statement.params).fetchall())
    return rows
