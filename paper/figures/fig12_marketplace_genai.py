"""Figure 12 (issue 23's figures (b), (e) and (c)): GenAI platforms in the marketplace model, simulated means or
paired differences with 95% intervals.

(a, b) The platform's revenue per day by source (take rate, ads, agent-access fees, its direct AI service)
against the share of AI buyer agents: `scenarios/marketplace_today.toml` (equilibrium pricing) with every
source on by overrides (assumptions, for illustration): 3 of the 10 merchants buy the ad slot at 0.002 per
human visit shown it first (ads reach humans only), merchants pay an agent-access levy of 0.001 per agent
visit, and 5% of visits buy one use of the platform's direct AI service at 0.01.
(c, d) The DingTalk agent market (`marketplace_dingtalk_agents.toml`): the platform's own agent's share of
visits and consumer surplus per visit against the model-API price, one line per self-preferencing level.
(e) AI 1.0 against AI 2.0: paired differences (common random numbers, Bonferroni family-wise 95% CIs over the
figure's KPIs) of each strategy against the same base, in % of the base's mean, KPIs grouped by goal. Base:
`marketplace_rival_platform.toml` with a contact centre where people handle every contact and a population
of 100,000 buyers; AI 1.0: a bot resolves 60% of contacts (the merchant tools cannot be combined with a
rival); AI 2.0: the agent share doubles from 0.3 to 0.6, the platform's own merchant is ranked up by 0.5
utils, a direct AI service (5% of visits at 0.01, inference 0.002) and an agent-access levy of 0.001 paid by
merchants. All arms and points of a panel run on one seed. Shown in the paper's section on AI platforms
(`paper/typst/sections/marketplace_ai.typ`). Writes `fig12_marketplace_genai.png`, `.pdf`,
`fig12_marketplace_genai.csv` (revenue by source), `fig12_marketplace_genai_agent_market.csv` and
`fig12_marketplace_genai_strategies.csv`.
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
from paper.figures._common import LEVEL, SCENARIOS, cli, figure_main, mean_ci  # noqa: E402
from sim.core.stats import compare_tables  # noqa: E402

NAME = "fig12_marketplace_genai"
AGENT_MARKET = f"{NAME}_agent_market"
STRATEGIES = f"{NAME}_strategies"
SCENARIO = SCENARIOS / "marketplace_today.toml"
DINGTALK = SCENARIOS / "marketplace_dingtalk_agents.toml"
RIVAL = SCENARIOS / "marketplace_rival_platform.toml"
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
#: the agent market's metrics (panels c, d)
AGENT_METRICS = ("platform_agent_share", "consumer_surplus_per_visit")
#: the strategies' base and arms (assumptions, see the docstring)
BASE = ["service.contact_share_per_order=0.05", "service.human_agents=1", "service.handling_minutes=6.0",
        "service.human_agent_cost_per_hour=0.3", "service.bot_cost_per_contact=0.002", "buyers.population=100000.0"]
ARMS = {"AI 1.0": ["service.bot_resolution_share=0.6"],
        "AI 2.0": ["buyers.agent_share=0.6", "agent_market.self_preferencing=0.5", "fees.direct_service_uptake=0.05",
                   "fees.direct_service_price_per_use=0.01", "fees.direct_service_cost_per_use=0.002",
                   "fees.agent_access_fee_per_visit=0.001", 'fees.agent_access_fee_payer="merchants"']}
#: goal -> the KPIs of panel (e), metric -> label
GOALS = {"growth": {"gmv_per_day": "GMV per day", "purchases_per_buyer_year": "purchases per buyer-year",
                    "active_buyers": "active buyers"},
         "operating performance": {"platform_cost_per_order": "cost per order",
                                   "service_cost_per_contact": "cost per contact",
                                   "contact_wait_minutes": "contact-centre wait"},
         "moat": {"platform_purchase_share": "share of the category's purchases",
                  "single_homing_share": "single-homing share (1 - multi-homing)"},
         "buyers and revenue": {"consumer_surplus_per_visit": "consumer surplus per visit",
                                TOTAL: "platform revenue, all sources"}}
# full: 10 agent shares, 5 API prices x 3 self-preferencing levels, 10 replications of the scenarios' 365 days;
# quick: 3 shares, 2 x 2 agent-market points, 2 replications of 20 days
FULL = {"agent_shares": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9), "api_prices": (0.05, 0.25, 0.5, 1.0, 2.0),
        "self_preferencing": (0.0, 0.75, 1.5), "reps": 10, "horizon_days": None}
QUICK = {"agent_shares": (0.1, 0.5, 0.9), "api_prices": (0.05, 2.0), "self_preferencing": (0.0, 1.5), "reps": 2,
         "horizon_days": 20.0}


def _run(cache: ResultCache, scenario: Path, size: dict, overrides: list[str]):
    horizon = [] if size["horizon_days"] is None else [f"run.horizon_days={size['horizon_days']!r}"]
    return cache.run(scenario, reps=size["reps"], seed=SEED, overrides=[*overrides, *horizon])


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    size = QUICK if cache.quick else FULL
    rows = []
    for mu in size["agent_shares"]:
        result = _run(cache, SCENARIO, size, [f"buyers.agent_share={mu!r}", *REVENUE_OVERRIDES])
        summary = result.summary.filter(pl.col("metric").is_in([*SOURCES, TOTAL]))
        for row in mean_ci(summary, ["metric"], "value").iter_rows(named=True):
            rows.append({"agent_share": mu, "metric": row["metric"], "n": row["n"], "simulated_mean": row["mean"],
                         "ci_low": row["ci_low"], "ci_high": row["ci_high"]})
    agent_rows = []
    for price in size["api_prices"]:
        for bonus in size["self_preferencing"]:
            result = _run(cache, DINGTALK, size, [f"agent_market.api_price_per_million_tokens={price!r}",
                                                  f"agent_market.self_preferencing={bonus!r}"])
            summary = result.summary.filter(pl.col("metric").is_in(list(AGENT_METRICS)))
            for row in mean_ci(summary, ["metric"], "value").iter_rows(named=True):
                agent_rows.append({"api_price_per_million_tokens": price, "self_preferencing": bonus,
                                   "metric": row["metric"], "n": row["n"], "simulated_mean": row["mean"],
                                   "ci_low": row["ci_low"], "ci_high": row["ci_high"]})
    kpis = [metric for goal in GOALS.values() for metric in goal]
    results = {"base": _run(cache, RIVAL, size, BASE)}
    results.update({arm: _run(cache, RIVAL, size, [*BASE, *overrides]) for arm, overrides in ARMS.items()})
    chosen = pl.col("metric").is_in(kpis)
    comparison = compare_tables({name: result.summary.filter(chosen) for name, result in results.items()},
                                baseline="base", level=LEVEL, family_wise=True)
    goal_of = {metric: goal for goal, metrics in GOALS.items() for metric in metrics}
    relative = pl.col("mean_baseline") != 0.0
    strategies = comparison.with_columns(
        pl.col("metric").replace_strict(goal_of).alias("goal"),
        *(pl.when(relative).then(100.0 * pl.col(c) / pl.col("mean_baseline").abs()).otherwise(None)
          .alias(f"{c}_pct") for c in ("difference", "ci_low", "ci_high")))
    return {NAME: pl.DataFrame(rows), AGENT_MARKET: pl.DataFrame(agent_rows), STRATEGIES: strategies}


def _errorbars(axes, x, frame: pl.DataFrame, **style) -> None:
    mean = frame["simulated_mean"].to_numpy()
    error = np.vstack([mean - frame["ci_low"].to_numpy(), frame["ci_high"].to_numpy() - mean])
    axes.errorbar(x, mean, yerr=error, fmt="o-", markersize=3.5, capsize=2, linewidth=1.0, **style)


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    numbers, agent_market, strategies = frames[NAME], frames[AGENT_MARKET], frames[STRATEGIES]
    reps = int(numbers["n"].max())
    figure = Figure(figsize=(11, 13.5), layout="constrained")
    panels = figure.subplot_mosaic([["a", "b"], ["c", "d"], ["e", "e"]], height_ratios=[1.0, 1.0, 1.3])
    colours = dict(zip([TOTAL, *SOURCES], ("black", "tab:blue", "tab:orange", "tab:green", "tab:purple")))
    labels = {TOTAL: "total", **SOURCES}
    # (a) the total and the take; (b) the sources two orders of magnitude smaller
    for key, metrics in (("a", (TOTAL, "platform_revenue_per_day")), ("b", tuple(SOURCES)[1:])):
        axes = panels[key]
        for metric in metrics:
            part = numbers.filter(pl.col("metric") == metric).sort("agent_share")
            _errorbars(axes, part["agent_share"], part, color=colours[metric], label=labels[metric])
        axes.set_xlabel("share of buyers who are AI agents (mu)")
        axes.set_ylabel("platform revenue per day (price units, v = 1)")
        axes.legend(fontsize=8)
    panels["a"].set_title(f"(a) revenue per day, total and take ({reps} replications)", fontsize=10)
    panels["b"].set_title("(b) revenue per day, the other sources", fontsize=10)
    # (c, d) the agent market against the API price, one line per self-preferencing level
    for key, metric, label in (("c", "platform_agent_share", "platform's own agent: purchases per visit"),
                               ("d", "consumer_surplus_per_visit", "consumer surplus per visit (price units)")):
        axes = panels[key]
        for bonus in sorted(agent_market["self_preferencing"].unique().to_list()):
            part = agent_market.filter((pl.col("metric") == metric) & (pl.col("self_preferencing") == bonus)) \
                .sort("api_price_per_million_tokens")
            _errorbars(axes, part["api_price_per_million_tokens"], part, label=f"self-preferencing {bonus:g} utils")
        axes.set_xscale("log")
        axes.set_xlabel("model-API price (price units per million tokens, log scale)")
        axes.set_ylabel(label)
        axes.legend(fontsize=8)
    panels["c"].set_title("(c) DingTalk agent market: the platform's agent's share", fontsize=10)
    panels["d"].set_title("(d) DingTalk agent market: consumer surplus", fontsize=10)
    # (e) AI 1.0 against AI 2.0, paired differences by goal
    axes = panels["e"]
    kpis = [(goal, metric, label) for goal, metrics in GOALS.items() for metric, label in metrics.items()]
    rows = np.arange(len(kpis))[::-1]
    for offset, (arm, colour) in zip((0.15, -0.15), (("AI 1.0", "tab:blue"), ("AI 2.0", "tab:red"))):
        part = strategies.filter(pl.col("scenario") == arm)
        values = {row["metric"]: row for row in part.iter_rows(named=True)}
        mean = np.array([values[m]["difference_pct"] if values[m]["difference_pct"] is not None else np.nan
                         for _, m, _ in kpis], dtype=float)
        low = np.array([values[m]["ci_low_pct"] if values[m]["ci_low_pct"] is not None else np.nan
                        for _, m, _ in kpis], dtype=float)
        high = np.array([values[m]["ci_high_pct"] if values[m]["ci_high_pct"] is not None else np.nan
                         for _, m, _ in kpis], dtype=float)
        axes.errorbar(mean, rows + offset, xerr=np.vstack([mean - low, high - mean]), fmt="o", capsize=3,
                      color=colour, label=arm)
    axes.set_yticks(rows, [f"{goal}: {label}" for goal, _, label in kpis], fontsize=8)
    axes.axvline(0.0, color="k", linewidth=0.8)
    axes.set_xscale("symlog", linthresh=1.0)
    axes.set_xlabel("strategy minus base (% of the base's mean; symmetric log scale)")
    level = float(strategies["family_level"][0]) if "family_level" in strategies.columns else LEVEL
    axes.set_title(f"(e) AI 1.0 against AI 2.0 by goal: paired differences, {level:.0%} family-wise CIs",
                   fontsize=10)
    axes.legend(fontsize=8)
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
