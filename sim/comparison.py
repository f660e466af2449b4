"""Compare scenarios under common random numbers: same seed, same replications, paired differences.

Every scenario runs replications 0..n-1 from the same seed, so replication k of each uses the same named
streams. The paired-t interval of each metric's difference against the baseline (the first scenario)
is then valid whatever the correlation, and usually much narrower than with independent seeds; the table
reports both widths (the independent one estimated from the two variances) and the variance ratio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from sim.api import run_scenario
from sim.core.charts import save_figure
from sim.core.options import RunOptions
from sim.core.ranking import rank_scenarios
from sim.core.results import RunResult
from sim.core.stats import compare_tables
from sim.scenario import ScenarioError, get_model, load_scenario

__all__ = ["Comparison", "compare", "differences_figure", "plot_differences"]


@dataclass
class Comparison:
    """The runs (baseline first) and the paired differences of every metric against the baseline."""

    baseline: str
    results: dict[str, RunResult]
    differences: pl.DataFrame

    def model_reports(self) -> pl.DataFrame | None:
        """The model's own reading of each scenario against the baseline (e.g. the cloud model's payback
        quarter), one row per scenario; None when the model declares none."""
        baseline = self.results[self.baseline]
        report = get_model(baseline.model_name).paired_report
        if report is None:
            return None
        rows = [report(baseline, result).select(pl.lit(name).alias("scenario"), pl.all())
                for name, result in self.results.items() if name != self.baseline]
        return pl.concat(rows) if rows else None

    def ranking(self, metric: str, larger_is_better: bool, level: float = 0.95) -> pl.DataFrame:
        """Which scenario is best on `metric` (multiple comparisons with the best and bootstrap PCS)."""
        values = {name: result.metric_values(metric).to_numpy() for name, result in self.results.items()}
        return rank_scenarios(values, larger_is_better=larger_is_better, level=level)


def compare(
    paths: Sequence[str | Path],
    *,
    reps: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    metrics: Sequence[str] | None = None,
    family_wise: bool = True,
    options: RunOptions | None = None,
) -> Comparison:
    """Run every scenario with the same seed and replications and compare each with the first on
    `metrics` (default: all). All scenarios must use the same model; the Bonferroni family is every
    (scenario, metric) interval reported, at `options.level` (also the level of each run's statistics).
    Precision stopping does not apply: the pairs need the same replications in every scenario."""
    options = options or RunOptions()
    if options.precision is not None:
        raise ValueError("compare runs the same replications in every scenario; precision stopping does not apply")
    if len(paths) < 2:
        raise ScenarioError("sim compare", None, list(map(str, paths)), "needs at least two scenario files")
    scenarios = [load_scenario(path, overrides) for path in paths]
    models = {s.model.name for s in scenarios}
    if len(models) > 1:
        raise ScenarioError("sim compare", "model", sorted(models), "all compared scenarios must use one model")
    names = [s.name for s in scenarios]
    if len(set(names)) < len(names):
        raise ScenarioError("sim compare", None, names, "scenario names (file stems) must differ")
    base = scenarios[0]
    known = [m.name for m in base.model.metrics]
    unknown = [m for m in (metrics or ()) if m not in known]
    if unknown:  # reported before anything runs
        raise ScenarioError("--metric", "metric", unknown, f"not metrics of the {base.model.name} model: {known}")
    reps = reps or base.config.run.replications
    seed = base.config.run.seed if seed is None else seed
    results = {s.name: run_scenario(s, reps=reps, seed=seed, options=options) for s in scenarios}
    chosen = pl.col("metric").is_in(list(metrics or known))
    differences = compare_tables({name: r.summary.filter(chosen) for name, r in results.items()},
                                 baseline=base.name, level=options.level, family_wise=family_wise)
    return Comparison(base.name, results, differences)


def plot_differences(comparison: Comparison, directory: str | Path, metrics: Sequence[str] | None = None) -> Path:
    """`differences_figure` of the comparison, written to `directory/paired_differences.png`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    figure = differences_figure(comparison.differences, comparison.baseline, metrics)
    return save_figure(figure, directory / "paired_differences.png", dpi=110)


def differences_figure(table: pl.DataFrame, baseline: str, metrics: Sequence[str] | None = None) -> Figure:
    """One panel per metric: each scenario's difference from the baseline (a `compare_tables` table) with
    its family-wise CI, beside the (estimated) interval independent seeds would have given."""
    names = metrics or table.get_column("metric").unique(maintain_order=True).to_list()
    welch = "pairing" in table.columns and bool((table["pairing"] == "welch").any())
    label = "Welch (different seeds: unpaired)" if welch else "paired (common random numbers)"
    figure = Figure(figsize=(9.0, 2.2 * len(names) + 0.8), layout="constrained")
    axes = np.atleast_1d(figure.subplots(len(names), 1))
    for axis, metric in zip(axes, names):
        rows = table.filter(pl.col("metric") == metric)
        y = np.arange(rows.height)
        axis.errorbar(rows["difference"], y, xerr=rows["half_width"], fmt="o", capsize=4, color="tab:blue",
                      label=label)
        axis.errorbar(rows["difference"], y + 0.2, xerr=rows["independent_half_width_estimate"], fmt="none",
                      capsize=4, color="0.6", label="independent seeds (estimated)")
        axis.axvline(0.0, color="k", linewidth=0.8)
        axis.set_yticks(y, rows["scenario"].to_list())
        axis.set_title(f"{metric}: scenario - {baseline}", fontsize=9, loc="left")
    family = table.filter(~pl.col("constant"))
    adjustment = family["adjustment"][0] if family.height else "none"
    axes[0].legend(fontsize=8, loc="best")
    kind = "Welch" if welch else "paired"
    figure.suptitle(f"{kind} differences, {table['family_level'][0]:.0%} family-wise ({adjustment})", fontsize=10)
    return figure
