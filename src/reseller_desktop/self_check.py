"""What `--self-test` proves beyond start-up: a query, every view, a thumbnail, the keyring backends.

Each check returns a line saying what it found, or raises SelfCheckError saying what is missing. In
a frozen bundle a failure here is usually a file PyInstaller left out (packaging/reseller-desktop.spec
says what is bundled and why), so the messages name the part of the installation that is missing.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import keyring.backend
from PIL import Image
from PySide6.QtCore import QEventLoop, QTimer, qVersion
from PySide6.QtGui import QGuiApplication, QImage
from sqlalchemy import text

from reseller_desktop import USER_AGENT
from reseller_desktop.db.database import Database
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.photos.thumbnails import ThumbnailCache
from reseller_desktop.ui.main_window import PAGES, EmptyPage, MainWindow
from reseller_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from reseller_desktop.ui.app import Application

THUMBNAIL_SIZE = 128
PROBE_PHOTO_SIZE = (640, 480)
VIEW_TIMEOUT_MS = 60_000
CHECK_TIMEOUT_MS = 60_000
# keyring's stand-ins: they keep the app running without a keyring but store nothing.
STAND_IN_BACKENDS = frozenset({"keyring.backends.fail", "keyring.backends.null", "keyring.backends.chainer"})
# The backend each platform's keyring service is reached through (keyring's entry point names).
NATIVE_BACKEND = {"linux": "SecretService", "darwin": "macOS", "win32": "Windows"}


class SelfCheckError(Exception):
    """A part of the app does not work here; the message says which and what is missing."""


def check_database(database: Database, user_id: UUID, *, embedded: bool) -> str:
    """Read through the repositories and, on the built-in server, use pg_trgm. Writes nothing."""
    with database.unit_of_work(user_id) as uow:  # never committed: rolls back
        listings = sum(uow.listings.count_by_status().values())
        agents = {record.user_agent for record in uow.activity.recent(limit=20, resource_type="user")}
        trigram = uow.connection.scalar(text("SELECT extversion FROM pg_extension WHERE extname = 'pg_trgm'"))
        similarity = (
            uow.connection.scalar(text("SELECT similarity('reseller desktop', 'reseller')")) if trigram else None
        )
    if USER_AGENT not in agents:
        raise SelfCheckError(
            f"The activity log has no sign-in by {USER_AGENT} (found {sorted(map(str, agents)) or 'none'})."
        )
    if embedded and trigram is None:
        raise SelfCheckError(
            "The built-in database has no pg_trgm extension: its extension files (lib/pg_trgm.so, "
            "share/extension/pg_trgm*) are missing from the installation."
        )
    search = f"pg_trgm {trigram} (similarity {similarity:.2f})" if trigram else "full-text search (no pg_trgm)"
    return f"{listings} listings counted, {search}, activity log user agent {USER_AGENT}"


def check_thumbnail(size: int = THUMBNAIL_SIZE) -> str:
    """Store a generated JPEG, make its thumbnail with Pillow, and read that back with Qt.

    Uses a folder of its own, so the user's photo store (RESELLER_DESKTOP_HOME) is never touched.
    """
    width, height = PROBE_PHOTO_SIZE
    with tempfile.TemporaryDirectory(prefix="reseller-self-test-photo-") as scratch:
        folder = Path(scratch)
        source = folder / "probe.jpg"
        gradient = Image.linear_gradient("L").resize(PROBE_PHOTO_SIZE)
        Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gradient)).save(
            source, format="JPEG"
        )
        uri = PhotoStore(folder / "data").add(source)
        thumbnail = ThumbnailCache(folder / "data").thumbnail(uri, size)
        with Image.open(thumbnail) as made:
            made_size, made_format = made.size, made.format
        # Qt reads JPEG through a plugin (imageformats/libqjpeg): the views show thumbnails with it.
        shown = QImage(str(thumbnail))
        if shown.isNull():
            raise SelfCheckError("Qt cannot read JPEG images: the Qt imageformats plugins are missing.")
    expected = (size, size * height // width)
    if made_size != expected or (shown.width(), shown.height()) != expected:
        raise SelfCheckError(f"The thumbnail of a {width}×{height} photo is {made_size}, not {expected}.")
    return f"{made_size[0]}×{made_size[1]} {made_format} from a {width}×{height} photo, read back by Qt"


def check_keyring() -> str:
    """keyring's backends are found through its package metadata (entry points); one must be usable.

    On Linux without a D-Bus session bus (a server, a bare CI shell) no keyring service can answer,
    so none being usable is reported rather than failed; with a session bus, one must answer.
    """
    found: list[str] = []
    broken: list[str] = []
    for entry_point in metadata.entry_points(group="keyring.backends"):
        try:
            entry_point.load()
            found.append(entry_point.name)
        except Exception as exc:  # keyring itself skips a backend that fails to import; so do we
            broken.append(f"{entry_point.name} ({type(exc).__name__}: {exc})")
    native = NATIVE_BACKEND.get(sys.platform)
    if native is not None and native not in found:
        raise SelfCheckError(
            f"keyring's {native} backend was not found (found: {', '.join(found) or 'none'}"
            f"{'; broken: ' + ', '.join(broken) if broken else ''}): keyring's package metadata or its "
            "backend modules are missing from the installation."
        )
    # What keyring.backend.get_all_keyring() offers, asked now: that function keeps its first answer
    # for the life of the process, and a keyring daemon may have started since.
    usable = [
        f"{backend.__module__.rsplit('.', 1)[-1]} (priority {backend.priority:g})"
        for backend in sorted(keyring.backend.KeyringBackend.get_viable_backends(), key=lambda b: -b.priority)
        if backend.__module__ not in STAND_IN_BACKENDS
    ]
    summary = f"backends found: {', '.join(sorted(found))}"
    if usable:
        return f"{summary}; usable: {', '.join(usable)}"
    if sys.platform == "linux" and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return f"{summary}; none usable without a D-Bus session bus (a desktop session has one)"
    raise SelfCheckError(
        f"No keyring service answers ({summary}). Install and start GNOME Keyring or KWallet "
        "(Linux), or sign in to the desktop session that unlocks it."
    )


def wait_until(done: Callable[[], bool], timeout_ms: int) -> bool:
    """Run the event loop until `done()` holds (checked every 20 ms) or the time is up."""
    if done():
        return True
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(20)
    poll.timeout.connect(lambda: loop.quit() if done() else None)
    QTimer.singleShot(timeout_ms, loop.quit)
    poll.start()
    loop.exec()
    poll.stop()
    return done()


def in_background(runner: TaskRunner, work: Callable[[], Any], label: str, timeout_ms: int = CHECK_TIMEOUT_MS) -> Any:
    """Run `work` on the task runner (the GUI thread never waits on the database) and return its result."""
    outcome: dict[str, Any] = {}
    runner.run(
        work,
        on_done=lambda result: outcome.setdefault("result", result),
        on_error=lambda error: outcome.setdefault("error", error),
        label=label,
    )
    if not wait_until(lambda: bool(outcome), timeout_ms):
        raise SelfCheckError(f"{label} took over {timeout_ms // 1000} s.")
    if "error" in outcome:
        error = outcome["error"]
        if isinstance(error, SelfCheckError):
            raise error
        raise SelfCheckError(f"{label} failed: {error}") from error
    return outcome["result"]


def check_views(window: MainWindow, runner: TaskRunner, timeout_ms: int = VIEW_TIMEOUT_MS) -> str:
    """Show each page in turn and let it load; none may still be the placeholder."""
    if not window.isVisible():
        raise SelfCheckError("The main window is not shown.")
    for row, (title, _text) in enumerate(PAGES):
        window.navigation.setCurrentRow(row)
        if isinstance(window.pages.currentWidget(), EmptyPage):
            raise SelfCheckError(f"The {title} view did not open (its page is still the placeholder).")
        if not wait_until(lambda: runner.active == 0, timeout_ms):
            raise SelfCheckError(f"The {title} view was still loading after {timeout_ms // 1000} s.")
    return f"{', '.join(title for title, _text in PAGES)} opened and loaded"


class ErrorLog(logging.Handler):
    """Errors logged anywhere while the checks run: a view that failed to load logs one."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.name}: {record.getMessage()}")


@contextmanager
def errors_logged() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def run_checks(app: Application) -> list[str]:
    """Every check on a started, signed-in app; the lines to print. Raises SelfCheckError."""
    database, user, report = app.session.database, app.user, app.report
    if database is None or user is None or report is None:
        raise SelfCheckError("The app did not finish starting.")
    lines = [f"platform: {QGuiApplication.platformName()} (Qt {qVersion()}), window shown"]
    with errors_logged() as errors:
        lines.append(f"views: {check_views(app.window, app.runner)}")
        lines.append(
            "database: "
            + in_background(
                app.runner,
                lambda: check_database(database, user.id, embedded=report.embedded),
                "Querying the database",
            )
        )
        lines.append(f"thumbnail: {in_background(app.runner, check_thumbnail, 'Making a thumbnail')}")
        lines.append(f"keyring: {in_background(app.runner, check_keyring, 'Finding the keyring backends')}")
    if errors.messages:
        raise SelfCheckError("Errors were logged: " + "; ".join(errors.messages))
    lines.append(f"installation: {bundle_description()}")
    return lines


def bundle_description() -> str:
    """Where the app runs from: the PyInstaller bundle folder, or the Python environment."""
    if getattr(sys, "frozen", False):
        return f"bundle in {Path(sys.executable).resolve().parent}"
    return f"source, Python {sys.version.split()[0]} in {sys.prefix}"
