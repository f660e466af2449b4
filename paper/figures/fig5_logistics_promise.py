"""Figure 5: the five-day promise against no promise: demand, repeat purchase, reliability, delivery times.

`sim.compare` runs the no-promise scenario (`aliexpress_spain_5day_no_promise.toml`, the pre-2023 direct
shipping chain; the baseline) and the five-day scenario with the same seed and replications (common random
numbers), and gives paired-t differences (five-day minus no promise) with Bonferroni family-wise 95% CIs.
Panel (a): paired differences in orders, GMV and the repeat-purchase rate as % of the no-promise mean.
Panel (b): share delivered within 5 business days (`on_time_share`; for no promise it is measured against
`kpi_days = 5`). Panel (c): distribution of calendar days from order to delivery (the `delivery_histogram`
tables summed over replications). Writes `fig5_logistics_promise.png`, `fig5_logistics_promise.csv` (the
paired differences) and `fig5_logistics_promise_delivery_days.csv` (the distributions).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

import sim  # noqa: E402
from paper.figures._common import SCENARIOS, cli, save_figure, write_numbers  # noqa: E402

NAME = "fig5_logistics_promise"
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


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    size = QUICK if quick else FULL
    comparison = sim.compare([NO_PROMISE, PROMISE], reps=size["reps"], seed=SEED, overrides=size["overrides"],
                             metrics=METRICS)
    # differences in % of the baseline mean only for the demand metrics (the no-promise on-time share is 0)
    relative = pl.col("metric").is_in(list(DEMAND)) & (pl.col("mean_baseline") != 0.0)
    differences = comparison.differences.with_columns(
        pl.when(relative).then(100.0 * pl.col(c) / pl.col("mean_baseline")).otherwise(None).alias(f"{c}_pct")
        for c in ("difference", "ci_low", "ci_high"))
    histograms = []
    for name, result in comparison.results.items():
        histogram = (result.tables["delivery_histogram"].group_by("days_from")
                     .agg(pl.col("parcels_calendar_days").sum(), pl.col("parcels_business_days").sum())
                     .sort("days_from"))
        total = histogram["parcels_calendar_days"].sum()
        histograms.append(histogram.with_columns(
            pl.lit(name).alias("scenario"),
            (pl.col("parcels_calendar_days") / total).alias("share_calendar_days"),
            (pl.col("parcels_calendar_days").cum_sum() / total).alias("cumulative_share_calendar_days")))
    distribution = pl.concat(histograms).select("scenario", pl.exclude("scenario"))

    figure, panels = plt.subplots(1, 3, figsize=(15, 4.4))
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
    on_time = differences.filter(pl.col("metric") == "on_time_share")
    statistics = {name: result.statistics.filter(pl.col("metric") == "on_time_share")
                  for name, result in comparison.results.items()}
    names = list(comparison.results)
    means = [100 * statistics[n]["mean"][0] for n in names]
    errors = [100 * (statistics[n]["ci_high"][0] - statistics[n]["mean"][0]) for n in names]
    axes.bar(range(len(names)), means, yerr=errors, capsize=5, color=["0.6", "tab:orange"])
    axes.set_xticks(range(len(names)), [LABELS.get(n, n) for n in names], fontsize=8)
    axes.set_ylabel("delivered within 5 business days (% of parcels)")
    axes.set_ylim(0, 105)
    axes.set_title(f"(b) reliability (difference {on_time['difference'][0] * 100:+.1f} points)", fontsize=10)

    axes = panels[2]
    for index, name in enumerate(names):
        part = distribution.filter(pl.col("scenario") == name)
        axes.plot(part["days_from"], part["cumulative_share_calendar_days"] * 100,
                  color=["0.4", "tab:orange"][index], label=LABELS.get(name, name))
    axes.set_xlabel("calendar days from order to delivery")
    axes.set_ylabel("delivered parcels, cumulative (%)")
    axes.set_title("(c) delivery-time distribution (all replications)", fontsize=10)
    axes.legend(fontsize=8, loc="lower right")
    figure.suptitle(f"Figure 5. Five-day promise vs no promise, China -> Spain: {size['reps']} paired replications")
    figure.tight_layout()
    return [save_figure(figure, out_dir, NAME), write_numbers(differences, out_dir, NAME),
            write_numbers(distribution, out_dir, f"{NAME}_delivery_days")]


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
