"""One benchmark figure: what was measured, the target it is judged against, and the limit it is
compared with (the same work done raw, or a floor no client can beat), with median and p95."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Better = Literal["lower", "higher"]
Statistic = Literal["median", "p95", "max", "value"]


@dataclass(frozen=True)
class Samples:
    """Repeated measurements of one thing, in one unit."""

    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Iterable[float]) -> Samples:
        found = tuple(values)
        if not found:
            raise ValueError("no samples")
        return cls(found)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def p95(self) -> float:
        """Nearest-rank 95th percentile: a value that was really measured."""
        ordered = sorted(self.values)
        rank = max(1, -(-95 * len(ordered) // 100))  # ceil(0.95 n)
        return ordered[rank - 1]

    @property
    def max(self) -> float:
        return max(self.values)

    def pick(self, statistic: Statistic) -> float:
        if statistic == "median":
            return self.median
        if statistic == "p95":
            return self.p95
        if statistic == "max":
            return self.max
        return self.values[-1]


def time_ms(work: Callable[[], Any], runs: int, warmup: int = 1) -> Samples:
    """Wall-clock milliseconds of `work`, `runs` times after `warmup` unmeasured runs."""
    for _ in range(warmup):
        work()
    measured = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        measured.append((time.perf_counter() - started) * 1000)
    return Samples.of(measured)


@dataclass(frozen=True)
class Figure:
    """A measured figure. `value` is the statistic the target is judged on (the median unless the
    target says p95 or max); `limit` is what the same work costs raw, or a floor, so `ratio` says
    how far from it the app is (value / limit)."""

    name: str
    unit: str
    samples: Samples
    target: float
    better: Better = "lower"
    statistic: Statistic = "median"
    limit: float | None = None
    limit_label: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> float:
        return self.samples.pick(self.statistic)

    @property
    def ratio(self) -> float | None:
        if self.limit is None or self.limit == 0:
            return None
        return self.value / self.limit

    @property
    def holds(self) -> bool:
        return self.value <= self.target if self.better == "lower" else self.value >= self.target

    @property
    def target_text(self) -> str:
        sign = "≤" if self.better == "lower" else "≥"
        judged = "" if self.statistic in {"median", "value"} else f"{self.statistic} "
        return f"{judged}{sign} {_number(self.target)} {self.unit}"

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": round(self.value, 4),
            "unit": self.unit,
            "statistic": self.statistic,
            "target": self.target,
            "better": self.better,
            "limit": None if self.limit is None else round(self.limit, 4),
            "limit_label": self.limit_label,
            "ratio": None if self.ratio is None else round(self.ratio, 4),
            "holds": self.holds,
            "median": round(self.samples.median, 4),
            "p95": round(self.samples.p95, 4),
            "runs": len(self.samples.values),
            "note": self.note,
            **self.extra,
        }


def _number(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


COLUMNS = ("figure", "median", "p95", "target", "limit", "ratio", "holds")
WIDTHS = (58, 11, 11, 20, 30, 7, 5)


def table_header() -> str:
    line = "  ".join(title.ljust(width) for title, width in zip(COLUMNS, WIDTHS, strict=True))
    return f"{line}\n{'-' * len(line)}"


def table_row(figure: Figure) -> str:
    limit = "—" if figure.limit is None else f"{_number(figure.limit)} {figure.unit} ({figure.limit_label})"
    ratio = "—" if figure.ratio is None else f"{figure.ratio:.2f}"
    cells = (
        figure.name,
        f"{_number(figure.samples.median)} {figure.unit}",
        f"{_number(figure.samples.p95)} {figure.unit}",
        figure.target_text,
        limit,
        ratio,
        "yes" if figure.holds else "NO",
    )
    row = "  ".join(cell.ljust(width) for cell, width in zip(cells, WIDTHS, strict=True))
    return f"{row}  {figure.note}".rstrip()


def markdown_table(figures: Sequence[Figure]) -> str:
    """The README's table of a run."""
    lines = [
        "| figure | median | p95 | target | limit (raw or floor) | ratio | holds |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for figure in figures:
        limit = "—" if figure.limit is None else f"{_number(figure.limit)} {figure.unit} ({figure.limit_label})"
        ratio = "—" if figure.ratio is None else f"{figure.ratio:.2f}"
        lines.append(
            f"| {figure.name} | {_number(figure.samples.median)} {figure.unit} | "
            f"{_number(figure.samples.p95)} {figure.unit} | {figure.target_text} | {limit} | {ratio} | "
            f"{'yes' if figure.holds else '**no**'} |"
        )
    return "\n".join(lines)


def write_json(path: Path, figures: Sequence[Figure], about: dict[str, Any]) -> None:
    """A list of figure objects; `about` (scale, host, date, counts) rides on each as `run`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{**figure.as_json(), "run": about} for figure in figures]
    path.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
