"""Errors a user is shown, kept apart from bugs.

Anything derived from `UserError` carries a message that says what is wrong and how to fix it; the
UI shows it as is. Any other exception is a defect and is reported as one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class UserError(Exception):
    """A problem the user can understand and act on."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ValidationError(UserError):
    """One or more fields are invalid; nothing was written."""

    def __init__(self, errors: Iterable[FieldError]) -> None:
        self.errors = tuple(errors)
        text = "; ".join(f"{e.field}: {e.message}" for e in self.errors)
        super().__init__(text, "Nothing was saved; correct the fields and save again.")

    def for_field(self, field: str) -> list[str]:
        return [e.message for e in self.errors if e.field == field]


class NotFoundError(UserError):
    """The record does not exist, or belongs to another user (we never say which)."""

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(
            f"No {kind} {key} was found for the signed-in user.",
            "It may have been deleted by another client; refresh the view.",
        )
        self.kind = kind
        self.key = key


class SectionFullError(UserError):
    """A storage section is at capacity (or would fall below what it holds); nothing was moved."""
