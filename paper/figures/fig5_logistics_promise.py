"""Figure 5: the five-day promise against no promise: demand, repeat purchase, reliability, delivery times.

Like `sim.compare`, it runs the no-promise scenario (`aliexpress_spain_5day_no_promise.toml`, the pre-2023 direct
shipping chain; the baseline) and the five-day scenario with the same seed and replications (common random
numbers), and gives paired-t differences (five-day minus no promise) with Bonferroni family-wise 95% CIs.
Panel (a): paired differences in orders, GMV and the repeat-purchase rate as % of the no-promise mean.
Panel (b): share of parcels delivered within k business days, both chains, the promise marked (the
on-time share of each chain, with its interval, is in the CSV). Panel (c): distribution of calendar days from order to delivery (the `delivery_histogram`
tables summed over replications). Writes `fig5_logistics_promise.png` and `.pdf`, `fig5_logistics_promise.csv`
(the paired differences), `fig5_logistics_promise_on_time.csv` (each chain's on-time share with its 95% t
interval) and `fig5_logistics_promise_delivery_days.csv` (the distributions).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from paper.cache import ResultCache  # noqa: E402
from paper.figures._common import LEVEL, SCENARIOS, cli, figure_main, mean_ci  # noqa: E402
from sim.core.stats import compare_tables  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

NAME = "fig5_logistics_promise"
ON_TIME = f"{NAME}_on_time"
DAYS = f"{NAME}_delivery_days"
NO_PROMISE = SCENARIOS / "aliexpress_spain_5day_no_promise.toml"
PROMISE = SCENARIOS / "aliexpress_spain_5day.toml"
LABELS = {"aliexpress_spain_5day_no_promise": "no promise (direct ship)",
          "aliexpress_spain_5day": "five-day promise (Choice)"}
SEED = 20251006
METRICS = ["orders", "gmv_eur", "repeat_purchase_rate", "on_time_share", "p50_delivery_days",
           "p95_delivery_days", "mean_delivery_days", "cost_per_parcel_eur"]
DEMAND = {"orders": "orders", "gmv_eur": "GMV", "repeat_purchase_rate": "repeat-purchase rate"}
FULL = {"reps": 10, "overrides": []}
# quick: 10 order days; the no-promise chain takes about two weeks, so a 20-day drain
QUICK = {"reps": 2, "overrides": ["run.horizon_days=10.0", "run.warmup_days=2.0", "logistics.drain_days=20"]}


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    size = QUICK if cache.quick else FULL
    results = {path.stem: cache.run(path, reps=size["reps"], seed=SEED, overrides=size["overrides"])
               for path in (NO_PROMISE, PROMISE)}
    chosen = pl.col("metric").is_in(METRICS)
    comparison = compare_tables({name: r.summary.filter(chosen) for name, r in results.items()},
                                baseline=NO_PROMISE.stem, level=LEVEL, family_wise=True)
    # differences in % of the baseline mean only for the demand metrics (the no-promise on-time share is 0)
    relative = pl.col("metric").is_in(list(DEMAND)) & (pl.col("mean_baseline") != 0.0)
    differences = comparison.with_columns(
        pl.when(relative).then(100.0 * pl.col(c) / pl.col("mean_baseline")).otherwise(None).alias(f"{c}_pct")
        for c in ("difference", "ci_low", "ci_high"))
    promised = load_scenario(PROMISE).config.logistics.guarantee.promised_days  # type: ignore[attr-defined]
    on_time = pl.concat(mean_ci(r.summary.filter(pl.col("metric") == "on_time_share"), ["metric"], "value")
                        .select(pl.lit(name).alias("scenario"), pl.all()) for name, r in results.items()) \
        .with_columns(pl.lit(promised).alias("promised_days"))
    histograms = []
    for name, result in results.items():
        histogram = (result.tables["delivery_histogram"].group_by("days_from")
                     .agg(pl.col("parcels_calendar_days").sum(), pl.col("parcels_business_days").sum())
                     .sort("days_from"))
        total = histogram["parcels_calendar_days"].sum()
        histograms.append(histogram.with_columns(
            pl.lit(name).alias("scenario"),
            (pl.col("parcels_calendar_days") / total).alias("share_calendar_days"),
            (pl.col("parcels_calendar_days").cum_sum() / total).alias("cumulative_share_calendar_days")))
    distribution = pl.concat(histograms).select("scenario", pl.exclude("scenario"))
    return {NAME: differences, ON_TIME: on_time, DAYS: distribution}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    differences, on_time, distribution = frames[NAME], frames[ON_TIME], frames[DAYS]
    figure = Figure(figsize=(15, 4.4))
    panels = figure.subplots(1, 3)
    axes = panels[0]
    demand = differences.filter(pl.col("metric").is_in(list(DEMAND)))
    y = np.arange(demand.height)
    mean = demand["difference_pct"].to_numpy()
    error = np.vstack([mean - demand["ci_low_pct"].to_numpy(), demand["ci_high_pct"].to_numpy() - mean])
    axes.errorbar(mean, y, xerr=error, fmt="o", capsize=4, color="tab:blue")
    axes.set_yticks(y, [DEMAND[m] for m in demand["metric"]])
    axes.axvline(0.0, color="k", linewidth=0.8)
    axes.set_xlabel("five-day minus no promise (% of the no-promise mean)")
    axes.set_title(f"(a) demand: paired difference, {demand['family_level'][0]:.0%} family-wise CI", fontsize=10)

    axes = panels[1]
    names = on_time["scenario"].to_list()
    for index, name in enumerate(names):
        part = distribution.filter(pl.col("scenario") == name).sort("days_from")
        within = part["parcels_business_days"].cum_sum() / part["parcels_business_days"].sum()
        width = float(part["days_from"][1] - part["days_from"][0])  # the histogram's bin
        axes.plot(part["days_from"] + width, within * 100, color=["0.4", "tab:orange"][index],
                  label=LABELS.get(name, name))  # the share delivered by the end of each bin
    promised = int(on_time["promised_days"].max())
    axes.axvline(promised, color="k", linestyle=":", linewidth=1)
    axes.set_xlim(0, 20)
    axes.set_xlabel("business days from order to delivery, at most")
    axes.set_ylabel("delivered parcels, cumulative (%)")
    axes.set_title(f"(b) delivered within k business days (promise: {promised})", fontsize=10)
    axes.legend(fontsize=8, loc="lower right")

    axes = panels[2]
    for index, name in enumerate(names):
        part = distribution.filter(pl.col("scenario") == name)
        axes.plot(part["days_from"], part["cumulative_share_calendar_days"] * 100,
                  color=["0.4", "tab:orange"][index], label=LABELS.get(name, name))
    axes.set_xlabel("calendar days from order to delivery")
    axes.set_ylabel("delivered parcels, cumulative (%)")
    axes.set_title("(c) delivery-time distribution (all replications)", fontsize=10)
    axes.legend(fontsize=8, loc="lower right")
    figure.suptitle(f"Five-day promise vs no promise, China -> Spain: {int(differences['n'].max())} paired "
                    "replications")
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
