"""Figure 15: where running Cainiao as infrastructure loses. The group's profit under infrastructure minus
standalone, both wholly owned, against the capacity cost per parcel, for third-party markets from none to four
times the calibrated one.

Each point is the first quarter of `cainiao_infrastructure.toml` and of `cainiao_standalone_calibrated.toml`
(calibrated demand, deterministic) at `cainiao.ownership_share = 1`, with the capacity cost and
`demand.third_party_scale` set by overrides: a grid over the sweep file
`scenarios/sweeps/cainiao_markup_demand_capacity.toml`'s third-party range, with capacity costs up to the
group's margin. Infrastructure transfers at marginal cost, so AliExpress's price leaves out the capacity cost
the group pays; standalone prices it in. By hand (deterministic linear limit, equal choke prices, so third
parties pay the same price in both regimes): the gain is (b/16)(x - 3 c_K)(x + c_K), x = a/b - c, which
turns negative above c_K = x/3 whatever the third-party market. Writes `fig15_cainiao_where_infrastructure_
loses.png`, `.pdf` and `.csv` (one row per capacity cost and third-party scale, with the closed form).
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

NAME = "fig15_cainiao_where_infrastructure_loses"
INFRASTRUCTURE, STANDALONE = "cainiao_infrastructure.toml", "cainiao_standalone_calibrated.toml"
SEED = 2024
#: capacity costs as shares of the group's margin at cost, x = a/b - c (the infrastructure regime buys no
#: capacity from x/2 on), and third parties' market as multiples of the calibrated one (the sweep file's range)
FULL = {"cost_shares": [0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45], "scales": [0.0, 1.0, 2.0, 4.0]}
QUICK = {"cost_shares": [0.0, 0.2, 0.4], "scales": [0.0, 4.0]}


def _profit(cache: ResultCache, file: str, capacity_cost: float, scale: float) -> float:
    overrides = [f"run.horizon_days={QUARTER_DAYS}", "cainiao.ownership_share=1.0",
                 f"cainiao.capacity_cost_rmb_per_parcel_quarter={capacity_cost!r}", f"demand.third_party_scale={scale!r}"]
    result = cache.run(SCENARIOS / file, reps=1, seed=SEED, overrides=overrides)
    return float(result.frame("quarterly")["consolidated_profit_rmb_m"][0])


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    config = load_scenario(SCENARIOS / STANDALONE).config
    demand, cost = config.demand, config.cainiao.marginal_cost_rmb_per_parcel  # type: ignore[attr-defined]
    a, b = demand.group_intercept_m_parcels, demand.group_slope_m_parcels_per_rmb
    margin = a / b - cost
    size = QUICK if cache.quick else FULL
    rows = []
    for share in size["cost_shares"]:
        capacity_cost = share * margin
        for scale in size["scales"]:
            gain = _profit(cache, INFRASTRUCTURE, capacity_cost, scale) - _profit(cache, STANDALONE, capacity_cost, scale)
            rows.append({"capacity_cost_rmb_per_parcel": capacity_cost, "capacity_cost_share_of_margin": share,
                         "third_party_scale": scale, "gain_rmb_m_per_quarter": gain,
                         "gain_closed_form": b / 16.0 * (margin - 3.0 * capacity_cost) * (margin + capacity_cost),
                         "threshold_rmb_per_parcel": margin / 3.0})
    return {NAME: pl.DataFrame(rows)}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    frame = frames[NAME]
    figure = Figure(figsize=(7.5, 4.4))
    axes = figure.subplots()
    for index, scale in enumerate(sorted(frame["third_party_scale"].unique())):
        part = frame.filter(pl.col("third_party_scale") == scale).sort("capacity_cost_rmb_per_parcel")
        axes.plot(part["capacity_cost_rmb_per_parcel"], part["gain_rmb_m_per_quarter"], "o",
                  color=f"C{index}", label=f"simulated, third parties x {scale:g}", markersize=8 - 1.5 * index)
    closed = frame.filter(pl.col("third_party_scale") == frame["third_party_scale"].min()).sort(
        "capacity_cost_rmb_per_parcel")
    axes.plot(closed["capacity_cost_rmb_per_parcel"], closed["gain_closed_form"], color="k", linewidth=1,
              label="closed form (b/16)(x - 3 c_K)(x + c_K)")
    threshold = frame["threshold_rmb_per_parcel"][0]
    axes.axvline(threshold, color="k", linestyle=":", linewidth=1)
    axes.axvspan(threshold, frame["capacity_cost_rmb_per_parcel"].max(), color="C3", alpha=0.08,
                 label="infrastructure loses")
    axes.axhline(0.0, color="k", linewidth=0.8)
    axes.set_xlabel("capacity cost (RMB per parcel per quarter)")
    axes.set_ylabel("group profit, infrastructure minus standalone\n(RMB m per quarter, both wholly owned)")
    axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
