"""A ListingFilter as SQL conditions on `listings`, shared by the listings view and exports.

Search is over the document of db/listing_indexes.py (see repositories/text_search.py).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, exists, select

from reseller_desktop.db import schema
from reseller_desktop.db.listing_indexes import SEARCH_DOCUMENT, TRIGRAM_INDEX
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.repositories.text_search import escape_like, has_index, search_condition

t = schema.listings


def filter_conditions(conn: Connection, user_id: UUID, listing_filter: ListingFilter) -> Any:
    others, search = filter_parts(conn, user_id, listing_filter)
    return others if search is None else and_(others, search)


def filter_parts(conn: Connection, user_id: UUID, listing_filter: ListingFilter) -> tuple[Any, Any | None]:
    """The filter's conditions apart from the search, and the search's (None without a term): a
    search page plans the two apart (repositories/text_search.search_page)."""
    conditions: list[Any] = [t.c.user_id == user_id]
    f = listing_filter
    if f.statuses:
        conditions.append(t.c.status.in_(f.statuses))
    for column, value in (("category", f.category), ("condition", f.condition), ("item_type", f.item_type)):
        if value:
            conditions.append(t.c[column] == value)
    if f.storage_location:
        if f.storage_location.endswith("*"):
            prefix = escape_like(f.storage_location[:-1])
            conditions.append(t.c.storage_location.like(f"{prefix}%", escape="\\"))
        else:
            conditions.append(t.c.storage_location == f.storage_location)
    if f.platform:
        pl = schema.platform_listings
        conditions.append(exists(select(pl.c.id).where(pl.c.listing_id == t.c.id, pl.c.platform == f.platform)))
    search = None
    if f.search_term:
        search = search_condition(SEARCH_DOCUMENT, f.search_term, has_index(conn, TRIGRAM_INDEX))
    return and_(*conditions), search
