"""The checks `--self-test` runs (the installed bundle's proof that it works), and the bundle's `bench`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from tests.cli_support import run_cli
from tests.workspace_support import open_workspace

from reseller_desktop import USER_AGENT, __version__, cli, self_check
from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.settings import AppPaths
from reseller_desktop.ui.main_window import MainWindow
from reseller_desktop.ui.tasks import TaskRunner


def test_the_database_check_reads_counts_trigram_search_and_the_apps_user_agent(
    database: Database, alice: UserRecord
) -> None:
    line = self_check.check_database(database, alice.id, embedded=True)
    assert line.startswith("0 listings counted, pg_trgm ")
    assert f"activity log user agent {USER_AGENT}" in line


def test_the_database_check_fails_for_an_account_this_app_never_signed_in(database: Database) -> None:
    with database.engine.begin() as conn:
        user_id = conn.scalar(
            text("INSERT INTO users (username, email) VALUES ('web', 'web@example.com') RETURNING id")
        )
    with pytest.raises(self_check.SelfCheckError, match=f"no sign-in by {USER_AGENT}"):
        self_check.check_database(database, user_id, embedded=False)


def test_a_built_in_database_without_pg_trgm_means_its_extension_files_are_missing(
    database: Database, alice: UserRecord
) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("DROP EXTENSION pg_trgm CASCADE"))
    with pytest.raises(self_check.SelfCheckError, match="pg_trgm extension: its extension files"):
        self_check.check_database(database, alice.id, embedded=True)
    # A shared server may lack it: the app then searches with the full-text index.
    assert "full-text search (no pg_trgm)" in self_check.check_database(database, alice.id, embedded=False)


def test_the_thumbnail_check_makes_a_jpeg_thumbnail_that_qt_reads(qtbot: QtBot) -> None:
    assert self_check.check_thumbnail() == "128×96 JPEG from a 640×480 photo, read back by Qt"
    assert self_check.check_thumbnail(64) == "64×48 JPEG from a 640×480 photo, read back by Qt"


def test_the_thumbnail_check_names_the_missing_qt_image_plugins(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    # What a bundle without imageformats/libqjpeg gives: Qt returns a null image for a JPEG file.
    real_qimage = self_check.QImage
    monkeypatch.setattr(self_check, "QImage", lambda _path: real_qimage())
    with pytest.raises(self_check.SelfCheckError, match="imageformats plugins are missing"):
        self_check.check_thumbnail()


@pytest.mark.usefixtures("secret_service")
def test_the_keyring_check_finds_the_backends_and_the_secret_service_answering() -> None:
    line = self_check.check_keyring()
    assert "SecretService" in line.split(";")[0]
    assert "usable: SecretService (priority" in line


def test_without_a_session_bus_no_keyring_can_answer_and_that_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    line = self_check.check_keyring()
    assert "backends found: " in line
    assert line.endswith("none usable without a D-Bus session bus (a desktop session has one)")


def test_a_session_bus_without_a_keyring_service_fails_with_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    with pytest.raises(self_check.SelfCheckError, match="Install and start GNOME Keyring or KWallet"):
        self_check.check_keyring()


def test_keyring_without_its_package_metadata_finds_no_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    # A bundle that forgot copy_metadata("keyring"): the entry points are gone.
    monkeypatch.setattr(self_check, "metadata", SimpleNamespace(entry_points=lambda group: []))
    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(self_check.SelfCheckError, match=r"SecretService backend was not found.*package metadata"):
        self_check.check_keyring()


def test_the_views_check_opens_every_page_of_a_workspace(
    qtbot: QtBot, database: Database, alice: UserRecord, tmp_path: Path
) -> None:
    paths = AppPaths(tmp_path / "data", tmp_path / "config")
    with open_workspace(database, alice, paths) as space:
        line = self_check.check_views(space.window, space.runner)
        assert line == "Listings, Cards, Storage, Sync, Notifications opened and loaded"
        assert space.window.navigation.currentRow() == space.window.navigation.count() - 1


def test_the_views_check_fails_on_a_window_without_its_views(qtbot: QtBot) -> None:
    runner = TaskRunner()
    window = MainWindow(runner)
    qtbot.addWidget(window)
    with pytest.raises(self_check.SelfCheckError, match="main window is not shown"):
        self_check.check_views(window, runner)
    window.show()
    with pytest.raises(self_check.SelfCheckError, match="Listings view did not open"):
        self_check.check_views(window, runner)


def test_work_in_the_background_returns_its_result_or_fails_with_its_label(qtbot: QtBot) -> None:
    runner = TaskRunner()
    assert self_check.in_background(runner, lambda: 6 * 7, "Answering") == 42

    def broken() -> None:
        raise OSError("disk on fire")

    with pytest.raises(self_check.SelfCheckError, match="Checking the disk failed: disk on fire"):
        self_check.in_background(runner, broken, "Checking the disk")
    runner.wait()


def test_errors_logged_while_checking_are_collected_and_only_then() -> None:
    with self_check.errors_logged() as errors:
        logging.getLogger("reseller_desktop.some_view").error("could not load page %d", 3)
        logging.getLogger("reseller_desktop.some_view").warning("slow")
    logging.getLogger("reseller_desktop.some_view").error("after the checks")
    assert errors.messages == ["reseller_desktop.some_view: could not load page 3"]


def test_self_test_prints_every_check(tmp_path: Path) -> None:
    result = run_cli("--self-test", env={"RESELLER_DESKTOP_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("self-test ok: ")
    checks = dict(line.strip().split(": ", 1) for line in lines[1:])
    assert checks["platform"].startswith("offscreen (Qt 6.")
    assert checks["views"] == "Listings, Cards, Storage, Sync, Notifications opened and loaded"
    assert f"activity log user agent {USER_AGENT}" in checks["database"]
    assert checks["thumbnail"] == "128×96 JPEG from a 640×480 photo, read back by Qt"
    assert checks["keyring"].startswith("backends found: ")
    assert checks["installation"].startswith("source, Python ")


def test_the_installed_bundle_sends_benchmarks_to_a_source_checkout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert cli.main(["bench", "--scale", "0.01"]) == 1
    error = capsys.readouterr().err
    assert "The benchmarks run from a source checkout, not from the installed app" in error
    assert "`make bench`" in error


def test_the_about_box_shows_the_version(qtbot: QtBot) -> None:
    window = MainWindow(TaskRunner())
    qtbot.addWidget(window)
    window.show()
    seen: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        seen.append(box.text())
        box.accept()

    QTimer.singleShot(0, read_and_close)
    window.show_about()
    assert len(seen) == 1
    assert f"Reseller Desktop</b> {__version__}" in seen[0]
