"""Bins, their sections, and the items stored in them, for the signed-in user.

A section's item_count is kept by the database (a trigger recounts it whenever an item enters or
leaves, and refuses an item when the section is full). Moves still lock the sections they touch, in
id order, before writing: a bulk move touches many rows, and two clients moving items between the
same sections then queue instead of deadlocking.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, or_, select, update

from reseller_desktop.db import schema
from reseller_desktop.domain.errors import FieldError, NotFoundError, ValidationError
from reseller_desktop.domain.records import BinRecord, SectionRecord, StorageItemRecord, field_names
from reseller_desktop.repositories.base import UserScopedRepository, reject_unknown, to_record, utc_now
from reseller_desktop.repositories.storage_tree import StorageTreeQueries

bins = schema.storage_bins
sections = schema.storage_sections
items = schema.storage_items
ITEM_EDITABLE = tuple(
    n
    for n in field_names(StorageItemRecord)
    if n
    not in {
        "id",
        "user_id",
        "storage_id",
        "created_at",
        "updated_at",
        "removed_at",
        "removed_from",
        "removed_from_section_id",
        "removed_from_bin_id",
    }
)


def _required(field: str, value: object, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError([FieldError(field, f"{what} is required.")])
    return value.strip()


class StorageRepository(StorageTreeQueries, UserScopedRepository):
    # ----- bins --------------------------------------------------------------------------------
    def add_bin(self, bin_name: str, bin_type: str, description: str | None = None) -> BinRecord:
        row = (
            self._conn.execute(
                bins.insert()
                .values(
                    user_id=self.user_id,
                    bin_name=_required("bin_name", bin_name, "A bin name"),
                    bin_type=_required("bin_type", bin_type, "A bin type").lower(),
                    description=description,
                )
                .returning(*bins.c)
            )
            .mappings()
            .one()
        )
        record = to_record(BinRecord, row)
        self._activity.record("create_bin", "storage_bin", record.id, {"bin_name": record.bin_name})
        return record

    def get_bin(self, bin_id: int) -> BinRecord:
        row = (
            self._conn.execute(select(bins).where(bins.c.id == bin_id, bins.c.user_id == self.user_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError("bin", bin_id)
        return to_record(BinRecord, row)

    def all_bins(self) -> list[BinRecord]:
        rows = self._conn.execute(
            select(bins).where(bins.c.user_id == self.user_id).order_by(bins.c.bin_name, bins.c.id)
        ).mappings()
        return [to_record(BinRecord, r) for r in rows]

    def delete_bin(self, bin_id: int) -> None:
        record = self.get_bin(bin_id)
        in_sections = select(sections.c.id).where(sections.c.bin_id == bin_id)
        if self._count(items, or_(items.c.bin_id == bin_id, items.c.section_id.in_(in_sections))):
            raise ValidationError([FieldError("bin", f"Bin {record.bin_name} still holds items; move them first.")])
        self._conn.execute(delete(sections).where(sections.c.bin_id == bin_id))
        self._conn.execute(delete(bins).where(bins.c.id == bin_id, bins.c.user_id == self.user_id))
        self._activity.record("delete_bin", "storage_bin", bin_id, {"bin_name": record.bin_name})

    def rename_bin(self, bin_id: int, bin_name: str) -> BinRecord:
        before = self.get_bin(bin_id)
        name = _required("bin_name", bin_name, "A bin name")
        row = (
            self._conn.execute(
                update(bins)
                .where(bins.c.id == bin_id, bins.c.user_id == self.user_id)
                .values(bin_name=name)
                .returning(*bins.c)
            )
            .mappings()
            .one()
        )
        self._activity.record("rename_bin", "storage_bin", bin_id, {"from": before.bin_name, "to": name})
        return to_record(BinRecord, row)

    # ----- sections ----------------------------------------------------------------------------
    def _owned_bin_ids(self) -> Any:
        return select(bins.c.id).where(bins.c.user_id == self.user_id)

    def add_section(self, bin_id: int, section_name: str, capacity: int | None = None) -> SectionRecord:
        self.get_bin(bin_id)
        if capacity is not None and capacity < 0:
            raise ValidationError([FieldError("capacity", "Capacity cannot be negative.")])
        row = (
            self._conn.execute(
                sections.insert()
                .values(
                    bin_id=bin_id,
                    section_name=_required("section_name", section_name, "A section name"),
                    capacity=capacity,
                )
                .returning(*sections.c)
            )
            .mappings()
            .one()
        )
        record = to_record(SectionRecord, row)
        self._activity.record("create_section", "storage_section", record.id, {"bin_id": bin_id})
        return record

    def get_section(self, section_id: int) -> SectionRecord:
        row = (
            self._conn.execute(
                select(sections).where(sections.c.id == section_id, sections.c.bin_id.in_(self._owned_bin_ids()))
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError("section", section_id)
        return to_record(SectionRecord, row)

    def sections_of(self, bin_id: int) -> list[SectionRecord]:
        rows = self._conn.execute(
            select(sections)
            .where(sections.c.bin_id == bin_id, sections.c.bin_id.in_(self._owned_bin_ids()))
            .order_by(sections.c.section_name, sections.c.id)
        ).mappings()
        return [to_record(SectionRecord, r) for r in rows]

    def rename_section(self, section_id: int, section_name: str) -> SectionRecord:
        before = self.get_section(section_id)
        name = _required("section_name", section_name, "A section name")
        record = self._update_section(section_id, section_name=name)
        self._activity.record(
            "rename_section", "storage_section", section_id, {"from": before.section_name, "to": name}
        )
        return record

    def set_capacity(self, section_id: int, capacity: int | None) -> SectionRecord:
        """A new capacity; the database refuses one below what the section holds (SectionFullError)."""
        before = self.get_section(section_id)
        if capacity is not None and (not isinstance(capacity, int) or capacity < 0):
            raise ValidationError([FieldError("capacity", "Capacity is a whole number, 0 or more (empty: no limit).")])
        record = self._update_section(section_id, capacity=capacity)
        self._activity.record(
            "set_section_capacity", "storage_section", section_id, {"from": before.capacity, "to": capacity}
        )
        return record

    def _update_section(self, section_id: int, **values: Any) -> SectionRecord:
        row = (
            self._conn.execute(
                update(sections)
                .where(sections.c.id == section_id, sections.c.bin_id.in_(self._owned_bin_ids()))
                .values(**values)
                .returning(*sections.c)
            )
            .mappings()
            .one()
        )
        return to_record(SectionRecord, row)

    def delete_section(self, section_id: int) -> None:
        section = self.get_section(section_id)
        if self._count(items, items.c.section_id == section_id):
            raise ValidationError(
                [FieldError("section", f"Section {section.section_name} still holds items; move them first.")]
            )
        self._conn.execute(delete(sections).where(sections.c.id == section_id))
        self._activity.record("delete_section", "storage_section", section_id, {"name": section.section_name})

    # ----- items -------------------------------------------------------------------------------
    def _place(self, bin_id: int | None, section_id: int | None) -> tuple[int | None, int | None]:
        """The (bin, section) an item goes to; a section implies its bin, and both must be the user's."""
        if section_id is not None:
            section = self.get_section(section_id)
            if bin_id is not None and section.bin_id != bin_id:
                raise ValidationError([FieldError("section_id", "That section is in another bin.")])
            return section.bin_id, section_id
        if bin_id is not None:
            self.get_bin(bin_id)
        return bin_id, None

    def _check_listing(self, listing_id: int | None) -> None:
        if listing_id is None:
            return
        lt = schema.listings
        if self._conn.scalar(select(lt.c.id).where(lt.c.id == listing_id, lt.c.user_id == self.user_id)) is None:
            raise NotFoundError("listing", listing_id)

    def lock_sections(self, section_ids: Iterable[int | None]) -> list[int]:
        """Lock the user's sections a move touches, in id order, before any item row is written; the ids locked.

        Taking the lock first (FOR NO KEY UPDATE, which the item's foreign-key check does not
        conflict with) and in a fixed order means two clients moving items serialise instead of
        deadlocking, and each recount sees the other's committed move.
        """
        ids = sorted({s for s in section_ids if s is not None})
        if not ids:
            return []
        return list(
            self._conn.scalars(
                select(sections.c.id)
                .where(sections.c.id.in_(ids), sections.c.bin_id.in_(self._owned_bin_ids()))
                .order_by(sections.c.id)
                .with_for_update(key_share=True)
            )
        )

    def add_item(self, values: Mapping[str, Any]) -> StorageItemRecord:
        reject_unknown(values, ITEM_EDITABLE)
        quantity = values.get("quantity", 1)
        if quantity is not None and (not isinstance(quantity, int) or quantity < 0):
            raise ValidationError([FieldError("quantity", "Use a whole number, 0 or more.")])
        bin_id, section_id = self._place(values.get("bin_id"), values.get("section_id"))
        self._check_listing(values.get("listing_id"))
        self.lock_sections([section_id])
        row = (
            self._conn.execute(
                items.insert()
                .values(
                    user_id=self.user_id,
                    storage_id=values.get("storage_id") or f"SI-{uuid.uuid4().hex[:10].upper()}",
                    created_at=utc_now(),
                    updated_at=utc_now(),
                    **{k: v for k, v in values.items() if k not in {"storage_id", "bin_id", "section_id"}},
                    bin_id=bin_id,
                    section_id=section_id,
                )
                .returning(*items.c)
            )
            .mappings()
            .one()
        )
        record = to_record(StorageItemRecord, row)
        self._activity.record("create_storage_item", "storage_item", record.id, {"storage_id": record.storage_id})
        return record

    def get_item(self, item_id: int) -> StorageItemRecord:
        row = (
            self._conn.execute(select(items).where(items.c.id == item_id, items.c.user_id == self.user_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError("storage item", item_id)
        return to_record(StorageItemRecord, row)

    def get_item_by_storage_id(self, storage_id: str) -> StorageItemRecord:
        row = (
            self._conn.execute(select(items).where(items.c.storage_id == storage_id, items.c.user_id == self.user_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFoundError("storage item", storage_id)
        return to_record(StorageItemRecord, row)

    def items_in(self, section_id: int) -> list[StorageItemRecord]:
        self.get_section(section_id)
        rows = self._conn.execute(
            select(items).where(items.c.section_id == section_id, items.c.user_id == self.user_id).order_by(items.c.id)
        ).mappings()
        return [to_record(StorageItemRecord, r) for r in rows]

    def move_item(
        self, item_id: int, bin_id: int | None, section_id: int | None, *, via: str | None = None
    ) -> StorageItemRecord:
        """Put an item in a bin (and section), or nowhere; `via` (drag, bulk, scan, undo) goes to the log."""
        before = self.get_item(item_id)
        from_path = self.where_is(item_id).path
        bin_id, section_id = self._place(bin_id, section_id)
        self.lock_sections([before.section_id, section_id])
        row = (
            self._conn.execute(
                update(items)
                .where(items.c.id == item_id, items.c.user_id == self.user_id)
                .values(bin_id=bin_id, section_id=section_id, updated_at=utc_now())
                .returning(*items.c)
            )
            .mappings()
            .one()
        )
        self._activity.record(
            "move_storage_item",
            "storage_item",
            item_id,
            {
                "from": from_path,
                "to": self.where_is(item_id).path,
                "from_ids": [before.bin_id, before.section_id],
                "to_ids": [bin_id, section_id],
            }
            | ({"via": via} if via else {}),
        )
        return to_record(StorageItemRecord, row)

    def link_listing(self, item_id: int, listing_id: int | None) -> StorageItemRecord:
        """Say which listing an item is the stock of: its location follows the item, and selling the
        listing's last unit takes the item off its shelf."""
        before = self.get_item(item_id)
        self._check_listing(listing_id)
        row = (
            self._conn.execute(
                update(items)
                .where(items.c.id == item_id, items.c.user_id == self.user_id)
                .values(listing_id=listing_id, updated_at=utc_now())
                .returning(*items.c)
            )
            .mappings()
            .one()
        )
        self._activity.record(
            "link_storage_item", "storage_item", item_id, {"from": before.listing_id, "to": listing_id}
        )
        return to_record(StorageItemRecord, row)

    def delete_item(self, item_id: int) -> None:
        before = self.get_item(item_id)
        self.lock_sections([before.section_id])
        cards = schema.card_collections
        self._conn.execute(
            update(cards)
            .where(cards.c.storage_item_id == item_id, cards.c.user_id == self.user_id)
            .values(storage_item_id=None)
        )
        self._conn.execute(delete(items).where(items.c.id == item_id, items.c.user_id == self.user_id))
        self._activity.record("delete_storage_item", "storage_item", item_id, {"storage_id": before.storage_id})
