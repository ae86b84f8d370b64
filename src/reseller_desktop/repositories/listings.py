"""Listings of the signed-in user."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update

from reseller_desktop.db import schema
from reseller_desktop.domain.errors import NotFoundError, UserError
from reseller_desktop.domain.listing_rules import check_listing
from reseller_desktop.domain.listing_status import check_transition
from reseller_desktop.domain.records import ListingRecord
from reseller_desktop.domain.sku import clean_sku, new_sku
from reseller_desktop.repositories.base import (
    UserScopedRepository,
    money_to_columns,
    money_to_decimals,
    reject_unknown,
    to_record,
    utc_now,
)

t = schema.listings
MONEY = ("price", "cost", "sold_price")
# Columns a user may set; id, listing_uuid, user_id and the timestamps are the repository's.
EDITABLE = (
    "collectible_id",
    "title",
    "description",
    "price",
    "cost",
    "condition",
    "category",
    "item_type",
    "attributes",
    "photos",
    "quantity",
    "storage_location",
    "sku",
    "upc",
    "status",
    "sold_platform",
    "sold_date",
    "sold_price",
    "platform_statuses",
)


class StaleListingError(UserError):
    """The listing changed in the database since it was opened (another client, the web app)."""

    def __init__(self, current: ListingRecord) -> None:
        super().__init__(
            f"“{current.title}” was changed elsewhere since you opened it.",
            "Reload to see the other change, or keep yours to overwrite it.",
        )
        self.current = current


class ListingStillListedError(UserError):
    def __init__(self, platforms: list[str]) -> None:
        names = ", ".join(sorted(platforms))
        super().__init__(
            f"It is still listed on {names}.",
            "Take it down first (Sync view → Cancel now, or Delisted for a platform you post to by hand); "
            "once it shows canceled there it can be deleted.",
        )
        self.platforms = platforms


class ListingRepository(UserScopedRepository):
    def _mine(self) -> Any:
        return t.c.user_id == self.user_id

    def _check_collectible(self, values: Mapping[str, Any]) -> None:
        collectible_id = values.get("collectible_id")
        if collectible_id is None:
            return
        c = schema.metadata.tables["collectibles"]
        if self._conn.scalar(select(c.c.id).where(c.c.id == collectible_id, c.c.user_id == self.user_id)) is None:
            raise NotFoundError("collectible", collectible_id)

    def add(self, values: Mapping[str, Any]) -> ListingRecord:
        reject_unknown(values, EDITABLE)
        full = {"quantity": 1, "status": "draft", **values}
        full["sku"] = clean_sku(full.get("sku")) or new_sku()
        check_listing(money_to_decimals(full, MONEY))
        self._check_collectible(full)
        row = (
            self._conn.execute(
                t.insert()
                .values(
                    listing_uuid=str(uuid.uuid4()),
                    user_id=self.user_id,
                    created_at=utc_now(),
                    updated_at=utc_now(),
                    **money_to_columns(full, MONEY),
                )
                .returning(*t.c)
            )
            .mappings()
            .one()
        )
        record = to_record(ListingRecord, row, MONEY)
        self._activity.record("create_listing", "listing", record.id, {"title": record.title})
        return record

    def get(self, listing_id: int) -> ListingRecord:
        row = self._conn.execute(select(t).where(t.c.id == listing_id, self._mine())).mappings().first()
        if row is None:
            raise NotFoundError("listing", listing_id)
        return to_record(ListingRecord, row, MONEY)

    def get_by_uuid(self, listing_uuid: str) -> ListingRecord:
        row = self._conn.execute(select(t).where(t.c.listing_uuid == listing_uuid, self._mine())).mappings().first()
        if row is None:
            raise NotFoundError("listing", listing_uuid)
        return to_record(ListingRecord, row, MONEY)

    def find_by_sku(self, sku: str) -> list[ListingRecord]:
        rows = self._conn.execute(select(t).where(t.c.sku == sku, self._mine()).order_by(t.c.id)).mappings()
        return [to_record(ListingRecord, r, MONEY) for r in rows]

    def get_for_update(self, listing_id: int) -> ListingRecord:
        """The listing, locked until the transaction ends (two sales of it queue, not race)."""
        row = (
            self._conn.execute(select(t).where(t.c.id == listing_id, self._mine()).with_for_update()).mappings().first()
        )
        if row is None:
            raise NotFoundError("listing", listing_id)
        return to_record(ListingRecord, row, MONEY)

    def update(
        self,
        listing_id: int,
        changes: Mapping[str, Any],
        *,
        expected_updated_at: datetime | None = None,
        recording_sale: bool = False,
        locked: ListingRecord | None = None,
    ) -> ListingRecord:
        """Apply `changes` after checking the whole listing as it will be; lock the row meanwhile.

        With `expected_updated_at` (when the editor loaded the row), a row that another client
        changed since is not overwritten: StaleListingError carries what is there now. `locked` is
        the listing as this transaction read it with `get_for_update`: it is not read again.
        """
        reject_unknown(changes, EDITABLE)
        before = locked if locked is not None and locked.id == listing_id else self.get_for_update(listing_id)
        if expected_updated_at is not None and before.updated_at != expected_updated_at:
            raise StaleListingError(before)
        if "status" in changes and not (recording_sale and changes["status"] == "sold"):
            check_transition(before.status, changes["status"])
        merged = {name: getattr(before, name) for name in EDITABLE} | dict(changes)
        check_listing(money_to_decimals(merged, MONEY))
        self._check_collectible(changes)
        new_row = (
            self._conn.execute(
                update(t)
                .where(t.c.id == listing_id, self._mine())
                .values(updated_at=utc_now(), **money_to_columns(changes, MONEY))
                .returning(*t.c)
            )
            .mappings()
            .one()
        )
        after = to_record(ListingRecord, new_row, MONEY)
        changed = self._changed_fields(
            {k: getattr(before, k) for k in changes}, {k: getattr(after, k) for k in changes}
        )
        self._activity.record("update_listing", "listing", listing_id, {"changes": changed})
        return after

    def live_platforms(self, listing_id: int) -> list[str]:
        """Platforms where the listing is (or may be) up: deleting it here would leave it for sale there."""
        pl = schema.platform_listings
        up = or_(
            pl.c.status.in_(("active", "pending_cancel")),
            and_(pl.c.status.in_(("pending", "failed")), pl.c.platform_listing_id.is_not(None)),
        )
        owned = select(t.c.id).where(t.c.id == listing_id, self._mine())
        return list(self._conn.scalars(select(pl.c.platform).where(pl.c.listing_id.in_(owned), up)))

    def delete(self, listing_id: int) -> None:
        """Delete the listing with its platform rows; notifications and storage items keep their history.

        Refused while it is up on a platform: the sync could no longer take it down there."""
        owned = self._conn.scalar(select(t.c.id).where(t.c.id == listing_id, self._mine()).with_for_update())
        if owned is None:
            raise NotFoundError("listing", listing_id)
        live = self.live_platforms(listing_id)
        if live:
            raise ListingStillListedError(live)
        title = self._conn.scalar(select(t.c.title).where(t.c.id == listing_id))
        self._conn.execute(delete(schema.platform_listings).where(schema.platform_listings.c.listing_id == listing_id))
        n = schema.notifications
        self._conn.execute(update(n).where(n.c.listing_id == listing_id).values(listing_id=None, user_id=self.user_id))
        items = schema.storage_items
        self._conn.execute(
            update(items)
            .where(items.c.listing_id == listing_id, items.c.user_id == self.user_id)
            .values(listing_id=None)
        )
        self._conn.execute(delete(t).where(t.c.id == listing_id, self._mine()))
        self._activity.record("delete_listing", "listing", listing_id, {"title": title})

    def page(self, after_id: int | None = None, limit: int = 200, status: str | None = None) -> list[ListingRecord]:
        """One keyset page in id order (the listings view builds richer pages on the same idea)."""
        where = [self._mine()]
        if after_id is not None:
            where.append(t.c.id > after_id)
        if status is not None:
            where.append(t.c.status == status)
        rows = self._conn.execute(select(t).where(and_(*where)).order_by(t.c.id).limit(limit)).mappings()
        return [to_record(ListingRecord, r, MONEY) for r in rows]

    def count_by_status(self) -> dict[str, int]:
        rows = self._conn.execute(select(t.c.status, func.count()).where(self._mine()).group_by(t.c.status)).all()
        return {str(status): int(count) for status, count in rows}
