"""The runs behind the README's "In more detail" numbers that no figure plots, through the build's cache:

* `detail_demand_bracket.csv`: the five-day promise against no promise (as figure 5: paired, common random
  numbers, Bonferroni family-wise 95% intervals) under each delivery response, `linear` (figure 5's runs)
  and `flat_outside_measured` (`--set logistics.demand.speed_response=...` on both chains);
* `detail_day_count.csv`: the promise counted in calendar days, and "by the end of the fifth day", against
  business days: on-time share with its 95% interval and compensation per parcel;
* `detail_promise_cost_range.csv`: the cost of the promise (cost per parcel, promise minus no promise, paired
  replication by replication) at each point of the LHS design of `scenarios/sweeps/promise_cost_range.toml`;
* `detail_cloud_reoptimise.csv`: `cloud_cut_and_reoptimise.toml` against the status quo (as figures 2 and 3:
  paired share difference with a family-wise interval, and the payback report's final money difference).

The quick build runs them at the figures' quick sizes, and the cost range at its first `QUICK_POINTS` points.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

from paper.cache import ResultCache  # noqa: E402
from paper.figures import fig2_cloud_share_paths as fig2  # noqa: E402
from paper.figures import fig5_logistics_promise as fig5  # noqa: E402
from paper.figures._common import LEVEL, SCENARIOS, mean_ci  # noqa: E402
from sim.core.stats import compare_tables  # noqa: E402
from sim.models.cloud.payback import payback_table  # noqa: E402
from sim.sweeps.spec import read_sweep_file  # noqa: E402

__all__ = ["data", "write_tables", "QUICK_POINTS"]

DAY_COUNTS = {"no promise": "aliexpress_spain_5day_no_promise.toml",
              "business days": "aliexpress_spain_5day.toml",
              "calendar days": "aliexpress_spain_5day_calendar_days.toml",
              "calendar days, end of the fifth day": "aliexpress_spain_5day_calendar_days_date_end.toml"}
DAY_METRICS = ["on_time_share", "on_time_share_lost_as_late", "compensation_eur_per_parcel", "p50_delivery_days",
               "p50_delivery_business_days", "p95_delivery_business_days"]
COST_SWEEPS = {"promise": SCENARIOS / "sweeps" / "promise_cost_range.toml",
               "no_promise": SCENARIOS / "sweeps" / "promise_cost_range_no_promise.toml"}
QUICK_POINTS = 2  #: design points of the cost range in the quick build
QUICK_COST_REPS = 2


def _logistics(cache: ResultCache, file: str | Path, overrides: list[str] = (), reps: int | None = None,
               seed: int = fig5.SEED):
    size = fig5.QUICK if cache.quick else fig5.FULL
    return cache.run(SCENARIOS / file, reps=reps or size["reps"], seed=seed,
                     overrides=[*size["overrides"], *overrides])


def demand_bracket(cache: ResultCache) -> pl.DataFrame:
    frames = []
    for response in ("linear", "flat_outside_measured"):
        overrides = [] if response == "linear" else [f'logistics.demand.speed_response="{response}"']
        results = {path.stem: _logistics(cache, path.name, overrides) for path in (fig5.NO_PROMISE, fig5.PROMISE)}
        chosen = pl.col("metric").is_in(["orders", "repeat_purchase_rate", "gmv_eur"])
        comparison = compare_tables({name: r.summary.filter(chosen) for name, r in results.items()},
                                    baseline=fig5.NO_PROMISE.stem, level=LEVEL, family_wise=True)
        frames.append(comparison.with_columns(
            pl.lit(response).alias("speed_response"),
            *[(100.0 * pl.col(c) / pl.col("mean_baseline")).alias(f"{c}_pct") for c in ("difference", "ci_low",
                                                                                        "ci_high")]))
    return pl.concat(frames, how="diagonal_relaxed").select("speed_response", pl.exclude("speed_response"))


def day_count(cache: ResultCache) -> pl.DataFrame:
    frames = []
    for label, file in DAY_COUNTS.items():
        summary = _logistics(cache, file).summary.filter(pl.col("metric").is_in(DAY_METRICS))
        frames.append(mean_ci(summary, ["metric"], "value").with_columns(pl.lit(label).alias("day_count")))
    return pl.concat(frames).select("day_count", pl.exclude("day_count"))


def promise_cost_range(cache: ResultCache) -> pl.DataFrame:
    """Per design point: the mean over replications of (promise - no promise) cost per parcel."""
    costs = {}
    for network, sweep in COST_SWEEPS.items():
        spec, design, _ = read_sweep_file(sweep)
        base = (sweep.parent / spec.scenario).resolve()
        points = range(QUICK_POINTS if cache.quick else len(design))
        reps = QUICK_COST_REPS if cache.quick else spec.replications
        size = fig5.QUICK["overrides"] if cache.quick else []
        rows = []
        for index in points:
            point = design.point(index)
            overrides = [*size, *(f"{path}={json.dumps(value)}" for path, value in point.items())]
            summary = cache.run(base, reps=reps, seed=spec.seed, overrides=overrides).summary
            rows.append(summary.filter(pl.col("metric") == "cost_per_parcel_eur")
                        .select(pl.lit(index).alias("point"), "replication", pl.col("value").alias(network)))
        costs[network] = pl.concat(rows)
    paired = costs["promise"].join(costs["no_promise"], on=["point", "replication"])
    return (paired.group_by("point").agg(pl.len().alias("n"), pl.col("promise").mean(), pl.col("no_promise").mean(),
                                         (pl.col("promise") - pl.col("no_promise")).mean().alias("difference"))
            .sort("point"))


def cloud_reoptimise(cache: ResultCache) -> pl.DataFrame:
    status_quo = fig2.run_scenario(cache, "cloud_status_quo.toml")
    reoptimise = fig2.run_scenario(cache, "cloud_cut_and_reoptimise.toml")
    share = compare_tables({"status_quo": status_quo.summary.filter(pl.col("metric") == "alibaba_share_final"),
                            "reoptimise": reoptimise.summary.filter(pl.col("metric") == "alibaba_share_final")},
                           baseline="status_quo", level=LEVEL, family_wise=True)
    money = payback_table(reoptimise, status_quo).sort("quarter").tail(1)
    return pl.DataFrame({
        "quantity": ["share_final", "share_difference", "money_difference_rmb_bn"],
        "value": [share["mean_scenario"][0], share["difference"][0], money["difference_rmb_bn"][0]],
        "ci_low": [None, share["ci_low"][0], money["ci_low"][0]],
        "ci_high": [None, share["ci_high"][0], money["ci_high"][0]],
        "n": [share["n"][0] if "n" in share.columns else None, None, money["n"][0]],
    }, schema={"quantity": pl.String, "value": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
               "n": pl.Int64})


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    return {"detail_demand_bracket": demand_bracket(cache), "detail_day_count": day_count(cache),
            "detail_promise_cost_range": promise_cost_range(cache),
            "detail_cloud_reoptimise": cloud_reoptimise(cache)}


def write_tables(cache: ResultCache, out_dir: Path) -> list[Path]:
    paths = []
    for name, frame in data(cache).items():
        paths.append(Path(out_dir) / f"{name}.csv")
        frame.write_csv(paths[-1], float_precision=6)
    return paths
