"""Figure 17: the five-day promise under each regime. `cainiao_promise.toml` (the calibrated standalone Cainiao
with the promise's worth and cost derived from the logistics model) run for one deterministic quarter, wholly
owned, under standalone, infrastructure and cost plus (at the cost-plus scenario's markup), each with the promise
and without it (`promise.value_max_rmb_per_order = 0`), through the paper's cache.

(a) The share of AliExpress's orders it promises, against the theory's 1 - w_p / V at the promise price the run
charged (AliExpress promises exactly the orders worth more than the promise price; tests/models/cainiao/
test_promise.py). (b) What the promise adds, each regime against itself without it: AliExpress's orders
(percent), the group's profit and shoppers' surplus (RMB m a quarter). Writes `fig17_cainiao_promise.png`,
`.pdf` and `fig17_cainiao_promise.csv` (one row per regime).
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
from paper.figures._common import SCENARIOS, cli, figure_main  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

NAME = "fig17_cainiao_promise"
SCENARIO = SCENARIOS / "cainiao_promise.toml"
REGIMES = {"standalone": "standalone", "infrastructure": "infrastructure", "cost_plus": "cost plus"}
#: one quarter, wholly owned (no profit leaks to minority holders)
COMMON = ["run.horizon_days=91.25", "cainiao.ownership_share=1.0"]


def _quarter(cache: ResultCache, regime: str, markup: float, promise: bool) -> dict:
    overrides = [*COMMON, f'cainiao.regime="{regime}"', f"cainiao.transfer_markup={markup}"]
    if not promise:
        overrides.append("promise.value_max_rmb_per_order=0")
    return cache.run(SCENARIO, reps=1, seed=1, overrides=overrides).frame("quarterly").row(0, named=True)


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    config = load_scenario(SCENARIO).config
    value_max = config.promise.value_max_rmb_per_order  # type: ignore[attr-defined]
    markup = load_scenario(SCENARIOS / "cainiao_cost_plus.toml").config.cainiao.transfer_markup  # type: ignore[attr-defined]
    rows = []
    for regime, label in REGIMES.items():
        with_promise, without = (_quarter(cache, regime, markup, promise) for promise in (True, False))
        rows.append({
            "regime": label, "transfer_markup": markup if regime == "cost_plus" else None,
            "transfer_price_rmb_per_parcel": with_promise["transfer_price_rmb_per_parcel"],
            "promise_price_rmb_per_parcel": with_promise["promise_price_rmb_per_parcel"],
            "promised_share": with_promise["promised_share"],
            "promised_share_theory": 1.0 - with_promise["promise_price_rmb_per_parcel"] / value_max,
            "value_max_rmb_per_order": value_max,
            "orders_m": with_promise["group_parcels_m"], "orders_without_promise_m": without["group_parcels_m"],
            "orders_gain_share": with_promise["group_parcels_m"] / without["group_parcels_m"] - 1.0,
            "group_profit_gain_rmb_m": with_promise["consolidated_profit_rmb_m"] - without["consolidated_profit_rmb_m"],
            "cainiao_profit_gain_rmb_m": with_promise["cainiao_profit_rmb_m"] - without["cainiao_profit_rmb_m"],
            "shoppers_surplus_gain_rmb_m": with_promise["consumer_surplus_rmb_m"] - without["consumer_surplus_rmb_m"]})
    return {NAME: pl.DataFrame(rows)}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    frame = frames[NAME]
    figure = Figure(figsize=(10.0, 4.0))
    share, gains = figure.subplots(1, 2)
    x = np.arange(frame.height)
    share.bar(x, 100.0 * frame["promised_share"].to_numpy(), color="C0", width=0.6, label="simulated")
    share.plot(x, 100.0 * frame["promised_share_theory"].to_numpy(), "k_", markersize=30, markeredgewidth=2,
               label="theory: 1 - w_p / V")
    share.set_xticks(x, frame["regime"].to_list())
    share.set_ylabel("orders promised (%)")
    share.set_title("(a) the share of orders AliExpress promises", fontsize=9)
    share.legend(fontsize=8, loc="lower center")
    width = 0.27
    for offset, (column, label, colour) in zip((-width, 0.0, width), (
            ("group_profit_gain_rmb_m", "group profit (RMB m)", "C2"),
            ("shoppers_surplus_gain_rmb_m", "shoppers' surplus (RMB m)", "C1"),
            ("cainiao_profit_gain_rmb_m", "Cainiao's profit (RMB m)", "C4"))):
        gains.bar(x + offset, frame[column].to_numpy(), width=width, color=colour, label=label)
    gains.axhline(0.0, color="k", linewidth=0.8)
    gains.set_xticks(x, [f"{regime}\norders {100.0 * gain:+.1f}%"
                         for regime, gain in zip(frame["regime"], frame["orders_gain_share"])])
    gains.set_ylabel("with the promise minus without (a quarter)")
    gains.set_title("(b) what the promise adds, each regime against itself", fontsize=9)
    gains.legend(fontsize=8)
    figure.tight_layout()
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
