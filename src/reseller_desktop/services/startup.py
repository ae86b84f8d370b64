"""Start-up as one use case: reach the database, bring its schema up to date, find the user.

Runs off the GUI thread in the app, and as is in `--self-test` and the command line.
"""

from __future__ import annotations

from dataclasses import dataclass

from reseller_desktop import APP_ID
from reseller_desktop.db import migrate
from reseller_desktop.domain.errors import UserError
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.keyring_store import KeyringUnavailableError, get_secret
from reseller_desktop.services.accounts import SignInError, local_profile, sign_in
from reseller_desktop.services.database_session import DatabaseSession

ACCOUNT_SERVICE = f"{APP_ID}/account"


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
    user = _find_user(session, email, password)
    return StartupReport(
        database=database.target.description,
        embedded=database.target.embedded,
        revision=revision,
        schema_problems=tuple(p.describe() for p in problems),
        user=user,
    )


def _find_user(session: DatabaseSession, email: str | None, password: str | None) -> UserRecord | None:
    assert session.database is not None
    database = session.database
    if email:
        return sign_in(database, email, password)
    remembered = session.settings.last_user_email
    if remembered:
        try:
            saved = get_secret(ACCOUNT_SERVICE, remembered)
        except KeyringUnavailableError:
            saved = None
        try:
            return sign_in(database, remembered, saved)
        except SignInError:
            # The remembered account is gone or needs its password again: on the embedded database
            # fall back to the local profile, on a shared one ask the user to sign in.
            return local_profile(database) if database.target.embedded else None
    if database.target.embedded:
        return local_profile(database)
    return None


def describe_failure(error: BaseException) -> str:
    if isinstance(error, UserError):
        return str(error)
    return f"Unexpected error ({type(error).__name__}: {error}). Please report it with the log file."
