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
from typing import Any

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from sim.api import run_scenario
from sim.core.charts import save_figure
from sim.core.options import RunOptions
from sim.core.ranking import rank_scenarios
from sim.core.results import RunResult, config_hash
from sim.core.stats import compare_tables
from sim.scenario import ScenarioError, get_model, load_scenario

__all__ = ["Comparison", "compare", "differences_figure", "plot_differences", "forest_rows", "metric_units"]


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

    def manifest_record(self) -> dict[str, Any]:
        """What a comparison folder's manifest says beyond the environment: model, scenarios, seed,
        replications, a hash of every resolved scenario, and the key metrics' paired differences (the first
        scenario against the baseline) with their units and CIs."""
        baseline = self.results[self.baseline]
        names = list(self.results)
        key = get_model(baseline.model_name).key_metrics
        units = metric_units(baseline)
        first = names[1] if len(names) > 1 else self.baseline
        rows = self.differences.filter((pl.col("scenario") == first) & pl.col("metric").is_in(list(key)))
        order = {name: i for i, name in enumerate(key)}
        key_metrics = sorted(({"metric": r["metric"], "unit": units.get(r["metric"], ""), "value": r["difference"],
                               "ci_low": r["ci_low"], "ci_high": r["ci_high"], "scenario": first,
                               "baseline": self.baseline} for r in rows.iter_rows(named=True)),
                             key=lambda row: order[row["metric"]])
        return {"model": baseline.model_name, "scenario": " vs ".join(names), "scenario_names": names,
                "seed": baseline.manifest["seed"], "replications": baseline.manifest["replications"],
                "config_hash": config_hash({n: r.resolved_scenario for n, r in self.results.items()}),
                "source_hashes": {n: r.manifest.get("source_hash") for n, r in self.results.items()},
                "key_metrics": key_metrics}

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


def forest_rows(differences: pl.DataFrame, units: dict[str, str],
                baseline_half_widths: dict[str, float] | None = None) -> pl.DataFrame:
    """The rows of the forest plot: each (scenario, metric) paired difference and its CI in % of the
    baseline's mean (panel "percent"), or in the metric's own units (panel "units") where a percentage has
    no meaning: the baseline's mean is 0, or its CI (half-width from `baseline_half_widths`) covers 0. The
    percentage divides by the baseline's sample mean, treated as fixed (its own noise is not in the
    interval)."""
    half_widths = baseline_half_widths or {}
    zero_base = pl.col("mean_baseline").abs() <= pl.col("metric").replace_strict(half_widths, default=0.0,
                                                                                 return_dtype=pl.Float64)
    scale = pl.when(zero_base).then(1.0).otherwise(100.0 / pl.col("mean_baseline").abs())
    return differences.select(
        "scenario", "metric",
        pl.when(zero_base).then(pl.lit("units")).otherwise(pl.lit("percent")).alias("panel"),
        pl.col("metric").replace_strict(units, default="").alias("unit"),
        (pl.col("difference") * scale).alias("value"),
        (pl.col("ci_low") * scale).alias("low"),
        (pl.col("ci_high") * scale).alias("high"),
        (pl.col("independent_half_width_estimate") * scale).alias("independent_half_width"),
    )


def metric_units(result: RunResult) -> dict[str, str]:
    """Each metric's unit, from a run's statistics table."""
    return dict(zip(result.statistics["metric"].to_list(), result.statistics["unit"].to_list(), strict=True))


def plot_differences(comparison: Comparison, directory: str | Path, metrics: Sequence[str] | None = None) -> Path:
    """`differences_figure` of the comparison (units and the baseline's half-widths from its runs), written
    to `directory/paired_differences.png`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    baseline = comparison.results[comparison.baseline]
    statistics = baseline.statistics
    half_widths = dict(zip(statistics["metric"].to_list(), statistics["half_width"].fill_nan(0.0).to_list(), strict=True))
    figure = differences_figure(comparison.differences, comparison.baseline, metrics, units=metric_units(baseline),
                                baseline_half_widths=half_widths)
    return save_figure(figure, directory / "paired_differences.png", dpi=110)


def differences_figure(table: pl.DataFrame, baseline: str, metrics: Sequence[str] | None = None, *,
                       units: dict[str, str] | None = None,
                       baseline_half_widths: dict[str, float] | None = None) -> Figure:
    """One forest plot of each scenario's difference from the baseline (a `compare_tables` table) with its
    family-wise CI (blue), beside the (estimated) interval independent seeds would have given (grey, for
    paired rows): in % of the baseline's mean, and in a second panel in the metric's units for metrics whose
    baseline mean is 0 or, given `baseline_half_widths`, not told apart from 0 (`forest_rows`)."""
    if metrics:
        table = table.filter(pl.col("metric").is_in(list(metrics)))
    welch = "pairing" in table.columns and bool((table["pairing"] == "welch").any())
    label = "Welch (different seeds: unpaired)" if welch else "paired (common random numbers)"
    rows = forest_rows(table, units or {}, baseline_half_widths)
    several = rows["scenario"].n_unique() > 1
    panels = [p for p in ("percent", "units") if (rows["panel"] == p).any()] or ["percent"]
    heights = [max(1, int((rows["panel"] == p).sum())) for p in panels]
    figure = Figure(figsize=(8.0, 0.32 * sum(heights) + 1.2 * len(panels) + 0.4), layout="constrained")
    axes = np.atleast_1d(figure.subplots(len(panels), 1, gridspec_kw={"height_ratios": heights}))
    for axis, panel in zip(axes, panels):
        shown = rows.filter(pl.col("panel") == panel)
        y = np.arange(shown.height)[::-1].astype(float)
        value = shown["value"].to_numpy()
        interval = np.vstack([value - shown["low"].to_numpy(), shown["high"].to_numpy() - value])
        axis.errorbar(value, y, xerr=np.abs(np.nan_to_num(interval)), fmt="o", markersize=4, capsize=3,
                      color="tab:blue", label=label)
        if not welch:
            axis.errorbar(value, y - 0.25, xerr=np.nan_to_num(shown["independent_half_width"].to_numpy()),
                          fmt="none", capsize=3, color="0.6", label="independent seeds (estimated)")
        axis.axvline(0.0, color="k", linewidth=0.8)
        labels = [f"{r['metric']}" + (f" ({r['unit']})" if panel == "units" and r["unit"] else "")
                  + (f" - {r['scenario']}" if several else "") for r in shown.iter_rows(named=True)]
        axis.set_yticks(y, labels, fontsize=8)
        axis.set_xlabel(f"difference from {baseline}, % of its mean" if panel == "percent" else
                        f"difference from {baseline}, in the metric's units (baseline mean ~ 0)")
        axis.grid(axis="x", color="0.9")
    family = table.filter(~pl.col("constant"))
    adjustment = family["adjustment"][0] if family.height else "none"
    axes[0].legend(fontsize=7, loc="best")
    level = f"{table['family_level'][0]:.0%}" if table.height else ""
    scenario = rows["scenario"][0] if rows.height and not several else "each scenario"
    kind = "Welch" if welch else "paired"
    figure.suptitle(f"{scenario} against {baseline}: {kind} differences, {level} family-wise CIs ({adjustment})",
                    fontsize=9)
    return figure
