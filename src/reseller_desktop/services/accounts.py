"""Who is signed in. On the embedded database a local profile is made on first run; on a shared
database the user signs in as an existing account by email, with its password when it has one
(the web app writes werkzeug's generate_password_hash format, checked here with werkzeug itself)."""

from __future__ import annotations

import getpass
import re

from werkzeug.security import check_password_hash

from reseller_desktop import APP_ID
from reseller_desktop.db.database import Database
from reseller_desktop.domain.errors import UserError
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.keyring_store import KeyringUnavailableError, get_secret
from reseller_desktop.settings import Settings

ACCOUNT_SERVICE = f"{APP_ID}/account"  # keyring service for remembered account passwords


class SignInError(UserError):
    pass


def local_profile(database: Database) -> UserRecord:
    """The embedded database's user: the only one there, or a new profile named after the OS user."""
    with database.users() as users:
        users.lock_accounts()  # two clients starting on a fresh database make one profile, not two
        existing = users.only_user()
        if existing is not None:
            return existing
        if users.count() > 1:
            raise SignInError(
                "This database has several profiles.",
                "Choose one with --user EMAIL or in the sign-in dialog.",
            )
        name = re.sub(r"[^a-z0-9._-]+", "", getpass.getuser().lower()) or "seller"
        return users.create(username=name, email=f"{name}@localhost")


def sign_in(database: Database, email: str, password: str | None) -> UserRecord:
    email = email.strip()
    if not email:
        raise SignInError("Enter the email of your account.")
    with database.users() as users:
        user = users.by_email(email)
        if user is None:
            raise SignInError(
                f"No account with the email {email} exists in this database.",
                "Check the spelling, or create the account in the web app first.",
            )
        if user.is_active is False:
            raise SignInError(f"The account {email} is disabled.", "Ask an administrator to enable it.")
        stored = users.password_hash(user.id)
        if stored is not None:
            if not password:
                raise SignInError(f"The account {email} has a password.", "Enter it to sign in.")
            if not check_password_hash(stored, password):
                raise SignInError("Wrong password.", "Try again; passwords are case-sensitive.")
        users.record_login(user.id)
        return user


def find_user(database: Database, settings: Settings, email: str | None, password: str | None) -> UserRecord | None:
    """The account to work as: the one named, the remembered one, or the embedded database's local
    profile. None when a shared database needs the user to sign in."""
    if email:
        return sign_in(database, email, password)
    remembered = settings.last_user_email
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


def require_user(database: Database, settings: Settings, email: str | None, password: str | None) -> UserRecord:
    """`find_user` for the command line, where nobody can be asked."""
    user = find_user(database, settings, email, password)
    if user is None:
        raise SignInError(
            "No account is signed in on this computer for this database.",
            "Name one with --user EMAIL (the password is read from $RESELLER_DESKTOP_PASSWORD or asked).",
        )
    return user
