"""Secrets in the OS keyring (Secret Service, macOS Keychain, Windows Credential Locker).

Nothing secret is written to the database, the settings file or the logs. A missing or locked
keyring becomes a `KeyringUnavailableError` with what to do, never a crash.
"""

from __future__ import annotations

import keyring
import keyring.errors
from keyring.backends import fail

from reseller_desktop import APP_ID
from reseller_desktop.domain.errors import UserError

DATABASE_SERVICE = f"{APP_ID}/database"


class KeyringUnavailableError(UserError):
    pass


def _unavailable(exc: Exception | None = None) -> KeyringUnavailableError:
    reason = type(exc).__name__ if exc is not None else "no keyring service is running"
    return KeyringUnavailableError(
        f"The system keyring could not be used ({reason}).",
        "Unlock your keyring, or install and start one (GNOME Keyring or KWallet on Linux), then try again.",
    )


def _check_backend() -> None:
    if isinstance(keyring.get_keyring(), fail.Keyring):
        raise _unavailable()


def get_secret(service: str, account: str) -> str | None:
    _check_backend()
    try:
        return keyring.get_password(service, account)
    except keyring.errors.KeyringError as exc:
        raise _unavailable(exc) from None


def set_secret(service: str, account: str, secret: str) -> None:
    _check_backend()
    try:
        keyring.set_password(service, account, secret)
    except keyring.errors.KeyringError as exc:
        raise _unavailable(exc) from None


def delete_secret(service: str, account: str) -> None:
    _check_backend()
    try:
        keyring.delete_password(service, account)
    except keyring.errors.PasswordDeleteError:
        pass  # already gone: the outcome the caller asked for
    except keyring.errors.KeyringError as exc:
        raise _unavailable(exc) from None
