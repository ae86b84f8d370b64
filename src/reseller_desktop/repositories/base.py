"""What every user-bound repository shares: the owner, the connection, the activity log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from sqlalchemy import Connection, RowMapping, Table, func, select

from reseller_desktop import USER_AGENT
from reseller_desktop.db import schema
from reseller_desktop.domain.errors import FieldError, ValidationError
from reseller_desktop.domain.money import from_real, parse_money, to_real
from reseller_desktop.domain.records import field_names

R = TypeVar("R")


def utc_now() -> datetime:
    """Naive UTC, the way the contract's TIMESTAMP columns hold time."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_record(record_type: type[R], row: RowMapping, money: Iterable[str] = ()) -> R:
    values = {name: row[name] for name in field_names(record_type)}
    for name in money:
        values[name] = from_real(values[name])
    return record_type(**values)


def money_to_columns(values: Mapping[str, Any], money: Iterable[str]) -> dict[str, Any]:
    """Money fields as given by the caller (str, Decimal, number) become REAL values for the row."""
    out = dict(values)
    for name in money:
        if name in out and out[name] is not None:
            out[name] = to_real(parse_money(out[name], name))
    return out


def money_to_decimals(values: Mapping[str, Any], money: Iterable[str]) -> dict[str, Any]:
    out = dict(values)
    for name in money:
        if name in out and out[name] is not None and not isinstance(out[name], Decimal):
            out[name] = parse_money(out[name], name)
    return out


def reject_unknown(values: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise ValidationError(FieldError(name, "is not a field that can be set here.") for name in unknown)


class ActivityLogWriter:
    """Writes the activity_logs row that every change a user makes leaves behind."""

    def __init__(self, conn: Connection, user_id: UUID) -> None:
        self._conn = conn
        self._user_id = user_id

    def record(
        self,
        action: str,
        resource_type: str | None = None,
        resource_id: int | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        self._conn.execute(
            schema.activity_logs.insert().values(
                user_id=self._user_id,
                action=action,
                resource_type=resource_type,
                resource_id=resource_id,
                details=_jsonable(details) if details else None,
                user_agent=USER_AGENT,
            )
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal | UUID | datetime):
        return str(value)
    return value


class UserScopedRepository:
    """A repository that can only see and change rows of `user_id`."""

    def __init__(self, conn: Connection, user_id: UUID, activity: ActivityLogWriter) -> None:
        self._conn = conn
        self.user_id = user_id
        self._activity = activity

    def _count(self, table: Table, *where: Any) -> int:
        return int(self._conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)

    def _changed_fields(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
        return {k: {"from": before.get(k), "to": v} for k, v in after.items() if before.get(k) != v}
