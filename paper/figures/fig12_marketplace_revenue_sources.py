"""Figure 12 (issue 23, figure (b)): the platform's revenue per day by source (take rate, ads, agent-access
fees, its direct AI service) against the share of AI buyer agents, simulated means with 95% intervals.

The marketplace model (`scenarios/marketplace_today.toml`, equilibrium pricing) with every revenue source on,
by overrides (all assumptions, for illustration): 3 of the 10 merchants buy the ad slot at 0.002 per human
visit shown it first (ads reach humans only), merchants pay an agent-access levy of 0.001 per agent visit,
and 5% of visits buy one use of the platform's direct AI service at 0.01. Each agent share runs on the same
seed (common random numbers). Shown in the paper's section on AI platforms
(`paper/typst/sections/marketplace_ai.typ`). Writes `fig12_marketplace_revenue_sources.png`, `.pdf` and `.csv`.
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

NAME = "fig12_marketplace_revenue_sources"
SCENARIO = SCENARIOS / "marketplace_today.toml"
SEED = 20261201
#: metric -> label: the platform's revenue by source, then the total
SOURCES = {"platform_revenue_per_day": "take rate", "ad_revenue_per_day": "ads (humans only)",
           "agent_access_revenue_per_day": "agent-access fees (merchants pay)",
           "direct_service_revenue_per_day": "direct AI service"}
TOTAL = "platform_total_revenue_per_day"
#: the revenue sources switched on (assumptions, see the docstring)
REVENUE_OVERRIDES = ["ads.advertisers=3", "ads.price_per_impression=0.002", "fees.agent_access_fee_per_visit=0.001",
                     'fees.agent_access_fee_payer="merchants"', "fees.direct_service_uptake=0.05",
                     "fees.direct_service_price_per_use=0.01"]
# full: 10 agent shares, 10 replications of the scenario's 365 days; quick: 3 shares, 2 replications of 20 days
FULL = {"agent_shares": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9), "reps": 10, "horizon_days": None}
QUICK = {"agent_shares": (0.1, 0.5, 0.9), "reps": 2, "horizon_days": 20.0}


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    size = QUICK if cache.quick else FULL
    rows = []
    for mu in size["agent_shares"]:
        overrides = [f"buyers.agent_share={mu!r}", *REVENUE_OVERRIDES]
        if size["horizon_days"] is not None:
            overrides.append(f"run.horizon_days={size['horizon_days']!r}")
        result = cache.run(SCENARIO, reps=size["reps"], seed=SEED, overrides=overrides)
        summary = result.summary.filter(pl.col("metric").is_in([*SOURCES, TOTAL]))
        for row in mean_ci(summary, ["metric"], "value").iter_rows(named=True):
            rows.append({"agent_share": mu, "metric": row["metric"], "n": row["n"], "simulated_mean": row["mean"],
                         "ci_low": row["ci_low"], "ci_high": row["ci_high"]})
    return {NAME: pl.DataFrame(rows)}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    numbers = frames[NAME]
    reps = int(numbers["n"].max())
    figure = Figure(figsize=(11, 4.4))
    panels = figure.subplots(1, 2)
    colours = dict(zip([TOTAL, *SOURCES], ("black", "tab:blue", "tab:orange", "tab:green", "tab:purple")))
    labels = {TOTAL: "total", **SOURCES}
    # left: the total and the take; right: the sources two orders of magnitude smaller
    for axes, metrics in ((panels[0], (TOTAL, "platform_revenue_per_day")), (panels[1], tuple(SOURCES)[1:])):
        for metric in metrics:
            part = numbers.filter(pl.col("metric") == metric).sort("agent_share")
            mean = part["simulated_mean"].to_numpy()
            error = np.vstack([mean - part["ci_low"].to_numpy(), part["ci_high"].to_numpy() - mean])
            axes.errorbar(part["agent_share"], mean, yerr=error, fmt="o-", color=colours[metric], markersize=3.5,
                          capsize=2, linewidth=1.0, label=labels[metric])
        axes.set_xlabel("share of buyers who are AI agents (mu)")
        axes.set_ylabel("platform revenue per day (price units, v = 1)")
        axes.legend(fontsize=8)
    figure.suptitle(f"Platform revenue by source against agent share ({reps} replications, 95% CIs)")
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
