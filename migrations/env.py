"""Alembic environment. Called by the app (with a connection in config.attributes) or by the
`alembic` command at the project root (it then opens the same database the app would)."""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from reseller_desktop.db.migrate import VERSION_TABLE, check_not_newer, schema_transaction
from reseller_desktop.db.schema import metadata

config = context.config


def run_with(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        compare_type=True,
        compare_server_default=True,
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_with(connection)
elif context.is_offline_mode():
    raise SystemExit("Offline (--sql) mode is not supported: the migrations inspect the live database.")
else:
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    from reseller_desktop.services.database_session import open_database

    with open_database() as database, schema_transaction(database.engine) as conn:
        check_not_newer(conn)
        run_with(conn)
