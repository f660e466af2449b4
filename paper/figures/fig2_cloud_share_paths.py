"""Figure 2: Alibaba's revenue share of China public cloud by scenario, and the rivals' price responses.

Runs the four cloud scenarios (status quo, the 2024 cut, the LLM-API cut alone, rivals best-responding) with
the same seed and replications (common random numbers). Panel (a): Alibaba's revenue share per quarter, mean
across replications with a 95% t band. Panel (b): each rival's compute-price index per quarter in the
2024-cut scenario (rivals follow their observed rules) and with rivals best-responding (Huawei, Tencent and
Baidu re-price to their static best response from 2024Q1). Panel (a) also shows Alibaba's published shares
(Canalys, `docs/sources/cloud_published.csv`), the quarters `sim calibrate` holds out marked apart, and draws
each alternative scenario only from the quarter before it departs from the status quo (before that the four
scenarios are the same history). Writes `fig2_cloud_share_paths.png`, `.pdf`, `.csv` (scenario, provider,
quarter, series, mean, CI) and `fig2_cloud_share_paths_observed.csv` (the published shares, in or out of the
calibration sample).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from paper.cache import ResultCache  # noqa: E402
from paper.figures._common import SCENARIOS, cli, figure_main, mean_ci  # noqa: E402
from sim.core.results import RunResult  # noqa: E402
from sim.models.cloud.calibration import holdout_quarters, load_published  # noqa: E402

NAME = "fig2_cloud_share_paths"
OBSERVED = f"{NAME}_observed"
SCENARIO_FILES = {
    "status quo": "cloud_status_quo.toml",
    "2024 cut": "cloud_price_cut_2024.toml",
    "LLM API cut only": "cloud_llm_api_cut.toml",
    "rivals best-respond": "cloud_rivals_best_respond.toml",
}
RIVALS = ("huawei", "tencent", "baidu")
SEED = 2024
FULL = {"reps": 20, "overrides": []}
# quick: 2 replications and a 24-quarter horizon (2020Q1-2025Q4), which still covers the 2024 cuts
QUICK = {"reps": 2, "overrides": ["run.horizon_days=2190.0"]}


def run_scenario(cache: ResultCache, file: str) -> RunResult:
    """One cloud scenario at the size the cache asks for (figure 3 reads the same runs)."""
    size = QUICK if cache.quick else FULL
    return cache.run(SCENARIOS / file, reps=size["reps"], seed=SEED, overrides=size["overrides"])


def quarter_ticks(axes, labels: list[str]) -> None:
    ticks = [i for i, label in enumerate(labels) if label.endswith("Q1")]
    axes.set_xticks(ticks, [labels[i][:4] for i in ticks])
    axes.set_xlabel("quarter (ticks at Q1)")


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    return numbers({label: run_scenario(cache, file) for label, file in SCENARIO_FILES.items()})


def numbers(results: Mapping[str, RunResult]) -> dict[str, pl.DataFrame]:
    """The figure's tables from finished runs, one per scenario label (the keys of `SCENARIO_FILES`; a
    notebook passes the runs it was given)."""
    frames = []
    for label, result in results.items():
        quarterly = result.frame("quarterly")
        share = mean_ci(quarterly.filter(pl.col("provider") == "alibaba").sort("quarter"),
                        ["provider", "quarter", "quarter_label"], "revenue_share")
        frames.append(share.with_columns(pl.lit(label).alias("scenario"), pl.lit("revenue_share").alias("series")))
        price = mean_ci(quarterly.filter(pl.col("provider").is_in(RIVALS)).sort("provider", "quarter"),
                        ["provider", "quarter", "quarter_label"], "price_compute")
        frames.append(price.with_columns(pl.lit(label).alias("scenario"), pl.lit("price_compute").alias("series")))
    table = pl.concat(frames).select("scenario", "series", "provider", "quarter", "quarter_label", "n", "mean",
                                     "sd", "ci_low", "ci_high", "level")
    return {NAME: table, OBSERVED: observed_shares(table)}


def observed_shares(table: pl.DataFrame) -> pl.DataFrame:
    """Alibaba's published shares (`docs/sources/cloud_published.csv`) at the quarters `table` simulates, in or
    out of the calibration sample (`calibration.holdout_quarters`)."""
    quarters = table.select("quarter", "quarter_label").unique()
    return (holdout_quarters(load_published()).filter((pl.col("series") == "revenue_share")
                                                      & (pl.col("provider") == "alibaba"))
            .join(quarters, on="quarter_label", how="inner")
            .select("quarter", "quarter_label", "provider", pl.col("published").alias("revenue_share"), "sample")
            .sort("quarter"))


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    numbers = frames[NAME]
    reps = int(numbers["n"].max())
    labels = (numbers.select("quarter", "quarter_label").unique().sort("quarter")["quarter_label"].to_list())
    figure = Figure(figsize=(12.5, 4.6))
    panels = figure.subplots(1, 2)
    axes = panels[0]
    shares = numbers.filter(pl.col("series") == "revenue_share")
    status_quo = shares.filter(pl.col("scenario") == "status quo").select("quarter", pl.col("mean").alias("base"))
    for index, label in enumerate(SCENARIO_FILES):
        part = shares.filter(pl.col("scenario") == label).sort("quarter")
        departed = part.join(status_quo, on="quarter").filter(pl.col("mean") != pl.col("base"))["quarter"]
        if index and departed.len():  # an alternative: from the quarter before it departs from the status quo
            part = part.filter(pl.col("quarter") >= departed.min() - 1)
        axes.plot(part["quarter"], part["mean"] * 100, color=f"C{index}", label=label)
        axes.fill_between(part["quarter"], part["ci_low"] * 100, part["ci_high"] * 100, color=f"C{index}", alpha=0.2)
    observed = frames[OBSERVED]
    for sample, marker, name in (("in", "o", "published (Canalys)"), ("out", "s", "published, held out of the fit")):
        points = observed.filter(pl.col("sample") == sample)
        axes.scatter(points["quarter"], points["revenue_share"] * 100, marker=marker, s=22, zorder=3, label=name,
                     facecolors="black" if sample == "in" else "none", edgecolors="black")
    axes.set_ylabel("Alibaba revenue share (% of market revenue)")
    axes.set_title(f"(a) Alibaba revenue share, mean and 95% CI ({reps} replications)", fontsize=10)
    quarter_ticks(axes, labels)
    axes.legend(fontsize=8)

    axes = panels[1]
    for index, provider in enumerate(RIVALS):
        for label, style in (("2024 cut", "--"), ("rivals best-respond", "-")):
            part = numbers.filter((pl.col("scenario") == label) & (pl.col("series") == "price_compute")
                                  & (pl.col("provider") == provider)).sort("quarter")
            axes.plot(part["quarter"], part["mean"], style, color=f"C{index + 4}", label=f"{provider}, {label}")
            axes.fill_between(part["quarter"], part["ci_low"], part["ci_high"], color=f"C{index + 4}", alpha=0.15)
    axes.set_ylabel("rival compute price (index, Alibaba 2020 list = 1)")
    axes.set_title("(b) rival responses: observed rules (dashed) vs best response (solid)", fontsize=10)
    quarter_ticks(axes, labels)
    axes.legend(fontsize=7, ncol=2)
    figure.suptitle("China public cloud, 2020Q1 onwards: Alibaba price cuts and rival responses")
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
