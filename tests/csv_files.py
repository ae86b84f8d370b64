"""CSV files in the listings format, written and read back by the tests that need them."""

from __future__ import annotations

import csv
from pathlib import Path

from reseller_desktop.services.listing_csv import COLUMNS


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        writer.writerows([row.get(name, "") for name in COLUMNS] for row in rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))
