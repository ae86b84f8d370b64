"""The running application: main window first, then start-up off the GUI thread, then sign-in.

What the window needs to appear is imported here; the database stack and the workspace (SQLAlchemy,
psycopg, Alembic, every page: most of the start-up time) are imported on a worker once the window
is on screen, and only then is the database started.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from reseller_desktop import APP_ID, APP_NAME, __version__
from reseller_desktop.settings import HOME_ENV, AppPaths, Settings
from reseller_desktop.ui.main_window import MainWindow
from reseller_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from reseller_desktop.domain.records import UserRecord
    from reseller_desktop.services.database_session import DatabaseSession
    from reseller_desktop.services.startup import StartupReport
    from reseller_desktop.ui.workspace import Workspace

log = logging.getLogger(__name__)
SELF_TEST_TIMEOUT_MS = 120_000
# Set (to anything) to print "main window shown at <epoch seconds>" once the window has first been
# painted, then quit: how `reseller-desktop bench` times the real start without a screen.
EXIT_WHEN_SHOWN_ENV = "RESELLER_DESKTOP_EXIT_WHEN_SHOWN"
# Imported on a worker after the window is shown, before start-up runs (see Application.start).
START_UP_MODULES = (
    "reseller_desktop.services.startup",
    "reseller_desktop.services.database_session",
    "reseller_desktop.keyring_store",
    "reseller_desktop.ui.sign_in_dialog",
    "reseller_desktop.ui.workspace",
)


def _import_start_up_modules() -> None:
    for name in START_UP_MODULES:
        importlib.import_module(name)


class Application(QObject):
    ready = Signal(object)  # UserRecord: started and signed in
    failed = Signal(str)

    def __init__(
        self,
        paths: AppPaths,
        settings: Settings,
        *,
        email: str | None = None,
        password: str | None = None,
        demo_data: bool = False,
    ) -> None:
        super().__init__()
        self._demo_data = demo_data
        self.paths = paths
        self.settings = settings
        self._email = email
        self._password = password
        self.runner = TaskRunner(self)
        self._session: DatabaseSession | None = None  # made once its modules are imported
        self._closing = False
        self.window = MainWindow(self.runner)
        self.window.settings_requested.connect(self.open_settings)
        self.user: UserRecord | None = None
        self._dialog: QDialog | None = None
        self.workspace: Workspace | None = None
        self.report: StartupReport | None = None

    @property
    def session(self) -> DatabaseSession:
        """The database and its server, there from the moment start-up begins."""
        if self._session is None:
            raise RuntimeError("start-up has not begun: the database session does not exist yet")
        return self._session

    def start(self) -> None:
        """Show the window, then import the database stack on a worker, then start up there."""
        self.window.show()
        self.runner.run(
            _import_start_up_modules,
            on_done=lambda _nothing: self._start_up(),
            on_error=self._start_failed,
            label="Starting the database",
        )

    def _start_up(self) -> None:
        if self._closing:  # quit while the modules were loading: nothing to start
            return
        from reseller_desktop.services.database_session import DatabaseSession
        from reseller_desktop.services.startup import start_up

        self._session = session = DatabaseSession(self.paths, self.settings)
        email, password = self._email, self._password
        self.runner.run(
            lambda: start_up(session, email=email, password=password),
            on_done=self._started,
            on_error=self._start_failed,
            label="Starting the database",
        )

    def shutdown(self) -> None:
        self._closing = True
        if self.workspace is not None:
            self.workspace.shut_down()
        self.runner.wait()
        if self._session is not None:
            self._session.close()

    def _started(self, report: StartupReport) -> None:
        self.report = report
        self.window.show_started(report)
        if report.user is not None:
            self._signed_in(report.user, "", remember=False)
            return
        assert self.session.database is not None
        from reseller_desktop.ui.sign_in_dialog import SignInDialog

        # Parented and kept: a dialog only Python refers to would be collected while on screen.
        self._dialog = SignInDialog(
            self.runner, self.session.database, self.settings.last_user_email or "", self.window
        )
        self._dialog.signed_in.connect(self._signed_in)
        self._dialog.rejected.connect(lambda: self.failed.emit("Sign-in was cancelled."))
        self._dialog.open()

    def _signed_in(self, user: UserRecord, password: str, remember: bool) -> None:
        self.user = user
        self.window.show_user(user.username, user.email)
        self.settings.last_user_email = user.email
        settings, path = self.settings, self.paths.settings_file

        def persist() -> None:
            settings.save(path)
            if remember and password:
                from reseller_desktop.keyring_store import set_secret
                from reseller_desktop.services.accounts import ACCOUNT_SERVICE

                set_secret(ACCOUNT_SERVICE, user.email, password)

        self.runner.run(persist, on_error=lambda e: log.warning("could not save sign-in: %s", e), label="Saving")
        if self._demo_data and self.session.database is not None:
            from reseller_desktop.photos.store import PhotoStore
            from reseller_desktop.services.demo_data import add_demo_data

            database = self.session.database
            self.runner.run(
                lambda: add_demo_data(database, user.id, photo_store=PhotoStore(self.paths.data_dir)),
                on_done=lambda _added: self._open_workspace(user),
                on_error=self._start_failed,
                label="Adding sample listings",
            )
            return
        self._open_workspace(user)

    def _open_workspace(self, user: UserRecord) -> None:
        assert self.session.database is not None
        from reseller_desktop.ui.workspace import Workspace

        self.workspace = Workspace(
            self.window,
            self.runner,
            database=self.session.database,
            user=user,
            paths=self.paths,
            settings=self.settings,
        )
        self.workspace.start_sync()
        self.ready.emit(user)

    def _start_failed(self, error: BaseException) -> None:
        from reseller_desktop.services.startup import describe_failure

        message = describe_failure(error)
        log.error("start-up failed: %s", message, exc_info=error)
        self.window.show_offline(message)
        self.failed.emit(message)

    def open_settings(self) -> None:
        from reseller_desktop.ui.settings_dialog import SettingsDialog

        self._dialog = SettingsDialog(self.runner, self.settings, self.window)
        settings, path = self.settings, self.paths.settings_file
        self._dialog.accepted.connect(lambda: self.runner.run(lambda: settings.save(path), label="Saving settings"))
        self._dialog.open()


def _qapp() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setApplicationVersion(__version__)
    return app


def run(email: str | None = None, password: str | None = None, *, demo_data: bool = False) -> int:
    qapp = _qapp()
    paths = AppPaths.default()
    app = Application(paths, Settings.load(paths.settings_file), email=email, password=password, demo_data=demo_data)
    app.failed.connect(lambda message: QMessageBox.critical(app.window, "Reseller Desktop could not start", message))
    qapp.aboutToQuit.connect(app.shutdown)
    if os.environ.get(EXIT_WHEN_SHOWN_ENV):
        _exit_when_shown(app)
    app.start()
    return qapp.exec()


class _FirstPaint(QObject):
    """Prints the moment the window has first been painted, then quits (EXIT_WHEN_SHOWN_ENV)."""

    def __init__(self, app: Application) -> None:
        super().__init__(app.window)
        self._app = app

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            # After the paint under way: the window and its children are on screen then.
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        print(f"main window shown at {time.time():.6f}", flush=True)
        if self._app._session is None:
            # No database was started yet, so there is nothing to stop; waiting for the imports
            # under way would only make a benchmark of many starts slow.
            os._exit(0)
        QApplication.quit()


def _exit_when_shown(app: Application) -> None:
    app.window.installEventFilter(_FirstPaint(app))


def self_test(email: str | None = None, password: str | None = None) -> int:
    """The whole start-up without a screen: database, migrations, sign-in; then the checks of
    `self_check` (every view, a query, a thumbnail, the keyring backends), printed; then exit.

    Uses a temporary data folder (unless RESELLER_DESKTOP_HOME names one) so it never touches the
    user's own data; with DATABASE_URL set it checks that database instead of the embedded one.
    """
    from reseller_desktop import self_check

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    checked: list[str] = []
    with tempfile.TemporaryDirectory(prefix="reseller-self-test-") as scratch:
        paths = (
            AppPaths.default()
            if os.environ.get(HOME_ENV)
            else AppPaths(Path(scratch) / "data", Path(scratch) / "config")
        )
        qapp = _qapp()
        app = Application(paths, Settings.load(paths.settings_file), email=email, password=password)
        outcome: dict[str, str] = {}
        loop = QEventLoop()

        def finish(key: str, value: str) -> None:
            outcome.setdefault(key, value)
            loop.quit()

        app.ready.connect(lambda user: finish("ok", user.email))
        app.failed.connect(lambda message: finish("error", message))
        QTimer.singleShot(SELF_TEST_TIMEOUT_MS, lambda: finish("error", "start-up took over 120 s"))
        app.start()
        if not outcome:
            loop.exec()
        if "ok" in outcome:
            try:
                checked = self_check.run_checks(app)
            except self_check.SelfCheckError as error:
                del outcome["ok"]
                outcome["error"] = str(error)
        app.window.close()
        app.shutdown()
        del qapp
    if "ok" not in outcome:
        print(f"self-test FAILED: {outcome.get('error')}", file=sys.stderr)
        return 1
    report = app.report
    assert report is not None
    print(
        f"self-test ok: {APP_NAME} {__version__}, {report.database}, schema {report.revision}, "
        f"signed in as {outcome['ok']}, {app.window.navigation.count()} views"
    )
    for line in checked:
        print(f"  {line}")
    return 0
