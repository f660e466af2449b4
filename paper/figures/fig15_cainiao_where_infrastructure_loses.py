"""Figure 15: where running Cainiao as infrastructure loses, located by a sweep. The group's profit under
infrastructure minus standalone, both wholly owned, at every point of the sweep file
`scenarios/sweeps/cainiao_where_infrastructure_loses.toml` (regime x third-party market x capacity cost, one
deterministic quarter of `cainiao_standalone_calibrated.toml`); each point runs through the paper's cache.

The region where infrastructure loses is what the sweep finds: per third-party market, the boundary lies
between the last capacity cost at which infrastructure gains and the first at which it loses (drawn at the
linear interpolation of the gain between them). Infrastructure transfers at marginal cost, so AliExpress's
price leaves out the capacity cost the group pays; standalone prices it in. The hand computation the sweep is
checked against (deterministic linear limit, equal choke prices, so third parties pay the same price in both
regimes): the gain is (b/16)(x - 3 c_K)(x + c_K), x = a/b - c, negative above c_K = x/3 whatever the
third-party market. Writes `fig15_cainiao_where_infrastructure_loses.png`, `.pdf`, `.csv` (one row per capacity
cost and third-party scale, with the closed form) and `_boundary.csv` (one row per third-party scale).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from paper.cache import ResultCache  # noqa: E402
from paper.figures._common import SCENARIOS, cli, figure_main, sweep_levels, sweep_runs  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.sweeps.spec import read_sweep_file  # noqa: E402

NAME = "fig15_cainiao_where_infrastructure_loses"
BOUNDARY = f"{NAME}_boundary"
SWEEP = SCENARIOS / "sweeps" / "cainiao_where_infrastructure_loses.toml"
REGIME, SCALE, CAPACITY_COST = ("cainiao.regime", "demand.third_party_scale",
                                "cainiao.capacity_cost_rmb_per_parcel_quarter")
#: the quick build keeps the sweep's smallest and largest third-party markets (every capacity cost)
QUICK_SCALES = 2


def _sweep_profits(cache: ResultCache) -> pl.DataFrame:
    """One row per design point of the sweep file: its parameters and the first quarter's consolidated profit."""
    scales = sweep_levels(SWEEP, SCALE)
    kept = {scales[0], scales[-1]} if cache.quick and len(scales) > QUICK_SCALES else set(scales)
    rows = [{"regime": point[REGIME], "third_party_scale": float(point[SCALE]),
             "capacity_cost_rmb_per_parcel": float(point[CAPACITY_COST]),
             "profit": float(result.frame("quarterly")["consolidated_profit_rmb_m"].mean())}
            for point, result in sweep_runs(cache, SWEEP, lambda point: point[SCALE] in kept)]
    return pl.DataFrame(rows)


def _boundaries(frame: pl.DataFrame) -> pl.DataFrame:
    """Per third-party scale: the last swept capacity cost where infrastructure gains, the first where it loses
    (null when the sweep finds none), and the gain's linear interpolation to 0 between them."""
    rows = []
    for scale in sorted(frame["third_party_scale"].unique()):
        part = frame.filter(pl.col("third_party_scale") == scale).sort("capacity_cost_rmb_per_parcel")
        costs, gains = part["capacity_cost_rmb_per_parcel"].to_list(), part["gain_rmb_m_per_quarter"].to_list()
        losing = [i for i, gain in enumerate(gains) if gain < 0.0]
        first = losing[0] if losing else None
        last_gaining = costs[-1] if first is None else (costs[first - 1] if first > 0 else None)
        located = None
        if first is not None and first > 0:
            low, high = costs[first - 1], costs[first]
            located = low + (high - low) * gains[first - 1] / (gains[first - 1] - gains[first])
        rows.append({"third_party_scale": scale, "last_gaining_rmb_per_parcel": last_gaining,
                     "first_losing_rmb_per_parcel": costs[first] if first is not None else None,
                     "located_boundary_rmb_per_parcel": located,
                     "threshold_rmb_per_parcel": part["threshold_rmb_per_parcel"][0],
                     "swept_up_to_rmb_per_parcel": costs[-1]})
    return pl.DataFrame(rows, schema={"third_party_scale": pl.Float64, "last_gaining_rmb_per_parcel": pl.Float64,
                                      "first_losing_rmb_per_parcel": pl.Float64,
                                      "located_boundary_rmb_per_parcel": pl.Float64,
                                      "threshold_rmb_per_parcel": pl.Float64, "swept_up_to_rmb_per_parcel": pl.Float64})


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    spec, _, path = read_sweep_file(SWEEP)
    config = load_scenario(path.parent / spec.scenario, spec.overrides).config
    demand, cost = config.demand, config.cainiao.marginal_cost_rmb_per_parcel  # type: ignore[attr-defined]
    a, b = demand.group_intercept_m_parcels, demand.group_slope_m_parcels_per_rmb
    margin = a / b - cost
    profits = _sweep_profits(cache)
    keys = ["third_party_scale", "capacity_cost_rmb_per_parcel"]
    frame = (profits.filter(pl.col("regime") == "infrastructure").select(*keys, pl.col("profit").alias("infrastructure"))
             .join(profits.filter(pl.col("regime") == "standalone").select(*keys, pl.col("profit").alias("standalone")),
                   on=keys, how="inner")
             .sort(keys)
             .with_columns((pl.col("infrastructure") - pl.col("standalone")).alias("gain_rmb_m_per_quarter"),
                           (pl.col("capacity_cost_rmb_per_parcel") / margin).alias("capacity_cost_share_of_margin"))
             .with_columns((b / 16.0 * (margin - 3.0 * pl.col("capacity_cost_rmb_per_parcel"))
                            * (margin + pl.col("capacity_cost_rmb_per_parcel"))).alias("gain_closed_form"),
                           pl.lit(margin / 3.0).alias("threshold_rmb_per_parcel"))
             .rename({"infrastructure": "infrastructure_profit_rmb_m", "standalone": "standalone_profit_rmb_m"}))
    return {NAME: frame, BOUNDARY: _boundaries(frame)}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    frame, boundary = frames[NAME], frames[BOUNDARY]
    figure = Figure(figsize=(7.5, 4.4))
    axes = figure.subplots()
    for index, scale in enumerate(sorted(frame["third_party_scale"].unique())):
        part = frame.filter(pl.col("third_party_scale") == scale).sort("capacity_cost_rmb_per_parcel")
        axes.plot(part["capacity_cost_rmb_per_parcel"], part["gain_rmb_m_per_quarter"], "o",
                  color=f"C{index}", label=f"sweep, third parties x {scale:g}", markersize=8 - 1.5 * index)
    closed = frame.filter(pl.col("third_party_scale") == frame["third_party_scale"].min()).sort(
        "capacity_cost_rmb_per_parcel")
    axes.plot(closed["capacity_cost_rmb_per_parcel"], closed["gain_closed_form"], color="k", linewidth=1,
              label="by hand (b/16)(x - 3 c_K)(x + c_K)")
    located = boundary["located_boundary_rmb_per_parcel"].drop_nulls()
    if located.len():  # the region the sweep found: from its earliest located boundary to the end of its range
        start, end = float(located.min()), float(boundary["swept_up_to_rmb_per_parcel"].max())
        axes.axvspan(start, end, color="C3", alpha=0.08, label="infrastructure loses (located by the sweep)")
    axes.axvline(boundary["threshold_rmb_per_parcel"][0], color="k", linestyle=":", linewidth=1,
                 label="x/3 by hand")
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
