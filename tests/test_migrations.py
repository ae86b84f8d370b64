"""Migrations: fresh, down and up again, adoption of a web-app database, idempotence, refusal of
a newer schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from tests.conftest import PgServer

from reseller_desktop.db import collection_tables, migrate, sync_tables, value_history_tables
from reseller_desktop.db.database import Database
from reseller_desktop.db.errors import ConstraintError, SchemaTooNewError
from reseller_desktop.db.listing_indexes import SEARCH_DOCUMENT
from reseller_desktop.db.schema import metadata

WEBAPP_SQL = Path(__file__).parent / "fixtures" / "webapp_schema.sql"
OURS = {"reseller_desktop_alembic_version", "reseller_desktop_schema_ledger"}


@pytest.fixture
def blank(pg: PgServer, empty_db_name: str) -> Iterator[Database]:
    db = pg.database(empty_db_name)
    yield db
    db.dispose()


@pytest.fixture
def webapp(blank: Database) -> Database:
    with blank.engine.begin() as conn:
        conn.exec_driver_sql(WEBAPP_SQL.read_text())
    return blank


def tables(conn: Connection) -> set[str]:
    return set(conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))


def snapshot(conn: Connection) -> dict[str, object]:
    """Everything that describes the schema, for comparing two states."""
    return {
        "columns": conn.execute(
            text(
                "SELECT table_name, column_name, data_type, is_nullable, column_default "
                "FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1, 2"
            )
        ).all(),
        "constraints": conn.execute(
            text(
                "SELECT conrelid::regclass::text, conname, convalidated, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2"
            )
        ).all(),
        "indexes": conn.execute(
            text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")
        ).all(),
        "ledger": conn.execute(
            text("SELECT revision, kind, table_name, object_name FROM reseller_desktop_schema_ledger ORDER BY id")
        ).all()
        if "reseller_desktop_schema_ledger" in tables(conn)
        else [],
    }


def rows(conn: Connection) -> dict[str, list[tuple[object, ...]]]:
    return {
        name: conn.execute(text(f"SELECT * FROM {name} ORDER BY 1")).all()
        for name in (
            "users",
            "listings",
            "platform_listings",
            "marketplace_credentials",
            "notifications",
            "web_sessions",
        )
    }


def test_fresh_upgrade_then_downgrade_to_base_then_upgrade_again(blank: Database) -> None:
    assert migrate.upgrade(blank.engine) == []
    with blank.connect() as conn:
        assert tables(conn) == set(metadata.tables) | OURS
        assert migrate.current_revision(conn) == migrate.head_revision()
        before = snapshot(conn)

    migrate.downgrade(blank.engine, "base")
    with blank.connect() as conn:
        assert tables(conn) == {"reseller_desktop_alembic_version"}
        assert migrate.current_revision(conn) is None

    migrate.upgrade(blank.engine)
    with blank.connect() as conn:
        after = snapshot(conn)
    assert after["columns"] == before["columns"]
    assert after["indexes"] == before["indexes"]
    assert after["constraints"] == before["constraints"]


def test_downgrade_one_step_removes_only_that_revisions_additions(blank: Database) -> None:
    migrate.upgrade(blank.engine)
    migrate.downgrade(blank.engine, "0001_contract")
    with blank.connect() as conn:
        checks = conn.scalars(
            text("SELECT conname FROM pg_constraint WHERE contype = 'c' AND conname LIKE 'ck_%'")
        ).all()
        columns = conn.scalars(
            text("SELECT column_name FROM information_schema.columns WHERE table_name = 'notifications'")
        ).all()
        assert checks == []
        assert "user_id" not in columns
        added_later = (
            set(sync_tables.NEW_TABLES) | set(collection_tables.NEW_TABLES) | set(value_history_tables.NEW_TABLES)
        )
        assert tables(conn) == (set(metadata.tables) - added_later) | OURS
        trigger = conn.scalar(
            text("SELECT count(*) FROM pg_trigger WHERE tgname = :n"), {"n": sync_tables.UPDATE_TRIGGER}
        )
        assert trigger == 0


def test_adopting_a_webapp_database_keeps_every_row_and_lists_rows_that_break_rules(webapp: Database) -> None:
    with webapp.connect() as conn:
        before_rows = rows(conn)

    problems = migrate.upgrade(webapp.engine)

    with webapp.connect() as conn:
        assert rows_without_added_columns(conn) == before_rows
        assert tables(conn) >= set(metadata.tables) | {"web_sessions"}
        columns = set(
            conn.scalars(text("SELECT column_name FROM information_schema.columns WHERE table_name = 'listings'"))
        )
        assert "platform_statuses" in columns
        assert conn.scalar(text("SELECT to_regclass('idx_card_collections_sport_year') IS NOT NULL"))
        default = conn.scalar(
            text(
                "SELECT column_default FROM information_schema.columns "
                "WHERE table_name = 'marketplace_credentials' AND column_name = 'created_at'"
            )
        )
        assert default == "now()"
    found = {p.constraint: p for p in problems}
    assert found["ck_listings_active_location"].row_ids == (2,)
    assert found["ck_listings_quantity_nonnegative"].row_ids == (3,)
    assert found["ck_listings_sold_fields"].row_ids == (4,)
    assert found["ck_listings_title_length"].row_ids == (5,)
    assert found["ck_notifications_type"].row_count == 1
    assert set(found["marketplace_credentials_user_id_platform_key"].row_ids) == {1, 2}
    assert "db validate" in found["ck_listings_active_location"].describe()
    assert "ck_listings_status" not in found  # rules no row breaks are fully validated
    assert "uq_listings_user_sku" not in found  # no duplicate SKUs in this data


def rows_without_added_columns(conn: Connection) -> dict[str, list[tuple[object, ...]]]:
    current = rows(conn)
    # listings gained platform_statuses (last column) and notifications gained user_id; drop them.
    current["listings"] = [r[:-1] for r in current["listings"]]
    current["notifications"] = [r[:-1] for r in current["notifications"]]
    # platform_listings gained the sync engine's columns (migration 0004), all NULL on adoption.
    added = len(sync_tables.PLATFORM_LISTING_COLUMNS)
    assert all(set(r[-added:]) == {None} for r in current["platform_listings"])
    current["platform_listings"] = [r[:-added] for r in current["platform_listings"]]
    return current


def test_rules_apply_to_new_writes_even_where_old_rows_break_them(webapp: Database) -> None:
    migrate.upgrade(webapp.engine)
    user = "00000000-0000-0000-0000-00000000000a"
    with (
        pytest.raises(ConstraintError, match="active listing needs a storage location"),
        webapp.connect() as conn,
    ):
        conn.execute(
            text(
                "INSERT INTO listings (listing_uuid, user_id, title, price, status) "
                "VALUES ('n1', :u, 'New', 1, 'active')"
            ),
            {"u": user},
        )


def test_upgrade_twice_changes_nothing(webapp: Database) -> None:
    migrate.upgrade(webapp.engine)
    with webapp.connect() as conn:
        first, first_rows = snapshot(conn), rows(conn)
    migrate.upgrade(webapp.engine)
    with webapp.connect() as conn:
        assert snapshot(conn) == first
        assert rows(conn) == first_rows


def test_validate_after_fixing_rows_makes_the_rules_whole(webapp: Database) -> None:
    migrate.upgrade(webapp.engine)
    with webapp.engine.begin() as conn:
        conn.execute(text("UPDATE listings SET storage_location = 'A1' WHERE id = 2"))
        conn.execute(text("UPDATE listings SET quantity = 0 WHERE id = 3"))
        conn.execute(text("UPDATE listings SET sold_price = 8 WHERE id = 4"))
        conn.execute(text("UPDATE listings SET title = left(title, 80) WHERE id = 5"))
        conn.execute(text("UPDATE notifications SET type = 'info' WHERE type = 'promo'"))
        conn.execute(text("DELETE FROM marketplace_credentials WHERE username = 'ann_again'"))
    assert migrate.validate(webapp.engine) == []
    with webapp.connect() as conn:
        unvalidated = conn.scalar(text("SELECT count(*) FROM pg_constraint WHERE NOT convalidated"))
        assert unvalidated == 0
        assert conn.scalar(text("SELECT to_regclass('marketplace_credentials_user_id_platform_key') IS NOT NULL"))


def test_downgrading_an_adopted_database_keeps_the_webapp_tables_and_rows(webapp: Database) -> None:
    with webapp.connect() as conn:
        before_rows = rows(conn)
    migrate.upgrade(webapp.engine)
    migrate.downgrade(webapp.engine, "base")
    with webapp.connect() as conn:
        assert rows(conn) == before_rows
        assert "collectibles" not in tables(conn)  # ours, made by the upgrade
        assert "web_sessions" in tables(conn)


def test_a_database_upgraded_by_a_newer_app_is_refused(database: Database) -> None:
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE reseller_desktop_alembic_version SET version_num = '0099_from_the_future'"))
    with pytest.raises(SchemaTooNewError, match="newer than this version"):
        migrate.upgrade(database.engine)
    with pytest.raises(SchemaTooNewError):
        migrate.downgrade(database.engine, "base")
    with database.connect() as conn:
        assert migrate.current_revision(conn) == "0099_from_the_future"


def test_duplicate_skus_keep_the_unique_index_off_until_fixed(webapp: Database) -> None:
    with webapp.engine.begin() as conn:
        conn.execute(text("UPDATE listings SET sku = 'DUP' WHERE id = 1"))
        conn.execute(
            text(
                "INSERT INTO listings (id, listing_uuid, user_id, title, price, sku) "
                "VALUES (7, 'u7', '00000000-0000-0000-0000-00000000000a', 'Twin', 1, 'DUP')"
            )
        )
    problems = {p.constraint: p for p in migrate.upgrade(webapp.engine)}
    assert problems["uq_listings_user_sku"].row_ids == (1, 7)
    with webapp.connect() as conn:
        assert {p.constraint for p in migrate.schema_health(conn)} >= {"uq_listings_user_sku"}
    with webapp.engine.begin() as conn:
        conn.execute(text("UPDATE listings SET sku = 'DUP-2' WHERE id = 7"))
    remaining = {p.constraint for p in migrate.validate(webapp.engine)}
    assert "uq_listings_user_sku" not in remaining
    with webapp.connect() as conn:
        assert conn.scalar(text("SELECT to_regclass('uq_listings_user_sku') IS NOT NULL"))
    with pytest.raises(ConstraintError, match="already have a listing with that SKU"), webapp.connect() as conn:
        conn.execute(text("UPDATE listings SET sku = 'DUP' WHERE id = 7"))


def test_substring_search_is_served_by_the_trigram_index(database: Database) -> None:
    with database.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(
            conn.scalars(text("EXPLAIN SELECT id FROM listings WHERE " + SEARCH_DOCUMENT + " ILIKE '%levi%'"))
        )
    assert "idx_listings_search_trgm" in plan


def test_column_types_that_differ_from_the_contract_are_reported_and_left_alone(blank: Database) -> None:
    sql = WEBAPP_SQL.read_text().replace("price REAL NOT NULL", "price NUMERIC NOT NULL")
    with blank.engine.begin() as conn:
        conn.exec_driver_sql(sql)
    problems = migrate.upgrade(blank.engine)
    notes = [p.describe() for p in problems if p.table == "listings" and p.constraint == "price"]
    assert notes == ["listings.price: is numeric, the contract says real (not changed: the contract forbids retyping)."]
    with blank.connect() as conn:
        assert (
            conn.scalar(
                text(
                    "SELECT data_type FROM information_schema.columns "
                    "WHERE table_name = 'listings' AND column_name = 'price'"
                )
            )
            == "numeric"
        )
    assert "listings.price" in " ".join(p.describe() for p in migrate.validate(blank.engine))


def test_schema_work_is_not_bound_by_the_ten_second_statement_limit(database: Database) -> None:
    with migrate.schema_transaction(database.engine) as conn:
        assert conn.scalar(text("SHOW statement_timeout")) == "0"
        assert conn.scalar(text("SHOW lock_timeout")) == "1min"


def value_history_objects(conn: Connection) -> dict[str, list[str]]:
    """The tables, functions and triggers migration 0007 adds that are in the database."""
    return {
        "tables": sorted(tables(conn) & set(value_history_tables.NEW_TABLES)),
        "functions": sorted(
            conn.scalars(
                text("SELECT proname FROM pg_proc WHERE proname = ANY(:names)"),
                {"names": [name for name, _arguments, _sql in value_history_tables.FUNCTIONS]},
            )
        ),
        "triggers": sorted(
            conn.scalars(
                text("SELECT tgname FROM pg_trigger WHERE tgname = ANY(:names)"),
                {"names": [name for _table, name, _sql in value_history_tables.TRIGGERS]},
            )
        ),
    }


def test_the_value_history_revision_goes_down_and_up_again_with_its_changes_counted(
    blank: Database,
) -> None:
    migrate.upgrade(blank.engine)
    with blank.connect() as conn:
        added = value_history_objects(conn)
    assert added == {
        "tables": sorted(value_history_tables.NEW_TABLES),
        "functions": sorted(name for name, _arguments, _sql in value_history_tables.FUNCTIONS),
        "triggers": sorted(name for _table, name, _sql in value_history_tables.TRIGGERS),
    }

    migrate.downgrade(blank.engine, "0006_card_indexes")
    with blank.connect() as conn:
        assert value_history_objects(conn) == {"tables": [], "functions": [], "triggers": []}
        assert "card_value_snapshots" in tables(conn)  # 0005's table stays
    user = "00000000-0000-0000-0000-0000000000b7"
    with blank.engine.begin() as conn:  # history recorded while 0007 is not there: no trigger counts it
        conn.execute(
            text("INSERT INTO users (id, username, email, password_hash) VALUES (:u, 'vera', 'v@example.com', 'x')"),
            {"u": user},
        )
        card = conn.scalar(
            text(
                "INSERT INTO card_collections (card_uuid, user_id, card_type, title, quantity, estimated_value) "
                "VALUES ('c-1', :u, 'tcg', 'Mew', 2, 10) RETURNING id"
            ),
            {"u": user},
        )
        conn.execute(
            text(
                "INSERT INTO card_value_snapshots (card_id, user_id, day, estimated_value, quantity) "
                "VALUES (:c, :u, '2020-01-01', 4.50, 2), (:c, :u, '2020-02-01', 7.25, 3)"
            ),
            {"c": card, "u": user},
        )

    migrate.upgrade(blank.engine)
    with blank.connect() as conn:
        assert value_history_objects(conn) == added
        changes = conn.execute(
            text("SELECT day::text, change FROM card_value_daily_changes WHERE user_id = :u ORDER BY day"),
            {"u": user},
        ).all()
    # The backfill: today's value (the insert's own snapshot, 2 × $10), then the two earlier days.
    assert changes[:2] == [("2020-01-01", 900), ("2020-02-01", 2175 - 900)]
    assert sum(change for _day, change in changes) == 2000
