"""Charts of a logistics run: the daily on-time share with its confidence band across replications, the
delivery-time distribution against the promise, and the cost per parcel by stage."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl
from matplotlib.figure import Figure

from sim.core.charts import save_figure
from sim.core.stats import t_half_width
from sim.models.logistics import guarantee as guarantee_rule
from sim.models.logistics.config import GuaranteeParameters
from sim.models.logistics.costs import STAGE_COST_LABELS

if TYPE_CHECKING:
    from sim.core.results import RunResult

__all__ = ["logistics_charts"]

MIN_SHARE_OF_TYPICAL_DAY = 0.1


def _on_time_chart(result: RunResult, directory: Path) -> Path:
    daily = result.frame("daily").filter(pl.col("on_time_share").is_not_nan())
    by_day = daily.group_by("day").agg(
        pl.col("on_time_share").mean().alias("mean"),
        pl.col("on_time_share").std().alias("sd"),
        pl.col("on_time_share").count().alias("n"),
        pl.col("delivered").mean().alias("delivered"),
    ).sort("day")
    # days with only a few stragglers (the start, weekends' edges, the drain) would swing between 0 and 1:
    # show the days carrying at least a tenth of a typical day's deliveries
    by_day = by_day.filter(pl.col("delivered") >= MIN_SHARE_OF_TYPICAL_DAY * pl.col("delivered").median())
    half = t_half_width(by_day["n"].to_numpy(), by_day["sd"].fill_null(np.nan).to_numpy(), 0.95)
    mean = by_day["mean"].to_numpy()
    day = by_day["day"].to_numpy()
    figure = Figure(figsize=(9, 4))
    axes = figure.subplots()
    axes.fill_between(day, mean - half, np.minimum(mean + half, 1.0), color="C0", alpha=0.25,
                      label="95% CI across replications")
    axes.plot(day, mean, color="C0", marker=".", linewidth=1.0, label="mean on-time share")
    run = result.resolved_scenario["run"]
    axes.axvline(run["horizon_days"], color="k", linestyle=":", label="last order day")
    if isinstance(run["warmup_days"], (int, float)) and run["warmup_days"] > 0:
        axes.axvline(run["warmup_days"], color="0.5", linestyle="--", label="end of warm-up")
    axes.set_xlabel("day (of delivery)")
    axes.set_ylabel("on-time share of promised parcels")
    axes.set_title(f"{result.scenario_name}: on-time share by day of delivery "
                   f"(days with >= {MIN_SHARE_OF_TYPICAL_DAY:.0%} of a typical day's deliveries)", fontsize=10)
    axes.legend(loc="lower left")
    path = directory / "on_time_share_daily.png"
    save_figure(figure, path)
    return path


def _distribution_chart(result: RunResult, directory: Path) -> Path:
    guarantee = GuaranteeParameters.model_validate(result.resolved_scenario["logistics"]["guarantee"])
    business = guarantee.day_count == "business"
    column = "parcels_business_days" if business else "parcels_calendar_days"
    hist = (result.frame("delivery_histogram")
            .group_by("days_from").agg(pl.col(column).sum()).sort("days_from"))
    x = hist["days_from"].to_numpy()
    y = hist[column].to_numpy().astype(float)
    width = float(x[1] - x[0]) if x.size > 1 else 0.1
    figure = Figure(figsize=(8, 4))
    axes = figure.subplots()
    axes.bar(x, y / max(y.sum(), 1.0), width=width, align="edge", color="C0", label="delivered parcels")
    axes.axvline(guarantee_rule.target_days(guarantee), color="C3", linestyle="--",
                 label=guarantee_rule.describe(guarantee))
    axes.set_xlabel(f"delivery time ({guarantee.day_count} days from the order)")
    axes.set_ylabel("share of delivered parcels")
    axes.set_title(f"{result.scenario_name}: delivery time against the promise")
    axes.legend()
    path = directory / "delivery_days_distribution.png"
    save_figure(figure, path)
    return path


def _cost_chart(result: RunResult, directory: Path) -> Path:
    stats = result.statistics
    names, means, lows, highs = [], [], [], []
    parts = [(f"cost_{stage}_eur_per_parcel", stage.replace("_", " ")) for stage in STAGE_COST_LABELS]
    for metric, name in (*parts, ("compensation_eur_per_parcel", "compensation")):
        row = stats.filter(pl.col("metric") == metric).row(0, named=True)
        names.append(name)
        means.append(row["mean"])
        lows.append(row["mean"] - (row["ci_low"] if row["ci_low"] == row["ci_low"] else row["mean"]))
        highs.append((row["ci_high"] if row["ci_high"] == row["ci_high"] else row["mean"]) - row["mean"])
    total = stats.filter(pl.col("metric") == "cost_per_parcel_eur")["mean"][0]
    figure = Figure(figsize=(8, 4))
    axes = figure.subplots()
    axes.barh(names, means, xerr=[lows, highs], color="C2", capsize=3)
    axes.invert_yaxis()
    axes.set_xlabel("EUR per finished parcel (mean, 95% CI)")
    axes.set_title(f"{result.scenario_name}: cost per parcel by stage, total EUR {total:.2f}")
    path = directory / "cost_per_parcel_by_stage.png"
    save_figure(figure, path)
    return path


def logistics_charts(result: RunResult, directory: Path) -> list[Path]:
    """Write the three logistics charts for `result` into `directory`; returns the PNG paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return [_on_time_chart(result, directory), _distribution_chart(result, directory), _cost_chart(result, directory)]
