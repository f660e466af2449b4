"""What the marimo notebooks in `analysis/` share: reading their inputs (run folders, sweep stores) with one
clear line for bad input, interval tables shaped for plotting, and the drawings no paper figure makes.

Every interval comes from `sim.core.stats` (`interval_table`, `compare_tables`); display bounds are clipped to
a value's range with `sim.core.model.Metric.KIND_BOUNDS` (a count's lower bound is never negative, a share's
interval stays in [0, 1]). Intervals measure simulation noise across replications, not uncertainty in the
scenario's parameters.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

import numpy as np
import polars as pl
from matplotlib.figure import Figure

import sim
from sim.core.errors import InputError
from sim.core.model import Metric
from sim.core.results import RunResult
from sim.core.stats import compare_tables, interval_table

#: exit status of a notebook run as a script on bad input (the CLI's: `sim.cli` maps InputError to 2)
BAD_INPUT_EXIT = 2

#: the `sim run` commands that make the runs each notebook reads
HOW_TO_RUN = {
    "logistics": "sim run scenarios/aliexpress_spain_5day.toml --set logistics.record_parcels=true",
    "cloud": "sim run scenarios/cloud_status_quo.toml (and scenarios/cloud_price_cut_2024.toml, same seed)",
}


def show_whole_tables() -> None:
    """Polars prints up to 60 rows, 20 columns and 200 characters a line, so a notebook's printed tables (in
    the browser and in a script run's log) show whole; every notebook's setup calls it."""
    pl.Config.set_tbl_rows(60)
    pl.Config.set_tbl_cols(20)
    pl.Config.set_tbl_width_chars(200)


def results_root(arguments: Mapping[str, object]) -> Path:
    """The folder searched for runs and sweeps: `--root` on the command line (`mo.cli_args()`), else `results`."""
    return Path(str(arguments.get("root") or "results"))


def fail(message: str) -> NoReturn:
    """Stop the notebook on bad input: one line on stderr, exit status 2, no traceback."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(BAD_INPUT_EXIT)


def paths_argument(value: str | None) -> list[Path]:
    """Run folders given on the command line (`-- --run A B` or `--run A,B`), in order."""
    if not value:
        return []
    return [Path(part) for part in str(value).replace(",", " ").split()]


def find_runs(given: Sequence[Path], model: str, scenarios: Sequence[str], root: str | Path = "results",
              *, required: int = 1) -> list[Path]:
    """The run folders a notebook reads: those `given`, else from `sim.catalog(root)` the newest complete
    run of each of `scenarios` (in that order), preferring runs with the first one's seed (common random
    numbers). Fewer than `required` found: stop, saying which `sim run` makes them."""
    if given:
        return list(given)
    found = sim.catalog(root, model=model, kind="run").filter(pl.col("status") == "complete")
    chosen: list[Path] = []
    seed = None
    for scenario in scenarios:
        rows = found.filter(pl.col("scenario") == scenario)
        if seed is not None and rows.filter(pl.col("seed") == seed).height:
            rows = rows.filter(pl.col("seed") == seed)
        if rows.height:
            newest = rows.row(rows.height - 1, named=True)
            seed = newest["seed"] if seed is None else seed
            chosen.append(Path(newest["path"]))
    if len(chosen) < required:
        fail(f"no {model} run of {', '.join(scenarios[:max(required, 1)])} under {root}/: make one with "
             f"`{HOW_TO_RUN.get(model, 'sim run')}`, or pass run folders with `-- --run DIR ...`")
    return chosen


def find_sweep(given: Path | None, sweep: str | None = None, root: str | Path = "results") -> Path | None:
    """The sweep folder given, else the newest sweep (named `sweep`, if given) in `sim.catalog(root)`, else
    None."""
    if given:
        return given
    found = sim.catalog(root, kind="sweep")
    if sweep is not None:
        found = found.filter(pl.col("scenario") == sweep)
    return Path(found["path"][-1]) if found.height else None


def load_run(path: str | Path, model: str | None) -> RunResult:
    """The run folder at `path`, which must be a finished run of `model` (of any model when None)."""
    path = Path(path)
    if not (path / "manifest.json").is_file():
        fail(f"{path}: not a run folder (no manifest.json); make one with `{HOW_TO_RUN.get(model, 'sim run')}`")
    try:
        result = sim.load(path)
    except InputError as error:
        fail(f"{path}: {error}")
    if model is not None and result.model_name != model:
        fail(f"{path}: a run of the {result.model_name!r} model, not {model!r}; make one with "
             f"`{HOW_TO_RUN.get(model, 'sim run')}`")
    return result


def require_table(result: RunResult, name: str, setting: str | None = None) -> pl.DataFrame | pl.LazyFrame:
    """The run's table `name`; a run without it stops the notebook, saying which `--set` adds it."""
    if name not in result.tables:
        how = f": rerun with --set {setting}" if setting else ""
        fail(f"{result.path}: the run has no {name!r} table{how}")
    return result.tables[name]


def load_sweep_store(path: str | Path):
    """A sweep folder (`sim sweep` output), finished or not, as a `sim.sweeps.SweepResult`."""
    from sim.sweeps.engine import load_sweep

    path = Path(path)
    if not (path / "manifest.json").is_file() or not (path / "design.parquet").is_file():
        fail(f"{path}: not a sweep folder (no manifest.json and design.parquet); make one with "
             "`sim sweep scenarios/sweeps/<name>.toml`")
    try:
        return load_sweep(path)
    except InputError as error:
        fail(f"{path}: {error}")


# --- intervals for plotting -------------------------------------------------------------------------------

def clipped(table: pl.DataFrame, kinds: Mapping[str, str], column: str = "kpi") -> pl.DataFrame:
    """`ci_low` and `ci_high` clipped to the range of each row's kind (`kinds[row[column]]`, a
    `Metric` kind; unknown names are unbounded). For display: the stored tables keep raw bounds."""
    bounds = {name: Metric.KIND_BOUNDS.get(kind, (-np.inf, np.inf)) for name, kind in kinds.items()}
    low = pl.col(column).replace_strict(bounds, return_dtype=pl.List(pl.Float64), default=[-np.inf, np.inf])
    return table.with_columns(pl.col("ci_low").clip(low.list.get(0)), pl.col("ci_high").clip(upper_bound=low.list.get(1)))


def bands(frame: pl.DataFrame, by: Sequence[str], columns: Sequence[str], kinds: Mapping[str, str],
          empty_note: str) -> pl.DataFrame:
    """Long table, one row per group of `by` and column (`kpi`): n, mean, sd, ci_low, ci_high (95% t across
    the group's rows, one per replication, from `sim.core.stats.interval_table`, clipped to the kind's
    range) and `note`, the reason when the interval is NaN (`empty_note` when no replication has a value,
    or fewer than two replications)."""
    parts = [interval_table(frame, list(by), column).with_columns(pl.lit(column).alias("kpi")) for column in columns]
    table = clipped(pl.concat(parts), kinds)
    note = (pl.when(pl.col("n") == 0).then(pl.lit(empty_note))
            .when(pl.col("n") < 2).then(pl.lit("one replication with a value: no interval"))
            .otherwise(pl.lit("")))
    return table.select(*by, "kpi", "n", "mean", "sd", "ci_low", "ci_high", note.alias("note"))


def band_figure(table: pl.DataFrame, x: str, kpis: Sequence[str], title: str,
                shade_from: float | None = None, shade_label: str = "") -> Figure:
    """One panel per kpi of a `bands` table: the mean with its 95% band against `x`; the region from
    `shade_from` on shaded and labelled (e.g. the drain days after the last order day)."""
    figure = Figure(figsize=(10.0, 2.0 * len(kpis) + 0.6), layout="constrained")
    axes = np.atleast_1d(figure.subplots(len(kpis), 1, sharex=True))
    for axis, kpi in zip(axes, kpis):
        part = table.filter(pl.col("kpi") == kpi).sort(x)
        axis.fill_between(part[x].to_numpy(), part["ci_low"].to_numpy(), part["ci_high"].to_numpy(),
                          color="C0", alpha=0.25, label="95% CI across replications")
        axis.plot(part[x].to_numpy(), part["mean"].to_numpy(), color="C0", marker=".", label="mean")
        if shade_from is not None:
            axis.axvspan(shade_from - 0.5, float(table[x].max()) + 0.5, color="0.9", zorder=0, label=shade_label)
        axis.set_ylabel(kpi, fontsize=8)
    axes[0].legend(fontsize=7, loc="best")
    axes[-1].set_xlabel(x)
    figure.suptitle(title, fontsize=10)
    return figure


# --- logistics ---------------------------------------------------------------------------------------------

#: the daily KPIs the notebooks band, with their kinds (the range their interval is clipped to)
DAILY_KPIS = {"orders": "count", "delivered": "count", "on_time_share": "proportion",
              "p95_delivery_days": "quantile", "late_parcels": "count", "cost_per_parcel_eur": "mean",
              "in_transit": "count"}
NO_DELIVERY = "no promised parcel delivered on this day in any replication"


def daily_bands(result: RunResult) -> pl.DataFrame:
    """Per day of the run: each daily KPI across replications (`bands`), with `phase` "order day" for
    days in [0, horizon) and "drain" for the days after the last order, when the network only empties."""
    daily = result.frame("daily").sort("replication", "day")
    horizon = float(result.resolved_scenario["run"]["horizon_days"])
    kpis = [name for name in DAILY_KPIS if name in daily.columns]
    table = bands(daily, ["day"], kpis, DAILY_KPIS, NO_DELIVERY)
    phase = pl.when(pl.col("day") < horizon).then(pl.lit("order day")).otherwise(pl.lit("drain"))
    return table.with_columns(phase.alias("phase")).select("day", "phase", pl.exclude("day", "phase"))


#: stage -> (entry event, exit event) of the `parcels` table; times are hours since the start of the run
STAGE_TIMES = {
    "merchant": ("order", "ready"), "first_mile": ("ready", "hub_arrival"),
    "origin_hub": ("hub_arrival", "sorted"), "line_haul": ("sorted", "flight_arrival"),
    "destination_hub": ("flight_arrival", "customs_arrival"), "customs": ("customs_arrival", "customs_done"),
    "last_mile": ("customs_done", "final"),
}
PARCELS_SETTING = "logistics.record_parcels=true"


def lateness_by_stage(result: RunResult) -> pl.DataFrame:
    """Hours delivered promised parcels spent in each stage, late against on time: per replication the mean
    over its late and over its on-time parcels, then per stage and status the 95% t interval across
    replications, and `extra_hours_when_late`, the interval of the per-replication difference (late minus
    on time; a replication without a late parcel has none). Needs the `parcels` table."""
    parcels = require_table(result, "parcels", PARCELS_SETTING)
    needed = {"replication", "promised", "on_time", "outcome"} | {f"{e}_hours" for p in STAGE_TIMES.values() for e in p}
    missing = sorted(needed - set(parcels.collect_schema().names()))
    if missing:
        fail(f"{result.path}: the parcels table lacks {', '.join(missing)}; rerun with --set {PARCELS_SETTING}")
    hours = parcels.lazy().filter(pl.col("promised") & (pl.col("outcome") == "delivered")).select(
        "replication", pl.when(pl.col("on_time")).then(pl.lit("on time")).otherwise(pl.lit("late")).alias("status"),
        *[(pl.col(f"{b}_hours") - pl.col(f"{a}_hours")).fill_nan(None).alias(stage)
          for stage, (a, b) in STAGE_TIMES.items()]).collect()
    per_replication = (hours.group_by("replication", "status").agg(pl.col(list(STAGE_TIMES)).mean())
                       .sort("replication", "status"))
    long = per_replication.unpivot(index=["replication", "status"], variable_name="stage", value_name="hours")
    stages = pl.DataFrame({"stage": list(STAGE_TIMES)})
    by_status = []
    for status in ("on time", "late"):
        rows = interval_table(long.filter(pl.col("status") == status), ["stage"], "hours")
        by_status.append(stages.join(rows, on="stage", how="left").with_columns(
            pl.lit(status).alias("status"), pl.col("n").fill_null(0)))
    wide = per_replication.pivot(on="status", index="replication", values=list(STAGE_TIMES))
    extra = []
    for stage in STAGE_TIMES:
        late, on_time = f"{stage}_late", f"{stage}_on time"
        if late in wide.columns and on_time in wide.columns:
            difference = wide.select(pl.lit(stage).alias("stage"), (pl.col(late) - pl.col(on_time)).alias("hours"))
        else:
            difference = pl.DataFrame({"stage": [stage], "hours": [None]}, schema={"stage": pl.String,
                                                                                  "hours": pl.Float64})
        extra.append(interval_table(difference, ["stage"], "hours"))
    extra_table = pl.concat(extra).with_columns(pl.lit("extra_hours_when_late").alias("status"))
    table = pl.concat([part.select(extra_table.columns) for part in by_status] + [extra_table])
    empty = {"on time": "no on-time promised parcel in any replication",
             "late": "no late promised parcel in any replication",
             "extra_hours_when_late": "no replication with both late and on-time promised parcels"}
    note = (pl.when(pl.col("n") == 0).then(pl.col("status").replace_strict(empty, return_dtype=pl.String))
            .when(pl.col("n") < 2).then(pl.lit("one replication with a value: no interval"))
            .otherwise(pl.lit("")))
    return table.select("stage", "status", "n", "mean", "ci_low", "ci_high", note.alias("note"))


def lateness_figure(table: pl.DataFrame) -> Figure:
    """Mean hours in each stage, late against on-time promised parcels, with 95% CIs."""
    figure = Figure(figsize=(9.0, 4.0), layout="constrained")
    axis = figure.subplots()
    stages = list(STAGE_TIMES)
    for offset, (status, color) in enumerate((("on time", "C0"), ("late", "C3"))):
        part = table.filter(pl.col("status") == status)
        part = pl.DataFrame({"stage": stages}).join(part, on="stage", how="left")
        mean = part["mean"].fill_null(np.nan).to_numpy()
        error = np.vstack([mean - part["ci_low"].fill_null(np.nan).to_numpy(),
                           part["ci_high"].fill_null(np.nan).to_numpy() - mean])
        axis.bar(np.arange(len(stages)) + 0.4 * offset - 0.2, mean, width=0.4, color=color, label=status,
                 yerr=np.nan_to_num(error), capsize=3)
    axis.set_xticks(np.arange(len(stages)), stages, rotation=20)
    axis.set_ylabel("hours in stage (mean, 95% CI)")
    axis.set_title("Delivered promised parcels: hours in each stage, late against on time", fontsize=10)
    axis.legend()
    return figure


# --- comparing runs ----------------------------------------------------------------------------------------

def compare_runs(results: Mapping[str, RunResult], baseline: str,
                 metrics: Sequence[str] | None = None) -> tuple[pl.DataFrame, str]:
    """Every run against `baseline` on `metrics` (default every metric; the Bonferroni family is the rows
    reported), family-wise at 95%: paired t intervals when all runs share a seed (common random numbers),
    else Welch intervals for all, with a warning saying so (and `pairing` in the table). Returns (table,
    warning or "")."""
    models = {name: r.model_name for name, r in results.items()}
    if len(set(models.values())) > 1:
        fail(f"runs of different models cannot be compared: {models}")
    seeds = {name: r.manifest.get("seed") for name, r in results.items()}
    paired = len(set(seeds.values())) == 1
    warning = "" if paired else (f"WARNING: the runs' seeds differ ({seeds}): no common random numbers, so the "
                                 "intervals are Welch's (unpaired), labelled 'welch'")
    chosen = pl.col("metric").is_in(list(metrics)) if metrics is not None else pl.lit(True)
    table = compare_tables({name: r.summary.filter(chosen) for name, r in results.items()}, baseline=baseline,
                           paired=paired)
    return table, warning


# --- sweeps ------------------------------------------------------------------------------------------------

#: a parameter with more distinct values than this (a Latin hypercube, Sobol' or Saltelli design) is cut into
#: `LEVEL_BINS` bins of equal counts for main effects and surfaces
MAX_LEVELS, LEVEL_BINS = 8, 4


def levels(design: pl.DataFrame, parameter: str) -> pl.DataFrame:
    """Each design point's level of the parameter as text (columns point, level, rank; rank orders the levels
    by value): the value itself, or for a sampled continuous parameter the equal-count bin it falls in,
    labelled by the bin's range."""
    values = design[parameter]
    if values.n_unique() <= MAX_LEVELS or not values.dtype.is_numeric():
        level = values.cast(pl.String)
    else:  # bin i holds the values in (break i-1, break i]
        breaks = np.quantile(values.to_numpy(), np.arange(1, LEVEL_BINS) / LEVEL_BINS)
        bounds = [float(values.min()), *breaks, float(values.max())]
        labels = np.array([f"{low:.3g} to {high:.3g}" for low, high in zip(bounds[:-1], bounds[1:])])
        level = pl.Series(labels[np.searchsorted(breaks, values.to_numpy(), side="left")])
    table = design.select("point", pl.col(parameter).alias("_value")).with_columns(level.alias("level"))
    order = (table.sort("_value").select("level").unique(maintain_order=True)
             .with_row_index("rank"))
    return table.join(order, on="level").select("point", "level", "rank")


def main_effects(sweep, metric: str) -> pl.DataFrame:
    """For each parameter and level: the metric averaged over the design points at that level (the other
    parameters at all their levels), per replication, then the 95% t interval across replications
    (replications are independent; common random numbers make the levels' intervals comparable). Columns
    parameter, level (as text, in order of value), n, mean, ci_low, ci_high."""
    runs = sweep.runs.filter((pl.col("metric") == metric) & pl.col("value").is_finite())
    rows = []
    for parameter in sweep.parameters:
        per_replication = (runs.join(levels(sweep.design, parameter), on="point")
                           .group_by("rank", "level", "replication").agg(pl.col("value").mean())
                           .sort("rank", "replication"))
        rows.append(interval_table(per_replication.rename({"level": "setting"}), ["setting"], "value").select(
            pl.lit(parameter).alias("parameter"), pl.col("setting").alias("level"), "n", "mean", "ci_low", "ci_high"))
    return clipped(pl.concat(rows).with_columns(pl.lit(metric).alias("_metric")), metric_kinds(sweep),
                   column="_metric").drop("_metric")


def response_surface(sweep, metric: str, x: str, y: str) -> pl.DataFrame:
    """The metric over two parameters (averaged over any others), per replication, then the 95% t interval
    across replications: columns x, y (levels as text, in order of value), n, mean, ci_low, ci_high,
    half_width."""
    runs = sweep.runs.filter((pl.col("metric") == metric) & pl.col("value").is_finite())
    x_levels = levels(sweep.design, x).rename({"level": "x", "rank": "x_rank"})
    y_levels = levels(sweep.design, y).rename({"level": "y", "rank": "y_rank"})
    per_replication = (runs.join(x_levels, on="point").join(y_levels, on="point")
                       .group_by("x_rank", "y_rank", "x", "y", "replication").agg(pl.col("value").mean())
                       .sort("x_rank", "y_rank", "replication"))
    table = interval_table(per_replication, ["x", "y"], "value").with_columns(pl.lit(metric).alias("_metric"))
    return clipped(table, metric_kinds(sweep), column="_metric").select(
        pl.col("x").alias(x), pl.col("y").alias(y), "n", "mean", "ci_low", "ci_high", "half_width")


def metric_kinds(sweep) -> dict[str, str]:
    """metric -> kind (`Metric.kind`) for the sweep's model."""
    from sim.scenario import get_model

    return {m.name: m.kind for m in get_model(sweep.model_name).metrics}


def main_effects_figure(effects: pl.DataFrame, metric: str) -> Figure:
    """One panel per parameter: the metric's mean at each level with its 95% CI."""
    parameters = effects["parameter"].unique(maintain_order=True).to_list()
    figure = Figure(figsize=(4.0 * len(parameters), 3.4), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, len(parameters), sharey=True))
    for axis, parameter in zip(axes, parameters):
        part = effects.filter(pl.col("parameter") == parameter)
        mean = part["mean"].to_numpy()
        error = np.vstack([mean - part["ci_low"].to_numpy(), part["ci_high"].to_numpy() - mean])
        axis.errorbar(np.arange(part.height), mean, yerr=np.nan_to_num(error), fmt="o-", capsize=3)
        axis.set_xticks(np.arange(part.height), part["level"].to_list(), rotation=20, fontsize=7)
        axis.set_xlabel(parameter, fontsize=8)
    axes[0].set_ylabel(f"{metric} (mean, 95% CI)")
    figure.suptitle(f"Main effects on {metric}", fontsize=10)
    return figure


def surface_figure(surface: pl.DataFrame, x: str, y: str, metric: str) -> Figure:
    """A heat map of the metric's mean over two parameters, each cell labelled mean +- half-width."""
    xs = surface[x].unique(maintain_order=True).to_list()
    ys = surface[y].unique(maintain_order=True).to_list()
    grid = np.full((len(ys), len(xs)), np.nan)
    figure = Figure(figsize=(1.6 * len(xs) + 3.0, 0.8 * len(ys) + 2.2), layout="constrained")
    axis = figure.subplots()
    for row in surface.iter_rows(named=True):
        i, j = ys.index(row[y]), xs.index(row[x])
        grid[i, j] = row["mean"]
        axis.text(j, i, f"{row['mean']:.4g}\n+-{row['half_width']:.2g}", ha="center", va="center", fontsize=7)
    image = axis.imshow(grid, origin="lower", aspect="auto", cmap="viridis", alpha=0.8)
    axis.set_xticks(range(len(xs)), xs, rotation=20, fontsize=7)
    axis.set_yticks(range(len(ys)), ys, fontsize=7)
    axis.set_xlabel(x, fontsize=8)
    axis.set_ylabel(y, fontsize=8)
    figure.colorbar(image, ax=axis, label=f"{metric} (mean across replications)")
    axis.set_title(f"{metric}: mean +- 95% half-width", fontsize=10)
    return figure


def metric_intervals_figure(table: pl.DataFrame, title: str) -> Figure:
    """One small panel per metric of a statistics-like table (metric, mean, ci_low, ci_high, unit): the mean
    with its 95% CI, each on its own scale (units differ)."""
    figure = Figure(figsize=(2.4 * table.height + 0.5, 3.0), layout="constrained")
    axes = np.atleast_1d(figure.subplots(1, table.height))
    for axis, row in zip(axes, table.iter_rows(named=True)):
        low, high = row["ci_low"], row["ci_high"]
        error = [[row["mean"] - low], [high - row["mean"]]] if np.isfinite([low, high]).all() else None
        axis.errorbar([0], [row["mean"]], yerr=error, fmt="o", capsize=5, color="C0")
        axis.set_xticks([])
        axis.set_title(row["metric"], fontsize=7)
        axis.set_ylabel(row["unit"], fontsize=7)
        axis.tick_params(labelsize=7)
    figure.suptitle(title, fontsize=9)
    return figure
