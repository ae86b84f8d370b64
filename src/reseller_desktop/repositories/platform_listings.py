"""A listing's rows per marketplace; owned through the listing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Text, case, delete, literal, or_, select, update

from reseller_desktop import USER_AGENT
from reseller_desktop.db import schema
from reseller_desktop.domain.errors import FieldError, NotFoundError, ValidationError
from reseller_desktop.domain.records import PlatformListingRecord
from reseller_desktop.domain.vocabulary import PLATFORM_LISTING_STATUSES
from reseller_desktop.repositories.base import UserScopedRepository, reject_unknown, to_record

t = schema.platform_listings
listings = schema.listings
activity_logs = schema.activity_logs
# Platform rows still up on a marketplace, and so to be taken down when the item is gone.
LIVE_STATUSES: Final = ("pending", "active", "failed")
SETTABLE = (
    "platform_listing_id",
    "platform_url",
    "status",
    "posted_at",
    "last_synced",
    "cancel_scheduled_at",
    "error_message",
    "retry_count",
)


class PlatformListingRepository(UserScopedRepository):
    def _owned_listing_ids(self) -> Any:
        return select(listings.c.id).where(listings.c.user_id == self.user_id)

    def _mine(self) -> Any:
        return t.c.listing_id.in_(self._owned_listing_ids())

    def add(self, listing_id: int, platform: str) -> PlatformListingRecord:
        platform = platform.strip().lower()
        if not platform:
            raise ValidationError([FieldError("platform", "Name the platform (ebay, etsy, poshmark, ...).")])
        if (
            self._conn.scalar(
                select(listings.c.id).where(listings.c.id == listing_id, listings.c.user_id == self.user_id)
            )
            is None
        ):
            raise NotFoundError("listing", listing_id)
        row = (
            self._conn.execute(t.insert().values(listing_id=listing_id, platform=platform).returning(*t.c))
            .mappings()
            .one()
        )
        record = to_record(PlatformListingRecord, row)
        self._activity.record(
            "add_platform", "platform_listing", record.id, {"listing_id": listing_id, "platform": platform}
        )
        return record

    def get(self, platform_listing_id: int) -> PlatformListingRecord:
        row = self._conn.execute(select(t).where(t.c.id == platform_listing_id, self._mine())).mappings().first()
        if row is None:
            raise NotFoundError("platform listing", platform_listing_id)
        return to_record(PlatformListingRecord, row)

    def for_listing(self, listing_id: int) -> list[PlatformListingRecord]:
        rows = self._conn.execute(
            select(t).where(t.c.listing_id == listing_id, self._mine()).order_by(t.c.platform)
        ).mappings()
        return [to_record(PlatformListingRecord, r) for r in rows]

    def update(self, platform_listing_id: int, changes: Mapping[str, Any]) -> PlatformListingRecord:
        reject_unknown(changes, SETTABLE)
        status = changes.get("status")
        if status is not None and status not in PLATFORM_LISTING_STATUSES:
            raise ValidationError(
                [FieldError("status", f"{status!r} is not one of: {', '.join(PLATFORM_LISTING_STATUSES)}.")]
            )
        row = (
            self._conn.execute(
                update(t).where(t.c.id == platform_listing_id, self._mine()).values(**changes).returning(*t.c)
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError("platform listing", platform_listing_id)
        self._activity.record("update_platform_listing", "platform_listing", platform_listing_id, dict(changes))
        return to_record(PlatformListingRecord, row)

    def settle_sale(self, listing_id: int, sold_on: str, cancel_at: datetime) -> list[PlatformListingRecord]:
        """The listing's last unit sold on `sold_on`: that platform's row becomes sold, and every other
        row still up (LIVE_STATUSES) pending_cancel at `cancel_at`. Returns the changed rows by platform.

        One statement (a sale is recorded while the listing is locked, so round trips count): the
        UPDATE, and the activity entry of each changed row, as `update` would write them one by one.
        """
        is_sold_row = t.c.platform == sold_on
        changed = (
            update(t)
            .where(t.c.listing_id == listing_id, self._mine(), or_(is_sold_row, t.c.status.in_(LIVE_STATUSES)))
            .values(
                status=case((is_sold_row, "sold"), else_="pending_cancel"),
                cancel_scheduled_at=case((is_sold_row, t.c.cancel_scheduled_at), else_=literal(cancel_at)),
            )
            .returning(*t.c)
            .cte("changed")
        )
        details = activity_logs.c.details.type
        sold = literal({"status": "sold"}, details)
        # The datetime as the activity writer spells it (str), so every entry of this action reads alike.
        cancelled = literal({"status": "pending_cancel", "cancel_scheduled_at": str(cancel_at)}, details)
        logged = (
            activity_logs.insert()
            .from_select(
                ["user_id", "action", "resource_type", "resource_id", "details", "user_agent"],
                select(
                    literal(self.user_id, activity_logs.c.user_id.type),
                    literal("update_platform_listing", Text),
                    literal("platform_listing", Text),
                    changed.c.id,
                    case((changed.c.platform == sold_on, sold), else_=cancelled),
                    literal(USER_AGENT, Text),
                ).order_by(changed.c.platform),
            )
            .cte("logged")
        )
        rows = self._conn.execute(select(changed).add_cte(logged).order_by(changed.c.platform)).mappings()
        return [to_record(PlatformListingRecord, row) for row in rows]

    def remove(self, platform_listing_id: int) -> None:
        gone = self._conn.execute(
            delete(t).where(t.c.id == platform_listing_id, self._mine()).returning(t.c.platform, t.c.listing_id)
        ).first()
        if gone is None:
            raise NotFoundError("platform listing", platform_listing_id)
        self._activity.record(
            "remove_platform",
            "platform_listing",
            platform_listing_id,
            {"platform": gone[0], "listing_id": gone[1]},
        )
