"""Figure 13: AliExpress's retail price and orders against Cainiao's transfer markup, simulated over the linear
limit's closed form.

`cainiao_cost_plus.toml` (calibrated demand, deterministic) run for its first quarter at each transfer markup
m (transfer price w = c (1 + m)); AliExpress's price and orders come from the model's own optimiser. The closed
form of the linear limit: P = (a / b + w) / 2 and Q = (a - b w) / 2 (Spengler 1950; `sim.theory.io`), with a,
b and c read from the scenario. The standalone Cainiao's own transfer price (`cainiao_standalone_calibrated.
toml`) is marked at its implied markup w / c - 1. Writes `fig13_cainiao_markup.png`, `.pdf` and
`fig13_cainiao_markup.csv` (one row per markup, and one for standalone).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from paper.cache import ResultCache  # noqa: E402
from paper.figures._common import SCENARIOS, cli, figure_main  # noqa: E402
from sim.core.quarters import QUARTER_DAYS  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.theory.io import double_marginalisation_linear  # noqa: E402

NAME = "fig13_cainiao_markup"
COST_PLUS, STANDALONE = "cainiao_cost_plus.toml", "cainiao_standalone_calibrated.toml"
SEED = 2024
FULL = {"markups": [0.0, 0.02, 0.04, 0.06, 0.08, 0.10, 0.125, 0.15, 0.175, 0.2]}
QUICK = {"markups": [0.0, 0.1, 0.2]}
ONE_QUARTER = f"run.horizon_days={QUARTER_DAYS}"


def _first_quarter(cache: ResultCache, file: str, overrides: list[str]) -> dict:
    result = cache.run(SCENARIOS / file, reps=1, seed=SEED, overrides=[ONE_QUARTER, *overrides])
    return result.frame("quarterly").row(0, named=True)


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    demand = load_scenario(SCENARIOS / COST_PLUS).config.demand  # type: ignore[attr-defined]
    cost = load_scenario(SCENARIOS / COST_PLUS).config.cainiao.marginal_cost_rmb_per_parcel  # type: ignore[attr-defined]
    a, b = demand.group_intercept_m_parcels, demand.group_slope_m_parcels_per_rmb
    rows = []
    for markup in (QUICK if cache.quick else FULL)["markups"]:
        row = _first_quarter(cache, COST_PLUS, [f"cainiao.transfer_markup={markup}"])
        transfer = cost * (1.0 + markup)
        theory = double_marginalisation_linear(a / b, 1.0 / b, transfer)  # integrated at cost w: the retailer's response
        rows.append({"regime": "cost_plus", "markup": markup, "transfer_price": row["transfer_price_rmb_per_parcel"],
                     "retail_price": row["retail_price_rmb_per_order"], "orders_m": row["group_parcels_m"],
                     "retail_price_closed_form": theory.integrated_price,
                     "orders_m_closed_form": theory.integrated_quantity})
    row = _first_quarter(cache, STANDALONE, [])
    transfer = row["transfer_price_rmb_per_parcel"]
    theory = double_marginalisation_linear(a / b, 1.0 / b, transfer)
    rows.append({"regime": "standalone", "markup": transfer / cost - 1.0, "transfer_price": transfer,
                 "retail_price": row["retail_price_rmb_per_order"], "orders_m": row["group_parcels_m"],
                 "retail_price_closed_form": theory.integrated_price, "orders_m_closed_form": theory.integrated_quantity})
    frame = pl.DataFrame(rows).with_columns(
        ((pl.col("retail_price") / pl.col("retail_price_closed_form") - 1.0).abs()).alias("retail_price_error"),
        ((pl.col("orders_m") / pl.col("orders_m_closed_form") - 1.0).abs()).alias("orders_error"))
    return {NAME: frame}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    frame = frames[NAME]
    cost_plus, standalone = frame.filter(pl.col("regime") == "cost_plus"), frame.filter(pl.col("regime") == "standalone")
    figure = Figure(figsize=(10, 4.2))
    for axes, simulated, closed, unit in zip(figure.subplots(1, 2), ("retail_price", "orders_m"),
                                             ("retail_price_closed_form", "orders_m_closed_form"),
                                             ("AliExpress's price (RMB per order)", "AliExpress's orders "
                                              "(million per quarter)"), strict=True):
        axes.plot(100 * cost_plus["markup"], cost_plus[closed], color="k", linewidth=1, label="closed form")
        axes.plot(100 * cost_plus["markup"], cost_plus[simulated], "o", color="C0", label="simulated, cost plus")
        axes.plot(100 * standalone["markup"], standalone[simulated], "*", color="C3", markersize=12,
                  label="simulated, standalone's own price")
        axes.set_xlabel("transfer markup over Cainiao's marginal cost (%)")
        axes.set_ylabel(unit)
        axes.legend(fontsize=8)
    figure.suptitle("The first quarter of the calibrated scenarios (deterministic linear limit)", fontsize=10)
    figure.tight_layout()
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
