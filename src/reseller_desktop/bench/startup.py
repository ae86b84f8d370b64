"""App start to main window shown: the real `reseller-desktop` entry in a child process, on the
embedded database of a scratch home, without a screen.

The child prints the moment its window has first been painted and quits (ui/app.py,
EXIT_WHEN_SHOWN_ENV); the figure is that moment less the moment the child was launched. Warm: the
home's database exists (`db upgrade` made it). First run: an empty home; the app creates the
database (initdb) on a worker once the window is up. Beside them: a Python that only imports Qt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from reseller_desktop.bench.context import BenchContext
from reseller_desktop.bench.figures import Figure, Samples
from reseller_desktop.settings import HOME_ENV
from reseller_desktop.ui.app import EXIT_WHEN_SHOWN_ENV

WARM_TARGET_MS = 1000.0
FIRST_RUN_TARGET_MS = 2000.0
SHOWN_PREFIX = "main window shown at "
CHILD_TIMEOUT_S = 180  # a first run creates and migrates the database before it exits
MOST_WARM_RUNS = 10
MOST_FIRST_RUNS = 3  # each creates a database: seconds apiece
QT_ONLY = "import PySide6.QtWidgets"


def entry_command() -> list[str]:
    """The installed `reseller-desktop` script beside this Python, else the package's __main__."""
    script = Path(sys.executable).with_name("reseller-desktop")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reseller_desktop"]


def child_env(home: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}  # the embedded database
    env.update(
        {
            HOME_ENV: str(home),
            EXIT_WHEN_SHOWN_ENV: "1",
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
            # Never the user's keyring: a scratch home has no secrets to find.
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        }
    )
    return env


def start_ms(home: Path) -> float:
    """Launch the app on `home`; milliseconds until its window was shown. Waits for it to exit (it
    stops its database on the way out), so runs never overlap."""
    launched = time.time()
    done = subprocess.run(
        entry_command(), capture_output=True, text=True, env=child_env(home), timeout=CHILD_TIMEOUT_S, check=False
    )
    shown = [line for line in done.stdout.splitlines() if line.startswith(SHOWN_PREFIX)]
    if done.returncode != 0 or not shown:
        raise RuntimeError(f"the app did not show its window ({done.returncode}):\n{done.stderr[-3000:]}")
    return (float(shown[0].removeprefix(SHOWN_PREFIX)) - launched) * 1000


def initialise(home: Path) -> None:
    """Create and migrate the home's embedded database, as a first start does (`db upgrade`)."""
    done = subprocess.run(
        [*entry_command(), "db", "upgrade"],
        capture_output=True,
        text=True,
        env=child_env(home),
        timeout=CHILD_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"`reseller-desktop db upgrade` failed ({done.returncode}):\n{done.stderr[-3000:]}")


def qt_only_ms() -> float:
    """A Python that imports Qt's widgets and exits: what any PySide6 app pays before its own code."""
    launched = time.perf_counter()
    subprocess.run([sys.executable, "-c", QT_ONLY], check=True, timeout=CHILD_TIMEOUT_S)
    return (time.perf_counter() - launched) * 1000


def figures(ctx: BenchContext) -> Iterator[Figure]:
    homes = ctx.workdir / "start-homes"
    shutil.rmtree(homes, ignore_errors=True)
    first_runs = max(1, min(MOST_FIRST_RUNS, ctx.runs // 2))
    warm_runs = max(3, min(MOST_WARM_RUNS, ctx.runs))
    try:
        qt_only_ms()  # unmeasured: the files into the page cache
        first = [start_ms(homes / f"first-{number}") for number in range(first_runs)]
        warm_home = homes / "warm"
        initialise(warm_home)
        start_ms(warm_home)  # unmeasured
        warm = [start_ms(warm_home) for _ in range(warm_runs)]
        qt_only = Samples.of(qt_only_ms() for _ in range(warm_runs))
    finally:
        shutil.rmtree(homes, ignore_errors=True)
    yield Figure(
        "app start to main window shown (embedded database, warm)",
        "ms",
        Samples.of(warm),
        target=WARM_TARGET_MS,
        limit=qt_only.median,
        limit_label=f'python -c "{QT_ONLY}"',
        note="the reseller-desktop entry; the database starts after the window is shown",
    )
    yield Figure(
        "app start to main window shown (first run, empty data folder)",
        "ms",
        Samples.of(first),
        target=FIRST_RUN_TARGET_MS,
        limit=qt_only.median,
        limit_label=f'python -c "{QT_ONLY}"',
        note="an empty home: the window comes up before the database is created",
    )
