"""What a scanned code refers to among the signed-in user's records. Read-only.

One statement answers a scan: a UNION ALL of index probes, one per way a code can match, so a scan
costs one round trip however far the server is, and stays instant at a million listings:

- listings by UPC (every equivalent GTIN spelling)  -> idx_listings_user_upc (user_id, upc)
- listings by SKU                                   -> uq_listings_user_sku (user_id, sku)
- listings by listing_uuid, cards by card_uuid      -> their unique indexes
- storage items by storage_id                       -> its unique index
- bins and sections by label code                   -> primary keys; bins by name -> (user_id, bin_name, ...)

Every branch is limited to the user's own rows (sections through their bin's owner).
"""

from __future__ import annotations

from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    Connection,
    Integer,
    Text,
    and_,
    any_,
    bindparam,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.sql import CompoundSelect, Select

from reseller_desktop.db import schema
from reseller_desktop.domain.barcodes import (
    BIN_LABEL_PREFIX,
    HIT_KIND_ORDER,
    SECTION_LABEL_PREFIX,
    CodeKind,
    HitKind,
    ScanHit,
    classify,
    uuid_spellings,
)
from reseller_desktop.repositories.base import ActivityLogWriter, UserScopedRepository

listings = schema.listings
cards = schema.card_collections
items = schema.storage_items
bins = schema.storage_bins
sections = schema.storage_sections

# One UPC can be on many listings (a seller lists each copy); a chooser longer than this helps nobody.
MAX_HITS_PER_WAY = 50
SEPARATOR = " · "

# The statement depends on the scan only through which branches it has, so each shape is built
# once with bound parameters: building and keying a UNION of this size per scan costs more than
# the database takes to answer it.
USER = bindparam("user_id", type_=listings.c.user_id.type)
CODE = bindparam("code", type_=Text)
# Arrays, not IN lists: one statement text whatever the number of spellings, so the server keeps
# one prepared plan per shape (psycopg prepares a statement it sees again).
UUIDS = any_(bindparam("uuids", type_=ARRAY(Text)))
UPCS = any_(bindparam("upcs", type_=ARRAY(Text)))
LABEL_ID = bindparam("label_id", type_=Integer)


def _kind(kind: HitKind) -> Any:
    # A constant of our own enum, spelled into the SQL: a bound parameter in a select list has no
    # type PostgreSQL can infer for a UNION.
    return literal_column(f"'{kind.value}'", Text).label("kind")


def _detail(*parts: Any) -> Any:
    """Parts joined by the separator; a NULL part (a column that is empty) is left out."""
    return func.concat_ws(literal(SEPARATOR, Text), *parts).label("detail")


def _prefixed(prefix: str, column: Any) -> Any:
    return literal(prefix, Text) + column  # NULL stays NULL, so concat_ws skips it


class CodeLookupRepository(UserScopedRepository):
    """Finds what a scan refers to. Never writes, so the activity writer is optional."""

    def __init__(self, conn: Connection, user_id: UUID, activity: ActivityLogWriter | None = None) -> None:
        super().__init__(conn, user_id, activity or ActivityLogWriter(conn, user_id))

    def find(self, code: str) -> list[ScanHit]:
        """Records of the user that `code` names exactly, listings first.

        A digit code with a wrong check digit is not looked up as a UPC, but may still be a SKU or a
        storage id; the caller reports the misread when nothing matched. Raises EmptyScanError for a
        blank code.
        """
        scanned = classify(code)
        if scanned.gtin_spellings():
            upcs: tuple[str, ...] = scanned.gtin_spellings()
        elif scanned.kind is CodeKind.TEXT:
            upcs = (scanned.text,)  # some sellers keep a store's own barcode in the UPC field
        else:
            upcs = ()  # a misread is not any product's code
        label = scanned.kind if scanned.kind in (CodeKind.BIN_LABEL, CodeKind.SECTION_LABEL) else None
        parameters = {
            "user_id": self.user_id,
            "code": scanned.text,
            "uuids": list(uuid_spellings(scanned.text)),
            "upcs": list(upcs),
            "label_id": scanned.label_id,
        }
        rows = self._conn.execute(_statement(bool(upcs), label), parameters).all()
        hits: dict[tuple[HitKind, int], ScanHit] = {}
        for kind, row_id, title, detail in rows:
            hit = ScanHit(HitKind(kind), int(row_id), str(title), str(detail or ""))
            hits.setdefault((hit.kind, hit.id), hit)  # a listing can match by UPC and SKU at once
        return sorted(hits.values(), key=lambda h: (HIT_KIND_ORDER[h.kind], h.title.casefold(), h.id))


@cache
def _statement(by_upc: bool, label: CodeKind | None) -> CompoundSelect[Any]:
    """The UNION ALL of index probes for a scan with (or without) a UPC branch and a label branch."""
    mine = listings.c.user_id == USER
    branches = [
        _listing_select().where(mine, listings.c.sku == CODE),
        _listing_select().where(mine, listings.c.listing_uuid == UUIDS),
    ]
    if by_upc:
        branches.append(
            _listing_select().where(mine, listings.c.upc == UPCS).order_by(listings.c.id).limit(MAX_HITS_PER_WAY)
        )
    branches.append(_card_select().where(cards.c.card_uuid == UUIDS, cards.c.user_id == USER))
    branches.append(_item_select().where(items.c.storage_id == CODE, items.c.user_id == USER))
    branches.append(_bin_select().where(bins.c.user_id == USER, func.lower(bins.c.bin_name) == func.lower(CODE)))
    if label is CodeKind.BIN_LABEL:
        branches.append(_bin_select().where(bins.c.id == LABEL_ID, bins.c.user_id == USER))
    if label is CodeKind.SECTION_LABEL:
        branches.append(_section_select().where(sections.c.id == LABEL_ID, bins.c.user_id == USER))
    return union_all(*branches)


# ----- one select per kind, all with the same columns: kind, id, title, detail ---------------------
def _listing_select() -> Select[Any]:
    return select(
        _kind(HitKind.LISTING),
        listings.c.id,
        listings.c.title.label("title"),
        _detail(
            _prefixed("SKU ", listings.c.sku),
            _prefixed("UPC ", listings.c.upc),
            listings.c.status,
            listings.c.storage_location,
        ),
    )


def _card_select() -> Select[Any]:
    return select(
        _kind(HitKind.CARD),
        cards.c.id,
        cards.c.title.label("title"),
        _detail(cards.c.card_type, cards.c.set_name, cards.c.player_name, cards.c.storage_location),
    )


def _item_select() -> Select[Any]:
    item_bins = bins.alias("item_bin")
    item_sections = sections.alias("item_section")
    # The place is joined only where it is the user's too: a row the web app linked to another
    # user's bin must not reveal that bin's name.
    return (
        select(
            _kind(HitKind.STORAGE_ITEM),
            items.c.id,
            func.coalesce(items.c.title, items.c.storage_id).label("title"),
            _detail(
                _prefixed("Storage id ", items.c.storage_id),
                _prefixed("Bin ", item_bins.c.bin_name),
                _prefixed("Section ", item_sections.c.section_name),
            ),
        )
        .select_from(items)
        .outerjoin(item_bins, and_(item_bins.c.id == items.c.bin_id, item_bins.c.user_id == USER))
        .outerjoin(
            item_sections,
            and_(
                item_sections.c.id == items.c.section_id,
                item_sections.c.bin_id.in_(select(bins.c.id).where(bins.c.user_id == USER)),
            ),
        )
    )


def _bin_select() -> Select[Any]:
    return select(
        _kind(HitKind.BIN),
        bins.c.id,
        (literal("Bin ", Text) + bins.c.bin_name).label("title"),
        _detail(bins.c.bin_type, bins.c.description, _prefixed(f"Label {BIN_LABEL_PREFIX}", bins.c.id.cast(Text))),
    )


def _section_select() -> Select[Any]:
    return (
        select(
            _kind(HitKind.SECTION),
            sections.c.id,
            (_prefixed("Bin ", bins.c.bin_name) + literal(" › Section ", Text) + sections.c.section_name).label(
                "title"
            ),
            _detail(
                _prefixed(f"Label {SECTION_LABEL_PREFIX}", sections.c.id.cast(Text)),
                _prefixed("Items stored: ", sections.c.item_count.cast(Text)),
            ),
        )
        .select_from(sections)
        .join(bins, bins.c.id == sections.c.bin_id)
    )
