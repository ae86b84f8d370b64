"""The shared contract's tables, created or adopted.

On an empty database this creates every contract table, constraint and index. On a database the web
app made first, it adds only what is missing and keeps every row (see reseller_desktop.db.schema_ops).

Revision ID: 0001_contract
Revises:
"""

from __future__ import annotations

from alembic import op

from reseller_desktop.db.contract_tables import contract_metadata
from reseller_desktop.db.schema_ops import SchemaBuilder

revision = "0001_contract"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    builder = SchemaBuilder(op.get_bind(), revision)
    builder.ensure_ledger()
    builder.ensure_tables(contract_metadata())


def downgrade() -> None:
    # Removes only what the upgrade created: tables that were there before (the web app's) stay.
    builder = SchemaBuilder(op.get_bind(), revision)
    builder.undo()
    builder.drop_ledger_if_empty()
