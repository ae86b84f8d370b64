"""Search of a table's text document (listings, cards), served by an index on that document.

Substring search (ILIKE '%term%') uses the trigram index when the server has pg_trgm; without it
the full-text index matches word prefixes. Which one is decided once per database and index.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Text, func, literal_column, text

_index_exists: dict[tuple[str, str], bool] = {}


def has_index(conn: Connection, index_name: str) -> bool:
    key = (conn.engine.url.render_as_string(hide_password=True), index_name)
    if key not in _index_exists:
        _index_exists[key] = bool(conn.scalar(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": index_name}))
    return _index_exists[key]


def escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(document_sql: str, term: str, trigram: bool) -> Any:
    """Rows whose document (the SQL expression the search index is on) holds `term`."""
    document = literal_column(document_sql, Text)
    if trigram:
        return document.ilike(f"%{escape_like(term)}%", escape="\\")
    words = [w for w in "".join(c if c.isalnum() else " " for c in term).split() if w]
    query = " & ".join(f"{w}:*" for w in words) or "''"
    return func.to_tsvector(literal_column("'simple'"), document).op("@@")(
        func.to_tsquery(literal_column("'simple'"), query)
    )
