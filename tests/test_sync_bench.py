"""The `sync` bench area's timed figures at the smallest scale, on the test database: they come out
with their samples and targets (how fast they are is the bench's business, not the tests')."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, cast

from reseller_desktop.bench import sync as sync_area
from reseller_desktop.bench.context import BenchContext
from reseller_desktop.db.database import Database


def test_the_sale_and_cancellation_figures_come_out_whole(database: Database, tmp_path: Path) -> None:
    # The area uses the context's database, scratch folder and scale, not the generated dataset.
    ctx = BenchContext(
        scale=0.01, workdir=tmp_path, server=cast(Any, None), database=database, dataset=cast(Any, None), runs=5
    )
    detected, withdrawn = sync_area.sale_and_cancel_figures(ctx)

    assert detected.name == "sale on eBay → listing marked sold"
    assert (detected.unit, detected.statistic, detected.target) == ("s", "max", sync_area.SHORT_POLL_SECONDS + 1)
    assert "30 s at full scale" in detected.note
    assert withdrawn.name == "scheduled cancellation due → withdrawn"
    assert (withdrawn.unit, withdrawn.statistic, withdrawn.target) == ("s", "max", 5.0)
    for figure in (detected, withdrawn):
        assert len(figure.samples.values) == sync_area.SALES
        assert all(math.isfinite(value) for value in figure.samples.values)
        assert set(figure.as_json()) >= {"name", "value", "unit", "target", "holds", "note"}
    # A sale is never seen before it is made, and a withdrawal never goes before it is due.
    assert min(detected.samples.values) > 0
    assert min(withdrawn.samples.values) >= 0
