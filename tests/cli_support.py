"""The command line run the way a user or a script runs it: a separate process, its exit code and output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.conftest import PgServer

ROOT = Path(__file__).resolve().parents[1]


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT, program: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """`reseller-desktop ARGS` (or `program ARGS`) with `env` added to this process's environment."""
    command = list(program or (sys.executable, "-m", "reseller_desktop")) + list(args)
    return subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=cwd, timeout=180
    )


def url_env(pg: PgServer, name: str) -> dict[str, str]:
    return {"DATABASE_URL": pg.url(name).set(drivername="postgresql").render_as_string(hide_password=False)}


def server_env(pg: PgServer, db_name: str, home: Path) -> dict[str, str]:
    """The test database by DATABASE_URL, a home of its own, and no keyring (as on a server)."""
    return {
        **url_env(pg, db_name),
        "RESELLER_DESKTOP_HOME": str(home),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }


@pytest.fixture(name="env")  # named apart: test parameters do not shadow an import
def env_fixture(pg: PgServer, db_name: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a script run on a server against the test database."""
    return server_env(pg, db_name, tmp_path / "home")
