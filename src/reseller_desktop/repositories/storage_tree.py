"""Reading storage as the seller sees it: the bin/section tree with counts, and what a place holds.

Mixed into StorageRepository (uow.storage); read-only. Counts come from the sections' item_count,
which the database keeps true, so the tree costs two small queries however many items there are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql import Select

from reseller_desktop.db import schema
from reseller_desktop.domain.errors import NotFoundError
from reseller_desktop.domain.records import BinNode, BinRecord, SectionNode, SectionRecord, StoredThing
from reseller_desktop.domain.storage_paths import location_path
from reseller_desktop.repositories.base import to_record

bins = schema.storage_bins
sections = schema.storage_sections
items = schema.storage_items
listings = schema.listings
cards = schema.card_collections
REMOVED_PAGE = 500


class StorageTreeQueries:
    _conn: Connection
    user_id: Any

    def tree(self) -> list[BinNode]:
        """Every bin of the user with its sections (by name) and how many items lie loose in it."""
        bin_rows = self._conn.execute(
            select(bins).where(bins.c.user_id == self.user_id).order_by(func.lower(bins.c.bin_name), bins.c.id)
        ).mappings()
        owned = [to_record(BinRecord, r) for r in bin_rows]
        ids = [b.id for b in owned]
        by_bin: dict[int, list[SectionRecord]] = {i: [] for i in ids}
        loose: dict[int, int] = {}
        if ids:
            section_rows = self._conn.execute(
                select(sections)
                .where(sections.c.bin_id.in_(ids))
                .order_by(func.length(sections.c.section_name), sections.c.section_name, sections.c.id)
            ).mappings()
            for row in section_rows:
                record = to_record(SectionRecord, row)
                by_bin[int(row["bin_id"])].append(record)
            loose_rows = self._conn.execute(
                select(items.c.bin_id, func.count())
                .where(items.c.bin_id.in_(ids), items.c.section_id.is_(None), items.c.user_id == self.user_id)
                .group_by(items.c.bin_id)
            ).all()
            loose = {int(b): int(n) for b, n in loose_rows}
        return [
            BinNode(
                bin=b,
                sections=tuple(
                    SectionNode(s, location_path(b.bin_name, s.section_name), _free(s)) for s in by_bin[b.id]
                ),
                loose_items=loose.get(b.id, 0),
            )
            for b in owned
        ]

    def contents(self, bin_id: int, section_id: int | None) -> list[StoredThing]:
        """What is stored in a section, or loose in a bin (section_id None), ordered by title."""
        owner = self._conn.scalar(select(bins.c.id).where(bins.c.id == bin_id, bins.c.user_id == self.user_id))
        if owner is None:
            raise NotFoundError("bin", bin_id)
        where = [items.c.bin_id == bin_id, items.c.user_id == self.user_id]
        where.append(items.c.section_id == section_id if section_id is not None else items.c.section_id.is_(None))
        return self._things(and_(*where))

    def where_is(self, storage_item_id: int) -> StoredThing:
        found = self._things(and_(items.c.id == storage_item_id, items.c.user_id == self.user_id))
        if not found:
            raise NotFoundError("storage item", storage_item_id)
        return found[0]

    def removed(self, limit: int = REMOVED_PAGE) -> list[StoredThing]:
        """Items taken off the shelf because their listing sold out, newest first."""
        where = and_(items.c.user_id == self.user_id, items.c.removed_at.is_not(None))
        return self._things(where, order=[items.c.removed_at.desc(), items.c.id.desc()], limit=limit)

    def storage_items_of_listing(self, listing_id: int) -> list[StoredThing]:
        """The listing's items still on a shelf (not removed), oldest first."""
        where = and_(items.c.listing_id == listing_id, items.c.user_id == self.user_id, items.c.removed_at.is_(None))
        return self._things(where, order=[items.c.id])

    def _things(
        self, where: ColumnElement[bool], order: list[Any] | None = None, limit: int | None = None
    ) -> list[StoredThing]:
        query = self._things_query(where).order_by(
            *(order or [func.lower(func.coalesce(items.c.title, listings.c.title, "")), items.c.id])
        )
        if limit is not None:
            query = query.limit(limit)
        return [_thing(row) for row in self._conn.execute(query).mappings()]

    def _things_query(self, where: ColumnElement[bool]) -> Select[Any]:
        card_ids = (
            select(func.array_agg(aggregate_order_by(cards.c.id, cards.c.id)))
            .where(cards.c.storage_item_id == items.c.id)
            .scalar_subquery()
        )
        first_card = (
            select(cards.c.title)
            .where(cards.c.storage_item_id == items.c.id)
            .order_by(cards.c.id)
            .limit(1)
            .scalar_subquery()
        )
        return (
            select(
                items.c.id,
                items.c.storage_id,
                func.coalesce(items.c.title, listings.c.title, first_card, items.c.storage_id).label("title"),
                items.c.item_type,
                items.c.quantity,
                items.c.listing_id,
                listings.c.status.label("listing_status"),
                card_ids.label("card_ids"),
                items.c.bin_id,
                items.c.section_id,
                bins.c.bin_name,
                sections.c.section_name,
                items.c.removed_from,
            )
            .select_from(
                items.outerjoin(listings, listings.c.id == items.c.listing_id)
                .outerjoin(bins, bins.c.id == items.c.bin_id)
                .outerjoin(sections, and_(sections.c.id == items.c.section_id, sections.c.bin_id == items.c.bin_id))
            )
            .where(where)
        )


def _free(section: SectionRecord) -> int | None:
    if section.capacity is None:
        return None
    return max(section.capacity - (section.item_count or 0), 0)


def _thing(row: Any) -> StoredThing:
    path = location_path(row["bin_name"], row["section_name"]) if row["bin_name"] is not None else None
    return StoredThing(
        storage_item_id=int(row["id"]),
        storage_id=str(row["storage_id"]),
        title=str(row["title"]),
        item_type=row["item_type"],
        quantity=row["quantity"],
        listing_id=row["listing_id"],
        listing_status=row["listing_status"],
        card_ids=tuple(row["card_ids"] or ()),
        bin_id=row["bin_id"],
        section_id=row["section_id"],
        path=path,
        removed_from=row["removed_from"],
    )
