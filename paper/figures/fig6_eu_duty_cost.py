"""Figure 6: logistics cost per parcel by stage: no promise, the five-day promise, and the promise after the
EU duty reform of 2026 (flat EUR 3 duty per item plus the proposed EUR 2 handling fee).

Three scenarios run with the same seed and replications: `aliexpress_spain_5day_no_promise`,
`aliexpress_spain_5day` and `aliexpress_spain_5day_eu_duty_2026`. Bars stack the mean cost per finished
parcel of each stage (the model's `cost_<stage>_eur_per_parcel` metrics; duties and fees sit in
`customs`), plus `compensation_eur_per_parcel` (late-delivery compensation), with the 95%
t interval of the total on top. Writes `fig6_eu_duty_cost.png`, `.pdf` and `.csv` (scenario, component, mean, CI).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import polars as pl  # noqa: E402
from matplotlib import colormaps  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from paper.cache import ResultCache  # noqa: E402
from paper.figures._common import SCENARIOS, cli, figure_main, mean_ci  # noqa: E402
from sim.models.logistics.network import STAGES  # noqa: E402

NAME = "fig6_eu_duty_cost"
SCENARIO_FILES = {
    "no promise": "aliexpress_spain_5day_no_promise.toml",
    "five-day promise": "aliexpress_spain_5day.toml",
    "five-day, EU duty 2026": "aliexpress_spain_5day_eu_duty_2026.toml",
}
SEED = 20251006
FULL = {"reps": 10, "overrides": []}
QUICK = {"reps": 2, "overrides": ["run.horizon_days=10.0", "run.warmup_days=2.0", "logistics.drain_days=20"]}
TOTAL = "cost_per_parcel_eur"
COMPENSATION = "compensation_eur_per_parcel"


def stage_metric(stage: str) -> str:
    return f"cost_{stage}_eur_per_parcel"


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    size = QUICK if cache.quick else FULL
    frames = []
    stages = [stage_metric(stage) for stage in STAGES]
    for label, file in SCENARIO_FILES.items():
        result = cache.run(SCENARIOS / file, reps=size["reps"], seed=SEED, overrides=size["overrides"])
        wide = result.summary.pivot(on="metric", index="replication", values="value")
        long = wide.select("replication", *stages, COMPENSATION, TOTAL).unpivot(
            index="replication", variable_name="component", value_name="eur_per_parcel")
        frames.append(mean_ci(long, ["component"], "eur_per_parcel").with_columns(pl.lit(label).alias("scenario")))
    return {NAME: pl.concat(frames).select("scenario", "component", "n", "mean", "sd", "ci_low", "ci_high", "level")}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    numbers = frames[NAME]
    figure = Figure(figsize=(9.5, 5.2))
    axes = figure.subplots()
    labels = numbers["scenario"].unique(maintain_order=True).to_list()
    bottoms = [0.0] * len(labels)
    components = [stage_metric(stage) for stage in STAGES] + [COMPENSATION]
    palette = colormaps["tab10"]
    for index, component in enumerate(components):
        heights = [numbers.filter((pl.col("scenario") == s) & (pl.col("component") == component))["mean"][0]
                   for s in labels]
        if max(abs(h) for h in heights) < 1e-9:
            continue  # a stage with no cost in any scenario (e.g. forward stock) gets no legend entry
        name = component.removeprefix("cost_").removesuffix("_eur_per_parcel").replace("_", " ")
        axes.bar(range(len(labels)), heights, bottom=bottoms, color=palette(index % 10), label=name)
        bottoms = [b + h for b, h in zip(bottoms, heights)]
    totals = numbers.filter(pl.col("component") == TOTAL)
    for position, scenario in enumerate(labels):
        row = totals.filter(pl.col("scenario") == scenario)
        axes.errorbar(position, row["mean"][0], yerr=row["mean"][0] - row["ci_low"][0], color="k", capsize=6)
        axes.annotate(f"EUR {row['mean'][0]:.2f}", (position, row["ci_high"][0]), textcoords="offset points",
                      xytext=(0, 4), ha="center", fontsize=9)
    axes.set_xticks(range(len(labels)), labels)
    axes.set_ylabel("cost per finished parcel (EUR)")
    axes.legend(fontsize=8, loc="upper left", title="stage")
    axes.set_title(f"Cost per parcel by stage, China -> Spain; total with 95% CI "
                   f"({int(numbers['n'].max())} replications)", fontsize=10)
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
