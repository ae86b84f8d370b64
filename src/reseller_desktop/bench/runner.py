"""One benchmark run: start a scratch embedded server, generate (or reuse) the dataset, measure
each area in turn, print every figure as it comes, and save them all as JSON."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import platform
import shutil
import socket
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from reseller_desktop import __version__
from reseller_desktop.bench import AREAS
from reseller_desktop.bench.context import BenchContext
from reseller_desktop.bench.figures import Figure, markdown_table, table_header, table_row, write_json
from reseller_desktop.db import migrate
from reseller_desktop.db.database import Database
from reseller_desktop.db.embedded import EmbeddedPostgres
from reseller_desktop.db.engine import DatabaseTarget

log = logging.getLogger(__name__)

DEFAULT_RESULTS = Path("bench") / "results"


def default_json_path(now: dt.datetime | None = None) -> Path:
    moment = now or dt.datetime.now()
    return DEFAULT_RESULTS / f"{moment:%Y-%m-%d}-{socket.gethostname()}.json"


def about_run(ctx: BenchContext, seconds: float) -> dict[str, Any]:
    return {
        "scale": ctx.scale,
        "version": __version__,
        "host": socket.gethostname(),
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "cpus": _cpu_count(),
        "python": platform.python_version(),
        "seconds": round(seconds, 1),
        "counts": ctx.dataset.counts,
    }


def _cpu_count() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _area_figures(name: str) -> Callable[[BenchContext], Iterator[Figure]]:
    module = importlib.import_module(AREAS[name])
    measure: Callable[[BenchContext], Iterator[Figure]] = module.figures
    return measure


def run(
    scale: float,
    *,
    areas: Sequence[str] = tuple(AREAS),
    workdir: Path | None = None,
    json_path: Path | None = None,
    runs: int = 30,
    markdown: bool = False,
    out: Any = None,
) -> tuple[list[Figure], list[str]]:
    """Measure `areas` at `scale`; returns the figures and the areas that failed."""
    from reseller_desktop.bench import dataset

    out = out or sys.stdout
    started = time.perf_counter()
    figures: list[Figure] = []
    failed: list[str] = []
    with ExitStack() as stack:
        keep = workdir is not None
        folder = workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="reseller-bench-")))
        folder.mkdir(parents=True, exist_ok=True)
        server = EmbeddedPostgres(folder / "server", delete_on_stop=False)
        url = server.start()
        stack.callback(server.stop)
        database = Database(DatabaseTarget(url, embedded=True))
        stack.callback(database.dispose)
        migrate.upgrade(database.engine)
        print(f"Reseller Desktop {__version__} benchmark, scale {scale:g}, in {folder}", file=out, flush=True)
        generated = time.perf_counter()
        data = dataset.ensure(database, scale, folder, say=lambda text: print(text, file=out, flush=True))
        print(f"dataset ready in {time.perf_counter() - generated:.1f} s: {data.counts}", file=out, flush=True)
        if not areas:  # --prepare: the dataset is all that was asked for
            return [], []
        ctx = BenchContext(scale=scale, workdir=folder, server=server, database=database, dataset=data, runs=runs)
        print(table_header(), file=out, flush=True)
        for name in areas:
            try:
                for figure in _area_figures(name)(ctx):
                    figures.append(figure)
                    print(table_row(figure), file=out, flush=True)
            except Exception:  # one area failing must not hide the others' figures
                failed.append(name)
                print(f"[{name}] FAILED:\n{traceback.format_exc()}", file=out, flush=True)
        about = about_run(ctx, time.perf_counter() - started)
        if not keep:
            database.dispose()
            server.stop()
            shutil.rmtree(folder / "server", ignore_errors=True)
    target = json_path or default_json_path()
    write_json(target, figures, about)
    missed = [figure.name for figure in figures if not figure.holds]
    print(
        f"\n{len(figures)} figures in {about['seconds']:.0f} s; {len(figures) - len(missed)} hold"
        + (f", {len(missed)} do not" if missed else "")
        + (f"; areas that failed: {', '.join(failed)}" if failed else "")
        + f". Saved to {target}",
        file=out,
        flush=True,
    )
    if markdown:
        print("\n" + markdown_table(figures), file=out, flush=True)
    return figures, failed
