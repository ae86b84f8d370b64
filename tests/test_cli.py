"""The command line, run the way a user or a script runs it: a separate process, exit codes, output."""

from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import text
from tests.cli_support import run_cli, url_env
from tests.conftest import PgServer

from reseller_desktop.db.database import Database
from reseller_desktop.db.migrate import head_revision

HEAD = head_revision()
WEBAPP_SQL = Path(__file__).parent / "fixtures" / "webapp_schema.sql"


def test_db_commands_upgrade_report_and_downgrade(pg: PgServer, empty_db_name: str) -> None:
    env = url_env(pg, empty_db_name)
    current = run_cli("db", "current", env=env)
    assert current.returncode == 0, current.stderr
    assert "revision none (run db upgrade)" in current.stdout

    upgraded = run_cli("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"at revision {HEAD}" in upgraded.stdout
    assert "(up to date)" in run_cli("db", "current", env=env).stdout

    refused = run_cli("db", "downgrade", "base", env=env)
    assert refused.returncode == 2
    assert "--yes" in refused.stderr
    assert "(up to date)" in run_cli("db", "current", env=env).stdout

    down = run_cli("db", "downgrade", "base", "--yes", env=env)
    assert down.returncode == 0, down.stderr
    assert "at revision base" in down.stdout


def test_db_upgrade_on_a_webapp_database_lists_the_rows_to_fix(pg: PgServer, empty_db_name: str) -> None:
    database = pg.database(empty_db_name)
    with database.engine.begin() as conn:
        conn.exec_driver_sql(WEBAPP_SQL.read_text())
    database.dispose()
    result = run_cli("db", "upgrade", env=url_env(pg, empty_db_name))
    assert result.returncode == 0, result.stderr
    assert "! listings: 1 existing row(s) break ck_listings_active_location" in result.stdout
    assert "ids 2." in result.stdout
    assert "reseller-desktop db validate" in result.stdout


def test_alembic_at_the_project_root_works_on_the_same_database(
    pg: PgServer, empty_db_name: str, database: Database
) -> None:
    alembic = Path(sys.executable).with_name("alembic")
    result = run_cli("upgrade", "head", env=url_env(pg, empty_db_name), program=(str(alembic),))
    assert result.returncode == 0, result.stderr
    fresh = pg.database(empty_db_name)
    with fresh.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM reseller_desktop_alembic_version")) == HEAD
    fresh.dispose()


def test_self_test_starts_everything_headless_and_exits_zero(tmp_path: Path) -> None:
    result = run_cli("--self-test", env={"RESELLER_DESKTOP_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "self-test ok" in result.stdout
    assert f"embedded database, schema {HEAD}" in result.stdout
    assert "5 views" in result.stdout
    assert not (tmp_path / "data" / "pgdata" / "postmaster.pid").exists()  # the server was stopped


def test_self_test_fails_with_the_reason(tmp_path: Path) -> None:
    result = run_cli(
        "--self-test",
        env={"RESELLER_DESKTOP_HOME": str(tmp_path), "DATABASE_URL": "postgresql://u:p@127.0.0.1:1/x"},
    )
    assert result.returncode == 1
    assert "self-test FAILED: Cannot reach the database" in result.stderr


def test_a_bad_database_url_is_a_clear_message_not_a_traceback(tmp_path: Path) -> None:
    result = run_cli("db", "current", env={"DATABASE_URL": "mysql://x@y/z"})
    assert result.returncode == 1
    assert "DATABASE_URL is not a usable PostgreSQL URL" in result.stderr
    assert "Traceback" not in result.stderr
