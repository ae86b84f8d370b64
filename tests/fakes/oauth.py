"""What the fakes' OAuth share: the tokens a fake marketplace issued (and whether each still works),
and the OAuth 2 error answer both platforms' authorization servers give."""

from __future__ import annotations

import secrets
import time
from typing import Literal

from tests.fakes.http_messages import Reply


def first_problem(*checks: tuple[bool, str]) -> str | None:
    """The description of the first (wrong, description) check that is wrong, or None: a consent page's
    request checks, in the order the platform makes them."""
    return next((description for wrong, description in checks if wrong), None)


def oauth_error(status: int, error: str, description: str) -> Reply:
    """{"error", "error_description"} (RFC 6749 section 5.2); not in the OpenAPI files, checked by hand."""
    return Reply.json(status, {"error": error, "error_description": description}, checked=False)


class TokenBook:
    """Access and refresh tokens the fake issued. Access tokens expire after `access_ttl` seconds or
    when a test calls `expire_all_access`; refresh tokens stop working when revoked or rotated."""

    def __init__(self, access_ttl: int, prefix: str = "") -> None:
        self.access_ttl = access_ttl
        self.prefix = prefix
        self._access: dict[str, float] = {}  # token -> monotonic deadline
        self._refresh: set[str] = set()

    def _new(self, kind: str) -> str:
        return f"{self.prefix}{kind}-{secrets.token_urlsafe(24)}"

    def issue_access(self) -> str:
        token = self._new("access")
        self._access[token] = time.monotonic() + self.access_ttl
        return token

    def issue_refresh(self) -> str:
        token = self._new("refresh")
        self._refresh.add(token)
        return token

    def access_state(self, token: str | None) -> Literal["valid", "expired", "unknown"]:
        if token is None or token not in self._access:
            return "unknown"
        return "valid" if time.monotonic() < self._access[token] else "expired"

    def refresh_is_valid(self, token: str) -> bool:
        return token in self._refresh

    def retire_refresh(self, token: str) -> None:
        self._refresh.discard(token)

    def expire_all_access(self) -> None:
        self._access = dict.fromkeys(self._access, 0.0)

    def revoke_all_refresh(self) -> None:
        self._refresh.clear()
