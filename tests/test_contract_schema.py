"""A fresh `db upgrade` gives exactly the shared contract: read from the contract document itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from reseller_desktop.db import sync_tables
from reseller_desktop.db.card_indexes import EXPRESSION_INDEXES as CARD_EXPRESSION_INDEXES
from reseller_desktop.db.collection_tables import CARD_COLUMNS, STORAGE_ITEM_COLUMNS
from reseller_desktop.db.database import Database
from reseller_desktop.db.desktop_additions import ADDED_COLUMNS, ADDED_INDEXES
from reseller_desktop.db.listing_indexes import TRIGRAM_INDEX
from reseller_desktop.db.schema import metadata

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "docs" / "data-contract.md"
SHARED_CONTRACT = ROOT.parent / "shared" / "seeds" / "003_0f9d755d04a75ff0.txt"

PG_TYPES = {
    "SERIAL": "integer",
    "INTEGER": "integer",
    "UUID": "uuid",
    "TEXT": "text",
    "REAL": "real",
    "BOOLEAN": "boolean",
    "TIMESTAMP": "timestamp without time zone",
}
PG_DEFAULTS = {"FALSE": "false", "TRUE": "true", "NOW": "now()"}


@dataclass
class ContractColumn:
    name: str
    type: str
    constraints: str


@dataclass
class ContractTable:
    name: str
    columns: list[ContractColumn] = field(default_factory=list)
    uniques: list[tuple[str, ...]] = field(default_factory=list)


def parse_contract(path: Path) -> tuple[dict[str, ContractTable], list[tuple[str, str, str]]]:
    tables: dict[str, ContractTable] = {}
    current: ContractTable | None = None
    for line in path.read_text().splitlines():
        heading = re.match(r"### `(\w+)`", line)
        if heading:
            current = tables.setdefault(heading.group(1), ContractTable(heading.group(1)))
            continue
        row = re.match(r"\|\s*`(\w+)`\s*\|\s*([A-Z]+)\s*\|([^|]*)\|", line)
        if row and current is not None:
            current.columns.append(ContractColumn(row.group(1), row.group(2), row.group(3).strip()))
            continue
        unique = re.match(r"- UNIQUE\(([\w, ]+)\)", line)
        if unique and current is not None:
            current.uniques.append(tuple(c.strip() for c in unique.group(1).split(",")))
    indexes = re.findall(r"CREATE INDEX (\w+) ON (\w+)\(([^)]*)\);", path.read_text())
    return tables, indexes


TABLES, INDEXES = parse_contract(CONTRACT)


def test_the_parser_reads_the_whole_contract() -> None:
    assert len(TABLES) == 10
    assert sum(len(t.columns) for t in TABLES.values()) == 16 + 24 + 11 + 7 + 40 + 6 + 6 + 15 + 10 + 9
    assert len(INDEXES) == 18


@pytest.mark.skipif(not SHARED_CONTRACT.exists(), reason="shared/ is not beside this checkout")
def test_vendored_contract_is_the_shared_one() -> None:
    assert CONTRACT.read_text() == SHARED_CONTRACT.read_text()


def _columns(database: Database, table: str) -> dict[str, tuple[str, str, str | None]]:
    with database.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT column_name, data_type, is_nullable, column_default FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = :t"
            ),
            {"t": table},
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_columns_types_nullability_and_defaults_match_the_contract(database: Database, table: str) -> None:
    found = _columns(database, table)
    wanted = TABLES[table]
    added = {c for t, c in ADDED_COLUMNS if t == table}
    if table == "platform_listings":
        added |= set(sync_tables.PLATFORM_LISTING_COLUMNS)
    added |= set({"card_collections": CARD_COLUMNS, "storage_items": STORAGE_ITEM_COLUMNS}.get(table, ()))
    for name in added:  # every addition is nullable: a web-app row written without it stays valid
        assert found[name][1] == "YES", name
    assert set(found) == {c.name for c in wanted.columns} | added
    for column in wanted.columns:
        data_type, nullable, default = found[column.name]
        assert data_type == PG_TYPES[column.type], column.name
        required = "NOT NULL" in column.constraints or "PRIMARY KEY" in column.constraints
        assert (nullable == "NO") == required, column.name
        declared = re.search(r"DEFAULT (\S+)", column.constraints)
        if column.type == "SERIAL":
            assert default is not None and default.startswith("nextval("), column.name
        elif column.name == "id" and column.type == "UUID":
            assert default == "gen_random_uuid()"
        elif declared:
            value = declared.group(1)
            expected = PG_DEFAULTS.get(value, f"{value}::text" if value.startswith("'") else value)
            assert default == expected, column.name
        else:
            assert default is None, column.name
    for name in added:
        assert found[name][1] == "YES", "additions to contract tables must be nullable"


def _unique_sets(database: Database, table: str) -> set[tuple[str, ...]]:
    with database.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_index i "
                "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
                "WHERE i.indrelid = to_regclass(:t) AND i.indisunique AND NOT i.indisprimary GROUP BY i.indexrelid"
            ),
            {"t": table},
        ).scalars()
        return {tuple(r) for r in rows}


@pytest.mark.parametrize("table", sorted(TABLES))
def test_unique_constraints_and_foreign_keys_match_the_contract(database: Database, table: str) -> None:
    wanted = {tuple(sorted(u)) for u in TABLES[table].uniques}
    wanted |= {(c.name,) for c in TABLES[table].columns if "UNIQUE" in c.constraints}
    if table == "listings":
        wanted.add(("sku", "user_id"))  # additive: SKUs unique per seller (migration 0003)
    assert _unique_sets(database, table) == wanted
    with database.connect() as conn:
        fks = set(
            conn.execute(
                text(
                    "SELECT a.attname, r.relname || '.' || ra.attname FROM pg_constraint k "
                    "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] "
                    "JOIN pg_class r ON r.oid = k.confrelid "
                    "JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = k.confkey[1] "
                    "WHERE k.contype = 'f' AND k.conrelid = to_regclass(:t)"
                ),
                {"t": table},
            ).all()
        )
    wanted_fks = {
        (c.name, m.group(1)) for c in TABLES[table].columns if (m := re.search(r"FK → (\w+\.\w+)", c.constraints))
    }
    wanted_fks |= {(c, "users.id") for t, c in ADDED_COLUMNS if t == table}
    wanted_fks |= {
        "card_collections": {("listing_id", "listings.id")},
        "storage_items": {
            ("removed_from_section_id", "storage_sections.id"),
            ("removed_from_bin_id", "storage_bins.id"),
        },
    }.get(table, set())
    assert fks == wanted_fks


def test_every_contract_index_exists_with_its_columns(database: Database) -> None:
    with database.connect() as conn:
        defs = dict(conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")).all())
    for name, table, columns in INDEXES:
        assert name in defs, name
        assert f" ON public.{table} USING btree ({columns})" in defs[name], defs[name]
    for _table, name in ADDED_INDEXES:
        assert name in defs


def test_the_program_metadata_matches_the_migrated_database(database: Database) -> None:
    """What the code believes the schema is (schema.py) and what migrations made are the same."""
    with database.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": lambda name, kind, _parent: (
                    not (
                        kind == "table"
                        and name in {"reseller_desktop_alembic_version", "reseller_desktop_schema_ledger"}
                    )
                ),
            },
        )
        differences = compare_metadata(context, metadata)
    # The search index is an expression index, which SQLAlchemy cannot describe (see db/schema.py).
    expression_indexes = {TRIGRAM_INDEX, *CARD_EXPRESSION_INDEXES}
    assert [d for d in differences if not (d[0] == "remove_index" and d[1].name in expression_indexes)] == []


def test_contract_invariants_are_check_constraints_in_the_database(database: Database) -> None:
    with database.connect() as conn:
        checks = set(
            conn.scalars(
                text(
                    "SELECT conname FROM pg_constraint "
                    "WHERE contype = 'c' AND convalidated AND conrelid = 'listings'::regclass"
                )
            )
        )
    assert {
        "ck_listings_quantity_nonnegative",
        "ck_listings_sold_fields",
        "ck_listings_active_location",
        "ck_listings_status",
        "ck_listings_title_length",
    } <= checks
