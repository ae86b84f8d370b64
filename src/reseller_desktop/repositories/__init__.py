"""Repositories: each bound to one signed-in user and one connection (a unit of work's)."""
