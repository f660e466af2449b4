"""Figure 16: does the group's priority on Cainiao's flights raise third-party merchants' costs (Salop and
Scheffman 1983)? Every point of the sweep file `scenarios/sweeps/cainiao_priority_and_third_parties.toml`
(allocation x line-haul load factor x the value third parties put on on-time delivery; the calibrated
infrastructure scenario, wholly owned, with service levels from the operations surface of the two-class
logistics chain), each through the paper's cache; the last of its four deterministic quarters is read.

(a) Each class's on-time share under priority and first come first served against the load factor, with the
surface's fit residual (RMSE of its design-point means) as a band; at the lower value of on-time delivery.
(b) What priority changes against first come first served at the same point, in percent: third-party merchants'
surplus and the group's profit, one line per value of on-time delivery (the CSV also holds the changes in RMB m a
quarter and shoppers' surplus).

Hand computation the evidence test holds the CSV to: outside standalone the third-party price maximises
(w - c)(A - b w), A / b = a_3 / b_3 + v (theta - theta_0) (theta the on-time share seen, theta_0 the reference
service's, v the value), so the merchants' surplus is b (A / b - c)^2 / 8. Writes `fig16_cainiao_priority.png`,
`.pdf`, `fig16_cainiao_priority.csv` (one row per point) and `fig16_cainiao_priority_change.csv` (one row per
load factor and value: priority minus fcfs).
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
from sim.models.cainiao.operations import load_surface  # noqa: E402

NAME = "fig16_cainiao_priority"
CHANGE = f"{NAME}_change"
SWEEP = SCENARIOS / "sweeps" / "cainiao_priority_and_third_parties.toml"
ALLOCATION, LOAD, VALUE = ("operations.allocation", "operations.load_factor_at_capacity",
                           "operations.third_party_value_of_on_time_rmb_per_parcel")
#: the quarterly columns kept for each point (its last quarter)
COLUMNS = ("group_on_time_share", "third_party_on_time_share", "group_on_time_share_seen",
           "third_party_on_time_share_seen", "third_party_parcels_m", "third_party_price_rmb_per_parcel",
           "third_party_surplus_rmb_m", "consumer_surplus_rmb_m", "consolidated_profit_rmb_m")
#: the quick build keeps the sweep's lowest, reference-nearest and highest load factors
QUICK_LOADS = 3


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    loads = [float(load) for load in sweep_levels(SWEEP, LOAD)]
    kept = set(loads) if not cache.quick or len(loads) <= QUICK_LOADS else {loads[0], loads[len(loads) // 2],
                                                                             loads[-1]}
    rmse = load_surface().on_time_fit_rmse
    rows = []
    for point, result in sweep_runs(cache, SWEEP, lambda point: float(point[LOAD]) in kept):
        last = result.frame("quarterly").sort("quarter").row(-1, named=True)
        allocation = str(point[ALLOCATION])
        rows.append({"allocation": allocation, "load_factor_at_capacity": float(point[LOAD]),
                     "third_party_value_rmb_per_unit": float(point[VALUE]),
                     **{column: float(last[column]) for column in COLUMNS},
                     "third_party_on_time_fit_rmse": rmse[(allocation, "third_party")],
                     "group_on_time_fit_rmse": rmse[(allocation, "group")]})
    frame = pl.DataFrame(rows).sort("third_party_value_rmb_per_unit", "load_factor_at_capacity", "allocation")
    keys = ["load_factor_at_capacity", "third_party_value_rmb_per_unit"]
    measured = ["third_party_on_time_share", "third_party_surplus_rmb_m", "consumer_surplus_rmb_m",
                "consolidated_profit_rmb_m"]
    priority = frame.filter(pl.col("allocation") == "priority").select(*keys, *measured)
    fcfs = frame.filter(pl.col("allocation") == "fcfs").select(*keys, *measured)
    change = (priority.join(fcfs, on=keys, suffix="_fcfs").sort(keys)
              .select(*keys,
                      (pl.col("third_party_on_time_share") - pl.col("third_party_on_time_share_fcfs"))
                      .alias("third_party_on_time_change"),
                      (pl.col("third_party_surplus_rmb_m") - pl.col("third_party_surplus_rmb_m_fcfs"))
                      .alias("third_party_surplus_change_rmb_m"),
                      (pl.col("third_party_surplus_rmb_m") / pl.col("third_party_surplus_rmb_m_fcfs") - 1.0)
                      .alias("third_party_surplus_change_share"),
                      (pl.col("consumer_surplus_rmb_m") - pl.col("consumer_surplus_rmb_m_fcfs"))
                      .alias("shoppers_surplus_change_rmb_m"),
                      (pl.col("consolidated_profit_rmb_m") - pl.col("consolidated_profit_rmb_m_fcfs"))
                      .alias("group_profit_change_rmb_m"),
                      (pl.col("consolidated_profit_rmb_m") / pl.col("consolidated_profit_rmb_m_fcfs") - 1.0)
                      .alias("group_profit_change_share")))
    return {NAME: frame, CHANGE: change}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    frame, change = frames[NAME], frames[CHANGE]
    figure = Figure(figsize=(10.0, 4.2))
    service, effect = figure.subplots(1, 2)
    anchor = frame.filter(pl.col("third_party_value_rmb_per_unit") == frame["third_party_value_rmb_per_unit"].min())
    styles = {"priority": ("C3", "-"), "fcfs": ("C0", "--")}
    for allocation, (colour, line) in styles.items():
        part = anchor.filter(pl.col("allocation") == allocation).sort("load_factor_at_capacity")
        load = part["load_factor_at_capacity"].to_numpy()
        for parcel_class, marker in (("third_party", "o"), ("group", "s")):
            share = part[f"{parcel_class}_on_time_share"].to_numpy()
            band = part[f"{parcel_class}_on_time_fit_rmse"].to_numpy()
            who = "third parties" if parcel_class == "third_party" else "group"
            service.plot(load, share, line, marker=marker, color=colour, markersize=4, label=f"{who}, {allocation}")
            service.fill_between(load, share - band, share + band, color=colour, alpha=0.12, linewidth=0)
    service.set_xlabel("line-haul load factor at capacity")
    service.set_ylabel("on-time share (five-day target)")
    service.set_title("(a) service by class (band: the surface's fit residual)", fontsize=9)
    service.legend(fontsize=7)
    for index, value in enumerate(sorted(change["third_party_value_rmb_per_unit"].unique())):
        part = change.filter(pl.col("third_party_value_rmb_per_unit") == value).sort("load_factor_at_capacity")
        effect.plot(part["load_factor_at_capacity"], 100.0 * part["third_party_surplus_change_share"], "o-",
                    color=f"C{index + 1}", markersize=4,
                    label=f"third parties' surplus  (v = RMB {value:g})")
        effect.plot(part["load_factor_at_capacity"], 100.0 * part["group_profit_change_share"], "^:",
                    color=f"C{index + 1}", markersize=4, label=f"group profit  (v = RMB {value:g})")
    effect.axhline(0.0, color="k", linewidth=0.8)
    effect.set_xlabel("line-haul load factor at capacity")
    effect.set_ylabel("priority against first come first served (%)")
    effect.set_title("(b) what priority changes, per quarter", fontsize=9)
    effect.legend(fontsize=7)
    figure.tight_layout()
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
