"""The embedded server in a data folder: shared by two app processes, and left in a state the next
start can use after the app or the server itself was killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest

from reseller_desktop.db.embedded import EmbeddedPostgres, EmbeddedServerError

APP_PROCESS = """
import json, sys
from pathlib import Path
from reseller_desktop.db.embedded import EmbeddedPostgres
server = EmbeddedPostgres(Path(sys.argv[1]))
url = server.start()
print(json.dumps({"url": url.set(drivername="postgresql").render_as_string(hide_password=False)}), flush=True)
sys.stdin.readline()
server.stop()
"""


def postmaster_pid(folder: Path) -> int:
    return int((folder / "pgdata" / "postmaster.pid").read_text().splitlines()[0])


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not running(pid):
            return True
        time.sleep(0.05)
    return False


class AppProcess:
    def __init__(self, folder: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", APP_PROCESS, str(folder)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the app process did not start its server"
        self.url = json.loads(line)["url"]

    def quit(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        assert self.process.wait(30) == 0
        self._close_pipes()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self._close_pipes()

    def _close_pipes(self) -> None:
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"
    pid_file = tmp_path / "data" / "pgdata" / "postmaster.pid"
    if pid_file.exists():  # never leave a server behind, whatever the test did
        pid = int(pid_file.read_text().splitlines()[0])
        if running(pid):
            os.kill(pid, signal.SIGTERM)
            wait_gone(pid)


def test_two_app_instances_share_one_server_and_the_last_one_out_stops_it(folder: Path) -> None:
    first = AppProcess(folder)
    server_pid = postmaster_pid(folder)
    second = EmbeddedPostgres(folder)
    second.start()
    assert postmaster_pid(folder) == server_pid  # joined, not a second server on the same files
    second.stop()
    with psycopg.connect(first.url) as conn:  # the first instance is unaffected
        assert conn.execute("SELECT 1").fetchone() == (1,)
    first.quit()
    assert wait_gone(server_pid)


def test_after_the_app_is_killed_the_next_start_reuses_the_server_and_then_stops_it(folder: Path) -> None:
    crashed = AppProcess(folder)
    with psycopg.connect(crashed.url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (v int)")
        conn.execute("INSERT INTO kept VALUES (42)")
    server_pid = postmaster_pid(folder)
    crashed.kill()
    assert running(server_pid)  # orphaned, but nothing blocks the next start

    again = EmbeddedPostgres(folder)
    url = again.start().set(drivername="postgresql").render_as_string(hide_password=False)
    assert postmaster_pid(folder) == server_pid
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT v FROM kept").fetchone() == (42,)
    again.stop()
    assert wait_gone(server_pid)  # the dead process's handle was not counted


def test_after_the_server_itself_was_killed_the_next_start_recovers_the_data(folder: Path) -> None:
    crashed = AppProcess(folder)
    with psycopg.connect(crashed.url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (v int)")
        conn.execute("INSERT INTO kept VALUES (7)")
    server_pid = postmaster_pid(folder)
    crashed.kill()
    os.kill(server_pid, signal.SIGKILL)
    assert wait_gone(server_pid)

    again = EmbeddedPostgres(folder)
    url = again.start().set(drivername="postgresql").render_as_string(hide_password=False)
    assert postmaster_pid(folder) != server_pid
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT v FROM kept").fetchone() == (7,)
    again.stop()


def test_a_data_folder_from_another_postgresql_major_is_refused_clearly(folder: Path) -> None:
    (folder / "pgdata").mkdir(parents=True)
    (folder / "pgdata" / "PG_VERSION").write_text("16\n")
    with pytest.raises(EmbeddedServerError, match="made by PostgreSQL 16; this app runs PostgreSQL 18"):
        EmbeddedPostgres(folder).start()


def test_a_damaged_handle_list_left_by_a_killed_app_does_not_block_the_next_start(folder: Path) -> None:
    server = EmbeddedPostgres(folder)
    server.start()
    server_pid = postmaster_pid(folder)
    server.stop()
    assert wait_gone(server_pid)
    (folder / "pgdata" / ".handle_pids.json").write_text("")  # killed while the package rewrote it
    again = EmbeddedPostgres(folder)
    url = again.start().set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    restarted = postmaster_pid(folder)
    again.stop()
    assert wait_gone(restarted)  # and the server still stops with the last app
