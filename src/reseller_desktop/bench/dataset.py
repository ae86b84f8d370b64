"""The benchmark's data: one big seller (1,000,000 listings, 500,000 cards, 5,000 bins, 50,000 sections,
200,000 storage items at full scale) and ten smaller sellers (2 % of that each), loaded with COPY.

The load is a bulk load into a scratch database, done the way one is done by hand: the secondary
indexes are dropped and built again afterwards (one sort beats a million inserts into a trigram
index), and triggers are off (session_replication_role = replica) because the rows are generated
already consistent: each section's item_count is the number of items put in it, each stored listing's
and card's location is its item's path, each card's tier follows the default thresholds. A test
checks those against what the triggers would have made. The first run writes `dataset.json` in the
work folder; a later run with the same scale reuses the data.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from sqlalchemy import text

from reseller_desktop.bench.context import FULL_SCALE, OTHER_SELLERS, Dataset
from reseller_desktop.bench.dataset_rows import Ids, SellerSize
from reseller_desktop.bench.dataset_seller import (
    BIN_COLUMNS,
    CARD_COLUMNS,
    ITEM_COLUMNS,
    LISTING_COLUMNS,
    PLATFORM_COLUMNS,
    SECTION_COLUMNS,
    SNAPSHOT_COLUMNS,
    SellerRows,
)
from reseller_desktop.db.database import Database
from reseller_desktop.domain.errors import UserError

log = logging.getLogger(__name__)
MARKER = "dataset.json"
SELLER_EMAIL = "bench-seller@example.com"
OTHER_SHARE = 0.02  # each other seller has 2 % of the big seller's data
CHUNK_LINES = 5_000
LOADED_TABLES = (
    "listings",
    "platform_listings",
    "card_collections",
    "card_value_snapshots",
    "storage_items",
    "storage_sections",
    "storage_bins",
)
SEQUENCES = {
    "listings": "listing",
    "platform_listings": "platform",
    "storage_bins": "bin",
    "storage_sections": "section",
    "storage_items": "item",
    "card_collections": "card",
    "card_value_snapshots": "snapshot",
}


def seller_size(scale: float, share: float = 1.0) -> SellerSize:
    def part(name: str, least: int) -> int:
        return max(least, round(FULL_SCALE[name] * scale * share))

    bins = part("bins", 2)
    return SellerSize(
        listings=part("listings", 20),
        cards=part("cards", 10),
        bins=bins,
        sections=max(bins, part("sections", 2)),
        storage_items=part("storage_items", 8),
    )


def ensure(database: Database, scale: float, folder: Path, say: Callable[[str], None] = log.info) -> Dataset:
    """The dataset of `folder` at `scale`: reused when it is there, generated when it is not."""
    marker = folder / MARKER
    if marker.exists():
        saved = json.loads(marker.read_text(encoding="utf-8"))
        if saved["scale"] != scale:
            raise UserError(
                f"{folder} holds a benchmark dataset at scale {saved['scale']:g}, not {scale:g}.",
                "Give another --workdir, or delete that folder to generate it again.",
            )
        dataset = Dataset(
            scale=scale,
            seller_id=UUID(saved["seller_id"]),
            seller_email=saved["seller_email"],
            other_ids=tuple(UUID(other) for other in saved["other_ids"]),
            counts=saved["counts"],
        )
        with database.connect() as conn:
            if conn.execute(text("SELECT 1 FROM users WHERE id = :id"), {"id": dataset.seller_id}).first():
                say(f"reusing the dataset in {folder}")
                return dataset
        raise UserError(f"{folder} has a dataset marker but not its data.", "Delete that folder and run again.")
    dataset = generate(database, scale, say)
    marker.write_text(
        json.dumps(
            {
                "scale": scale,
                "seller_id": str(dataset.seller_id),
                "seller_email": dataset.seller_email,
                "other_ids": [str(other) for other in dataset.other_ids],
                "counts": dataset.counts,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return dataset


def generate(database: Database, scale: float, say: Callable[[str], None] = log.info) -> Dataset:
    with database.users() as users:
        seller = users.create("bench-seller", SELLER_EMAIL)
        others = [users.create(f"bench-other-{n}", f"bench-other-{n}@example.com") for n in range(OTHER_SELLERS)]
    conninfo = database.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET statement_timeout = 0")
        conn.execute("SET maintenance_work_mem = '512MB'")
        indexes = _secondary_indexes(conn)
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        try:
            ids = _next_ids(conn)
            sellers = [(seller.id, seller_size(scale))] + [
                (other.id, seller_size(scale, OTHER_SHARE)) for other in others
            ]
            with conn.transaction():
                conn.execute("SET LOCAL session_replication_role = replica")
                conn.execute("SET LOCAL synchronous_commit = off")
                for number, (user_id, size) in enumerate(sellers):
                    started = time.perf_counter()
                    _load_seller(conn, SellerRows(str(user_id), size, ids, f"bench-{number}", now))
                    if number == 0:
                        say(f"  big seller loaded in {time.perf_counter() - started:.1f} s ({size})")
                for table, key in SEQUENCES.items():
                    conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {getattr(ids, key) - 1})")
        finally:
            started = time.perf_counter()
            _build_indexes(conninfo, [definition for _name, definition in indexes])
            say(f"  {len(indexes)} indexes built again in {time.perf_counter() - started:.1f} s")
        _backfill_value_history(database)
        started = time.perf_counter()
        for table in LOADED_TABLES:
            conn.execute(f"VACUUM (ANALYZE) {table}")
        say(f"  vacuumed and analysed in {time.perf_counter() - started:.1f} s")
        counts = _counts(conn, seller.id)
    return Dataset(
        scale=scale,
        seller_id=seller.id,
        seller_email=SELLER_EMAIL,
        other_ids=tuple(other.id for other in others),
        counts=counts,
    )


def _load_seller(conn: psycopg.Connection[Any], rows: SellerRows) -> None:
    _copy(conn, "listings", LISTING_COLUMNS, rows.listings())
    _copy(conn, "platform_listings", PLATFORM_COLUMNS, rows.platform_rows())
    _copy(conn, "card_collections", CARD_COLUMNS, rows.cards())
    _copy(conn, "card_value_snapshots", SNAPSHOT_COLUMNS, rows.snapshots())
    _copy(conn, "storage_items", ITEM_COLUMNS, rows.storage_items())
    _copy(conn, "storage_bins", BIN_COLUMNS, rows.bins())
    _copy(conn, "storage_sections", SECTION_COLUMNS, rows.sections())


def _copy(conn: psycopg.Connection[Any], table: str, columns: str, lines: Iterable[str]) -> None:
    with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for chunk in _chunks(lines):
            copy.write(chunk)


def _chunks(lines: Iterable[str]) -> Iterator[bytes]:
    batch: list[str] = []
    for row in lines:
        batch.append(row)
        if len(batch) == CHUNK_LINES:
            yield "".join(batch).encode()
            batch.clear()
    if batch:
        yield "".join(batch).encode()


def _build_indexes(conninfo: str, definitions: list[str]) -> None:
    """Build indexes on as many connections as there are cores; the slow trigram ones start first."""
    slow_first = sorted(definitions, key=lambda definition: "gin" not in definition.lower())

    def build(definition: str) -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("SET statement_timeout = 0")
            conn.execute("SET maintenance_work_mem = '256MB'")
            conn.execute(definition)

    with ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        for finished in [pool.submit(build, definition) for definition in slow_first]:
            finished.result()


def _secondary_indexes(conn: psycopg.Connection[Any]) -> list[tuple[str, str]]:
    """The loaded tables' indexes that back no constraint: dropped for the load, built after."""
    found = conn.execute(
        """
        SELECT i.relname, pg_get_indexdef(x.indexrelid)
          FROM pg_index x
          JOIN pg_class i ON i.oid = x.indexrelid
          JOIN pg_class t ON t.oid = x.indrelid
         WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
         ORDER BY i.relname
        """,
        (list(LOADED_TABLES),),
    ).fetchall()
    return [(str(name), str(definition)) for name, definition in found]


def _next_ids(conn: psycopg.Connection[Any]) -> Ids:
    values = {}
    for table, key in SEQUENCES.items():
        row = conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()
        assert row is not None
        values[key] = int(row[0])
    return Ids(**values)


def _backfill_value_history(database: Database) -> None:
    """Per-day collection value changes, kept by triggers in normal use, made here from the snapshots."""
    from reseller_desktop.db import value_history_tables

    with database.engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))
        value_history_tables.backfill_daily_changes(conn)


def _counts(conn: psycopg.Connection[Any], seller_id: UUID) -> dict[str, int]:
    queries = {
        "listings": "SELECT count(*) FROM listings WHERE user_id = %(u)s",
        "platform_listings": "SELECT count(*) FROM platform_listings p JOIN listings l ON l.id = p.listing_id "
        "WHERE l.user_id = %(u)s",
        "cards": "SELECT count(*) FROM card_collections WHERE user_id = %(u)s",
        "card_value_snapshots": "SELECT count(*) FROM card_value_snapshots WHERE user_id = %(u)s",
        "bins": "SELECT count(*) FROM storage_bins WHERE user_id = %(u)s",
        "sections": "SELECT count(*) FROM storage_sections s JOIN storage_bins b ON b.id = s.bin_id "
        "WHERE b.user_id = %(u)s",
        "storage_items": "SELECT count(*) FROM storage_items WHERE user_id = %(u)s",
        "all_listings": "SELECT count(*) FROM listings",
        "all_cards": "SELECT count(*) FROM card_collections",
    }
    counts = {}
    for name, sql in queries.items():
        row = conn.execute(sql, {"u": seller_id}).fetchone()
        assert row is not None
        counts[name] = int(row[0])
    return counts
