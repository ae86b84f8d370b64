"""Start-up as one use case: reach the database, bring its schema up to date, find the user.

Runs off the GUI thread in the app, and as is in `--self-test` and the command line.
"""

from __future__ import annotations

from dataclasses import dataclass

from reseller_desktop.db import migrate
from reseller_desktop.domain.errors import UserError
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.services.accounts import find_user
from reseller_desktop.services.database_session import DatabaseSession


@dataclass(frozen=True)
class StartupReport:
    database: str
    embedded: bool
    revision: str
    schema_problems: tuple[str, ...]
    # None when a shared database needs the user to sign in (no remembered account that works).
    user: UserRecord | None


def start_up(session: DatabaseSession, *, email: str | None = None, password: str | None = None) -> StartupReport:
    database = session.open()
    problems = session.upgrade()
    with database.connect() as conn:
        revision = migrate.current_revision(conn) or ""
    user = find_user(database, session.settings, email, password)
    return StartupReport(
        database=database.target.description,
        embedded=database.target.embedded,
        revision=revision,
        schema_problems=tuple(p.describe() for p in problems),
        user=user,
    )


def describe_failure(error: BaseException) -> str:
    if isinstance(error, UserError):
        return str(error)
    return f"Unexpected error ({type(error).__name__}: {error}). Please report it with the log file."
