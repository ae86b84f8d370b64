"""Idempotent schema building that can adopt a database the web app created first.

Every `ensure_*` looks at what the database already has and adds only what is missing. Each object
it creates is written to a ledger, so a downgrade removes exactly what this program added and never a
table, column or row that was there before. Where existing rows break a new constraint, the
constraint is added NOT VALID (new writes are checked, old rows are kept) and the rows are reported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    ForeignKeyConstraint,
    Index,
    MetaData,
    Table,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError
from sqlalchemy.schema import CreateColumn, CreateIndex, CreateTable

log = logging.getLogger("reseller_desktop.schema")

LEDGER = "reseller_desktop_schema_ledger"
_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]
_SHOWN_ROWS = 20


@dataclass(frozen=True)
class SchemaProblem:
    """Existing data that breaks a rule; the rule is in place for new writes, old rows are kept."""

    table: str
    constraint: str
    message: str
    row_ids: tuple[int, ...]
    row_count: int

    def describe(self) -> str:
        if not self.row_count:
            return f"{self.table}.{self.constraint}: {self.message} (not changed: the contract forbids retyping)."
        shown = ", ".join(str(i) for i in self.row_ids)
        more = f" (and {self.row_count - len(self.row_ids)} more)" if self.row_count > len(self.row_ids) else ""
        return (
            f"{self.table}: {self.row_count} existing row(s) break {self.constraint} ({self.message}); "
            f"ids {shown}{more}. Correct them, then run `reseller-desktop db validate`."
        )


def _q(name: str) -> str:
    return _DIALECT.identifier_preparer.quote(name)


class SchemaBuilder:
    def __init__(self, conn: Connection, revision: str) -> None:
        self.conn = conn
        self.revision = revision
        self.problems: list[SchemaProblem] = []

    # ----- ledger -------------------------------------------------------------------------------
    def ensure_ledger(self) -> None:
        self.conn.execute(
            text(
                f"CREATE TABLE IF NOT EXISTS {LEDGER} ("
                "id SERIAL PRIMARY KEY, revision TEXT NOT NULL, kind TEXT NOT NULL, "
                "table_name TEXT NOT NULL, object_name TEXT NOT NULL, details TEXT, "
                "created_at TIMESTAMP DEFAULT now())"
            )
        )

    def _record(self, kind: str, table: str, name: str, details: str | None = None) -> None:
        self.conn.execute(
            text(
                f"INSERT INTO {LEDGER} (revision, kind, table_name, object_name, details) VALUES (:r, :k, :t, :n, :d)"
            ),
            {"r": self.revision, "k": kind, "t": table, "n": name, "d": details},
        )
        log.info("added %s %s on %s", kind, name, table)

    # ----- introspection --------------------------------------------------------------------------
    def table_exists(self, name: str) -> bool:
        return bool(self.conn.scalar(text("SELECT to_regclass(:n) IS NOT NULL"), {"n": _q(name)}))

    def _columns(self, table: str) -> dict[str, tuple[str, str | None, bool]]:
        rows = self.conn.execute(
            text(
                "SELECT column_name, data_type, column_default, is_identity = 'YES' "
                "FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = :t"
            ),
            {"t": table},
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}

    def _constraint_exists(self, table: str, name: str) -> bool:
        return bool(
            self.conn.scalar(
                text("SELECT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(:t) AND conname = :n)"),
                {"t": _q(table), "n": name},
            )
        )

    def _unique_exists(self, table: str, columns: Sequence[str]) -> bool:
        return bool(
            self.conn.scalar(
                text(
                    "SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = to_regclass(:t) "
                    "AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL "
                    "AND (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a "
                    "     WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)) = :cols)"
                ),
                {"t": _q(table), "cols": sorted(columns)},
            )
        )

    def _foreign_key_exists(self, table: str, column: str, target: str) -> bool:
        return bool(
            self.conn.scalar(
                text(
                    "SELECT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.contype = 'f' "
                    "AND k.conrelid = to_regclass(:t) AND k.confrelid = to_regclass(:rt) "
                    "AND (SELECT array_agg(a.attname::text) FROM pg_attribute a "
                    "     WHERE a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey)) = :cols)"
                ),
                {"t": _q(table), "rt": _q(target), "cols": [column]},
            )
        )

    def _try(self, sql: str) -> DBAPIError | None:
        """Run one statement in a savepoint; a failure leaves the migration's transaction usable."""
        savepoint = self.conn.begin_nested()
        try:
            self.conn.execute(text(sql))
        except DBAPIError as exc:
            savepoint.rollback()
            return exc
        savepoint.commit()
        return None

    def _offending_ids(self, table: str, where: str) -> tuple[tuple[int, ...], int]:
        count = int(self.conn.scalar(text(f"SELECT count(*) FROM {_q(table)} WHERE {where}")) or 0)
        ids = self.conn.scalars(text(f"SELECT id FROM {_q(table)} WHERE {where} ORDER BY id LIMIT {_SHOWN_ROWS}")).all()
        return tuple(int(i) for i in ids), count

    # ----- building -------------------------------------------------------------------------------
    def ensure_tables(self, metadata: MetaData) -> None:
        for table in metadata.sorted_tables:
            self.ensure_table(table)

    def ensure_table(self, table: Table) -> None:
        if not self.table_exists(table.name):
            self.conn.execute(CreateTable(table))
            self._record("table", table.name, table.name)
            for index in table.indexes:
                self.conn.execute(CreateIndex(index))
            return
        existing = self._columns(table.name)
        for column in table.columns:
            if column.name in existing:
                self._ensure_default(table, column, existing[column.name])
            else:
                self.ensure_column(table, column)
        for constraint in table.constraints:
            if isinstance(constraint, ForeignKeyConstraint):
                self.ensure_foreign_key(table, constraint)
        for name, columns in _uniques(table):
            self.ensure_unique(table, columns, name)
        for index in table.indexes:
            self.ensure_index(index)

    def ensure_column(self, table: Table, column: Column[object]) -> None:
        if column.name in self._columns(table.name):
            return
        ddl = str(CreateColumn(column).compile(dialect=_DIALECT))
        error = self._try(f"ALTER TABLE {_q(table.name)} ADD COLUMN {ddl}")
        if error is not None:
            # NOT NULL without a default cannot go onto a table that has rows: add it nullable.
            ddl = ddl.replace(" NOT NULL", "")
            self.conn.execute(text(f"ALTER TABLE {_q(table.name)} ADD COLUMN {ddl}"))
            self._record("note", table.name, column.name, "added as nullable: existing rows have no value")
        self._record("column", table.name, column.name)
        for fk in column.foreign_keys:
            if fk.constraint is not None:
                self.ensure_foreign_key(table, fk.constraint)

    def _ensure_default(self, table: Table, column: Column[object], found: tuple[str, str | None, bool]) -> None:
        data_type, default, is_identity = found
        wanted = str(column.type.compile(dialect=_DIALECT)).lower()
        # The contract forbids retyping: a mismatch is reported, never changed. VARCHAR reads as TEXT.
        if data_type.replace("character varying", "text") != wanted:
            self._record("note", table.name, column.name, f"is {data_type}, the contract says {wanted}")
        if column.server_default is None or default is not None or is_identity or column.primary_key:
            return
        expression = str(column.server_default.arg.compile(dialect=_DIALECT))  # type: ignore[attr-defined]
        self.conn.execute(text(f"ALTER TABLE {_q(table.name)} ALTER COLUMN {_q(column.name)} SET DEFAULT {expression}"))
        self._record("default", table.name, column.name)

    def ensure_foreign_key(self, table: Table, constraint: ForeignKeyConstraint) -> None:
        (column,) = constraint.column_keys
        (element,) = constraint.elements
        target_table, target_column = element.target_fullname.split(".")
        name = str(constraint.name)
        if self._foreign_key_exists(table.name, column, target_table) or self._constraint_exists(table.name, name):
            return
        on_delete = f" ON DELETE {constraint.ondelete}" if constraint.ondelete else ""
        self.conn.execute(
            text(
                f"ALTER TABLE {_q(table.name)} ADD CONSTRAINT {_q(name)} FOREIGN KEY ({_q(column)}) "
                f"REFERENCES {_q(target_table)} ({_q(target_column)}){on_delete} NOT VALID"
            )
        )
        self._record("constraint", table.name, name)
        where = (
            f"{_q(column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {_q(target_table)} r "
            f"WHERE r.{_q(target_column)} = {_q(table.name)}.{_q(column)})"
        )
        self._validate(table.name, name, where, f"{column} points at a missing {target_table} row")

    def ensure_unique(self, table: Table, columns: Sequence[str], name: str) -> None:
        if self._unique_exists(table.name, columns) or self._constraint_exists(table.name, name):
            return
        cols = ", ".join(_q(c) for c in columns)
        error = self._try(f"ALTER TABLE {_q(table.name)} ADD CONSTRAINT {_q(name)} UNIQUE ({cols})")
        if error is None:
            self._record("constraint", table.name, name)
            return
        # Duplicates already stored: a unique constraint cannot be NOT VALID, so remember it and report.
        self._record("missing_unique", table.name, name, ",".join(columns))
        self.problems.append(self._duplicates_problem(table.name, name, columns))

    def _duplicates_problem(self, table: str, name: str, columns: Sequence[str]) -> SchemaProblem:
        cols = ", ".join(_q(c) for c in columns)
        rows = self.conn.execute(
            text(
                f"SELECT array_agg(id ORDER BY id) FROM {_q(table)} WHERE ({cols}) IN "
                f"(SELECT {cols} FROM {_q(table)} GROUP BY {cols} HAVING count(*) > 1) "
                f"GROUP BY {cols} LIMIT {_SHOWN_ROWS}"
            )
        ).scalars()
        ids = tuple(i for group in rows for i in group)
        return SchemaProblem(table, name, f"duplicate values of ({', '.join(columns)})", ids[:_SHOWN_ROWS], len(ids))

    def ensure_index(self, index: Index) -> None:
        if index.name is None or self.table_exists(str(index.name)):
            return
        self.conn.execute(CreateIndex(index))
        assert index.table is not None
        self._record("index", index.table.name, str(index.name))

    def ensure_raw_index(self, table: str, name: str, create_sql: str, unique_columns: Sequence[str] = ()) -> bool:
        """An index SQLAlchemy cannot express portably (expression, GIN, partial). Returns whether it exists.

        A unique index that existing duplicates prevent is remembered and reported like a unique
        constraint (see `ensure_unique`).
        """
        if self.table_exists(name):
            return True
        error = self._try(create_sql)
        if error is None:
            self._record("index", table, name)
            return True
        if not unique_columns:
            raise error
        self._record("missing_unique", table, name, "index:" + ",".join(unique_columns) + ":" + create_sql)
        self.problems.append(self._duplicates_problem(table, name, unique_columns))
        return False

    def ensure_extension(self, name: str) -> bool:
        """CREATE EXTENSION where the server has it and we may; False when it cannot be had."""
        if self.conn.scalar(text("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = :n)"), {"n": name}):
            return True
        if self._try(f"CREATE EXTENSION IF NOT EXISTS {_q(name)}") is not None:
            log.warning("extension %s is not available on this server; using a fallback", name)
            return False
        self._record("extension", "", name)
        return True

    def ensure_function(self, name: str, create_sql: str, arguments: str = "") -> None:
        """A function of ours, created once and recorded (with its argument types) for the downgrade."""
        if self.conn.scalar(text("SELECT to_regprocedure(:n) IS NOT NULL"), {"n": f"{name}({arguments})"}):
            return
        self.conn.execute(text(create_sql))
        self._record("function", "", name, arguments or None)

    def ensure_trigger(self, table: str, name: str, create_sql: str) -> None:
        exists = self.conn.scalar(
            text("SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = :n AND tgrelid = to_regclass(:t))"),
            {"n": name, "t": _q(table)},
        )
        if exists:
            return
        self.conn.execute(text(create_sql))
        self._record("trigger", table, name)

    def ensure_check(self, table: str, name: str, sql: str, message: str) -> None:
        if self._constraint_exists(table, name):
            return
        self.conn.execute(text(f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name)} CHECK ({sql}) NOT VALID"))
        self._record("constraint", table, name)
        self._validate(table, name, f"NOT ({sql})", message)

    def _validate(self, table: str, name: str, offending_where: str, message: str) -> None:
        ids, count = self._offending_ids(table, offending_where)
        if count == 0:
            self.conn.execute(text(f"ALTER TABLE {_q(table)} VALIDATE CONSTRAINT {_q(name)}"))
            return
        problem = SchemaProblem(table, name, message, ids, count)
        self.problems.append(problem)
        log.warning("%s", problem.describe())

    # ----- undo -----------------------------------------------------------------------------------
    def undo(self) -> None:
        """Remove, newest first, everything this revision added."""
        if not self.table_exists(LEDGER):
            return
        entries = self.conn.execute(
            text(
                f"SELECT id, kind, table_name, object_name, details FROM {LEDGER} WHERE revision = :r ORDER BY id DESC"
            ),
            {"r": self.revision},
        ).all()
        for _id, kind, table, name, details in entries:
            statement = {
                "table": f"DROP TABLE IF EXISTS {_q(table)}",
                "column": f"ALTER TABLE {_q(table)} DROP COLUMN IF EXISTS {_q(name)}",
                "index": f"DROP INDEX IF EXISTS {_q(name)}",
                "constraint": f"ALTER TABLE {_q(table)} DROP CONSTRAINT IF EXISTS {_q(name)}",
                "default": f"ALTER TABLE {_q(table)} ALTER COLUMN {_q(name)} DROP DEFAULT",
                "extension": f"DROP EXTENSION IF EXISTS {_q(name)}",
                "function": f"DROP FUNCTION IF EXISTS {_q(name)}({details or ''})",
                "trigger": f"DROP TRIGGER IF EXISTS {_q(name)} ON {_q(table)}",
                "missing_unique": "",
                "note": "",
            }[kind]
            if kind == "extension":
                # Another program may have built on the extension since; then it stays.
                if self._try(statement) is not None:
                    log.warning("kept extension %s: other objects depend on it", name)
            elif statement and (kind in ("table", "function") or self.table_exists(table)):
                self.conn.execute(text(statement))
        self.conn.execute(text(f"DELETE FROM {LEDGER} WHERE revision = :r"), {"r": self.revision})

    def drop_ledger_if_empty(self) -> None:
        if self.table_exists(LEDGER) and not self.conn.scalar(text(f"SELECT EXISTS (SELECT 1 FROM {LEDGER})")):
            self.conn.execute(text(f"DROP TABLE {LEDGER}"))


def _uniques(table: Table) -> Iterable[tuple[str, tuple[str, ...]]]:
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint):
            yield str(constraint.name), tuple(c.name for c in constraint.columns)
