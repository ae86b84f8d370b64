"""The listings view at a big seller's scale, with real widgets (no screen): the first rows shown
when it opens, the next page while scrolling, and the longest the GUI thread is held up meanwhile.

Each page figure stands beside the same keyset page fetched raw: the statements the repository
sends for it (recorded as sent), replayed on a plain psycopg connection.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reseller_desktop.bench.context import BenchContext
from reseller_desktop.bench.figures import Figure, Samples, time_ms
from reseller_desktop.bench.view_support import PaintClock, StallMeter, Statement, qt_app, replay, sql_sent, wait_until
from reseller_desktop.domain.listing_filter import ListingFilter
from reseller_desktop.repositories.keyset import PageKey
from reseller_desktop.repositories.listing_pages import Sort

OPEN_TARGET_MS = 100.0
NEXT_PAGE_TARGET_MS = 30.0
STALL_TARGET_MS = 16.0
SCROLL_TICK_MS = 16  # a fast continuous scroll: one screenful every frame
STALL_PAGES = 40  # pages scrolled through while the heartbeat runs (2 per run when fewer runs)
RAW_LABEL = "raw psycopg, same keyset page"


@dataclass
class OpenView:
    """A listings view on screen over the big seller's listings, as the workspace builds it."""

    view: Any
    model: Any
    clock: PaintClock
    first_page_at: float | None = None

    def _page_in(self) -> None:
        if self.first_page_at is None:
            self.first_page_at = time.perf_counter()

    @property
    def table(self) -> Any:
        return self.view.table

    def close(self, runner: Any) -> None:
        self.view.close()
        self.view.deleteLater()
        wait_until(lambda: runner.active == 0, "the view's tasks to finish")


def open_view(ctx: BenchContext, runner: Any, state_dir: Path) -> OpenView:
    """Build and show the view, and start loading it the way the workspace does (`start`)."""
    from PySide6.QtCore import QSettings

    from reseller_desktop.photos.thumbnails import ThumbnailCache
    from reseller_desktop.ui.listings_model import ListingsModel
    from reseller_desktop.ui.listings_view import ListingsView
    from reseller_desktop.ui.thumbnail_provider import ThumbnailProvider
    from reseller_desktop.ui.workspace import COVER_SIZE

    database, seller = ctx.database, ctx.dataset.seller_id
    thumbnails = ThumbnailProvider(runner, ThumbnailCache(state_dir / "data"))
    model = ListingsModel(runner, lambda: database.unit_of_work(seller), lambda uri: thumbnails.pixmap(uri, COVER_SIZE))
    thumbnails.ready.connect(model.cover_ready)
    view = ListingsView(runner, lambda: database.unit_of_work(seller), model)
    thumbnails.setParent(view)
    view.resize(1200, 700)
    opened = OpenView(view, model, PaintClock(view.table.viewport()))
    model.loaded.connect(opened._page_in)
    # As the workspace does: the first page is asked for before the view is laid out and shown.
    view.start(QSettings(str(state_dir / "window.ini"), QSettings.Format.IniFormat))
    view.show()
    return opened


def first_rows_ms(ctx: BenchContext, runner: Any, state_dir: Path) -> tuple[float, OpenView]:
    """From building the view to its first page painted."""
    started = time.perf_counter()
    opened = open_view(ctx, runner, state_dir)

    def shown() -> bool:
        return opened.first_page_at is not None and opened.clock.first_since(opened.first_page_at) is not None

    wait_until(shown, "the first rows shown")
    assert opened.first_page_at is not None
    return (_painted(opened, opened.first_page_at) - started) * 1000, opened


def _painted(opened: OpenView, since: float) -> float:
    painted = opened.clock.first_since(since)
    assert painted is not None
    return painted


def next_page_ms(opened: OpenView) -> float:
    """fetchMore, as the view calls it at the bottom, to the new rows painted on screen."""
    from PySide6.QtCore import QModelIndex
    from PySide6.QtWidgets import QAbstractItemView

    model, table = opened.model, opened.table
    wait_until(lambda: not model.fetching, "the page under way")
    before = model.rowCount()
    started = time.perf_counter()
    model.fetchMore(QModelIndex())
    wait_until(lambda: model.rowCount() > before or not model.fetching, "the next page")
    if model.rowCount() == before:
        raise RuntimeError("the listings ran out before every next-page run was measured")
    inserted = time.perf_counter()
    table.scrollTo(model.index(before, 1), QAbstractItemView.ScrollHint.PositionAtTop)
    wait_until(lambda: opened.clock.first_since(inserted) is not None, "the next page painted")
    return (_painted(opened, inserted) - started) * 1000


def scroll_stalls(opened: OpenView, pages: int) -> list[float]:
    """Scroll down a screenful per frame through `pages` pages, fetching as the view does at the
    bottom; the longest event-loop gap (ms) while each page was on its way and shown."""
    from PySide6.QtCore import QTimer

    model, bar = opened.model, opened.table.verticalScrollBar()
    meter = StallMeter()
    arrived = [0]

    def page_in() -> None:
        arrived[0] += 1
        meter.next_stretch()

    def scroll() -> None:
        bar.setValue(min(bar.value() + bar.pageStep(), bar.maximum()))

    model.loaded.connect(page_in)
    ticker = QTimer()
    ticker.setInterval(SCROLL_TICK_MS)
    ticker.timeout.connect(scroll)
    meter.start()
    ticker.start()
    try:
        wait_until(lambda: arrived[0] >= pages or not model.canFetchMore(_root()), "scrolling")
    finally:
        ticker.stop()
        meter.stop()
        model.loaded.disconnect(page_in)
    return [gap for gap in meter.longest[:pages] if gap > 0] or [0.0]


def _root() -> Any:
    from PySide6.QtCore import QModelIndex

    return QModelIndex()


def page_statements(ctx: BenchContext, after: PageKey | None) -> tuple[list[Statement], PageKey | None]:
    """What the repository sends for the view's page after `after` (default filter and sort)."""
    from reseller_desktop.ui.paged_table_model import PAGE_SIZE

    with sql_sent(ctx.database.engine) as sent, ctx.database.unit_of_work(ctx.dataset.seller_id) as uow:
        _rows, key = uow.listing_pages.page(ListingFilter(), Sort(), after, PAGE_SIZE)
    return list(sent), key


def raw_page_ms(ctx: BenchContext, statements: list[Statement]) -> Samples:
    with ctx.raw() as conn:
        return time_ms(lambda: replay(conn, statements), ctx.runs, warmup=2)


def figures(ctx: BenchContext) -> Iterator[Figure]:
    from reseller_desktop.ui.tasks import TaskRunner

    qt_app()
    runner = TaskRunner()
    first_page, second_key = page_statements(ctx, None)
    later_pages = page_statements(ctx, second_key)[0] if second_key is not None else first_page
    with tempfile.TemporaryDirectory(prefix="bench-listings-view-", dir=ctx.workdir) as scratch:
        state_dir = Path(scratch)
        try:
            yield _open_figure(ctx, runner, state_dir, raw_page_ms(ctx, first_page))
            yield from _scroll_figures(ctx, runner, state_dir, raw_page_ms(ctx, later_pages))
        finally:
            runner.wait()


def _open_figure(ctx: BenchContext, runner: Any, state_dir: Path, raw: Samples) -> Figure:
    opened = first_rows_ms(ctx, runner, state_dir)[1]  # unmeasured: imports, first connections
    opened.close(runner)
    measured = []
    for _ in range(ctx.runs):
        elapsed, opened = first_rows_ms(ctx, runner, state_dir)
        opened.close(runner)
        measured.append(elapsed)
    return Figure(
        "open the listings view: first rows shown",
        "ms",
        Samples.of(measured),
        target=OPEN_TARGET_MS,
        limit=raw.median,
        limit_label=RAW_LABEL,
        note=f"{ctx.dataset.counts['listings']:,} listings; view built, shown, first page painted",
    )


def _scroll_figures(ctx: BenchContext, runner: Any, state_dir: Path, raw: Samples) -> Iterator[Figure]:
    from reseller_desktop.ui.paged_table_model import PAGE_SIZE

    total = ctx.dataset.counts["listings"]
    pages = -(-total // PAGE_SIZE)
    if pages < 3:
        raise ValueError(f"scrolling needs 3 pages of listings or more; the seller has {total} (scale up)")
    runs = max(1, min(ctx.runs, pages - 2))
    _elapsed, opened = first_rows_ms(ctx, runner, state_dir)
    try:
        measured = [next_page_ms(opened) for _ in range(runs)]
        yield Figure(
            "next page while scrolling (fetchMore)",
            "ms",
            Samples.of(measured),
            target=NEXT_PAGE_TARGET_MS,
            limit=raw.median,
            limit_label=RAW_LABEL,
            note=f"{PAGE_SIZE} rows a page, fetched off the GUI thread, new rows painted",
        )
        left = pages - 1 - runs
        stalls = scroll_stalls(opened, max(1, min(STALL_PAGES, 2 * ctx.runs, left)))
    finally:
        opened.close(runner)
    yield Figure(
        "GUI thread blocked while scrolling (longest stall)",
        "ms",
        Samples.of(stalls),
        target=STALL_TARGET_MS,
        statistic="max",
        note=f"a screenful (a full repaint) every {SCROLL_TICK_MS} ms through {len(stalls)} pages; 1 ms heartbeat",
    )
