"""Shared plumbing of the figure modules: paths, 95% t intervals across replications, writing a figure's
numbers and drawings, and the one-figure command line.

The figure contract (see `paper/README.md`): each module `paper/figures/figN_<what>.py` exposes

* `data(cache: ResultCache) -> dict[str, polars.DataFrame]`: the numbers the figure plots, one table per
  CSV name (the first is named after the module); every simulation goes through `cache.run`, and
  `cache.quick` selects the test size;
* `plot(frames) -> matplotlib.figure.Figure`: the drawing, from those tables only (no simulation);
* `main(out_dir, quick=False) -> list[Path]`: both, written into `out_dir` (`write_figure`).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl
from matplotlib.figure import Figure

from paper.cache import ResultCache
from sim.core.charts import save_figure
from sim.core.stats import interval_table
from sim.sweeps.spec import read_sweep_file

__all__ = ["REPO", "SCENARIOS", "DEFAULT_OUT", "LEVEL", "CACHE_DIR", "mean_ci", "sweep_runs", "sweep_levels",
           "write_figure", "figure_main", "cli"]

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
DEFAULT_OUT = REPO / "paper" / "build"
#: the results cache inside an output folder
CACHE_DIR = "cache"
#: confidence level of every interval in the paper (across replications: simulation noise only)
LEVEL = 0.95
#: resolution of the PNG figures (the PDF figures are vector)
PNG_DPI = 130


def mean_ci(frame: pl.DataFrame, by: Sequence[str], value: str, level: float = LEVEL) -> pl.DataFrame:
    """One row per group of `by`: n, mean, sd and the Student-t interval of the mean of `value` across the
    rows of the group (one row per replication): `sim.core.stats.interval_table`, so the paper's intervals
    are the package's. Null and NaN values are left out of n; with n < 2 the bounds are NaN."""
    return interval_table(frame, by, value, level)


def sweep_runs(cache: ResultCache, sweep_file: Path,
               keep: Callable[[dict[str, Any]], bool] = lambda point: True) -> Iterator[tuple[dict[str, Any], Any]]:
    """Each design point of a sweep file that `keep` accepts (its parameters, path -> value) with its run through
    the paper's cache: the sweep's base scenario, its overrides then the point's, its replications and seed."""
    spec, design, path = read_sweep_file(sweep_file)
    base = (path.parent / spec.scenario).resolve()
    for index in range(len(design)):
        point = design.point(index)
        if keep(point):
            overrides = [*spec.overrides, *(f"{key}={json.dumps(value)}" for key, value in point.items())]
            yield point, cache.run(base, reps=spec.replications or 1, seed=spec.seed or 0, overrides=overrides)


def sweep_levels(sweep_file: Path, parameter: str) -> list[Any]:
    """The sorted levels a sweep file's design gives `parameter`."""
    _, design, _ = read_sweep_file(sweep_file)
    return sorted({design.point(index)[parameter] for index in range(len(design))})


def write_figure(name: str, frames: Mapping[str, pl.DataFrame], figure: Figure, out_dir: Path) -> list[Path]:
    """`<name>.png`, `<name>.pdf` (vector) and one CSV per table in `frames` (the numbers the text may
    quote); returns the paths, PNG first."""
    out_dir = Path(out_dir)
    png = save_figure(figure, out_dir / f"{name}.png", dpi=PNG_DPI)
    pdf = save_figure(figure, out_dir / f"{name}.pdf", dpi=PNG_DPI)
    tables = []
    for table_name, frame in frames.items():
        path = out_dir / f"{table_name}.csv"
        frame.write_csv(path, float_precision=6)
        tables.append(path)
    return [png, pdf, *tables]


def figure_main(name: str, data: Callable[[ResultCache], dict[str, pl.DataFrame]],
                plot: Callable[[dict[str, pl.DataFrame]], Figure], out_dir: Path, quick: bool) -> list[Path]:
    """What every module's `main` does: its data through the cache in `out_dir/cache`, its plot, its files."""
    frames = data(ResultCache(Path(out_dir) / CACHE_DIR, quick=quick))
    return write_figure(name, frames, plot(frames), out_dir)


def cli(main: Callable[..., list[Path]], description: str) -> None:
    """`python paper/figures/figN_x.py [--quick] [--out DIR]`."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="test size: few replications, short horizons")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    arguments = parser.parse_args()
    for path in main(arguments.out, quick=arguments.quick):
        print(path)
