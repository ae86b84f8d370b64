"""CSV files written and read back by the tests that need them: the listings format by default."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from reseller_desktop.services.listing_csv import COLUMNS


def write_csv(
    path: Path, rows: list[dict[str, str]], encoding: str = "utf-8", columns: Sequence[str] = COLUMNS
) -> Path:
    """A header of `columns`, then each row's cells by column name (blank when absent); {} is an empty line."""
    with path.open("w", encoding=encoding, newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(name, "") for name in columns] if row else [])
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))
