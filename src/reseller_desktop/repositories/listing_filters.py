"""A ListingFilter as SQL conditions on `listings`, shared by the listings view and exports.

Search uses the trigram index when the server has pg_trgm (substring match, ILIKE '%term%'), else
the full-text index (word-prefix match); which one is decided once per database.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Connection, and_, exists, func, literal_column, select, text

from reseller_desktop.db import schema
from reseller_desktop.db.listing_indexes import SEARCH_DOCUMENT, TRIGRAM_INDEX
from reseller_desktop.domain.listing_filter import ListingFilter

t = schema.listings
_trigram_by_database: dict[str, bool] = {}


def has_trigram_search(conn: Connection) -> bool:
    key = f"{conn.engine.url.render_as_string(hide_password=True)}"
    if key not in _trigram_by_database:
        _trigram_by_database[key] = bool(conn.scalar(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": TRIGRAM_INDEX}))
    return _trigram_by_database[key]


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(term: str, trigram: bool) -> Any:
    document: ColumnElement[str] = literal_column(SEARCH_DOCUMENT)
    if trigram:
        return document.ilike(f"%{_escape_like(term)}%", escape="\\")
    words = [w for w in "".join(c if c.isalnum() else " " for c in term).split() if w]
    query = " & ".join(f"{w}:*" for w in words) or "''"
    return func.to_tsvector(literal_column("'simple'"), document).op("@@")(
        func.to_tsquery(literal_column("'simple'"), query)
    )


def filter_conditions(conn: Connection, user_id: UUID, listing_filter: ListingFilter) -> Any:
    conditions: list[Any] = [t.c.user_id == user_id]
    f = listing_filter
    if f.statuses:
        conditions.append(t.c.status.in_(f.statuses))
    for column, value in (("category", f.category), ("condition", f.condition), ("item_type", f.item_type)):
        if value:
            conditions.append(t.c[column] == value)
    if f.storage_location:
        if f.storage_location.endswith("*"):
            prefix = _escape_like(f.storage_location[:-1])
            conditions.append(t.c.storage_location.like(f"{prefix}%", escape="\\"))
        else:
            conditions.append(t.c.storage_location == f.storage_location)
    if f.platform:
        pl = schema.platform_listings
        conditions.append(exists(select(pl.c.id).where(pl.c.listing_id == t.c.id, pl.c.platform == f.platform)))
    if f.search_term:
        conditions.append(search_condition(f.search_term, has_trigram_search(conn)))
    return and_(*conditions)
