"""Shared plumbing of the figure scripts: the command line, 95% t intervals across replications, and
writing the numbers each figure plots next to its PNG.

Every figure module in this package has `main(out_dir: Path, quick: bool = False) -> list[Path]` and
returns the files it wrote: one PNG and one CSV of the plotted numbers (the text of `paper/paper.md`
quotes only those CSVs). `quick=True` is the size the tests run (a few seconds); the default is the size
`make paper` builds.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402

from sim.core.stats import interval_table  # noqa: E402

__all__ = ["REPO", "SCENARIOS", "DEFAULT_OUT", "LEVEL", "mean_ci", "save_figure", "write_numbers", "cli"]

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
DEFAULT_OUT = REPO / "paper" / "build"
#: confidence level of every interval in the paper (across replications: simulation noise only)
LEVEL = 0.95


def mean_ci(frame: pl.DataFrame, by: Sequence[str], value: str, level: float = LEVEL) -> pl.DataFrame:
    """One row per group of `by`: n, mean, sd and the Student-t interval of the mean of `value` across the
    rows of the group (one row per replication): `sim.core.stats.interval_table`, so the paper's intervals
    are the package's. Null and NaN values are left out of n; with n < 2 the bounds are NaN."""
    return interval_table(frame, by, value, level)


def save_figure(figure, out_dir: Path, name: str) -> Path:
    path = Path(out_dir) / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=130)
    plt.close(figure)
    return path


def write_numbers(frame: pl.DataFrame, out_dir: Path, name: str) -> Path:
    """The plotted numbers as CSV (`paper/build/<name>.csv`), the source of every number in the text."""
    path = Path(out_dir) / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.write_csv(path, float_precision=6)
    return path


def is_finite(value) -> bool:
    return value is not None and math.isfinite(float(value))


def cli(main: Callable[..., list[Path]], description: str) -> None:
    """`python paper/figures/figN_x.py [--quick] [--out DIR]`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="test size: few replications, short horizons")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    arguments = parser.parse_args()
    for path in main(arguments.out, quick=arguments.quick):
        print(path)
