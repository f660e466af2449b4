"""Figure 10: how deep a cut? Alibaba's revenue-share gain in 2027Q4 and NPV gain against the same market
without the cut, for compute and storage cuts in 2024Q1 from 0 to 70%, under rivals who ignore, match or
best-respond.

The design of `scenarios/sweeps/cloud_cut_depth.toml` (its depths and rival responses, its seed and
replications), run point by point through the cache as `cloud_cut_depth.toml` with `--set cut.depth=...`
and `--set cut.rival_response=...`. Every replication runs the no-cut twin on the same streams (common
random numbers), so the intervals of the gains are paired-t intervals. Writes `fig10_cloud_cut_depth.png`,
`.pdf` and `fig10_cloud_cut_depth.csv` (one row per depth, response and metric: n, mean, 95% interval).
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from paper.cache import ResultCache  # noqa: E402
from paper.figures._common import SCENARIOS, cli, figure_main, mean_ci  # noqa: E402

NAME = "fig10_cloud_cut_depth"
SWEEP = SCENARIOS / "sweeps" / "cloud_cut_depth.toml"
SCENARIO = SCENARIOS / "cloud_cut_depth.toml"
METRICS = {"alibaba_share_gain_vs_no_cut_final": "revenue-share gain (points)",
           "alibaba_npv_gain_vs_no_cut_rmb_bn": "NPV gain (RMB bn)",
           "alibaba_workload_share_final": "workload share"}
RESPONSES = {"ignore": "rivals ignore", "match": "rivals match", "best_response": "rivals best-respond"}
# quick: the depths the text and README quote, 2 replications, a 24-quarter horizon (2020Q1-2025Q4)
QUICK = {"reps": 2, "depths": [0.0, 0.1, 0.3, 0.5, 0.7], "overrides": ["run.horizon_days=2190.0"]}


def design() -> dict:
    """The sweep file's depths, responses, seed and replications."""
    sweep = tomllib.loads(SWEEP.read_text())
    levels = {p["path"]: p["levels"] for p in sweep["parameters"]}
    return {"reps": sweep["replications"], "seed": sweep["seed"], "depths": levels["cut.depth"],
            "responses": levels["cut.rival_response"], "overrides": []}


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    size = design()
    if cache.quick:
        size |= QUICK
    frames = []
    for response in size["responses"]:
        for depth in size["depths"]:
            overrides = [*size["overrides"], f"cut.depth={depth}", f'cut.rival_response="{response}"']
            result = cache.run(SCENARIO, reps=size["reps"], seed=size["seed"], overrides=overrides)
            summary = result.summary.filter(pl.col("metric").is_in(list(METRICS)))
            frames.append(mean_ci(summary, ["metric"], "value").with_columns(
                pl.lit(response).alias("rival_response"), pl.lit(float(depth)).alias("depth")))
    return {NAME: pl.concat(frames).select("rival_response", "depth", pl.exclude("rival_response", "depth"))
            .sort("metric", "rival_response", "depth")}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    table = frames[NAME]
    figure = Figure(figsize=(12, 4.4))
    panels = figure.subplots(1, 2)
    for axes, (metric, label), scale in zip(panels, list(METRICS.items())[:2], (100.0, 1.0)):
        for response, name in RESPONSES.items():
            part = table.filter((pl.col("metric") == metric) & (pl.col("rival_response") == response)).sort("depth")
            if part.is_empty():
                continue
            depth = 100.0 * part["depth"].to_numpy()
            line, = axes.plot(depth, scale * part["mean"].to_numpy(), marker="o", label=name)
            axes.fill_between(depth, scale * part["ci_low"].to_numpy(), scale * part["ci_high"].to_numpy(),
                              color=line.get_color(), alpha=0.2, linewidth=0)
        axes.axhline(0.0, color="black", linewidth=0.8)
        axes.set_xlabel("cut of compute and storage list prices in 2024Q1 (%)")
        axes.set_ylabel(f"{label}, cut minus no cut")
        axes.legend(frameon=False)
    panels[0].set_title("(a) Alibaba revenue share in the final quarter")
    panels[1].set_title("(b) Alibaba NPV to the final quarter")
    figure.suptitle("Cut depth against rivals' responses, paired with the same market without the cut, 95% CI")
    figure.tight_layout()
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
