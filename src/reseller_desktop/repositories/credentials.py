"""Which marketplace accounts are connected. Only the account name is stored here: tokens and
passwords belong to the OS keyring, and the contract's `password` column is never written."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from reseller_desktop.db import schema
from reseller_desktop.domain.errors import FieldError, NotFoundError, ValidationError
from reseller_desktop.domain.records import CredentialRecord
from reseller_desktop.repositories.base import UserScopedRepository, to_record, utc_now

t = schema.marketplace_credentials


class CredentialRepository(UserScopedRepository):
    def save(self, platform: str, username: str) -> CredentialRecord:
        platform = platform.strip().lower()
        if not platform:
            raise ValidationError([FieldError("platform", "Name the platform.")])
        now = utc_now()
        statement = insert(t).values(user_id=self.user_id, platform=platform, username=username, updated_at=now)
        row = (
            self._conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[t.c.user_id, t.c.platform],
                    set_={"username": username, "updated_at": now},
                ).returning(*t.c)
            )
            .mappings()
            .one()
        )
        record = to_record(CredentialRecord, row)
        self._activity.record("connect_platform", "marketplace_credential", record.id, {"platform": platform})
        return record

    def get(self, platform: str) -> CredentialRecord:
        row = (
            self._conn.execute(select(t).where(t.c.user_id == self.user_id, t.c.platform == platform.lower()))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError("connected account for", platform)
        return to_record(CredentialRecord, row)

    def all(self) -> list[CredentialRecord]:
        rows = self._conn.execute(select(t).where(t.c.user_id == self.user_id).order_by(t.c.platform)).mappings()
        return [to_record(CredentialRecord, r) for r in rows]

    def remove(self, platform: str) -> None:
        gone = self._conn.scalar(
            delete(t).where(t.c.user_id == self.user_id, t.c.platform == platform.lower()).returning(t.c.id)
        )
        if gone is None:
            raise NotFoundError("connected account for", platform)
        self._activity.record("disconnect_platform", "marketplace_credential", gone, {"platform": platform})
