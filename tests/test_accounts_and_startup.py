"""Signing in against a shared database (web-app password hashes) and the start-up use case."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.concurrency import run_together
from tests.conftest import PgServer
from werkzeug.security import generate_password_hash

from reseller_desktop.db.database import Database
from reseller_desktop.db.errors import SchemaTooNewError
from reseller_desktop.db.migrate import head_revision
from reseller_desktop.services.accounts import SignInError, local_profile, sign_in
from reseller_desktop.services.database_session import DatabaseSession
from reseller_desktop.services.startup import start_up
from reseller_desktop.settings import AppPaths, Settings


def add_web_user(
    database: Database, email: str, password: str | None, *, active: bool = True, method: str = "scrypt"
) -> None:
    with database.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO users (username, email, password_hash, is_active) VALUES (:u, :e, :p, :a)"),
            {
                "u": email.split("@", maxsplit=1)[0],
                "e": email,
                "p": generate_password_hash(password, method=method) if password else None,
                "a": active,
            },
        )


@pytest.mark.parametrize("method", ["scrypt", "pbkdf2:sha256"])
def test_sign_in_checks_the_web_apps_password_hash(database: Database, method: str) -> None:
    add_web_user(database, "dana@example.com", "correct horse", method=method)
    user = sign_in(database, "  Dana@Example.com ", "correct horse")
    assert user.email == "dana@example.com"
    assert user.has_password
    with pytest.raises(SignInError, match="Wrong password"):
        sign_in(database, "dana@example.com", "Correct horse")
    with pytest.raises(SignInError, match="has a password"):
        sign_in(database, "dana@example.com", None)


def test_sign_in_records_the_login(database: Database) -> None:
    add_web_user(database, "eve@example.com", None)  # an OAuth user: no password hash
    user = sign_in(database, "eve@example.com", None)
    with database.unit_of_work(user.id) as uow:
        assert [e.action for e in uow.activity.recent()] == ["login"]
    with database.users() as users:
        assert users.get(user.id).last_login is not None


def test_sign_in_refuses_unknown_and_disabled_accounts_with_a_reason(database: Database) -> None:
    add_web_user(database, "old@example.com", None, active=False)
    with pytest.raises(SignInError, match=r"No account with the email nobody@example.com"):
        sign_in(database, "nobody@example.com", None)
    with pytest.raises(SignInError, match="disabled"):
        sign_in(database, "old@example.com", None)
    with pytest.raises(SignInError, match="Enter the email"):
        sign_in(database, " ", None)


def test_the_local_profile_is_made_once_and_named_after_the_os_user(database: Database) -> None:
    first = local_profile(database)
    assert first.username == getpass.getuser().lower() or first.username == "seller"
    assert local_profile(database).id == first.id
    with database.users() as users:
        assert users.count() == 1


def _session(pg: PgServer, db_name: str, tmp_path: Path, settings: Settings | None = None) -> DatabaseSession:
    url = pg.url(db_name).set(drivername="postgresql").render_as_string(hide_password=False)
    paths = AppPaths(tmp_path / "data", tmp_path / "config")
    return DatabaseSession(paths, settings or Settings(), environ={"DATABASE_URL": url})


def test_start_up_on_a_shared_database_with_an_account(pg: PgServer, empty_db_name: str, tmp_path: Path) -> None:
    session = _session(pg, empty_db_name, tmp_path)
    try:
        report = start_up(session)  # a database nobody has set up yet: the schema is made
        assert report.user is None  # shared database, nobody remembered: the window asks
        assert report.revision == head_revision()
        assert not report.embedded
        assert session.database is not None
        add_web_user(session.database, "fay@example.com", "pw")
        report = start_up(session, email="fay@example.com", password="pw")
        assert report.user is not None
        assert report.user.email == "fay@example.com"
    finally:
        session.close()


def test_start_up_signs_in_the_remembered_account(pg: PgServer, db_name: str, tmp_path: Path) -> None:
    session = _session(pg, db_name, tmp_path, Settings(last_user_email="gus@example.com"))
    try:
        session.open()
        assert session.database is not None
        add_web_user(session.database, "gus@example.com", None)
        report = start_up(session)
        assert report.user is not None
        assert report.user.email == "gus@example.com"
    finally:
        session.close()


def test_start_up_refuses_a_schema_from_a_newer_app(
    pg: PgServer, db_name: str, tmp_path: Path, database: Database
) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE reseller_desktop_alembic_version SET version_num = '0099_future'"))
    session = _session(pg, db_name, tmp_path)
    try:
        with pytest.raises(SchemaTooNewError, match="Install the newer version"):
            start_up(session)
    finally:
        session.close()


def test_a_bad_database_url_says_how_to_write_one(tmp_path: Path) -> None:
    session = DatabaseSession(AppPaths(tmp_path, tmp_path), Settings(), environ={"DATABASE_URL": "mysql://x@y/z"})
    with pytest.raises(Exception, match=r"not a usable PostgreSQL URL.*postgresql://user:password@host"):
        session.open()


def test_two_clients_starting_on_a_fresh_database_make_one_profile(database: Database) -> None:
    profiles: list[object] = []
    assert run_together(lambda _n: profiles.append(local_profile(database).id)) == []
    assert len(set(profiles)) == 1
    with database.users() as users:
        assert users.count() == 1
