"""Area "lookups": search as you type, a barcode scan, and mark sold, on the big seller's listings.

Each goes through the app's own code (the repository page the listings view loads, the lookup the
scan runs, the sale service the editor calls), beside the raw psycopg statement(s) that do the same:

- search: the statements the app sends for the page, caught as they go out and sent again raw, so
  the ratio is the app's own overhead and the plan's cost is in both; the JSON also has the page as
  one plain statement planned by the server alone (`one_statement_*`), which the app's own choice
  of plan (repositories/text_search.py) is there to beat;
- scan: one indexed lookup of the code (UPC, SKU or storage id), the least any client can do;
- mark sold: no raw side (the work is the service's rules); listings picked by this area, each sold once.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql
from sqlalchemy import Engine, event

from reseller_desktop.bench.context import BenchContext
from reseller_desktop.bench.figures import Figure, Samples
from reseller_desktop.db.listing_indexes import SEARCH_DOCUMENT
from reseller_desktop.domain.listing_filter import MIN_SEARCH_CHARS, ListingFilter
from reseller_desktop.repositories.code_lookup import MAX_HITS_PER_WAY, CodeLookupRepository
from reseller_desktop.repositories.listing_pages import Sort
from reseller_desktop.repositories.text_search import escape_like
from reseller_desktop.services.sales import record_sale_by_hand

SEARCH_TARGET_MS = 50.0
SCAN_TARGET_MS = 5.0
SCAN_RAW_TIMES = 3.0  # the app's scan may cost at most this many raw lookups
MARK_SOLD_TARGET_MS = 10.0
MARK_SOLD_PLATFORMS = ("ebay", "etsy", "poshmark", "mercari", "depop")
SEARCH_PAGE = 200  # the listings view's page (ui/paged_table_model.PAGE_SIZE)
NO_MATCH = "zqxjw"  # in no title, SKU or UPC: the term whose plan must not read every row

Statement = tuple[str, Any]


def figures(ctx: BenchContext) -> Iterator[Figure]:
    yield search_figure(ctx)
    yield scan_figure(ctx)
    yield mark_sold_figure(ctx)


# ----- samples of the seller's own data -------------------------------------------------------------
def id_range(raw: psycopg.Connection[Any], table: str, seller: UUID) -> tuple[int, int] | None:
    """The lowest and highest id of the seller's rows in `table` (listings or storage_items)."""
    query = sql.SQL("SELECT min(id), max(id) FROM {} WHERE user_id = %s").format(sql.Identifier(table))
    found = raw.execute(query, (seller,)).fetchone()
    return None if found is None or found[0] is None else (int(found[0]), int(found[1]))


def sample_listings(
    raw: psycopg.Connection[Any], seller: UUID, spots: int, rng: random.Random
) -> list[tuple[Any, ...]]:
    """(title, sku, upc) of a few listings at each of `spots` random places in the seller's id range."""
    ids = id_range(raw, "listings", seller)
    if ids is None:
        raise RuntimeError("the bench seller has no listings; generate the dataset first")
    rows: list[tuple[Any, ...]] = []
    for _ in range(spots):
        start = rng.randint(*ids)
        rows += raw.execute(
            "SELECT title, sku, upc FROM listings WHERE user_id = %s AND id >= %s ORDER BY id LIMIT 4",
            (seller, start),
        ).fetchall()
    return rows


def typed(text: str, longest: int = 8) -> list[str]:
    """What the search box holds as `text` is typed, from the third character on."""
    text = text.lower()
    return [text[:end] for end in range(MIN_SEARCH_CHARS, min(len(text), longest) + 1)]


def search_terms(raw: psycopg.Connection[Any], seller: UUID, count: int, rng: random.Random) -> list[str]:
    """A mix like a seller's typing: title words as typed (common and rare), two-word phrases, SKU
    fragments, UPC prefixes, and a term nothing matches."""
    rows = sample_listings(raw, seller, max(8, count // 4), rng)
    words = sorted({w for title, _, _ in rows for w in str(title).split() if len(w) >= MIN_SEARCH_CHARS})
    kinds: list[list[str]] = [
        [term for word in rng.sample(words, min(len(words), 6)) for term in typed(word)],
        [" ".join(str(title).split()[i : i + 2]).lower()[:12] for title, _, _ in rows[:8] for i in (0, 1)],
        [str(sku)[start : start + width] for _, sku, _ in rows[:8] if sku for start, width in ((0, 6), (3, 4))],
        [str(upc)[:width] for _, _, upc in rows[:12] if upc for width in (3, 6, 12)],
        [NO_MATCH[:n] for n in range(MIN_SEARCH_CHARS, len(NO_MATCH) + 1)],
    ]
    shares = (0.45, 0.15, 0.15, 0.15, 0.10)
    terms: list[str] = []
    for pool, share in zip(kinds, shares, strict=True):
        if pool:
            terms += [rng.choice(pool) for _ in range(max(1, round(count * share)))]
    rng.shuffle(terms)
    return [term for term in terms if len(term.strip()) >= MIN_SEARCH_CHARS]


def scan_codes(raw: psycopg.Connection[Any], seller: UUID, each: int, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, code) pairs: `each` UPCs, SKUs and storage ids of the seller, interleaved."""
    rows = sample_listings(raw, seller, max(4, each), rng)
    upcs = [str(upc) for _, _, upc in rows if upc][:each]
    skus = [str(sku) for _, sku, _ in rows if sku][:each]
    ids = id_range(raw, "storage_items", seller)
    storage_ids: list[str] = []
    if ids is not None:
        for _ in range(each):
            found = raw.execute(
                "SELECT storage_id FROM storage_items WHERE user_id = %s AND id >= %s ORDER BY id LIMIT 1",
                (seller, rng.randint(*ids)),
            ).fetchone()
            if found:
                storage_ids.append(str(found[0]))
    codes = [("upc", c) for c in upcs] + [("sku", c) for c in skus] + [("storage_id", c) for c in storage_ids]
    rng.shuffle(codes)
    return codes


# ----- timing helpers ---------------------------------------------------------------------------------
def elapsed_ms(work: Callable[..., Any], *args: Any) -> float:
    started = time.perf_counter()
    work(*args)
    return (time.perf_counter() - started) * 1000


@contextmanager
def captured_statements(engine: Engine) -> Iterator[list[Statement]]:
    """The SQL and parameters the app sends while the block runs, as the driver gets them."""
    found: list[Statement] = []

    def note(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        found.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", note)


def replay(raw: psycopg.Connection[Any], statements: Sequence[Statement]) -> None:
    for statement, parameters in statements:
        raw.execute(statement, parameters).fetchall()


# ----- the figures ------------------------------------------------------------------------------------
def search_figure(ctx: BenchContext) -> Figure:
    seller = ctx.dataset.seller_id
    database = ctx.database

    def first_page(term: str) -> None:
        with database.unit_of_work(seller) as uow:
            uow.listing_pages.page(ListingFilter(search=term), Sort(), None, SEARCH_PAGE)

    app: list[float] = []
    limit: list[float] = []
    planner: list[float] = []  # the page as one statement, planned by PostgreSQL alone
    with ctx.raw() as raw:
        terms = search_terms(raw, seller, max(20, ctx.runs * 2), random.Random(6))
        for term in terms:
            with captured_statements(database.engine) as statements:
                first_page(term)  # also the warm-up of this term's pages, for both sides
            app.append(elapsed_ms(first_page, term))
            limit.append(elapsed_ms(replay, raw, statements))
            planner.append(elapsed_ms(one_statement_page, raw, seller, term))
    raw_samples, planner_samples = Samples.of(limit), Samples.of(planner)
    slowest = sorted(zip(app, terms, strict=True), reverse=True)[:3]
    return Figure(
        name="search as you type, 3+ characters, first page",
        unit="ms",
        samples=Samples.of(app),
        target=SEARCH_TARGET_MS,
        statistic="p95",
        limit=raw_samples.p95,
        limit_label="raw SQL, same statements",
        note=f"{len(terms)} terms; slowest: " + ", ".join(f"{term!r} {ms:.0f} ms" for ms, term in slowest),
        extra={
            "terms": len(terms),
            "raw_median": round(raw_samples.median, 4),
            "one_statement_median": round(planner_samples.median, 4),
            "one_statement_p95": round(planner_samples.p95, 4),
        },
    )


def one_statement_page(raw: psycopg.Connection[Any], seller: UUID, term: str) -> None:
    """The first page as the single plain statement a client would write, the plan left to the
    server: what search cost before the app chose the plan itself (repositories/text_search.py)."""
    raw.execute(
        f"SELECT id, title, price, cost, quantity, status, storage_location, sku, upc, updated_at, photos "
        f"FROM listings WHERE user_id = %s AND {SEARCH_DOCUMENT} ILIKE %s "
        f"ORDER BY updated_at DESC, id DESC LIMIT {SEARCH_PAGE}",
        (seller, f"%{escape_like(term)}%"),
        prepare=False,  # planned for this term, as a one-off statement is
    ).fetchall()


RAW_SCAN = {
    "upc": f"SELECT id, title FROM listings WHERE user_id = %s AND upc = %s LIMIT {MAX_HITS_PER_WAY}",
    "sku": "SELECT id, title FROM listings WHERE user_id = %s AND sku = %s",
    "storage_id": "SELECT id, title FROM storage_items WHERE user_id = %s AND storage_id = %s",
}


def scan_figure(ctx: BenchContext) -> Figure:
    seller = ctx.dataset.seller_id
    database = ctx.database

    def lookup(code: str) -> None:  # what ui/scan_dialog.py runs on its worker for a scan
        with database.unit_of_work(seller) as uow:
            hits = CodeLookupRepository(uow.connection, uow.user_id).find(code)
        if not hits:
            raise RuntimeError(f"the scan of {code!r} found nothing; the bench picked it from the data")

    with ctx.raw() as raw:
        codes = scan_codes(raw, seller, max(10, ctx.runs), random.Random(7))

        def raw_lookup(kind: str, code: str) -> None:
            raw.execute(RAW_SCAN[kind], (seller, code)).fetchall()

        for kind, code in codes:  # warm-up: the index pages of every code, both sides
            lookup(code)
            raw_lookup(kind, code)
        app = [elapsed_ms(lookup, code) for _, code in codes]
        limit = [elapsed_ms(raw_lookup, kind, code) for kind, code in codes]
    raw_samples = Samples.of(limit)
    kinds = {kind: sum(1 for k, _ in codes if k == kind) for kind in RAW_SCAN}
    return Figure(
        name="barcode scan → record shown (UPC/SKU/storage_id)",
        unit="ms",
        samples=Samples.of(app),
        target=SCAN_TARGET_MS,
        statistic="p95",
        limit=raw_samples.p95,
        limit_label="one raw indexed lookup",
        note=f"{len(codes)} codes ({', '.join(f'{n} {k}' for k, n in kinds.items())}); "
        f"ratio target ≤ {SCAN_RAW_TIMES:g}",
        extra={"raw_median": round(raw_samples.median, 4), "ratio_target": SCAN_RAW_TIMES, "codes": kinds},
    )


def sellable_listings(raw: psycopg.Connection[Any], seller: UUID, count: int) -> list[tuple[int, str]]:
    """(listing id, platform it sells on) of active listings with five live platform rows; where the
    data has too few, active listings are given the missing rows (these are this area's to sell)."""
    # A lateral count per listing, so the scan stops at `count` listings (a GROUP BY would read all).
    query = """
        SELECT l.id, rows.first
          FROM listings l
         CROSS JOIN LATERAL (
               SELECT count(*) AS total, count(*) FILTER (WHERE p.status IN ('pending', 'active', 'failed')) AS live,
                      min(p.platform) AS first
                 FROM platform_listings p WHERE p.listing_id = l.id) AS rows
         WHERE l.user_id = %s AND l.status = 'active' AND coalesce(l.quantity, 1) = 1
           AND rows.total = 5 AND rows.live = 5
         LIMIT %s
    """
    found = [(int(i), str(p)) for i, p in raw.execute(query, (seller, count)).fetchall()]
    if len(found) < count:
        more = raw.execute(
            """SELECT id FROM listings WHERE user_id = %s AND status = 'active' AND coalesce(quantity, 1) = 1
                  AND id <> ALL(%s) ORDER BY id DESC LIMIT %s""",
            (seller, [i for i, _ in found], count - len(found)),
        ).fetchall()
        for (listing_id,) in more:
            with raw.transaction():
                raw.execute("DELETE FROM platform_listings WHERE listing_id = %s", (listing_id,))
                for platform in MARK_SOLD_PLATFORMS:
                    raw.execute(
                        "INSERT INTO platform_listings (listing_id, platform, status) VALUES (%s, %s, 'active')",
                        (listing_id, platform),
                    )
            found.append((int(listing_id), MARK_SOLD_PLATFORMS[0]))
    return found


def mark_sold_figure(ctx: BenchContext) -> Figure:
    seller = ctx.dataset.seller_id
    database = ctx.database
    with ctx.raw() as raw:
        picked = sellable_listings(raw, seller, ctx.runs + 1)
    if len(picked) < 2:
        raise RuntimeError("the bench seller has no active listing left to sell")

    def sell(listing_id: int, platform: str) -> None:  # what the editor's "Mark as sold" runs
        with database.unit_of_work(seller) as uow:
            outcome = record_sale_by_hand(
                uow, listing_id, platform=platform, price="25.00", sold_at=datetime.now(UTC).replace(tzinfo=None)
            )
            uow.commit()
        if len(outcome.cancellations) != 4:
            raise RuntimeError(f"listing {listing_id} scheduled {len(outcome.cancellations)} cancellations, not 4")

    sell(*picked[0])  # warm-up
    times = [elapsed_ms(sell, *pick) for pick in picked[1:]]
    return Figure(
        name="mark sold with 5 platforms (sold_* + 4 cancellations scheduled, one transaction)",
        unit="ms",
        samples=Samples.of(times),
        target=MARK_SOLD_TARGET_MS,
        note=f"{len(times)} listings, each sold once",
    )
