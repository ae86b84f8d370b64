"""Area "import": a CSV of new listings in the app's own export format, imported through the app's
real import path (read, parse, validate, stage, classify, merge: `services.listing_csv.import_listings`,
what `reseller-desktop listings import FILE` runs and the import dialog runs after its preview), in
rows a second, beside a raw psycopg COPY of the same file's rows straight into listings.

Each run imports into a throwaway user of its own: the app's run, then the raw one, each followed by
deleting what it wrote and a VACUUM, so every run starts from the same table and the big seller's
data and the later areas' figures are untouched. The file is generated once per scale in the work
folder and reused.
"""

from __future__ import annotations

import csv
import json
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from reseller_desktop.bench.context import BenchContext
from reseller_desktop.bench.figures import Figure, Samples
from reseller_desktop.domain.vocabulary import CONDITIONS, ITEM_TYPES
from reseller_desktop.services.csv_transfer import TransferProgress
from reseller_desktop.services.listing_csv import COLUMNS, import_listings

FULL_ROWS = 1_000_000
TARGET_ROWS_PER_S = 50_000.0
# A full-scale run imports a million rows twice (the app, then raw): three are enough. A tenth of it
# affords more; the smoke run (a hundredth) has a few seconds for the whole area.
FULL_SCALE_RUNS = 3
TENTH_SCALE_RUNS = 5
SMALL_SCALE_RUNS = 2
SEED = 6
RAW_LABEL = "raw psycopg COPY into listings"
_RAW_COPY = f"COPY listings (user_id, {', '.join(COLUMNS)}) FROM STDIN"

_BRANDS = ("Levi's", "Patagonia", "Nike", "Carhartt", "Sony", "Nintendo", "Pyrex", "Le Creuset", "Coach", "Lego")
_THINGS = ("Jeans", "Fleece Jacket", "Air Max Sneakers", "Work Jacket", "Walkman", "Game Boy", "Mixing Bowl",
           "Dutch Oven", "Shoulder Bag", "Castle Set")  # fmt: skip
_COLOURS = ("Indigo", "Black", "Forest Green", "Red", "Silver", "Cream", "Navy", "Tan")
_SIZES = ("S", "M", "L", "XL", "W32 L34", "10", "One size")
_CATEGORIES = ("Men's Clothing", "Women's Clothing", "Shoes", "Electronics", "Video Games", "Kitchen", "Toys")
_NOTES = (
    "Gently used, no flaws.",
    'Light wear on the cuffs, see photos. Measures 22" pit to pit.',
    "Tested and working.\nShips next business day.",
    "New with tags, from a smoke-free home.",
)


def figures(ctx: BenchContext) -> Iterator[Figure]:
    rows = ctx.scaled(FULL_ROWS, least=100)
    path = listings_file(ctx.workdir, rows)
    runs = min(ctx.runs, _runs(ctx.scale))
    app: list[float] = []
    raw: list[float] = []
    phases: list[dict[str, float]] = []
    for _ in range(runs):
        with _throwaway_user(ctx, "import") as user_id:
            seconds, phase_seconds = _app_import(ctx, path, user_id)
        app.append(rows / seconds)
        phases.append(phase_seconds)
        with _throwaway_user(ctx, "raw-copy") as user_id:
            raw.append(rows / _raw_copy(ctx, path, user_id))
    yield Figure(
        f"CSV import of {rows:,} listings (parse, validate, write)",
        "rows/s",
        Samples.of(app),
        target=TARGET_ROWS_PER_S,
        better="higher",
        limit=Samples.of(raw).median,
        limit_label=RAW_LABEL,
        note=f"new listings into a fresh user, {runs} run(s); the raw side writes the same rows without checks",
        extra={
            "rows": rows,
            "raw_rows_per_s": [round(value, 1) for value in raw],
            "phase_seconds": phases,  # per run: Reading, Checking, Writing, as the dialog shows them
        },
    )


def _runs(scale: float) -> int:
    if scale >= 0.5:
        return FULL_SCALE_RUNS
    return TENTH_SCALE_RUNS if scale >= 0.05 else SMALL_SCALE_RUNS


# ----- the two sides -----------------------------------------------------------------------------------
@dataclass
class _Phases:
    """When each phase of an import began, from its progress reports."""

    started: float = field(default_factory=time.perf_counter)
    began: dict[str, float] = field(default_factory=dict)

    def report(self, progress: TransferProgress) -> None:
        self.began.setdefault(progress.phase, time.perf_counter())

    def seconds(self, ended: float) -> dict[str, float]:
        """Seconds in each phase; phases are reported in the order they happen."""
        marks = [*self.began.values(), ended]
        return {phase: round(marks[n + 1] - marks[n], 2) for n, phase in enumerate(self.began)}


def _app_import(ctx: BenchContext, path: Path, user_id: UUID) -> tuple[float, dict[str, float]]:
    """Seconds the app's import of `path` takes, and how long each of its phases took."""
    phases = _Phases()
    result = import_listings(lambda: ctx.database.unit_of_work(user_id), path, progress=phases.report)
    ended = time.perf_counter()
    if result.updated or result.unchanged:
        raise RuntimeError(f"the import found listings to update in a fresh user: {result}")
    return ended - phases.started, phases.seconds(ended)


def _raw_copy(ctx: BenchContext, path: Path, user_id: UUID) -> float:
    """Seconds a plain COPY of the file's rows into listings takes: the CSV read and sent as it is."""
    owner = str(user_id)
    with ctx.raw() as conn:
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy(_RAW_COPY) as copy, path.open(encoding="utf-8", newline="") as file:
            reader = csv.reader(file)
            next(reader)
            for cells in reader:
                copy.write_row([owner, *(cell or None for cell in cells)])
        return time.perf_counter() - started


@contextmanager
def _throwaway_user(ctx: BenchContext, name: str) -> Iterator[UUID]:
    """A user of its own for one run; afterwards everything it owns is deleted and listings vacuumed."""
    tag = uuid.uuid4().hex[:8]
    with ctx.database.users() as users:
        user = users.create(username=f"bench-{name}-{tag}", email=f"bench-{name}-{tag}@example.com")
    try:
        yield user.id
    finally:
        with ctx.raw() as conn:
            _forget_user(conn, user.id)


def _forget_user(conn: psycopg.Connection[Any], user_id: UUID) -> None:
    # Nothing refers to a throwaway user's listings, so the per-row foreign key checks of a million
    # deletes (a minute and a half) are skipped, as the dataset's load skips them (the bench server's
    # role may). The VACUUM leaves the next run, and the next area, the table as it was.
    conn.execute("SET session_replication_role = replica")
    with conn.transaction():
        conn.execute("DELETE FROM listings WHERE user_id = %s", (user_id,))
        conn.execute("DELETE FROM activity_logs WHERE user_id = %s", (user_id,))
        conn.execute("DELETE FROM users WHERE id = %s", (user_id,))
    conn.execute("SET session_replication_role = DEFAULT")
    conn.execute("VACUUM (ANALYZE) listings")


# ----- the file -----------------------------------------------------------------------------------------
def listings_file(folder: Path, rows: int) -> Path:
    """The file of `rows` new listings in `folder`, written the first time (a million rows: about a minute)."""
    path = folder / f"import-listings-{rows}-{SEED}.csv"
    if not path.exists():
        partial = path.with_name(path.name + ".partial")
        write_listings_file(partial, rows)
        partial.replace(path)
    return path


def write_listings_file(path: Path, rows: int, seed: int = SEED) -> Path:
    """`rows` new listings as the app exports them: draft or active (with a place), SKUs and UPCs,
    photo URIs, attributes and fresh listing_uuids; the same file for the same seed."""
    pick = random.Random(seed)
    now = datetime(2025, 3, 1, 12, 0, 0)
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        for n in range(rows):
            writer.writerow(_row(pick, n, now, seed))
    return path


def _row(pick: random.Random, n: int, now: datetime, seed: int) -> list[str]:
    brand, thing, colour, size = pick.choice(_BRANDS), pick.choice(_THINGS), pick.choice(_COLOURS), pick.choice(_SIZES)
    active = pick.random() < 0.6
    cost = pick.randint(50, 5_000)
    price = cost + pick.randint(100, 20_000)
    photos = [f"file:///photos/{seed:02d}/{n:07d}-{k}.jpg" for k in range(pick.randint(1, 5))]
    attributes = {"brand": brand, "color": colour, "size": size}
    created = now - timedelta(seconds=pick.randint(0, 86_400 * 365))
    cells = {
        "listing_uuid": str(UUID(int=pick.getrandbits(128), version=4)),
        "title": f"{brand} {thing} {colour} {size}",
        "description": pick.choice(_NOTES),
        "price": f"{price / 100:.2f}",
        "cost": f"{cost / 100:.2f}",
        "condition": pick.choice(CONDITIONS),
        "category": pick.choice(_CATEGORIES),
        "item_type": pick.choice(ITEM_TYPES),
        "attributes": json.dumps(attributes, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        "photos": json.dumps(photos, separators=(",", ":")),
        "quantity": str(pick.randint(1, 3)),
        "storage_location": f"B{pick.randint(1, 500)}-S{pick.randint(1, 10)}" if active or pick.random() < 0.3 else "",
        "sku": f"IMP{seed:02d}-{n:07d}",
        "upc": f"{pick.randint(0, 10**12 - 1):012d}",
        "status": "active" if active else "draft",
        "platform_statuses": '{"ebay":"active"}' if active and pick.random() < 0.5 else "",
        "created_at": f"{created.isoformat()}Z",
        "updated_at": f"{created.isoformat()}Z",
    }
    return [cells.get(name, "") for name in COLUMNS]
