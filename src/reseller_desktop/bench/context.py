"""What a benchmark run shares: its own embedded server in a scratch folder (never the user's
database), the generated dataset, and how many times to repeat each measurement."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from reseller_desktop.db.database import Database
from reseller_desktop.db.embedded import EmbeddedPostgres

FULL_SCALE = {
    "listings": 1_000_000,
    "cards": 500_000,
    "bins": 5_000,
    "sections": 50_000,
    "storage_items": 200_000,
}
OTHER_SELLERS = 10


@dataclass(frozen=True)
class Dataset:
    """The generated data: one big seller and ten smaller ones (tenant filtering is real)."""

    scale: float
    seller_id: UUID
    seller_email: str
    other_ids: tuple[UUID, ...]
    counts: dict[str, int]  # rows per table, the big seller's ("listings") and everyone's ("all_listings")
    seller_password: str | None = None


@dataclass
class BenchContext:
    scale: float
    workdir: Path
    server: EmbeddedPostgres
    database: Database
    dataset: Dataset
    runs: int = 30  # repetitions of a quick figure (a page, a lookup)
    notes: dict[str, Any] = field(default_factory=dict)

    def scaled(self, full: int, least: int = 1) -> int:
        """`full` at full scale, at least `least`."""
        return max(least, round(full * self.scale))

    @property
    def conninfo(self) -> str:
        """The libpq address of the bench database, for raw psycopg and for child processes."""
        url = self.database.engine.url
        return url.set(drivername="postgresql").render_as_string(hide_password=False)

    @contextmanager
    def raw(self) -> Iterator[psycopg.Connection[Any]]:
        """A plain psycopg connection beside the app's pool: the 'raw' side of a figure."""
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            yield conn
