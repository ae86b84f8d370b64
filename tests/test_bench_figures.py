"""How a benchmark figure is judged, printed and saved (the numbers people will quote)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reseller_desktop.bench.figures import Figure, Samples, markdown_table, table_row, write_json
from reseller_desktop.cli import main


def test_p95_is_a_measured_value_by_nearest_rank() -> None:
    samples = Samples.of(float(value) for value in range(1, 21))  # 1 … 20
    assert samples.median == 10.5
    assert samples.p95 == 19.0  # the 19th of 20, not an interpolation
    assert Samples.of([7.0]).p95 == 7.0
    with pytest.raises(ValueError, match="no samples"):
        Samples.of([])


def test_a_figure_is_judged_on_its_statistic_against_its_target() -> None:
    slow_tail = Samples.of([10.0] * 18 + [80.0, 90.0])
    by_median = Figure("page", "ms", slow_tail, target=50.0)
    by_p95 = Figure("search", "ms", slow_tail, target=50.0, statistic="p95")
    assert by_median.holds and by_median.value == 10.0
    assert not by_p95.holds and by_p95.value == 80.0
    throughput = Figure("import", "rows/s", Samples.of([40_000.0]), target=50_000.0, better="higher", limit=200_000.0)
    assert not throughput.holds
    assert throughput.ratio == pytest.approx(0.2)
    assert Figure("x", "ms", Samples.of([1.0]), target=2.0).ratio is None


def test_rows_and_json_carry_value_target_limit_ratio_and_verdict(tmp_path: Path) -> None:
    figure = Figure(
        "scan → record shown", "ms", Samples.of([2.0, 2.0, 4.0]), target=5.0, statistic="p95", limit=1.0,
        limit_label="raw indexed lookup", note="UPC, SKU, storage id",
    )  # fmt: skip
    row = table_row(figure)
    assert "p95 ≤ 5.00 ms" in row
    assert "raw indexed lookup" in row
    assert "4.00" in row  # the ratio: p95 4 ms against 1 ms raw
    assert row.split()[-4:] == ["UPC,", "SKU,", "storage", "id"]
    assert "| yes |" in markdown_table([figure])
    target = tmp_path / "out" / "run.json"
    write_json(target, [figure], {"scale": 0.01})
    saved = json.loads(target.read_text(encoding="utf-8"))
    assert isinstance(saved, list)
    assert saved[0]["name"] == "scan → record shown"
    assert {key: saved[0][key] for key in ("value", "unit", "target", "limit", "ratio", "holds")} == {
        "value": 4.0,
        "unit": "ms",
        "target": 5.0,
        "limit": 1.0,
        "ratio": 4.0,
        "holds": True,
    }
    assert saved[0]["run"] == {"scale": 0.01}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--scale", "0"], "--scale 0 is out of range"),
        (["--runs", "0"], "--runs 0 is too few"),
        (["--prepare"], "--prepare needs --workdir"),
    ],
)
def test_bad_bench_options_say_what_to_give(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", *arguments]) == 1
    assert message in capsys.readouterr().err
