"""What the tests of CSV import and export share: units of work as alice or bob, a task runner,
a table's rows to compare before and after, the import dialog once its preview is in, and a lock
another client holds so that an import is certainly under way when it is cancelled."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from tests.conftest import PgServer

from reseller_desktop.db.database import Database, UnitOfWork
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.ui.import_dialog import ImportDialog
from reseller_desktop.ui.tasks import TaskRunner

Factory = Callable[[], UnitOfWork]
WAIT_MS = 60_000  # a bound for slow machines, not a speed requirement
DialogT = TypeVar("DialogT", bound=ImportDialog)


@pytest.fixture(name="as_alice")  # named apart: test parameters do not shadow an import
def as_alice_fixture(database: Database, alice: UserRecord) -> Factory:
    return lambda: database.unit_of_work(alice.id)


@pytest.fixture(name="as_bob")  # named apart: test parameters do not shadow an import
def as_bob_fixture(database: Database, bob: UserRecord) -> Factory:
    return lambda: database.unit_of_work(bob.id)


@pytest.fixture(name="runner")  # named apart: test parameters do not shadow an import
def runner_fixture(qtbot: QtBot, database: Database) -> Iterator[TaskRunner]:
    """Depends on `database` so that its work ends before the pool is disposed."""
    runner = TaskRunner()
    yield runner
    runner.wait()


def table_rows(database: Database, table: str, user: UserRecord | None = None) -> list[tuple[Any, ...]]:
    """Every column of every row of `table` (of `user`), in id order: equal before and after means untouched."""
    where = "WHERE user_id = :u" if user else ""
    with database.connect() as conn:
        query = text(f"SELECT * FROM {table} {where} ORDER BY id")
        return [tuple(r) for r in conn.execute(query, {"u": user and user.id})]


def previewed(qtbot: QtBot, dialog: DialogT) -> DialogT:
    """The dialog shown, once its preview is in (or has failed)."""
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.preview is not None or not dialog.busy, timeout=WAIT_MS)
    return dialog


def listed_rows(dialog: ImportDialog) -> list[tuple[str, str]]:
    """The dialog's table of bad rows and notes: (row number, text)."""
    table = dialog.bad_rows
    return [(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())]


@contextmanager
def locked(pg: PgServer, db_name: str, table: str) -> Iterator[None]:
    """Another client holds a lock that makes an import's first write to `table` wait, until the block ends."""
    locker = psycopg.connect(pg.libpq(db_name))
    try:
        locker.execute(f"LOCK TABLE {table} IN SHARE MODE")
        yield
    finally:
        locker.rollback()
        locker.close()
