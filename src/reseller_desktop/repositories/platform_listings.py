"""A listing's rows per marketplace; owned through the listing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select, update

from reseller_desktop.db import schema
from reseller_desktop.domain.errors import FieldError, NotFoundError, ValidationError
from reseller_desktop.domain.records import PlatformListingRecord
from reseller_desktop.domain.vocabulary import PLATFORM_LISTING_STATUSES
from reseller_desktop.repositories.base import UserScopedRepository, reject_unknown, to_record

t = schema.platform_listings
listings = schema.listings
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
