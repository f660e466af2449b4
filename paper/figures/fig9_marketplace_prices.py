"""Figure 9: mean posted price and mean price paid against the share of AI buyer agents, for 2, 5 and 20
merchants, simulated with 95% intervals over Stahl's (1989) closed forms.

The marketplace model (`scenarios/marketplace_today.toml`, equilibrium pricing: every merchant draws its
price each day from Stahl's distribution) is run at each agent share mu and merchant count N by overriding
`buyers.agent_share` and `market.merchants`; every run uses the same seed (common random numbers). The
curves are E[p] = c + (rho - c) I (posted, and what humans pay) and (1 - mu) E[p] + mu E[min of N] (the
average paid), at the scenario's valuation, search cost and effective cost c / (1 - take rate)
(`sim.theory.search`). Writes `fig9_marketplace_prices.png`, `.pdf` and `.csv`.
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
from sim.scenario import load_scenario  # noqa: E402
from sim.theory import search  # noqa: E402

NAME = "fig9_marketplace_prices"
SCENARIO = SCENARIOS / "marketplace_today.toml"
SEED = 20261201
METRICS = ("mean_posted_price", "mean_price_paid")
# full: 11 agent shares x 3 merchant counts, 10 replications of the scenario's 365 days; quick: 3 x 3 x 2 x 20 days
FULL = {"agent_shares": (0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9), "merchants": (2, 5, 20),
        "reps": 10, "horizon_days": None}
QUICK = {"agent_shares": (0.1, 0.5, 0.9), "merchants": (2, 5, 20), "reps": 2, "horizon_days": 20.0}


def parameters() -> dict[str, float]:
    """Valuation, search cost and effective cost of the scenario (what the closed forms need)."""
    config = load_scenario(SCENARIO).config
    return {"valuation": config.market.valuation, "search_cost": config.buyers.human_search_cost,
            "effective_cost": config.market.effective_cost}


def stahl_prices(merchants: int, agent_share: float, p: dict[str, float]) -> dict[str, float]:
    eq = search.stahl_equilibrium(merchants, agent_share, p["search_cost"], p["valuation"], p["effective_cost"])
    return {"mean_posted_price": eq.mean_price,
            "mean_price_paid": (1.0 - agent_share) * eq.mean_price + agent_share * eq.mean_min_price,
            "regime": eq.regime}


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    size = QUICK if cache.quick else FULL
    p = parameters()
    rows = []
    for merchants in size["merchants"]:
        for mu in size["agent_shares"]:
            overrides = [f"market.merchants={merchants}", f"buyers.agent_share={mu!r}"]
            if size["horizon_days"] is not None:
                overrides.append(f"run.horizon_days={size['horizon_days']!r}")
            result = cache.run(SCENARIO, reps=size["reps"], seed=SEED, overrides=overrides)
            summary = result.summary.filter(pl.col("metric").is_in(METRICS))
            theory = stahl_prices(merchants, mu, p)
            for row in mean_ci(summary, ["metric"], "value").iter_rows(named=True):
                value = theory[row["metric"]]
                rows.append({"merchants": merchants, "agent_share": mu, "metric": row["metric"], "n": row["n"],
                             "simulated_mean": row["mean"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
                             "stahl": value, "regime": theory["regime"],
                             "theory_inside_ci": bool(row["ci_low"] <= value <= row["ci_high"]), **p})
    return {NAME: pl.DataFrame(rows)}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    numbers = frames[NAME]
    p = {key: float(numbers[key][0]) for key in ("valuation", "search_cost", "effective_cost")}
    reps = int(numbers["n"].max())
    figure = Figure(figsize=(11, 4.4))
    panels = figure.subplots(1, 2, sharey=True)
    grid = np.linspace(0.01, 0.99, 197)
    for axes, metric, label in ((panels[0], "mean_posted_price", "mean posted price"),
                                (panels[1], "mean_price_paid", "mean price paid (humans and agents)")):
        for colour, merchants in zip(("tab:blue", "tab:orange", "tab:green"), sorted(numbers["merchants"].unique())):
            curve = [stahl_prices(merchants, mu, p)[metric] for mu in grid]
            axes.plot(grid, curve, color=colour, linewidth=1.2, label=f"Stahl, N = {merchants}")
            part = numbers.filter((pl.col("metric") == metric) & (pl.col("merchants") == merchants)).sort("agent_share")
            mean = part["simulated_mean"].to_numpy()
            error = np.vstack([mean - part["ci_low"].to_numpy(), part["ci_high"].to_numpy() - mean])
            axes.errorbar(part["agent_share"], mean, yerr=error, fmt="o", color=colour, markersize=3.5, capsize=2,
                          label=f"simulated, N = {merchants}")
        axes.axhline(p["effective_cost"], color="0.5", linestyle=":", linewidth=1.0,
                     label="effective cost c / (1 - take rate)")
        axes.set_xlabel("share of buyers who are AI agents (mu)")
        axes.set_ylabel("price (share of the buyer's valuation v)")
        axes.set_title(label)
    panels[0].legend(loc="upper right", fontsize=7, ncol=2)
    figure.suptitle(f"Marketplace prices against agent share: simulated means, 95% CIs ({reps} replications), "
                    f"over Stahl (1989); search cost {p['search_cost']:g}")
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
