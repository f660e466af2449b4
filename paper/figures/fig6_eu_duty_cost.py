"""Figure 6: logistics cost per parcel by stage: no promise, the five-day promise, and the promise after the
EU duty reform of 2026 (flat EUR 3 duty per item plus the proposed EUR 2 handling fee).

Three scenarios run with the same seed and replications: `aliexpress_spain_5day_no_promise`,
`aliexpress_spain_5day` and `aliexpress_spain_5day_eu_duty_2026`. Bars stack the mean cost per finished
parcel of each stage (the model's `cost_<stage>_eur_per_parcel` metrics; duties and fees sit in
`customs_duties`), plus `compensation_eur_per_parcel` (late-delivery compensation), with the 95%
t interval of the total on top. Writes `fig6_eu_duty_cost.png` and `.csv` (scenario, component, mean, CI).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402

import sim  # noqa: E402
from paper.figures._common import SCENARIOS, cli, mean_ci, save_figure, write_numbers  # noqa: E402
from sim.models.logistics.costs import COST_STAGES  # noqa: E402

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


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    size = QUICK if quick else FULL
    frames = []
    for label, file in SCENARIO_FILES.items():
        result = sim.run(SCENARIOS / file, reps=size["reps"], seed=SEED, overrides=size["overrides"])
        wide = result.summary.pivot(on="metric", index="replication", values="value")
        stages = [stage_metric(stage) for stage in COST_STAGES]
        long = wide.select("replication", *stages, COMPENSATION, TOTAL).unpivot(
            index="replication", variable_name="component", value_name="eur_per_parcel")
        frames.append(mean_ci(long, ["component"], "eur_per_parcel").with_columns(pl.lit(label).alias("scenario")))
    numbers = pl.concat(frames).select("scenario", "component", "n", "mean", "sd", "ci_low", "ci_high", "level")

    figure, axes = plt.subplots(figsize=(9.5, 5.2))
    labels = list(SCENARIO_FILES)
    bottoms = [0.0] * len(labels)
    components = [stage_metric(stage) for stage in COST_STAGES] + [COMPENSATION]
    for index, component in enumerate(components):
        heights = [numbers.filter((pl.col("scenario") == s) & (pl.col("component") == component))["mean"][0]
                   for s in labels]
        if max(abs(h) for h in heights) < 1e-9:
            continue  # a stage with no cost in any scenario (e.g. forward stock) gets no legend entry
        name = component.removeprefix("cost_").removesuffix("_eur_per_parcel").replace("_", " ")
        axes.bar(range(len(labels)), heights, bottom=bottoms, color=plt.cm.tab10(index % 10), label=name)
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
    axes.set_title(f"Figure 6. Cost per parcel by stage, China -> Spain; total with 95% CI "
                   f"({size['reps']} replications)", fontsize=10)
    figure.tight_layout()
    return [save_figure(figure, out_dir, NAME), write_numbers(numbers, out_dir, NAME)]


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
