"""Figure 7: on-time share of group and third-party parcels as line-haul capacity tightens, priority vs fcfs.

Both classes ride the same flights and customs, the group served first (`allocation = "priority"`,
non-preemptive) or all in order of arrival (`"fcfs"`).

The two-class scenario (`scenarios/aliexpress_spain_two_classes.toml`: the group's ~780 orders a day and
1,900 third-party parcels, capacities of the five-day scenario scaled x3.44). The capacity per flight varies
from the base (1,890 parcels, ~71% load factor) down to 1,300, below the ~1,370 a flight that the ~2,680
parcels a day need with 2% of flights cancelled (there queues build over the horizon and priority decides
who waits); every point runs with the same seed (common random numbers: the same orders meet different
capacity and allocation). The on-time share of each class (the
group's promised parcels against the promise; third-party parcels, unpromised, against the same five
business days) is the mean across replications with its 95% t interval. Writes
`fig7_logistics_two_classes.png`, `.pdf` and `.csv` (allocation, capacity per flight, class, CI).
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

NAME = "fig7_logistics_two_classes"
SCENARIO = SCENARIOS / "aliexpress_spain_two_classes.toml"
SEED = 20251006
BASE_CAPACITY = 1890
ALLOCATIONS = ("priority", "fcfs")
CLASS_LABELS = {"group": "group (AliExpress) parcels", "third_party": "third-party parcels"}
FULL = {"reps": 10, "capacity": (1300, 1350, 1400, 1450, 1500, 1600, 1890), "overrides": []}
# quick: 10 order days (2 of warm-up) and a 10-day drain, two capacities
QUICK = {"reps": 2, "capacity": (1350, 1890),
         "overrides": ["run.horizon_days=10.0", "run.warmup_days=2.0", "logistics.drain_days=10"]}


def point(cache: ResultCache, size: dict, allocation: str, capacity: int) -> pl.DataFrame:
    result = cache.run(SCENARIO, reps=size["reps"], seed=SEED, overrides=[
        *size["overrides"], f'logistics.allocation="{allocation}"', f"logistics.line_haul.capacity_parcels={capacity}"])
    classes = result.tables["classes"]
    if isinstance(classes, pl.LazyFrame):
        classes = classes.collect()
    stats = mean_ci(classes, ["parcel_class"], "on_time_share")
    return stats.with_columns(pl.lit(allocation).alias("allocation"), pl.lit(capacity).alias("capacity_per_flight"))


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    size = QUICK if cache.quick else FULL
    frames = [point(cache, size, allocation, capacity) for allocation in ALLOCATIONS for capacity in size["capacity"]]
    numbers = pl.concat(frames).select("allocation", "capacity_per_flight", "parcel_class", "n", "mean", "sd",
                                       "ci_low", "ci_high", "level")
    return {NAME: numbers.sort("allocation", "parcel_class", "capacity_per_flight")}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    numbers = frames[NAME]
    figure = Figure(figsize=(10, 4.5))
    panels = figure.subplots(1, 2, sharey=True)
    for axes, parcel_class in zip(panels, CLASS_LABELS):
        for index, allocation in enumerate(ALLOCATIONS):
            part = numbers.filter((pl.col("parcel_class") == parcel_class) & (pl.col("allocation") == allocation)
                                  ).sort("capacity_per_flight")
            mean = 100.0 * part["mean"].to_numpy()
            error = np.vstack([mean - 100.0 * part["ci_low"].to_numpy(), 100.0 * part["ci_high"].to_numpy() - mean])
            axes.errorbar(part["capacity_per_flight"].to_numpy(), mean, yerr=error, fmt="o-", capsize=3,
                          color=f"C{index}", label=f"{allocation}" + (" (group first)" if allocation == "priority" else ""))
        axes.axvline(BASE_CAPACITY, color="0.5", linestyle=":", linewidth=1, label="base capacity")
        axes.set_xlabel("line-haul capacity (parcels per flight, 2 flights a day)")
        axes.set_title(CLASS_LABELS[parcel_class], fontsize=10)
        axes.legend(fontsize=8)
    panels[0].set_ylabel("on-time share within five business days (%)")
    figure.suptitle(f"Two parcel classes on one network: mean and 95% CI, {int(numbers['n'].max())} replications "
                    "per point")
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
