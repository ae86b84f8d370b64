"""The contract's invariants as CHECK constraints, and the desktop's additive columns and indexes.

Rows that already break an invariant keep the constraint NOT VALID (new writes are checked) and are
listed by `reseller-desktop db upgrade` / `db current`.

Revision ID: 0002_invariants
Revises: 0001_contract
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import MetaData

from reseller_desktop.db.contract_tables import NAMING_CONVENTION, add_contract_tables
from reseller_desktop.db.desktop_additions import ADDED_COLUMNS, ADDED_INDEXES, CHECKS, add_desktop_columns
from reseller_desktop.db.schema_ops import SchemaBuilder

revision = "0002_invariants"
down_revision = "0001_contract"
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    add_contract_tables(metadata)
    add_desktop_columns(metadata)
    builder = SchemaBuilder(op.get_bind(), revision)
    for table, column in ADDED_COLUMNS:
        builder.ensure_column(metadata.tables[table], metadata.tables[table].c[column])
    for table, index_name in ADDED_INDEXES:
        (index,) = (i for i in metadata.tables[table].indexes if i.name == index_name)
        builder.ensure_index(index)
    for check in CHECKS:
        builder.ensure_check(check.table, check.name, check.sql, check.message)


def downgrade() -> None:
    SchemaBuilder(op.get_bind(), revision).undo()
