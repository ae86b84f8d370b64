"""Alembic, driven from the program: upgrade, downgrade, current revision, and schema health.

The version table is ours alone (`reseller_desktop_alembic_version`) so a web app that also uses
Alembic on the same database keeps its own history. Upgrades take an advisory lock so two clients
starting at once apply each revision once.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from reseller_desktop.db import schema
from reseller_desktop.db.desktop_additions import CHECK_MESSAGES
from reseller_desktop.db.errors import SchemaTooNewError, translate
from reseller_desktop.db.schema_ops import LEDGER, SchemaBuilder, SchemaProblem

VERSION_TABLE = "reseller_desktop_alembic_version"
ADVISORY_LOCK_KEY = 0x5E5E11E2  # any constant shared by every client of the same database
LOCK_TIMEOUT = "60s"


def migrations_dir() -> Path:
    """The migrations folder: bundled next to a frozen app, else at the root of the source tree."""
    bundle = getattr(sys, "_MEIPASS", None)
    candidates = [Path(bundle) / "migrations"] if bundle else []
    candidates.append(Path(__file__).resolve().parents[3] / "migrations")
    for candidate in candidates:
        if (candidate / "env.py").exists():
            return candidate
    raise FileNotFoundError(f"The migrations folder is missing (looked in {', '.join(map(str, candidates))}).")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
    return context.get_current_revision()


def check_not_newer(conn: Connection) -> None:
    """Refuse a database that a newer version of the app has upgraded past what we know."""
    current = current_revision(conn)
    if current is None:
        return
    scripts = ScriptDirectory.from_config(alembic_config())
    if current not in {script.revision for script in scripts.walk_revisions()}:
        raise SchemaTooNewError(
            f"This database is at schema revision {current}, which is newer than this version of "
            f"Reseller Desktop knows (it knows up to {scripts.get_current_head()}).",
            "Install the newer version of the app. Nothing was changed in the database.",
        )


@contextmanager
def schema_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for schema work, holding the migration lock, errors made readable.

    Schema work may wait for another client's migration or validate a large table, so the
    10 s statement limit of ordinary work does not apply; a lock wait is still bounded.
    """
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL statement_timeout = 0"))
            conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
            yield conn
    except Exception as exc:
        translated = translate(exc, engine.url.render_as_string(hide_password=True))
        if translated is exc:
            raise
        raise translated from exc


def upgrade(engine: Engine, revision: str = "head") -> list[SchemaProblem]:
    with schema_transaction(engine) as conn:
        check_not_newer(conn)
        command.upgrade(alembic_config(conn), revision)
    with engine.connect() as conn:
        return schema_health(conn)


def downgrade(engine: Engine, revision: str) -> None:
    with schema_transaction(engine) as conn:
        check_not_newer(conn)
        command.downgrade(alembic_config(conn), revision)


def schema_health(conn: Connection) -> list[SchemaProblem]:
    """Rules that existing rows still break: NOT VALID constraints and uniques that could not be added."""
    builder = SchemaBuilder(conn, revision="")
    if not builder.table_exists(LEDGER):
        return []
    problems: list[SchemaProblem] = []
    unvalidated = conn.execute(
        text(
            f"SELECT l.table_name, l.object_name, k.contype, pg_get_constraintdef(k.oid) "
            f"FROM {LEDGER} l JOIN pg_constraint k "
            f"  ON k.conname = l.object_name AND k.conrelid = to_regclass(quote_ident(l.table_name)) "
            f"WHERE l.kind = 'constraint' AND NOT k.convalidated ORDER BY l.id"
        )
    ).all()
    for table, name, kind, definition in unvalidated:
        if kind == "c":
            expression = definition.removeprefix("CHECK ").removesuffix(" NOT VALID")
            where = f"NOT {expression}"
        else:
            where = _foreign_key_offenders(conn, table, name)
        ids, count = builder._offending_ids(table, where)
        message = CHECK_MESSAGES.get(name, "points at a missing row")
        problems.append(SchemaProblem(table, name, message, ids, count))
    notes = conn.execute(
        text(f"SELECT DISTINCT table_name, object_name, details FROM {LEDGER} WHERE kind = 'note' ORDER BY 1, 2")
    ).all()
    problems.extend(SchemaProblem(table, column, details, (), 0) for table, column, details in notes)
    missing = conn.execute(
        text(f"SELECT table_name, object_name, details FROM {LEDGER} WHERE kind = 'missing_unique' ORDER BY id")
    ).all()
    for table, name, details in missing:
        columns = _missing_unique_columns(details)
        if not builder._constraint_exists(table, name) and not builder.table_exists(name):
            problems.append(builder._duplicates_problem(table, name, columns))
    return problems


def validate(engine: Engine) -> list[SchemaProblem]:
    """Try again to validate every constraint that existing rows broke; return what still fails."""
    with schema_transaction(engine) as conn:
        builder = SchemaBuilder(conn, revision="")
        validatable = _validatable(conn)
        for problem in schema_health(conn):
            # Rows still break it, or it is a note about a column type, which no fix of rows changes.
            if problem.row_count or problem.constraint not in validatable:
                continue
            missing = conn.execute(
                text(f"SELECT revision, details FROM {LEDGER} WHERE kind = 'missing_unique' AND object_name = :n"),
                {"n": problem.constraint},
            ).first()
            if missing is not None:
                builder.revision = missing[0]
                details = missing[1]
                if details.startswith("index:"):
                    create_sql = details.split(":", 2)[2]
                    builder.ensure_raw_index(
                        problem.table, problem.constraint, create_sql, _missing_unique_columns(details)
                    )
                else:
                    builder.ensure_unique(schema.metadata.tables[problem.table], details.split(","), problem.constraint)
                conn.execute(
                    text(f"DELETE FROM {LEDGER} WHERE kind = 'missing_unique' AND object_name = :n"),
                    {"n": problem.constraint},
                )
            else:
                conn.execute(text(f'ALTER TABLE "{problem.table}" VALIDATE CONSTRAINT "{problem.constraint}"'))
    with engine.connect() as conn:
        return schema_health(conn)


def _validatable(conn: Connection) -> set[str]:
    """Names of rules that can be made whole (notes about column types cannot)."""
    return set(conn.scalars(text(f"SELECT object_name FROM {LEDGER} WHERE kind IN ('constraint', 'missing_unique')")))


def _missing_unique_columns(details: str) -> list[str]:
    """Ledger details of a unique that duplicates prevented: "a,b" or "index:a,b:CREATE ..."."""
    if details.startswith("index:"):
        return details.split(":", 2)[1].split(",")
    return details.split(",")


def _foreign_key_offenders(conn: Connection, table: str, name: str) -> str:
    column, target, target_column = conn.execute(
        text(
            "SELECT a.attname, t.relname, ta.attname FROM pg_constraint k "
            "JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] "
            "JOIN pg_class t ON t.oid = k.confrelid "
            "JOIN pg_attribute ta ON ta.attrelid = k.confrelid AND ta.attnum = k.confkey[1] "
            "WHERE k.conname = :n AND k.conrelid = to_regclass(quote_ident(:t))"
        ),
        {"n": name, "t": table},
    ).one()
    return (
        f'"{column}" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "{target}" r '
        f'WHERE r."{target_column}" = "{table}"."{column}")'
    )
