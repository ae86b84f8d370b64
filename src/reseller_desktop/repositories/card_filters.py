"""A CardFilter as SQL conditions on `card_collections`: type, search and the group chosen in the tree.

Search is over the document of db/card_indexes.py (see repositories/text_search.py); a tag group is
matched through the tags function its index is built on.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, cast, func, literal_column
from sqlalchemy.dialects.postgresql import JSONB

from reseller_desktop.db import schema
from reseller_desktop.db.card_indexes import SEARCH_DOCUMENT, TAGS_FUNCTION, TRIGRAM_INDEX
from reseller_desktop.domain.card_groups import CardFilter
from reseller_desktop.repositories.text_search import has_index, search_condition

t = schema.card_collections
EMPTY_TAGS = literal_column("'[]'::jsonb", JSONB)


def tags_of_card() -> Any:
    """The card's tags as a JSON array (NULL when it has none): the expression the tags index is on."""
    return getattr(func, TAGS_FUNCTION)(t.c.custom_categories, type_=JSONB)


def filter_conditions(conn: Connection, user_id: UUID, card_filter: CardFilter) -> Any:
    conditions: list[Any] = [t.c.user_id == user_id]
    if card_filter.card_type:
        conditions.append(t.c.card_type == card_filter.card_type)
    if card_filter.search_term:
        conditions.append(search_condition(SEARCH_DOCUMENT, card_filter.search_term, has_index(conn, TRIGRAM_INDEX)))
    group = card_filter.group
    if group is not None:
        for field, key in zip(group.fields, group.keys, strict=True):
            if field == "tag":
                tags = tags_of_card()
                conditions.append(
                    func.coalesce(tags, EMPTY_TAGS) == EMPTY_TAGS if key is None else tags.contains(cast([key], JSONB))
                )
            else:
                conditions.append(t.c[field].is_(None) if key is None else t.c[field] == key)
    return and_(*conditions)
