"""Notifications of the signed-in user: owned through their listing, or through the nullable
user_id column the desktop adds (for notifications that have no listing)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select, update

from reseller_desktop.db import schema
from reseller_desktop.domain.errors import FieldError, NotFoundError, ValidationError
from reseller_desktop.domain.records import NotificationRecord
from reseller_desktop.domain.vocabulary import NOTIFICATION_TYPES
from reseller_desktop.repositories.base import UserScopedRepository, to_record

t = schema.notifications
listings = schema.listings


class NotificationRepository(UserScopedRepository):
    def _mine(self) -> Any:
        owned_listings = select(listings.c.id).where(listings.c.user_id == self.user_id)
        return or_(t.c.user_id == self.user_id, t.c.listing_id.in_(owned_listings))

    def add(
        self,
        type_: str,
        title: str,
        message: str | None = None,
        *,
        listing_id: int | None = None,
        platform: str | None = None,
        data: Any = None,
    ) -> NotificationRecord:
        if not isinstance(title, str) or not title.strip():
            raise ValidationError([FieldError("title", "A notification needs a title.")])
        if type_ not in NOTIFICATION_TYPES:
            raise ValidationError([FieldError("type", f"{type_!r} is not one of: {', '.join(NOTIFICATION_TYPES)}.")])
        if (
            listing_id is not None
            and self._conn.scalar(
                select(listings.c.id).where(listings.c.id == listing_id, listings.c.user_id == self.user_id)
            )
            is None
        ):
            raise NotFoundError("listing", listing_id)
        row = (
            self._conn.execute(
                t.insert()
                .values(
                    type=type_,
                    title=title,
                    message=message,
                    listing_id=listing_id,
                    platform=platform,
                    data=data,
                    user_id=self.user_id,
                )
                .returning(*t.c)
            )
            .mappings()
            .one()
        )
        return to_record(NotificationRecord, row)

    def recent(self, *, unread_only: bool = False, limit: int = 200) -> list[NotificationRecord]:
        where = [self._mine()] + ([t.c.is_read.is_not(True)] if unread_only else [])
        rows = self._conn.execute(
            select(t).where(*where).order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit)
        ).mappings()
        return [to_record(NotificationRecord, r) for r in rows]

    def unread_count(self) -> int:
        return int(
            self._conn.scalar(select(func.count()).select_from(t).where(self._mine(), t.c.is_read.is_not(True))) or 0
        )

    def mark_read(self, notification_id: int) -> None:
        done = self._conn.scalar(
            update(t).where(t.c.id == notification_id, self._mine()).values(is_read=True).returning(t.c.id)
        )
        if done is None:
            raise NotFoundError("notification", notification_id)
        self._activity.record("read_notification", "notification", notification_id)

    def mark_all_read(self) -> int:
        ids = self._conn.scalars(
            update(t).where(self._mine(), t.c.is_read.is_not(True)).values(is_read=True).returning(t.c.id)
        ).all()
        if ids:
            self._activity.record("read_all_notifications", "notification", None, {"count": len(ids)})
        return len(ids)
