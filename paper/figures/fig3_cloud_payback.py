"""Figure 3: when does a price cut pay back? Cumulative-profit difference of each cut against the status quo.

Each cut scenario and the status quo run with the same seed and replications (common random numbers), so
replication k of both sees the same workloads and tastes. `sim.models.cloud.payback.payback_table` gives,
per quarter, the paired difference in Alibaba's cumulative profit (cut minus status quo, RMB bn) and its 95%
paired-t interval; the payback quarter (`payback_quarter`) is the first quarter whose interval lies above 0.
Writes `fig3_cloud_payback.png`, `fig3_cloud_payback.csv` (one row per scenario and quarter) and
`fig3_cloud_payback_quarters.csv` (one row per scenario: the payback quarter, or empty if none).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402

import sim  # noqa: E402
from paper.figures._common import SCENARIOS, cli, save_figure, write_numbers  # noqa: E402
from paper.figures.fig2_cloud_share_paths import FULL, QUICK, SEED, quarter_ticks  # noqa: E402
from sim.models.cloud.payback import payback_quarter, payback_table  # noqa: E402

NAME = "fig3_cloud_payback"
STATUS_QUO = "cloud_status_quo.toml"
CUTS = {"2024 cut": "cloud_price_cut_2024.toml", "LLM API cut only": "cloud_llm_api_cut.toml",
        "rivals best-respond": "cloud_rivals_best_respond.toml"}


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    size = QUICK if quick else FULL
    status_quo = sim.run(SCENARIOS / STATUS_QUO, reps=size["reps"], seed=SEED, overrides=size["overrides"])
    tables, paybacks = [], []
    for label, file in CUTS.items():
        cut = sim.run(SCENARIOS / file, reps=size["reps"], seed=SEED, overrides=size["overrides"])
        tables.append(payback_table(cut, status_quo).with_columns(pl.lit(label).alias("scenario")))
        quarter = payback_quarter(cut, status_quo)
        last = tables[-1].sort("quarter").tail(1)
        paybacks.append({"scenario": label, "payback_quarter": quarter or "",
                         "final_quarter": last["quarter_label"][0], "n": int(last["n"][0]),
                         "final_difference_rmb_bn": last["difference_rmb_bn"][0],
                         "final_ci_low": last["ci_low"][0], "final_ci_high": last["ci_high"][0]})
    numbers = pl.concat(tables).select("scenario", pl.exclude("scenario"))
    summary = pl.DataFrame(paybacks)
    labels = numbers.select("quarter", "quarter_label").unique().sort("quarter")["quarter_label"].to_list()

    figure, axes = plt.subplots(figsize=(9, 4.8))
    for index, (label, row) in enumerate(zip(CUTS, paybacks)):
        part = numbers.filter(pl.col("scenario") == label).sort("quarter")
        color = f"C{index + 1}"  # the same colours as figure 2
        axes.plot(part["quarter"], part["difference_rmb_bn"], color=color, label=label)
        axes.fill_between(part["quarter"], part["ci_low"], part["ci_high"], color=color, alpha=0.2)
        if row["payback_quarter"]:
            q = labels.index(row["payback_quarter"])
            axes.axvline(q, color=color, linestyle=":", linewidth=1.2)
            axes.annotate(f"payback {row['payback_quarter']}", (q, 0), textcoords="offset points",
                          xytext=(3, 8 + 12 * index), fontsize=8, color=color)
    axes.axhline(0.0, color="k", linewidth=0.8)
    axes.set_ylabel("cumulative contribution less capex, cut minus status quo (RMB bn)")
    quarter_ticks(axes, labels)
    axes.set_title(f"Figure 3. Paired difference in Alibaba cumulative contribution less capex, "
                   f"95% paired-t CI, {summary['n'][0]} replications", fontsize=10)
    axes.legend(fontsize=8, loc="lower left")
    figure.tight_layout()
    return [save_figure(figure, out_dir, NAME), write_numbers(numbers, out_dir, NAME),
            write_numbers(summary, out_dir, f"{NAME}_quarters")]


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
