"""Pure business rules. Imports neither Qt nor SQLAlchemy."""
