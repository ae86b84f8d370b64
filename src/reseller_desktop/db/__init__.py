"""Database access: engine and pool, embedded server, schema, migrations, unit of work."""
