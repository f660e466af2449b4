"""Figure 3: when does a price cut pay back? Difference in cumulative contribution less capex
of each cut against the status quo.

Each cut scenario and the status quo run with the same seed and replications (common random numbers), so
replication k of both sees the same workloads and tastes. `sim.models.cloud.payback.payback_table` gives,
per quarter, the paired difference in Alibaba's cumulative contribution less capex (cut minus status quo,
RMB bn) and its 95% paired-t interval; the payback quarter (`payback_quarter`) is the first quarter whose interval lies above 0.
Writes `fig3_cloud_payback.png`, `.pdf`, `fig3_cloud_payback.csv` (one row per scenario and quarter) and
`fig3_cloud_payback_quarters.csv` (one row per scenario: the payback quarter, or empty if none).
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
from paper.figures._common import cli, figure_main  # noqa: E402
from paper.figures.fig2_cloud_share_paths import quarter_ticks, run_scenario  # noqa: E402
from sim.core.results import RunResult  # noqa: E402
from sim.models.cloud.payback import payback_quarter, payback_table  # noqa: E402

NAME = "fig3_cloud_payback"
QUARTERS = f"{NAME}_quarters"
STATUS_QUO = "cloud_status_quo.toml"
CUTS = {"2024 cut": "cloud_price_cut_2024.toml", "LLM API cut only": "cloud_llm_api_cut.toml",
        "rivals best-respond": "cloud_rivals_best_respond.toml"}


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    return numbers(run_scenario(cache, STATUS_QUO), {label: run_scenario(cache, file) for label, file in CUTS.items()})


def numbers(status_quo: RunResult, cuts: Mapping[str, RunResult]) -> dict[str, pl.DataFrame]:
    """The figure's tables from finished runs: the status quo and each cut (label -> run, same seed)."""
    tables, paybacks = [], []
    for label, cut in cuts.items():
        tables.append(payback_table(cut, status_quo).with_columns(pl.lit(label).alias("scenario")))
        last = tables[-1].sort("quarter").tail(1)
        paybacks.append({"scenario": label, "payback_quarter": payback_quarter(cut, status_quo) or "",
                         "final_quarter": last["quarter_label"][0], "n": int(last["n"][0]),
                         "final_difference_rmb_bn": last["difference_rmb_bn"][0],
                         "final_ci_low": last["ci_low"][0], "final_ci_high": last["ci_high"][0]})
    return {NAME: pl.concat(tables).select("scenario", pl.exclude("scenario")), QUARTERS: pl.DataFrame(paybacks)}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    numbers, summary = frames[NAME], frames[QUARTERS]
    labels = numbers.select("quarter", "quarter_label").unique().sort("quarter")["quarter_label"].to_list()
    figure = Figure(figsize=(9, 4.8))
    axes = figure.subplots()
    for index, row in enumerate(summary.iter_rows(named=True)):
        part = numbers.filter(pl.col("scenario") == row["scenario"]).sort("quarter")
        color = f"C{index + 1}"  # the same colours as figure 2
        axes.plot(part["quarter"], part["difference_rmb_bn"], color=color, label=row["scenario"])
        axes.fill_between(part["quarter"], part["ci_low"], part["ci_high"], color=color, alpha=0.2)
        if row["payback_quarter"]:
            q = labels.index(row["payback_quarter"])
            axes.axvline(q, color=color, linestyle=":", linewidth=1.2)
            axes.annotate(f"payback {row['payback_quarter']}", (q, 0), textcoords="offset points",
                          xytext=(3, 8 + 12 * index), fontsize=8, color=color)
    axes.axhline(0.0, color="k", linewidth=0.8)
    axes.set_ylabel("cumulative contribution less capex, cut minus status quo (RMB bn)")
    quarter_ticks(axes, labels)
    # the years before any cut are identical histories (differences of zero): start a year before the first
    departed = numbers.filter(pl.col("difference_rmb_bn").abs() > 0)["quarter"]
    if departed.len():
        axes.set_xlim(max(int(departed.min()) - 4, 0) - 0.5, int(numbers["quarter"].max()) + 0.5)
    axes.set_title(f"Paired difference in Alibaba cumulative contribution less capex, "
                   f"95% paired-t CI, {summary['n'][0]} replications", fontsize=10)
    axes.legend(fontsize=8, loc="lower left")
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
