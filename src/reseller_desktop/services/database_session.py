"""Which database the app uses and its lifetime: DATABASE_URL, the server chosen in the settings
(password from the keyring), or else the embedded server in the user's data folder."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import URL, text

from reseller_desktop.db import migrate
from reseller_desktop.db.database import Database
from reseller_desktop.db.embedded import EmbeddedPostgres
from reseller_desktop.db.engine import DatabaseTarget, normalise_url
from reseller_desktop.db.schema_ops import SchemaProblem
from reseller_desktop.domain.errors import UserError
from reseller_desktop.keyring_store import DATABASE_SERVICE, get_secret
from reseller_desktop.settings import AppPaths, RemoteDatabase, Settings


class DatabaseSession:
    """Owns the embedded server (when used) and the pooled Database for as long as the app runs."""

    def __init__(self, paths: AppPaths, settings: Settings, environ: Mapping[str, str] | None = None) -> None:
        self.paths = paths
        self.settings = settings
        self.environ = os.environ if environ is None else environ
        self.embedded: EmbeddedPostgres | None = None
        self.database: Database | None = None
        # Start-up runs on a worker while quitting runs on the GUI thread: one at a time, and once
        # closed, a start-up still under way must not start a server nobody will stop.
        self._lock = threading.Lock()
        self._closed = False

    def open(self) -> Database:
        """Start or reach the server and return the Database (not yet migrated). Idempotent."""
        with self._lock:
            if self._closed:
                raise UserError("Reseller Desktop is closing.")
            if self.database is not None:
                return self.database
            target = self._target()
            self.database = Database(target)
        with self.database.connect() as conn:
            conn.execute(text("SELECT 1"))
        return self.database

    def upgrade(self) -> list[SchemaProblem]:
        assert self.database is not None
        return migrate.upgrade(self.database.engine)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            if self.database is not None:
                self.database.dispose()
                self.database = None
            if self.embedded is not None:
                self.embedded.stop()
                self.embedded = None

    def _target(self) -> DatabaseTarget:
        raw = self.environ.get("DATABASE_URL", "").strip()
        if raw:
            try:
                return DatabaseTarget(normalise_url(raw), embedded=False)
            except Exception as exc:
                raise UserError(
                    f"DATABASE_URL is not a usable PostgreSQL URL: {exc}",
                    "Write it like postgresql://user:password@host:5432/dbname, or unset it for the built-in database.",
                ) from None
        if self.settings.database_mode == "remote":
            return DatabaseTarget(remote_url(self.settings.remote), embedded=False)
        self.embedded = EmbeddedPostgres(self.paths.data_dir)
        return DatabaseTarget(self.embedded.start(), embedded=True)


def remote_url(remote: RemoteDatabase, password: str | None = None) -> URL:
    if not remote.host:
        raise UserError("No database server is set.", "Open Settings › Database and enter the server's host.")
    if password is None:
        password = get_secret(DATABASE_SERVICE, remote.keyring_account)
    query = {"sslmode": remote.sslmode} if remote.sslmode else {}
    on_socket = remote.host.startswith("/")  # libpq takes a socket folder as the host
    if on_socket:
        query["host"] = remote.host
    url = URL.create(
        "postgresql",
        username=remote.username,
        password=password,
        host=None if on_socket else remote.host,
        port=remote.port,
        database=remote.database,
        query=query,
    )
    return normalise_url(url)


@contextmanager
def open_database(
    paths: AppPaths | None = None, settings: Settings | None = None, *, upgrade: bool = False
) -> Iterator[Database]:
    """The app's database for a command-line task; the embedded server stops afterwards.

    With `upgrade`, the schema is brought up to date first, as the app does when it starts.
    """
    paths = paths or AppPaths.default()
    session = DatabaseSession(paths, settings or Settings.load(paths.settings_file))
    try:
        database = session.open()
        if upgrade:
            session.upgrade()
        yield database
    finally:
        session.close()
