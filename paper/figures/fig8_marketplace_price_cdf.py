"""Figure 8: the simulated distribution of posted prices against Stahl's (1989) closed-form CDF at one
interior point.

The marketplace model (`scenarios/marketplace_ai_buyers.toml`, agent share 0.4, with N = 5 merchants) is
run in equilibrium mode with every posted price recorded (each merchant draws a fresh price every day);
the empirical CDF of all merchant-days is drawn over F(p) = 1 - [(1 - mu)(rho - p) / (N mu (p - c))]^(1/(N-1))
(`sim.theory.search.stahl_cdf`, at the scenario's effective cost c / (1 - take rate)), with the
Kolmogorov-Smirnov distance and p-value (the draws are independent across merchants and days). Writes
`fig8_marketplace_price_cdf.png`, `.pdf`, `.csv` (the CDFs on a price grid) and
`fig8_marketplace_price_cdf_ks.csv`.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from scipy import stats  # noqa: E402

from paper.cache import ResultCache  # noqa: E402
from paper.figures._common import SCENARIOS, cli, figure_main  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.theory import search  # noqa: E402

NAME = "fig8_marketplace_price_cdf"
SCENARIO = SCENARIOS / "marketplace_ai_buyers.toml"
SEED = 20261201
MERCHANTS = 5
# full: 10 replications of the scenario's 365 days (18,250 prices); quick: 2 of 30 days (300 prices)
FULL = {"reps": 10, "horizon_days": None}
QUICK = {"reps": 2, "horizon_days": 30.0}
GRID_POINTS = 400


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    size = QUICK if cache.quick else FULL
    overrides = [f"market.merchants={MERCHANTS}", "pricing.record_prices=true"]
    if size["horizon_days"] is not None:
        overrides.append(f"run.horizon_days={size['horizon_days']!r}")
    result = cache.run(SCENARIO, reps=size["reps"], seed=SEED, overrides=overrides)
    config = load_scenario(SCENARIO, overrides).config
    eq = search.stahl_equilibrium(MERCHANTS, config.buyers.agent_share, config.buyers.human_search_cost,
                                  config.market.valuation, config.market.effective_cost)
    prices = np.sort(result.table("prices")["price"].to_numpy())
    grid = np.linspace(eq.lowest_price, eq.reservation_price, GRID_POINTS)
    empirical = np.searchsorted(prices, grid, side="right") / prices.size
    ks = stats.kstest(prices, lambda p: search.stahl_cdf(p, eq))
    cdfs = pl.DataFrame({"price": grid, "simulated_cdf": empirical, "stahl_cdf": search.stahl_cdf(grid, eq)})
    summary = pl.DataFrame({"merchants": [MERCHANTS], "agent_share": [config.buyers.agent_share],
                            "search_cost": [config.buyers.human_search_cost],
                            "effective_cost": [config.market.effective_cost], "regime": [eq.regime],
                            "reservation_price": [eq.reservation_price], "lowest_price": [eq.lowest_price],
                            "prices": [prices.size], "replications": [size["reps"]],
                            "ks_statistic": [float(ks.statistic)], "ks_pvalue": [float(ks.pvalue)],
                            "simulated_mean": [float(prices.mean())], "stahl_mean": [eq.mean_price]})
    return {NAME: cdfs, f"{NAME}_ks": summary}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    cdfs, summary = frames[NAME], frames[f"{NAME}_ks"].row(0, named=True)
    figure = Figure(figsize=(6.5, 4.4))
    axes = figure.subplots()
    axes.step(cdfs["price"], cdfs["simulated_cdf"], where="post", color="tab:red", linewidth=1.6,
              label=f"simulated ({summary['prices']:,} merchant-day prices)")
    axes.plot(cdfs["price"], cdfs["stahl_cdf"], color="k", linestyle="--", linewidth=1.0, label="Stahl F(p)")
    axes.set_xlabel("posted price (share of the buyer's valuation v)")
    axes.set_ylabel("cumulative share of posted prices")
    axes.set_title(f"N = {summary['merchants']}, agent share {summary['agent_share']:g}, search cost "
                   f"{summary['search_cost']:g}: KS distance {summary['ks_statistic']:.4f} (p = {summary['ks_pvalue']:.2f})",
                   fontsize=9)
    axes.legend(loc="lower right")
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
