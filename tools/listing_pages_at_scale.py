"""Listing page, search and count timings at 1,000,000 listings of one seller (10 others with 20,000).

A first measurement ahead of `make bench`: starts its own embedded server in a temporary folder,
loads the rows with one INSERT … SELECT (about 3 minutes on 2 cores), prints median and p95 of 9 runs.

    .venv/bin/python tools/listing_pages_at_scale.py
"""

import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from reseller_desktop.db import migrate
from reseller_desktop.db.database import Database
from reseller_desktop.db.embedded import EmbeddedPostgres
from reseller_desktop.db.engine import DatabaseTarget
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.repositories.listing_pages import Sort

server = EmbeddedPostgres(Path(tempfile.mkdtemp()), delete_on_stop=True)
db = Database(DatabaseTarget(server.start(), embedded=True))
migrate.upgrade(db.engine)
with db.users() as users:
    me = users.create("big", "big@example.com")
    others = [users.create(f"o{i}", f"o{i}@example.com") for i in range(10)]
t0 = time.time()
with db.engine.begin() as conn:
    conn.execute(text("SET LOCAL statement_timeout = 0"))
    for uid, n in [(me.id, 1_000_000)] + [(o.id, 20_000) for o in others]:
        conn.execute(
            text(
                "INSERT INTO listings (listing_uuid, user_id, title, price, cost, quantity, status, storage_location, sku, upc, description, updated_at, created_at) "
                "SELECT gen_random_uuid()::text, :u, (ARRAY['Levis','Nike','Patagonia','Coach','Pyrex'])[1+n%5] || ' item ' || n, (n % 9000)/7.0, CASE WHEN n%3=0 THEN NULL ELSE (n%500)/3.0 END, n%4, "
                "(ARRAY['draft','active','canceled','draft'])[1+n%4], CASE WHEN n%4=1 THEN 'B'||(n%50) ELSE NULL END, 'S'||n||'-'||left(md5(:u || n::text), 4), lpad((n::bigint*7919 % 100000000000)::text, 12, '0'), 'vintage denim jacket ' || n, "
                "timestamp '2025-01-01' + n * interval '1 second', timestamp '2025-01-01' + n * interval '1 second' FROM generate_series(1, :n) n"
            ),
            {"u": uid, "n": n},
        )
    conn.execute(text("ANALYZE listings"))
print(f"loaded in {time.time() - t0:.0f}s")


def timed(label, fn, runs=9):
    ms = []
    for _ in range(runs):
        s = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - s) * 1000)
    ms.sort()
    print(f"{label:55s} median {statistics.median(ms):7.1f} ms  p95 {ms[int(0.95 * (len(ms) - 1))]:7.1f} ms")


def deep(sort, f=None, pages=1):
    f = f or ListingFilter()

    def run():
        key = None
        with db.unit_of_work(me.id) as uow:
            for _ in range(pages):
                _rows, key = uow.listing_pages.page(f, sort, key, 200)

    return run


for col in ("updated_at", "price", "cost", "sku", "storage_location", "title"):
    for desc in (True, False):
        timed(f"first page sorted by {col} {'desc' if desc else 'asc'}", deep(Sort(col, desc)))
timed("5 pages deep, storage_location asc (values then NULLs)", deep(Sort("storage_location", False), pages=5))
timed("search 'denim jacket 4242' first page", deep(Sort(), ListingFilter(search="denim jacket 4242")))
timed("search 'levis item 9' first page", deep(Sort(), ListingFilter(search="levis item 9")))


def counts():
    with db.unit_of_work(me.id) as uow:
        uow.listing_pages.status_counts(ListingFilter(search="nike"))


timed("status counts (capped) for search nike", counts)
db.dispose()
server.stop()
