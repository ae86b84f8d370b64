"""Accounts. Not user-bound: this is how a user is found before anyone is signed in."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, RowMapping, func, select, update

from reseller_desktop import USER_AGENT
from reseller_desktop.db import schema
from reseller_desktop.domain.errors import NotFoundError
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.repositories.base import utc_now

t = schema.users
ACCOUNTS_LOCK_KEY = 0x5E5E0A11
_PUBLIC = [c for c in t.c if c.name not in {"password_hash", "verification_token", "reset_token"}]


def _record(row: RowMapping) -> UserRecord:
    return UserRecord(
        id=row["id"],
        username=row["username"],
        email=row["email"],
        has_password=row["has_password"],
        is_admin=row["is_admin"],
        is_active=row["is_active"],
        tier=row["tier"],
        created_at=row["created_at"],
        last_login=row["last_login"],
    )


class UserRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def _select(self) -> Any:
        return select(*_PUBLIC, t.c.password_hash.is_not(None).label("has_password"))

    def get(self, user_id: UUID) -> UserRecord:
        row = self._conn.execute(self._select().where(t.c.id == user_id)).mappings().first()
        if row is None:
            raise NotFoundError("user", user_id)
        return _record(row)

    def by_email(self, email: str) -> UserRecord | None:
        row = (
            self._conn.execute(self._select().where(func.lower(t.c.email) == email.strip().lower())).mappings().first()
        )
        return None if row is None else _record(row)

    def password_hash(self, user_id: UUID) -> str | None:
        value = self._conn.scalar(select(t.c.password_hash).where(t.c.id == user_id))
        return None if value is None else str(value)

    def lock_accounts(self) -> None:
        """Serialise account creation with other clients until this transaction ends."""
        self._conn.execute(select(func.pg_advisory_xact_lock(ACCOUNTS_LOCK_KEY)))

    def count(self) -> int:
        return int(self._conn.scalar(select(func.count()).select_from(t)) or 0)

    def only_user(self) -> UserRecord | None:
        rows = self._conn.execute(self._select().limit(2)).mappings().all()
        return _record(rows[0]) if len(rows) == 1 else None

    def create(self, username: str, email: str, password_hash: str | None = None) -> UserRecord:
        user_id = self._conn.scalar(
            t.insert()
            .values(username=username, email=email, password_hash=password_hash, created_at=utc_now())
            .returning(t.c.id)
        )
        assert user_id is not None
        self._conn.execute(
            schema.activity_logs.insert().values(
                user_id=user_id, action="create_user", resource_type="user", user_agent=USER_AGENT
            )
        )
        return self.get(user_id)

    def record_login(self, user_id: UUID) -> None:
        self._conn.execute(update(t).where(t.c.id == user_id).values(last_login=utc_now()))
        self._conn.execute(
            schema.activity_logs.insert().values(
                user_id=user_id, action="login", resource_type="user", user_agent=USER_AGENT
            )
        )
