"""Notifications the jobs raise, each at most once while it is unread (a retrying job must not
flood the seller with the same error every pass)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, select, type_coerce

from reseller_desktop.db import schema
from reseller_desktop.db.database import UnitOfWork

n = schema.notifications


def notify_once(
    uow: UnitOfWork,
    type_: str,
    title: str,
    message: str,
    *,
    key: str,
    listing_id: int | None = None,
    platform: str | None = None,
    data: dict[str, Any] | None = None,
) -> bool:
    """Add the notification unless an unread one with the same key is there; True when added."""
    marker = f'"key":"{key}"'
    exists = uow.connection.scalar(
        select(n.c.id)
        .where(
            n.c.user_id == uow.user_id,
            n.c.is_read.is_not(True),
            type_coerce(n.c.data, Text).contains(marker, autoescape=True),
        )
        .limit(1)
    )
    if exists is not None:
        return False
    uow.notifications.add(
        type_, title, message, listing_id=listing_id, platform=platform, data={**(data or {}), "key": key}
    )
    return True
