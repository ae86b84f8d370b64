"""Area "cards": the Cards page on the big seller's cards, through the app's own service calls (what
the page's task runner runs: services/card_collection.py), each beside the same SQL sent raw.

- first page: the table's first keyset page in its opening order (value, highest first);
- search: the first page for terms as a seller types them (words of titles, players, sets and card
  numbers, and a term nothing matches), judged on p95;
- tree and totals by set: the group sums of every game and set and the filter's totals, in one call;
- value chart, 1 year: the collection's total on each of 365 days, read from the per-day changes
  (db/value_history_tables.py), ending on the seller's latest snapshot day.

The raw side of each is the statements the app sent for it, caught as they went out and replayed on a
plain psycopg connection: the ratio is the app's own overhead, the plan's cost is in both.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from functools import partial
from typing import Any
from uuid import UUID

import psycopg

from reseller_desktop.bench.context import BenchContext
from reseller_desktop.bench.figures import Figure, Samples, Statistic
from reseller_desktop.bench.view_support import Statement, replay, sql_sent
from reseller_desktop.domain.card_groups import CardFilter
from reseller_desktop.domain.listing_filter import MIN_SEARCH_CHARS
from reseller_desktop.repositories.card_pages import CardSort
from reseller_desktop.services.card_collection import load_collection_history, load_overview, load_page

FIRST_PAGE_TARGET_MS = 100.0
SEARCH_TARGET_MS = 50.0
TREE_TARGET_MS = 1000.0
CHART_TARGET_MS = 1000.0
PAGE_SIZE = 200  # the cards table's page (ui/paged_table_model.PAGE_SIZE)
OPENING_SORT = CardSort("estimated_value", True)  # the order the Cards page opens in (ui/cards_model.py)
CHART_DAYS = 365
SLOW_RUNS = 10  # at most this many runs of the figures that take up to a second each
NO_MATCH = "zqxjw"
RAW_LABEL = "raw SQL, same statements"


def figures(ctx: BenchContext) -> Iterator[Figure]:
    yield first_page_figure(ctx)
    yield search_figure(ctx)
    yield tree_figure(ctx)
    yield chart_figure(ctx)


def _uow_factory(ctx: BenchContext) -> Callable[[], Any]:
    database, seller = ctx.database, ctx.dataset.seller_id
    return lambda: database.unit_of_work(seller)


def elapsed_ms(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return (time.perf_counter() - started) * 1000


def measured(ctx: BenchContext, works: Sequence[Callable[[], Any]]) -> tuple[list[float], list[float]]:
    """Each distinct work once unmeasured (the warm-up, which also catches its statements), then each
    timed through the app and raw; the app's and the raw times, in the order of `works`."""
    app: list[float] = []
    raw_times: list[float] = []
    caught: dict[int, list[Statement]] = {}
    with ctx.raw() as raw:
        for work in works:
            if id(work) not in caught:
                with sql_sent(ctx.database.engine) as statements:
                    work()
                caught[id(work)] = list(statements)
                replay(raw, caught[id(work)])
            app.append(elapsed_ms(work))
            raw_times.append(elapsed_ms(partial(replay, raw, caught[id(work)])))
    return app, raw_times


def _figure(
    name: str,
    app: list[float],
    raw_times: list[float],
    target: float,
    *,
    note: str,
    statistic: Statistic = "median",
    extra: dict[str, Any] | None = None,
) -> Figure:
    limit = Samples.of(raw_times)
    return Figure(
        name=name,
        unit="ms",
        samples=Samples.of(app),
        target=target,
        statistic=statistic,
        limit=limit.pick(statistic),
        limit_label=RAW_LABEL,
        note=note,
        extra={"raw_median": round(limit.median, 4), **(extra or {})},
    )


# ----- the figures ------------------------------------------------------------------------------------
def first_page_figure(ctx: BenchContext) -> Figure:
    new_uow = _uow_factory(ctx)

    def first_page() -> None:
        rows, _next = load_page(new_uow, CardFilter(), OPENING_SORT, None, PAGE_SIZE)
        if not rows:
            raise RuntimeError("the bench seller has no cards; generate the dataset first")

    app, raw_times = measured(ctx, [first_page] * ctx.runs)
    return _figure(
        "cards page: first page",
        app,
        raw_times,
        FIRST_PAGE_TARGET_MS,
        note=f"{PAGE_SIZE} rows, by value (highest first)",
    )


def search_figure(ctx: BenchContext) -> Figure:
    new_uow = _uow_factory(ctx)
    with ctx.raw() as raw:
        terms = search_terms(raw, ctx.dataset.seller_id, max(20, ctx.runs * 2), random.Random(8))

    def searched(term: str) -> Callable[[], object]:
        return lambda: load_page(new_uow, CardFilter(search=term), OPENING_SORT, None, PAGE_SIZE)

    app, raw_times = measured(ctx, [searched(term) for term in terms])
    slowest = sorted(zip(app, terms, strict=True), reverse=True)[:3]
    return _figure(
        "cards search, first page",
        app,
        raw_times,
        SEARCH_TARGET_MS,
        statistic="p95",
        note=f"{len(terms)} terms; slowest: " + ", ".join(f"{term!r} {ms:.0f} ms" for ms, term in slowest),
        extra={"terms": len(terms)},
    )


def tree_figure(ctx: BenchContext) -> Figure:
    new_uow = _uow_factory(ctx)
    overview: list[Any] = []

    def tree_and_totals() -> None:
        overview[:] = [load_overview(new_uow, CardFilter(), "by_set")]

    app, raw_times = measured(ctx, [tree_and_totals] * min(ctx.runs, SLOW_RUNS))
    (found,) = overview
    return _figure(
        "cards tree and totals by set",
        app,
        raw_times,
        TREE_TARGET_MS,
        note=f"{len(found.tree)} games, {found.totals.cards:,} cards",
    )


def chart_figure(ctx: BenchContext) -> Figure:
    new_uow = _uow_factory(ctx)
    with ctx.raw() as raw:
        last = latest_snapshot_day(raw, ctx.dataset.seller_id)
    points: list[int] = []

    def one_year() -> None:
        points[:] = [len(load_collection_history(new_uow, CHART_DAYS, today=last).points)]

    app, raw_times = measured(ctx, [one_year] * min(ctx.runs, SLOW_RUNS))
    return _figure(
        "collection value chart, 1 year",
        app,
        raw_times,
        CHART_TARGET_MS,
        note=f"{points[0]} days to {last.isoformat()}, from the per-day changes",
        extra={"days": points[0]},
    )


# ----- samples of the seller's own data -------------------------------------------------------------
def latest_snapshot_day(raw: psycopg.Connection[Any], seller: UUID) -> date:
    """Where the seller's history ends (the generated data's "today"); today when there is none."""
    found = raw.execute("SELECT max(day) FROM card_value_snapshots WHERE user_id = %s", (seller,)).fetchone()
    return found[0] if found is not None and found[0] is not None else date.today()


def search_terms(raw: psycopg.Connection[Any], seller: UUID, count: int, rng: random.Random) -> list[str]:
    """A mix like a seller's typing: words of titles, players and sets as typed, card numbers, and a
    term nothing matches, from cards at random places in the seller's collection."""
    ids = raw.execute("SELECT min(id), max(id) FROM card_collections WHERE user_id = %s", (seller,)).fetchone()
    if ids is None or ids[0] is None:
        raise RuntimeError("the bench seller has no cards; generate the dataset first")
    rows: list[tuple[Any, ...]] = []
    for _ in range(max(8, count // 4)):
        rows += raw.execute(
            "SELECT title, player_name, set_name, card_number FROM card_collections "
            "WHERE user_id = %s AND id >= %s ORDER BY id LIMIT 3",
            (seller, rng.randint(ids[0], ids[1])),
        ).fetchall()
    words = sorted(
        {w for row in rows for field in row[:3] if field for w in str(field).split() if len(w) >= MIN_SEARCH_CHARS}
    )
    kinds: list[list[str]] = [
        [term for word in rng.sample(words, min(len(words), 8)) for term in typed(word)],
        [str(number) for *_, number in rows if number and len(str(number)) >= MIN_SEARCH_CHARS],
        [NO_MATCH[:n] for n in range(MIN_SEARCH_CHARS, len(NO_MATCH) + 1)],
    ]
    terms: list[str] = []
    for pool, share in zip(kinds, (0.7, 0.2, 0.1), strict=True):
        if pool:
            terms += [rng.choice(pool) for _ in range(max(1, round(count * share)))]
    rng.shuffle(terms)
    return terms


def typed(word: str, longest: int = 8) -> list[str]:
    """What the search box holds as `word` is typed, from the third character on."""
    word = word.lower()
    return [word[:end] for end in range(MIN_SEARCH_CHARS, min(len(word), longest) + 1)]
