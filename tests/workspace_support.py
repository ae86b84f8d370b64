"""A signed-in workspace in a real main window, as the UI tests open it, closed properly after."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from reseller_desktop.db.database import Database
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.settings import AppPaths, Settings
from reseller_desktop.ui.main_window import MainWindow
from reseller_desktop.ui.tasks import TaskRunner
from reseller_desktop.ui.workspace import Workspace


@contextmanager
def open_workspace(database: Database, user: UserRecord, paths: AppPaths) -> Iterator[Workspace]:
    runner = TaskRunner()
    window = MainWindow(runner)  # closed below, not by qtbot: its close asks the editors first
    space = Workspace(window, runner, database=database, user=user, paths=paths, settings=Settings())
    window.show()
    try:
        yield space
    finally:
        for editor in space.all_editors():
            editor._saved_values = editor.values()  # nothing to ask about at teardown
        space.shut_down()
        window.close()
        runner.wait()  # before the database fixture disposes the pool
        window.deleteLater()
