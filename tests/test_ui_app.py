"""The first window, driven as a user would: real widgets, a real database, a real keyring."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from tests.conftest import PgServer
from werkzeug.security import generate_password_hash

from reseller_desktop import __version__
from reseller_desktop.db.database import Database
from reseller_desktop.keyring_store import DATABASE_SERVICE
from reseller_desktop.settings import AppPaths, Settings
from reseller_desktop.ui.app import Application
from reseller_desktop.ui.settings_dialog import SettingsDialog
from reseller_desktop.ui.sign_in_dialog import SignInDialog
from reseller_desktop.ui.tasks import TaskRunner


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths(tmp_path / "data", tmp_path / "config")


@pytest.fixture
def shared_db(pg: PgServer, db_name: str, database: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv(
        "DATABASE_URL", pg.url(db_name).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    with database.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO users (username, email, password_hash) VALUES ('hal', 'hal@example.com', :h)"),
            {"h": generate_password_hash("open sesame")},
        )
    return database


@pytest.fixture
def make_app(qtbot: QtBot, paths: AppPaths) -> Iterator[list[Application]]:
    apps: list[Application] = []
    yield apps
    for app in apps:
        app.window.close()
        app.shutdown()


def test_the_window_opens_before_the_database_and_then_shows_who_and_where(
    qtbot: QtBot, shared_db: Database, paths: AppPaths, make_app: list[Application]
) -> None:
    app = Application(paths, Settings(), email="hal@example.com", password="open sesame")
    make_app.append(app)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    with qtbot.waitSignal(app.ready, timeout=30_000):
        app.start()
        assert app.window.isVisible()
        assert app.window.database_label.text() == "Starting the database…"
    timer.stop()
    assert len(ticks) >= 2  # the event loop kept turning while start-up ran on a worker
    assert app.window.user_label.text() == "Signed in as hal (hal@example.com)"
    assert app.window.database_label.text().startswith("Connected to database ")
    assert [app.window.navigation.item(i).text() for i in range(app.window.navigation.count())] == [
        "Listings",
        "Cards",
        "Storage",
        "Sync",
        "Notifications",
    ]
    qtbot.waitUntil(paths.settings_file.exists)
    assert Settings.load(paths.settings_file).last_user_email == "hal@example.com"


def _dialog(kind: type) -> object:
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
    return found[0] if found else None


def test_a_shared_database_asks_to_sign_in_and_explains_a_wrong_password(
    qtbot: QtBot, shared_db: Database, paths: AppPaths, make_app: list[Application]
) -> None:
    app = Application(paths, Settings())
    make_app.append(app)
    app.start()
    qtbot.waitUntil(lambda: _dialog(SignInDialog) is not None, timeout=30_000)
    dialog = _dialog(SignInDialog)
    assert isinstance(dialog, SignInDialog)
    qtbot.keyClicks(dialog.email, "hal@example.com")
    qtbot.keyClicks(dialog.password, "wrong")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: "Wrong password" in dialog.error.text(), timeout=10_000)
    assert app.user is None
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "open sesame")
    with qtbot.waitSignal(app.ready, timeout=10_000):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    assert app.window.user_label.text() == "Signed in as hal (hal@example.com)"


def test_an_unreachable_database_shows_an_offline_state_not_a_frozen_window(
    qtbot: QtBot, paths: AppPaths, make_app: list[Application], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@127.0.0.1:1/nothing")
    app = Application(paths, Settings())
    make_app.append(app)
    with qtbot.waitSignal(app.failed, timeout=15_000) as failure:
        app.start()
    assert "Cannot reach the database" in failure.args[0]
    assert app.window.database_label.text() == "Database unavailable"
    assert "Check that the server is running" in app.window.database_label.toolTip()


def test_the_about_box_shows_the_version(qtbot: QtBot, paths: AppPaths, make_app: list[Application]) -> None:
    app = Application(paths, Settings())
    make_app.append(app)
    seen: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        box.accept()

    QTimer.singleShot(100, read_and_close)
    app.window.show_about()
    assert __version__ in seen[0]


def test_the_task_runner_delivers_results_and_errors_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = TaskRunner()
    threads: list[tuple[str, bool]] = []
    busy: list[int] = []
    runner.busy_changed.connect(lambda count, _label: busy.append(count))

    def work() -> int:
        threads.append(("work", threading.current_thread() is threading.main_thread()))
        return 42

    def fail() -> None:
        raise ValueError("nope")

    results: list[object] = []
    runner.run(
        work,
        on_done=lambda r: (
            results.append(r),
            threads.append(("done", threading.current_thread() is threading.main_thread())),
        ),
    )
    runner.run(
        fail,
        on_error=lambda e: (
            results.append(str(e)),
            threads.append(("error", threading.current_thread() is threading.main_thread())),
        ),
    )
    qtbot.waitUntil(lambda: len(results) == 2)
    assert sorted(results, key=str) == [42, "nope"]
    assert ("work", False) in threads
    assert ("done", True) in threads
    assert ("error", True) in threads
    assert busy[-1] == 0
    assert max(busy) >= 1
    runner.wait()


def test_database_settings_keep_the_password_in_the_keyring_only(
    qtbot: QtBot, secret_service: None, paths: AppPaths
) -> None:
    settings = Settings()
    dialog = SettingsDialog(TaskRunner(), settings)
    qtbot.addWidget(dialog)
    dialog.server.setChecked(True)
    qtbot.keyClicks(dialog.host, "db.example.com")
    qtbot.keyClicks(dialog.password, "pg-secret-123")
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        dialog.save()
    assert settings.database_mode == "remote"
    assert settings.remote.host == "db.example.com"
    assert keyring.get_password(DATABASE_SERVICE, settings.remote.keyring_account) == "pg-secret-123"
    settings.save(paths.settings_file)
    assert "pg-secret-123" not in paths.settings_file.read_text()


def test_without_a_keyring_the_settings_say_so_and_change_nothing(qtbot: QtBot, no_keyring: None) -> None:
    settings = Settings()
    dialog = SettingsDialog(TaskRunner(), settings)
    qtbot.addWidget(dialog)
    dialog.server.setChecked(True)
    qtbot.keyClicks(dialog.host, "db.example.com")
    qtbot.keyClicks(dialog.password, "pg-secret-123")
    dialog.save()
    qtbot.waitUntil(lambda: "keyring could not be used" in dialog.message.text(), timeout=10_000)
    assert "Unlock your keyring, or install and start one" in dialog.message.text()
    assert settings.database_mode == "embedded"


def test_test_connection_reports_the_server_or_the_reason(qtbot: QtBot, pg: PgServer, db_name: str) -> None:
    dialog = SettingsDialog(TaskRunner(), Settings())
    qtbot.addWidget(dialog)
    dialog.server.setChecked(True)
    dialog.host.setText("127.0.0.1")
    dialog.port.setValue(1)
    dialog.test_button.click()
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=15_000)
    assert dialog.message.text().startswith("Cannot reach the database (127.0.0.1:1/postgres)")

    url = pg.url(db_name)  # the test server listens on a Unix socket: its folder is the "host"
    dialog.host.setText(str(url.query["host"]))
    dialog.port.setValue(url.port or 5432)
    dialog.database.setText(db_name)
    dialog.sslmode.setCurrentText("disable")
    dialog.test_button.click()
    qtbot.waitUntil(dialog.test_button.isEnabled, timeout=15_000)
    assert dialog.message.text() == "Connected: PostgreSQL 18.6."


def test_a_result_for_a_widget_closed_meanwhile_is_dropped_not_delivered_to_it(qtbot: QtBot) -> None:
    from PySide6.QtWidgets import QLabel

    runner = TaskRunner()
    release = threading.Event()
    owner, survivor = QLabel(), QLabel()
    delivered: list[str] = []
    runner.run(release.wait, on_done=lambda _: delivered.append("closed"), owner=owner)
    runner.run(release.wait, on_done=lambda _: delivered.append("open"), owner=survivor)
    owner.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(owner))
    release.set()
    qtbot.waitUntil(lambda: runner.active == 0)
    assert delivered == ["open"]
    runner.wait()


def test_the_app_module_leaves_the_database_stack_for_after_the_window() -> None:
    import subprocess
    import sys

    heavy = ("sqlalchemy", "psycopg", "alembic", "reseller_desktop.ui.workspace")
    probe = f"import sys, reseller_desktop.ui.app; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_quitting_while_the_app_is_still_loading_starts_no_database(
    qtbot: QtBot, paths: AppPaths, make_app: list[Application], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)  # the embedded database, in paths.data_dir
    app = Application(paths, Settings())
    make_app.append(app)
    app.start()
    app.shutdown()
    QApplication.processEvents()  # what the loading finished with, delivered after the quit
    with pytest.raises(RuntimeError, match="start-up has not begun"):
        _ = app.session
    assert not (paths.data_dir / "pgdata").exists()
