"""Figure 4: reliability of the five-day promise against capacity levers: line-haul capacity and flight
frequency, and customs officers.

The base five-day scenario (`scenarios/aliexpress_spain_5day.toml`: 2 daily departures of 550 parcels, so
7,700 parcels a week, and 2 customs officers). Panels (a) and (b) vary the weekly line-haul capacity, spread
over 14 (base) or 21 flights a week (capacity per flight = weekly capacity / flights); panel (c) varies the
customs officers (1-4) at the base flights, with the base pre-clearance (most parcels skip the officers, so the
lever barely acts) and with none (every parcel a standard declaration, as before the promise, where it does).
Every point runs with the same seed (common random numbers: the
same orders meet different capacity); means across replications with 95% t intervals. Writes
`fig4_logistics_capacity.png`, `.pdf` and `.csv` (lever, flights a week, weekly capacity, officers,
pre-cleared share, metric, CI).
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
from paper.figures._common import SCENARIOS, cli, figure_main, mean_ci  # noqa: E402

NAME = "fig4_logistics_capacity"
SCENARIO = SCENARIOS / "aliexpress_spain_5day.toml"
SEED = 20251006
DEPARTURES = {14: [2.0, 14.0], 21: [2.0, 10.0, 18.0]}  # flights a week (every day) -> daily departure hours
BASE_FLIGHTS, BASE_WEEKLY, BASE_OFFICERS = 14, 14 * 550, 2
NO_PRE_CLEARANCE = 0.0  #: panel (c)'s second line: no parcel pre-cleared
METRICS = ("on_time_share", "p95_delivery_days", "cost_per_parcel_eur", "unfinished_orders")
FULL = {"reps": 10, "weekly": (5000, 5400, 5800, 6200, 6600, 7000, 7700, 9100), "flights": (14, 21),
        "officers": (1, 2, 3, 4), "overrides": []}
# quick: 10 order days (2 of warm-up) and a 10-day drain
QUICK = {"reps": 2, "weekly": (5600, 7700), "flights": (14, 21), "officers": (1, 2),
         "overrides": ["run.horizon_days=10.0", "run.warmup_days=2.0", "logistics.drain_days=10"]}


def point(cache: ResultCache, size: dict, lever: str, flights: int, weekly: int, officers: int,
          pre_cleared: float | None = None) -> pl.DataFrame:
    """One grid point; `pre_cleared` None keeps the scenario's pre-cleared share."""
    per_flight = int(round(weekly / flights))
    result = cache.run(SCENARIO, reps=size["reps"], seed=SEED, overrides=[
        *size["overrides"], f"logistics.line_haul.departure_hours={DEPARTURES[flights]!r}",
        f"logistics.line_haul.capacity_parcels={per_flight}", f"logistics.customs.officers={officers}",
        *([] if pre_cleared is None else [f"logistics.customs.pre_cleared_share={pre_cleared}"])])
    share = result.resolved_scenario["logistics"]["customs"]["pre_cleared_share"]
    stats = mean_ci(result.summary.filter(pl.col("metric").is_in(METRICS)), ["metric"], "value")
    return stats.with_columns(pl.lit(lever).alias("lever"), pl.lit(flights).alias("flights_per_week"),
                              pl.lit(per_flight * flights).alias("weekly_capacity_parcels"),
                              pl.lit(per_flight).alias("capacity_per_flight"),
                              pl.lit(officers).alias("customs_officers"),
                              pl.lit(float(share)).alias("pre_cleared_share"))


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    size = QUICK if cache.quick else FULL
    frames = [point(cache, size, "line_haul", flights, weekly, BASE_OFFICERS)
              for flights in size["flights"] for weekly in size["weekly"]]
    frames += [point(cache, size, "customs", BASE_FLIGHTS, BASE_WEEKLY, officers, pre_cleared)
               for pre_cleared in (None, NO_PRE_CLEARANCE) for officers in size["officers"]]
    numbers = pl.concat(frames).select("lever", "flights_per_week", "weekly_capacity_parcels", "capacity_per_flight",
                                       "customs_officers", "pre_cleared_share", "metric", "n", "mean", "sd", "ci_low", "ci_high", "level")
    return {NAME: numbers}


def errorbars(axes, part: pl.DataFrame, x: str, scale: float, **style) -> None:
    mean = part["mean"].to_numpy() * scale
    error = np.vstack([mean - part["ci_low"].to_numpy() * scale, part["ci_high"].to_numpy() * scale - mean])
    axes.errorbar(part[x].to_numpy(), mean, yerr=error, fmt="o-", capsize=3, **style)


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    numbers = frames[NAME]
    line_haul = numbers.filter(pl.col("lever") == "line_haul")
    flights_grid = line_haul["flights_per_week"].unique().sort().to_list()
    figure = Figure(figsize=(15, 4.5))
    panels = figure.subplots(1, 3)
    for axes, metric, label, scale in ((panels[0], "on_time_share", "on-time share of promised parcels (%)", 100.0),
                                       (panels[1], "p95_delivery_days", "p95 delivery time (calendar days)", 1.0)):
        for index, flights in enumerate(flights_grid):
            part = line_haul.filter((pl.col("metric") == metric) & (pl.col("flights_per_week") == flights)
                                    ).sort("weekly_capacity_parcels")
            errorbars(axes, part, "weekly_capacity_parcels", scale, color=f"C{index}",
                      label=f"{flights} flights a week" + (" (base)" if flights == BASE_FLIGHTS else ""))
        axes.axvline(BASE_WEEKLY, color="0.5", linestyle=":", linewidth=1, label="base capacity")
        axes.set_xlabel("line-haul capacity (parcels a week)")
        axes.set_ylabel(label)
        axes.legend(fontsize=8)
    panels[0].set_title("(a) reliability vs line-haul capacity", fontsize=10)
    panels[1].set_title("(b) tail of the delivery time vs line-haul capacity", fontsize=10)
    axes = panels[2]
    customs = numbers.filter((pl.col("lever") == "customs") & (pl.col("metric") == "on_time_share"))
    for index, share in enumerate(sorted(customs["pre_cleared_share"].unique().to_list(), reverse=True)):
        part = customs.filter(pl.col("pre_cleared_share") == share).sort("customs_officers")
        errorbars(axes, part, "customs_officers", 100.0, color=f"C{index + 2}",
                  label=f"{share:.0%} of parcels pre-cleared" + (" (base)" if index == 0 else ""))
    axes.set_ylim(0.0, 100.5)
    axes.set_xticks(customs["customs_officers"].unique().sort().to_list())
    axes.set_xlabel(f"customs officers at the Spanish gateway (base: {BASE_OFFICERS})")
    axes.set_ylabel("on-time share of promised parcels (%)")
    axes.set_title(f"(c) reliability vs customs officers ({BASE_FLIGHTS} flights, {BASE_WEEKLY} a week)",
                   fontsize=10)
    axes.legend(fontsize=8)
    figure.suptitle(f"Five-day delivery China -> Spain against capacity: mean and 95% CI, "
                    f"{int(numbers['n'].max())} replications per point")
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
