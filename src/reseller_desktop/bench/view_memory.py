"""Child process of the memory figure: the listings view over one seller's listings, scrolled to the
very end, and the process's memory (RSS) idle and at the end, printed as one JSON line.

    python -m reseller_desktop.bench.view_memory CONNINFO SELLER_ID

Its own process, so the figure is this view's memory alone, not the benchmark's.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

from reseller_desktop.bench.view_support import StallMeter, qt_app, rss_mb, wait_until

PAGE_TIMEOUT_S = 60.0


def scroll_to_end(view: Any, meter: StallMeter) -> int:
    """Scroll to the bottom until every row is in, as a user dragging the scroll bar down would;
    the view asks for the next page each time it reaches the bottom. Returns the pages read."""
    from PySide6.QtCore import QModelIndex

    model, table = view.model, view.table
    pages, before = 0, 0

    def page_in() -> bool:
        return bool(model.rowCount() > before or not model.fetching)

    while model.canFetchMore(QModelIndex()):
        before = model.rowCount()
        table.scrollToBottom()
        if not model.fetching:  # already at the bottom: the scroll bar did not move to ask
            model.fetchMore(QModelIndex())
        wait_until(page_in, "the next page", PAGE_TIMEOUT_S)
        pages += 1
        meter.next_stretch()
    table.scrollToBottom()
    return pages


def measure(conninfo: str, seller_id: UUID) -> dict[str, Any]:
    from PySide6.QtCore import QSettings

    from reseller_desktop.db.database import Database
    from reseller_desktop.db.engine import DatabaseTarget, normalise_url
    from reseller_desktop.ui.listings_model import ListingsModel
    from reseller_desktop.ui.listings_view import ListingsView
    from reseller_desktop.ui.tasks import TaskRunner

    qt_app()
    started = rss_mb()
    database = Database(DatabaseTarget(normalise_url(conninfo), embedded=False))
    runner = TaskRunner()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-view-memory-") as scratch:
            model = ListingsModel(runner, lambda: database.unit_of_work(seller_id))
            view = ListingsView(runner, lambda: database.unit_of_work(seller_id), model)
            view.resize(1200, 700)
            view.start(QSettings(str(Path(scratch) / "window.ini"), QSettings.Format.IniFormat))
            view.show()
            wait_until(lambda: model.rowCount() > 0 or not model.fetching, "the first page", PAGE_TIMEOUT_S)
            wait_until(lambda: runner.active == 0, "the counts", PAGE_TIMEOUT_S)
            idle = rss_mb()
            meter = StallMeter()
            meter.start()
            scrolling = time.perf_counter()
            pages = scroll_to_end(view, meter)
            seconds = time.perf_counter() - scrolling
            meter.stop()
            wait_until(lambda: runner.active == 0, "the last tasks", PAGE_TIMEOUT_S)
            end = rss_mb()
            rows = model.rowCount()
            view.close()
    finally:
        runner.wait()
        database.dispose()
    last = meter.longest[-50:]  # the stalls near the end, where the table is longest
    return {
        "rss_start_mb": round(started, 1),
        "rss_idle_mb": round(idle, 1),
        "rss_end_mb": round(end, 1),
        "rows": rows,
        "pages": pages,
        "scroll_seconds": round(seconds, 1),
        "longest_stall_ms": round(max(meter.longest), 1),
        "longest_stall_last_pages_ms": round(max(last), 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reseller_desktop.bench.view_memory")
    parser.add_argument("conninfo")
    parser.add_argument("seller_id", type=UUID)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.conninfo, args.seller_id)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
