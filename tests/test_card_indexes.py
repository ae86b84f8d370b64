"""Migration 0006: the Cards page's indexes are there, are what the program describes, serve the
queries they were made for, and go away (with the tags function) on a downgrade."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement
from tests.card_support import add_cards, add_many_cards
from tests.conftest import PgServer

from reseller_desktop.db import card_indexes as ix
from reseller_desktop.db import migrate
from reseller_desktop.db.database import Database
from reseller_desktop.db.schema import build_metadata
from reseller_desktop.domain.card_groups import CardFilter, GroupPath
from reseller_desktop.domain.records import UserRecord
from reseller_desktop.repositories.card_pages import filter_conditions, t

OURS = {name for name, _columns, _included in ix.BTREE_INDEXES} | {ix.TRIGRAM_INDEX, ix.TAGS_INDEX}


def index_names(conn: Connection) -> set[str]:
    return set(conn.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'card_collections'")))


class Explain(Executable, ClauseElement):
    inherit_cache = False

    def __init__(self, query: Any) -> None:
        self.query = query


@compiles(Explain)
def _explain(element: Explain, compiler: Any, **kwargs: Any) -> str:
    return "EXPLAIN " + compiler.process(element.query, **kwargs)


def plan(conn: Connection, query: Any) -> str:
    """The plan the server makes for the query, with its parameters bound as the app binds them."""
    return "\n".join(conn.execute(Explain(query)).scalars())


def test_every_card_index_is_built_and_described_by_the_program(database: Database) -> None:
    metadata = build_metadata()
    ix.add_card_indexes(metadata)
    with database.connect() as conn:
        assert index_names(conn) >= OURS
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in differences if d[0] in ("add_index", "remove_index") and d[1].name in OURS]
    assert [d for d in ours if d[1].name not in ix.EXPRESSION_INDEXES] == []


@pytest.mark.parametrize(
    ("raw", "tags"),
    [
        ('["binder", "for sale"]', ["binder", "for sale"]),
        ('"grails"', ["grails"]),
        ('{"a": 1}', []),
        ("not json [", []),
        ("", []),
    ],
)
def test_tags_are_read_from_custom_categories_whatever_another_program_wrote(
    database: Database, raw: str, tags: list[str]
) -> None:
    with database.connect() as conn:
        assert conn.scalar(text(f"SELECT {ix.TAGS_FUNCTION}(:raw)"), {"raw": raw}) == tags
        assert conn.scalar(text(f"SELECT {ix.TAGS_FUNCTION}(NULL)")) is None


def test_the_group_indexes_carry_what_the_sums_add_up(database: Database) -> None:
    with database.connect() as conn:
        definitions = dict(
            conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE '%_groups'")).all()
        )
    assert set(definitions) == {name for name, _c, included in ix.BTREE_INDEXES if included}
    for definition in definitions.values():  # sums read from the index alone once autovacuum has passed
        assert definition.endswith("INCLUDE (quantity, estimated_value, purchase_price)")


def test_search_tags_and_keyset_pages_are_served_by_their_indexes(database: Database, alice: UserRecord) -> None:
    add_cards(database, alice)
    add_many_cards(database, alice, 3_000)
    with database.connect() as conn:
        conn.execute(text("ANALYZE card_collections"))
        conn.execute(text("SET enable_seqscan = off"))
        # The search expression as the page writes it is the one the trigram index is built on.
        searched = filter_conditions(conn, alice.id, CardFilter(search="charizard")).clauses[-1]
        assert ix.TRIGRAM_INDEX in plan(conn, select(t.c.id).where(searched))
        tagged = filter_conditions(conn, alice.id, CardFilter(group=GroupPath("custom", ("grails",))))
        assert ix.TAGS_INDEX in plan(conn, select(t.c.id).where(tagged))
        mine = filter_conditions(conn, alice.id, CardFilter())
        page = select(t.c.id).where(mine).order_by(t.c.estimated_value.desc(), t.c.id.desc()).limit(200)
        assert "idx_card_collections_user_estimated_value" in plan(conn, page)


@pytest.fixture
def blank(pg: PgServer, empty_db_name: str) -> Iterator[Database]:
    db = pg.database(empty_db_name)
    yield db
    db.dispose()


def test_downgrade_removes_the_card_indexes_and_the_tags_function_and_upgrade_restores_them(blank: Database) -> None:
    migrate.upgrade(blank.engine)
    migrate.downgrade(blank.engine, "0005_cards_and_storage")
    with blank.connect() as conn:
        assert index_names(conn) & OURS == set()
        assert conn.scalar(text("SELECT to_regprocedure(:f)"), {"f": ix.TAGS_FUNCTION_SIGNATURE}) is None
    migrate.upgrade(blank.engine)
    with blank.connect() as conn:
        assert index_names(conn) >= OURS
        assert migrate.current_revision(conn) == migrate.head_revision()
