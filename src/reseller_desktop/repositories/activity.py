"""The signed-in user's own activity trail (read side; writes go through ActivityLogWriter)."""

from __future__ import annotations

from sqlalchemy import select

from reseller_desktop.db import schema
from reseller_desktop.domain.records import ActivityRecord
from reseller_desktop.repositories.base import UserScopedRepository, to_record

t = schema.activity_logs


class ActivityRepository(UserScopedRepository):
    def recent(self, limit: int = 100, resource_type: str | None = None) -> list[ActivityRecord]:
        where = [t.c.user_id == self.user_id]
        if resource_type is not None:
            where.append(t.c.resource_type == resource_type)
        rows = self._conn.execute(select(t).where(*where).order_by(t.c.id.desc()).limit(limit)).mappings()
        return [to_record(ActivityRecord, r) for r in rows]
