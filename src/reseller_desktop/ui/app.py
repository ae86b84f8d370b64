"""The running application: main window first, then start-up off the GUI thread, then sign-in."""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from reseller_desktop import APP_ID, APP_NAME, __version__
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.keyring_store import set_secret
from reseller_desktop.photos.store import PhotoStore
from reseller_desktop.services.accounts import ACCOUNT_SERVICE
from reseller_desktop.services.database_session import DatabaseSession
from reseller_desktop.services.demo_data import add_demo_data
from reseller_desktop.services.startup import StartupReport, describe_failure, start_up
from reseller_desktop.settings import HOME_ENV, AppPaths, Settings
from reseller_desktop.ui.main_window import MainWindow
from reseller_desktop.ui.settings_dialog import SettingsDialog
from reseller_desktop.ui.sign_in_dialog import SignInDialog
from reseller_desktop.ui.tasks import TaskRunner
from reseller_desktop.ui.workspace import Workspace

log = logging.getLogger(__name__)
SELF_TEST_TIMEOUT_MS = 120_000


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
        self.session = DatabaseSession(paths, settings)
        self.window = MainWindow(self.runner)
        self.window.settings_requested.connect(self.open_settings)
        self.user: UserRecord | None = None
        self._dialog: QDialog | None = None
        self.workspace: Workspace | None = None
        self.report: StartupReport | None = None

    def start(self) -> None:
        self.window.show()
        session, email, password = self.session, self._email, self._password
        self.runner.run(
            lambda: start_up(session, email=email, password=password),
            on_done=self._started,
            on_error=self._start_failed,
            label="Starting the database",
        )

    def shutdown(self) -> None:
        if self.workspace is not None:
            self.workspace.shut_down()
        self.runner.wait()
        self.session.close()

    def _started(self, report: StartupReport) -> None:
        self.report = report
        self.window.show_started(report)
        if report.user is not None:
            self._signed_in(report.user, "", remember=False)
            return
        assert self.session.database is not None
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
                set_secret(ACCOUNT_SERVICE, user.email, password)

        self.runner.run(persist, on_error=lambda e: log.warning("could not save sign-in: %s", e), label="Saving")
        if self._demo_data and self.session.database is not None:
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
        message = describe_failure(error)
        log.error("start-up failed: %s", message, exc_info=error)
        self.window.show_offline(message)
        self.failed.emit(message)

    def open_settings(self) -> None:
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
    app.start()
    return qapp.exec()


def self_test(email: str | None = None, password: str | None = None) -> int:
    """The whole start-up without a screen: database, migrations, sign-in, every view; then exit.

    Uses a temporary data folder (unless RESELLER_DESKTOP_HOME names one) so it never touches the
    user's own data; with DATABASE_URL set it checks that database instead of the embedded one.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
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
            for row in range(app.window.navigation.count()):
                app.window.navigation.setCurrentRow(row)
                qapp.processEvents()
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
    return 0
