"""Database failures translated into messages a user can act on.

`translate` maps a driver or pool exception to a `UserError` when the cause is something the user
can fix or wait out (server down, timeout, a rule broken by the data); anything else is a bug and is
left as it is so it surfaces as one.
"""

from __future__ import annotations

import psycopg.errors
from sqlalchemy import exc as sa_exc

from reseller_desktop.db.collection_tables import CAPACITY_CONSTRAINT
from reseller_desktop.db.collection_tables import CHECK_MESSAGES as COLLECTION_CHECK_MESSAGES
from reseller_desktop.db.desktop_additions import CHECK_MESSAGES, UNIQUE_MESSAGES
from reseller_desktop.domain.errors import SectionFullError, UserError


class DatabaseUnavailableError(UserError):
    pass


class DatabaseBusyError(UserError):
    pass


class QueryTimeoutError(UserError):
    pass


class ConstraintError(UserError):
    def __init__(self, message: str, constraint: str) -> None:
        super().__init__(message, "Nothing was saved.")
        self.constraint = constraint


class SchemaTooNewError(UserError):
    pass


def translate(error: BaseException, where: str) -> BaseException:
    """The exception to show for `error`, raised while talking to the database at `where`."""
    if isinstance(error, sa_exc.TimeoutError):
        return DatabaseBusyError(
            "All database connections stayed busy for 5 s.",
            "Another task is holding them; wait for it to finish and try again.",
        )
    original = getattr(error, "orig", None)
    if isinstance(original, psycopg.errors.QueryCanceled):
        return QueryTimeoutError(
            "The database took longer than the 10 s limit and the query was cancelled.",
            "Narrow the filter and try again; if it keeps happening the server is overloaded.",
        )
    if isinstance(original, psycopg.errors.CheckViolation):
        return _broken_check(original)
    if isinstance(original, psycopg.errors.UniqueViolation):
        name = original.diag.constraint_name or ""
        return ConstraintError(UNIQUE_MESSAGES.get(name, f"That value already exists ({name})."), name)
    if isinstance(original, psycopg.errors.NotNullViolation):
        column = original.diag.column_name or "a required field"
        return ConstraintError(f"{column} is required and was left empty.", original.diag.constraint_name or "")
    if isinstance(original, psycopg.errors.DataError):
        detail = (original.diag.message_primary or "").rstrip(".")
        return ConstraintError(f"A value is not of the right kind ({detail}).", "")
    if isinstance(original, psycopg.errors.DeadlockDetected | psycopg.errors.SerializationFailure):
        return DatabaseBusyError(
            "Another client changed the same records at the same moment.",
            "Nothing was saved; try again.",
        )
    if isinstance(original, psycopg.errors.LockNotAvailable):
        return DatabaseBusyError(
            "Another client is holding the records this needs (for example a schema upgrade).",
            "Wait a moment and try again.",
        )
    if isinstance(original, psycopg.errors.ForeignKeyViolation):
        name = original.diag.constraint_name or ""
        return ConstraintError("It refers to a record that no longer exists; refresh and try again.", name)
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError) or isinstance(
        original, psycopg.OperationalError
    ):
        if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
            detail = "the connection was lost"
        else:
            detail = str(original or error).strip().splitlines()[0] if str(original or error).strip() else ""
        return DatabaseUnavailableError(
            f"Cannot reach the database ({where}): {detail}.",
            "Check that the server is running and the network is up; nothing was saved.",
        )
    return error


def _broken_check(error: psycopg.errors.CheckViolation) -> UserError:
    name = error.diag.constraint_name or ""
    if name == CAPACITY_CONSTRAINT:  # raised by the storage triggers, with a message naming the section
        return SectionFullError(error.diag.message_primary or "That section is full.", error.diag.message_hint or "")
    message = CHECK_MESSAGES.get(name) or COLLECTION_CHECK_MESSAGES.get(name) or f"The data breaks the rule {name}."
    return ConstraintError(message, name)
