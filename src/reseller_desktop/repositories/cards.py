"""Trading cards of the signed-in user."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from reseller_desktop.db import schema
from reseller_desktop.domain.card_rules import TierThresholds, check_card
from reseller_desktop.domain.errors import NotFoundError
from reseller_desktop.domain.records import CardRecord, field_names
from reseller_desktop.repositories.base import (
    UserScopedRepository,
    money_to_columns,
    money_to_decimals,
    reject_unknown,
    to_record,
    utc_now,
)
from reseller_desktop.repositories.storage import StorageRepository

t = schema.card_collections
MONEY = ("estimated_value", "purchase_price")
# value_tier is derived by the database from estimated_value and the seller's thresholds.
EDITABLE = tuple(
    name
    for name in field_names(CardRecord)
    if name not in {"id", "user_id", "card_uuid", "created_at", "updated_at", "value_tier"}
)


class CardRepository(UserScopedRepository):
    def _mine(self) -> Any:
        return t.c.user_id == self.user_id

    def _check_storage_item(self, values: Mapping[str, Any]) -> None:
        item_id = values.get("storage_item_id")
        if item_id is None:
            return
        items = schema.storage_items
        if self._conn.scalar(select(items.c.id).where(items.c.id == item_id, items.c.user_id == self.user_id)) is None:
            raise NotFoundError("storage item", item_id)

    def add(self, values: Mapping[str, Any]) -> CardRecord:
        reject_unknown(values, EDITABLE)
        full = {"quantity": 1, **values}
        check_card(money_to_decimals(full, MONEY))
        self._check_storage_item(full)
        row = (
            self._conn.execute(
                t.insert()
                .values(
                    card_uuid=str(uuid.uuid4()),
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
        record = to_record(CardRecord, row, MONEY)
        self._activity.record("create_card", "card", record.id, {"title": record.title})
        return record

    def get(self, card_id: int) -> CardRecord:
        row = self._conn.execute(select(t).where(t.c.id == card_id, self._mine())).mappings().first()
        if row is None:
            raise NotFoundError("card", card_id)
        return to_record(CardRecord, row, MONEY)

    def get_by_uuid(self, card_uuid: str) -> CardRecord:
        row = self._conn.execute(select(t).where(t.c.card_uuid == card_uuid, self._mine())).mappings().first()
        if row is None:
            raise NotFoundError("card", card_uuid)
        return to_record(CardRecord, row, MONEY)

    def update(self, card_id: int, changes: Mapping[str, Any]) -> CardRecord:
        reject_unknown(changes, EDITABLE)
        before = (
            self._conn.execute(select(t).where(t.c.id == card_id, self._mine()).with_for_update()).mappings().first()
        )
        if before is None:
            raise NotFoundError("card", card_id)
        current = to_record(CardRecord, before, MONEY)
        check_card(money_to_decimals({n: getattr(current, n) for n in EDITABLE} | dict(changes), MONEY))
        self._check_storage_item(changes)
        row = (
            self._conn.execute(
                update(t)
                .where(t.c.id == card_id, self._mine())
                .values(updated_at=utc_now(), **money_to_columns(changes, MONEY))
                .returning(*t.c)
            )
            .mappings()
            .one()
        )
        after = to_record(CardRecord, row, MONEY)
        changed = self._changed_fields(
            {k: getattr(current, k) for k in changes}, {k: getattr(after, k) for k in changes}
        )
        self._activity.record("update_card", "card", card_id, {"changes": changed})
        return after

    def delete(self, card_id: int) -> None:
        """Delete the card; its own storage item goes with it (a binder page holding other cards, or
        the stock of a listing, stays)."""
        gone = self._conn.execute(
            delete(t).where(t.c.id == card_id, self._mine()).returning(t.c.title, t.c.storage_item_id)
        ).first()
        if gone is None:
            raise NotFoundError("card", card_id)
        title, item_id = gone
        self._activity.record("delete_card", "card", card_id, {"title": title})
        if item_id is not None and not self.count_in_storage_item(item_id):
            storage = StorageRepository(self._conn, self.user_id, self._activity)
            item = storage.get_item(item_id)
            if item.listing_id is None and item.removed_at is None:
                storage.delete_item(item_id)

    def page(self, after_id: int | None = None, limit: int = 200) -> list[CardRecord]:
        where = [self._mine()] + ([t.c.id > after_id] if after_id is not None else [])
        rows = self._conn.execute(select(t).where(*where).order_by(t.c.id).limit(limit)).mappings()
        return [to_record(CardRecord, r, MONEY) for r in rows]

    def count_in_storage_item(self, storage_item_id: int) -> int:
        """How many of the user's cards are linked to one storage item (a binder page holds several)."""
        return self._count(t, t.c.storage_item_id == storage_item_id, self._mine())

    # ----- value tiers -------------------------------------------------------------------------
    def tier_thresholds(self) -> TierThresholds:
        tiers = schema.card_value_tiers
        row = self._conn.execute(select(tiers).where(tiers.c.user_id == self.user_id)).mappings().first()
        if row is None:
            return TierThresholds()
        return TierThresholds(row["mid_from"], row["high_from"], row["grail_from"])

    def set_tier_thresholds(self, thresholds: TierThresholds) -> int:
        """Save the thresholds and re-derive every card's tier; returns how many cards have a value."""
        thresholds.check()
        tiers = schema.card_value_tiers
        values = {
            "mid_from": thresholds.mid_from,
            "high_from": thresholds.high_from,
            "grail_from": thresholds.grail_from,
            "updated_at": utc_now(),
        }
        self._conn.execute(
            insert(tiers)
            .values(user_id=self.user_id, **values)
            .on_conflict_do_update(index_elements=[tiers.c.user_id], set_=values)
        )
        # Naming value_tier in the SET makes the database's tier trigger derive it again.
        touched = self._conn.execute(
            update(t).where(self._mine(), t.c.estimated_value.is_not(None)).values(value_tier=t.c.value_tier)
        ).rowcount
        self._activity.record(
            "set_value_tiers",
            "card",
            None,
            {
                "mid_from": str(thresholds.mid_from),
                "high_from": str(thresholds.high_from),
                "grail_from": str(thresholds.grail_from),
            },
        )
        return int(touched)
