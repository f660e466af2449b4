"""Charts of a sweep: each key metric against each varied parameter (point means with their CIs), and the
Sobol' indices of a Saltelli sweep with their bootstrap CIs. Drawn on `Figure` (no pyplot), saved by
`sim.core.charts.save_figure`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from sim.core.charts import save_figure
from sim.sweeps.engine import SweepResult

__all__ = ["plot_sweep", "plot_sobol"]


#: the most lines one panel draws (one per combination of the other parameters) before falling back to dots
MAX_LINES = 6


def plot_sweep(result: SweepResult, metrics: Sequence[str], directory: str | Path,
               units: Mapping[str, str] | None = None, level: float = 0.95) -> Path:
    """One panel per (metric, varied parameter): each design point's mean over replications with its
    Student-t CI across replications. Where the other parameters take at most `MAX_LINES` combinations (a
    one-parameter sweep, a grid) the points of each combination are joined and the CI drawn as a band, one
    line per combination; otherwise (a Latin hypercube, a Sobol' design) each point is a dot with its interval."""
    units = units or {}
    summary = result.summary(level)
    parameters = list(result.parameters)
    rows, columns = len(metrics), len(parameters)
    figure = Figure(figsize=(3.8 * columns + 0.6, 2.7 * rows + 0.6), layout="constrained")
    axes = np.atleast_2d(figure.subplots(rows, columns, squeeze=False))
    for i, metric in enumerate(metrics):
        table = summary.filter(pl.col("metric") == metric)
        for j, parameter in enumerate(parameters):
            axis = axes[i, j]
            numeric = table[parameter].dtype.is_numeric()
            others = [p for p in parameters if p != parameter]
            groups = (table.select(others).unique(maintain_order=True).height if others else 1)
            if numeric and groups <= MAX_LINES:
                parts = table.partition_by(others, maintain_order=True) if others else [table]
                for part in parts:
                    part = part.sort(parameter)
                    label = ", ".join(f"{p} = {part[p][0]}" for p in others) or f"{level:.0%} CI"
                    x = part[parameter].to_numpy()
                    line, = axis.plot(x, part["mean"].to_numpy(), "o-", markersize=3, linewidth=1.2, label=label)
                    axis.fill_between(x, part["ci_low"].to_numpy(), part["ci_high"].to_numpy(), color=line.get_color(),
                                      alpha=0.2, linewidth=0)
                if i == 0:
                    axis.legend(fontsize=6, loc="best")
            else:
                x = table[parameter].to_numpy() if numeric else np.arange(table.height)
                mean, low, high = table["mean"].to_numpy(), table["ci_low"].to_numpy(), table["ci_high"].to_numpy()
                axis.errorbar(x, mean, yerr=np.abs(np.nan_to_num(np.vstack([mean - low, high - mean]))), fmt="o",
                              markersize=3, capsize=2, color="tab:blue", alpha=0.7)
                if not numeric:
                    axis.set_xticks(x, [str(v) for v in table[parameter].to_list()], fontsize=7)
            axis.set_xlabel(parameter, fontsize=8)
            axis.set_ylabel(f"{metric} ({units[metric]})" if units.get(metric) else metric, fontsize=8)
            axis.tick_params(labelsize=7)
            axis.grid(color="0.92")
    figure.suptitle(f"sweep {result.name}: point means and {level:.0%} CIs (bands) across {result.replications} "
                    f"replications ({result.design.height} points)", fontsize=9)
    return save_figure(figure, Path(directory) / "sweep.png", dpi=110)


def plot_sobol(indices: pl.DataFrame, metric: str, path: str | Path, level: float = 0.95) -> Path:
    """First-order (S1) and total (ST) Sobol' indices of `metric` per parameter, with their bootstrap CIs
    (`sim.sweeps.sensitivity.sobol_analysis`)."""
    y = np.arange(indices.height)[::-1].astype(float)
    figure = Figure(figsize=(6.5, 0.45 * indices.height + 1.4), layout="constrained")
    axis = figure.subplots()
    axis.errorbar(indices["S1"].to_numpy(), y + 0.12, xerr=indices["S1_conf"].to_numpy(), fmt="o", capsize=3,
                  color="tab:blue", label="first order S1")
    axis.errorbar(indices["ST"].to_numpy(), y - 0.12, xerr=indices["ST_conf"].to_numpy(), fmt="s", capsize=3,
                  color="tab:orange", label="total ST")
    axis.axvline(0.0, color="k", linewidth=0.8)
    axis.set_yticks(y, indices["parameter"].to_list(), fontsize=8)
    axis.set_xlabel(f"share of the variance of {metric} ({level:.0%} bootstrap CIs)")
    axis.legend(fontsize=8)
    axis.grid(axis="x", color="0.92")
    return save_figure(figure, path, dpi=110)
