"""Use cases: each a short function over a unit of work."""
