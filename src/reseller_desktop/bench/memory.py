"""The app's memory with the big seller's listings view scrolled to the very end: the table model
keeps ids and a bounded cache of pages, so a million rows must not cost a million rows' records.

Measured in a child process (bench/view_memory.py) so the benchmark's own memory does not count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

from reseller_desktop.bench.context import BenchContext
from reseller_desktop.bench.figures import Figure, Samples

TARGET_MB = 400.0
SECONDS_PER_PAGE = 0.5  # a generous bound on a page read and shown, for the child's time limit
LEAST_SECONDS = 120


def scrolled_view(ctx: BenchContext) -> dict[str, Any]:
    """Run the child over the big seller's listings; what it measured."""
    pages = ctx.dataset.counts["listings"] // 200 + 1
    env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    done = subprocess.run(
        [sys.executable, "-m", "reseller_desktop.bench.view_memory", ctx.conninfo, str(ctx.dataset.seller_id)],
        capture_output=True,
        text=True,
        env=env,
        timeout=max(LEAST_SECONDS, pages * SECONDS_PER_PAGE),
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the memory child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    measured: dict[str, Any] = json.loads(lines[-1])
    return measured


def figures(ctx: BenchContext) -> Iterator[Figure]:
    measured = scrolled_view(ctx)
    yield Figure(
        "memory after scrolling the 1,000,000-row view to the end",
        "MB",
        Samples.of([measured["rss_end_mb"]]),
        target=TARGET_MB,
        statistic="value",
        note=(
            f"RSS after {measured['rows']:,} rows in {measured['pages']:,} pages "
            f"({measured['scroll_seconds']:.0f} s); idle window {measured['rss_idle_mb']:.0f} MB"
        ),
        extra={f"memory_{key}": value for key, value in measured.items()},
    )
