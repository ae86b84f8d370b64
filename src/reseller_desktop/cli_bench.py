"""`reseller-desktop bench`: the benchmarks at a big seller's scale (`make bench`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from reseller_desktop.bench import AREAS
from reseller_desktop.domain.errors import UserError

AREA_NAMES = tuple(AREAS)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of the full dataset (1,000,000 listings, 500,000 cards, ...); 0.01 runs in under a minute",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the figures here (default bench/results/)")
    parser.add_argument(
        "--only", nargs="+", choices=AREA_NAMES, metavar="AREA", help=f"measure only these: {', '.join(AREA_NAMES)}"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        metavar="DIR",
        help="keep the scratch database here and reuse its dataset next time (same scale)",
    )
    parser.add_argument(
        "--prepare",
        action="store_true",
        help="only generate the dataset in --workdir (for later runs), measure nothing",
    )
    parser.add_argument("--runs", type=int, default=30, help="repetitions of each quick figure (default 30)")
    parser.add_argument("--markdown", action="store_true", help="also print the figures as a Markdown table")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure misses its target")


def run(args: argparse.Namespace) -> int:
    from reseller_desktop.bench import runner

    if not 0 < args.scale <= 10:
        raise UserError(
            f"--scale {args.scale:g} is out of range.", "Give a fraction such as 0.01, or 1 for full scale."
        )
    if args.runs < 1:
        raise UserError(f"--runs {args.runs} is too few.", "Give 1 or more.")
    if args.prepare and args.workdir is None:
        raise UserError("--prepare needs --workdir DIR.", "Say where to keep the generated dataset.")
    figures, failed = runner.run(
        args.scale,
        areas=() if args.prepare else args.only or AREA_NAMES,
        workdir=args.workdir,
        json_path=args.json,
        runs=args.runs,
        markdown=args.markdown,
    )
    if failed:
        return 1
    if args.strict and any(not figure.holds for figure in figures):
        return 1
    return 0
