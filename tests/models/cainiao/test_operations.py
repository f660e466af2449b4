"""The Cainiao model's operations: the shipped response surface against direct runs of the two-class logistics
chain at held-out points, the switch that leaves the model unchanged, and priority's effect on third parties."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.rng import Streams
from sim.models.cainiao.model import simulate
from sim.models.cainiao.operations import load_surface
from sim.models.logistics import MODEL as LOGISTICS
from sim.scenario import load_scenario

LANE = "scenarios/aliexpress_spain_two_classes.toml"
#: the lane's seats a day: 2 departures x 1890 parcels, every day (aliexpress_spain_two_classes.toml)
SEATS_PER_DAY = 2 * 1890.0
HORIZON_DAYS, WARMUP_DAYS = 21.0, 7.0
#: held-out points (group share, load factor, allocation): none is a design point of the fit (shares 0.15, 0.35,
#: 0.55, 0.75 x load factors 0.55, 0.70, 0.85, 0.95)
HELD_OUT = ((0.25, 0.62, "fcfs"), (0.45, 0.78, "priority"), (0.65, 0.90, "priority"))
REPLICATIONS, SEED = 4, 7  # the fit used seed 20241218: these runs are independent of it

#: Replication sd of one run and the fit's residual RMSE (of design-point means), as printed by
#: scripts/fit_cainiao_operations.py on 2026-12-01, pooled over the allocation's 16 design points (the larger of
#: the two allocations where one value serves both). The sd is the larger of the 3- and the shipped
#: 12-replication fit's (a property of the chain, estimated twice); the RMSE is the shipped fit's. The third
#: party's on-time sd under priority is dominated by the congested corner (u = 0.95, s = 0.75: 0.036 and 0.020
#: in the two fits); at u <= 0.8 we take 0.01 (the fcfs pooled values, 0.0098 and 0.0057).
REPLICATION_SD = {"group_on_time_share": 0.0011, "group_cost_per_parcel_eur": 0.0081,
                  "third_party_cost_per_parcel_eur": 0.0079}
FIT_RMSE = {"group_on_time_share": 0.00015, "group_cost_per_parcel_eur": 0.0021,
            "third_party_cost_per_parcel_eur": 0.0016}
THIRD_PARTY_ON_TIME_SD = {"low_load": 0.01, "high_load": 0.036}
THIRD_PARTY_ON_TIME_RMSE = {"fcfs": 0.00095, "priority": 0.0050}
#: 3 points x 2 classes x 2 outputs = 12 checks, each two-sided at 1% / 12: z = 3.34 (Bonferroni; normal approx.)
Z = 3.34


def _direct(group_share: float, load_factor: float, allocation: str, replication: int) -> dict[str, float]:
    parcels_per_day = load_factor * SEATS_PER_DAY
    config = load_scenario(LANE, [
        f"run.horizon_days={HORIZON_DAYS}", f"run.warmup_days={WARMUP_DAYS}", "logistics.drain_days=20",
        f'logistics.allocation="{allocation}"',
        # the group's orders are about 780 per 2000 shoppers (aliexpress_spain_5day.toml's conversion)
        f"logistics.demand.shoppers_per_day={group_share * parcels_per_day * 2000.0 / 780.0}",
        f"logistics.third_party.parcels_per_day={(1.0 - group_share) * parcels_per_day}"]).config
    rows = {row["parcel_class"]: row for row in
            LOGISTICS.simulate(config, Streams(SEED, replication)).tables["classes"].iter_rows(named=True)}
    orders = rows["group"]["orders"] + rows["third_party"]["orders"]
    out = {"load_factor": orders / ((HORIZON_DAYS - WARMUP_DAYS) * SEATS_PER_DAY),
           "group_share": rows["group"]["orders"] / orders}
    for c in ("group", "third_party"):
        out[f"{c}_on_time_share"] = rows[c]["on_time_share"]
        out[f"{c}_cost_per_parcel_eur"] = rows[c]["cost_per_parcel_eur"]
    return out


def _margin(output: str, load_factor: float, allocation: str) -> float:
    if output == "third_party_on_time_share":
        sd = THIRD_PARTY_ON_TIME_SD["low_load" if load_factor <= 0.8 else "high_load"]
        rmse = THIRD_PARTY_ON_TIME_RMSE[allocation]
    else:
        sd, rmse = REPLICATION_SD[output], FIT_RMSE[output]
    return Z * math.sqrt(sd**2 / REPLICATIONS + rmse**2)


@pytest.mark.parametrize("group_share, load_factor, allocation", HELD_OUT)
def test_surface_within_stated_margins_of_direct_runs_at_held_out_points(group_share, load_factor, allocation):
    """Expected values: the mean of 4 direct runs of the two-class chain (seed 7, not the fit's). The surface is
    read at the runs' measured load factor and group share. Margin: z sqrt(sd^2 / 4 + rmse^2), sd a run's
    replication sd and rmse the fit's residual (both stated above), z = 3.34: the 12 checks fail together with
    probability about 1% when the surface is right up to its fit residual (normal approximation; the congested
    point's heavy tail, a cancelled flight's backlog, makes it optimistic there). Margins: group on-time 0.0019,
    third-party on-time 0.017 (fcfs, u 0.62), 0.024 (priority, u 0.78), 0.062 (priority, u 0.90), cost 0.014-0.015
    EUR (0.3% of EUR 4.51). Power 0.9 against a surface error of (3.34 + 1.28) / 3.34 of the margin: 0.0026, 0.024,
    0.033, 0.086 and 0.021 EUR. Measured errors of the shipped 12-replication surface (2026-12-01): group on-time
    <= 0.0002, third-party on-time -0.0022, -0.0022, +0.0039; cost <= 0.0067 EUR."""
    runs = [_direct(group_share, load_factor, allocation, r) for r in range(REPLICATIONS)]
    mean = {k: float(np.mean([run[k] for run in runs])) for k in runs[0]}
    surface = load_surface()
    for parcel_class in ("group", "third_party"):
        service = surface.service(allocation, parcel_class, mean["load_factor"], mean["group_share"])
        for output, predicted in ((f"{parcel_class}_on_time_share", service.on_time_share),
                                  (f"{parcel_class}_cost_per_parcel_eur", service.cost_per_parcel_eur)):
            margin = _margin(output, load_factor, allocation)
            assert abs(mean[output] - predicted) <= margin, (output, mean[output], predicted, margin)


def _cainiao(regime: str, *overrides: str):
    config = load_scenario(f"scenarios/cainiao_{regime}.toml", ["run.horizon_days=182.5", *overrides]).config
    return simulate(config, Streams(config.run.seed, 0))


@pytest.mark.parametrize("regime", ["standalone", "infrastructure"])
def test_surface_with_zero_values_is_neutral(regime):
    """With no value on on-time delivery the surface moves no demand: every metric and every shared quarterly
    column equal the default (`operations.mode = "none"`) bit for bit. With a value, flights tighter than the
    reference's (0.95 against 0.71) give third parties worse service than the file's demand prices in, so
    their surplus falls."""
    plain = _cainiao(regime)
    neutral = _cainiao(regime, 'operations.mode="surface"')
    tight = _cainiao(regime, 'operations.mode="surface"', "operations.third_party_value_of_on_time_rmb_per_parcel=2.0",
                     "operations.load_factor_at_capacity=0.95")
    assert neutral.metrics == plain.metrics
    columns = plain.tables["quarterly"].columns
    assert neutral.tables["quarterly"].select(columns).equals(plain.tables["quarterly"])
    assert "allocation" not in columns  # the default adds nothing
    assert tight.metrics["third_party_surplus_rmb_m_per_quarter"] < plain.metrics["third_party_surplus_rmb_m_per_quarter"]


def test_demand_is_the_files_at_the_reference_service():
    """The file's (calibrated) demand already prices in the reference service, so where quarter 0's service is
    the reference one (standalone, fcfs, at the reference load factor and the initial group share) a value on
    on-time delivery leaves that quarter as without operations, bit for bit, whatever the value; a reference
    with better service than quarter 0's (a lower reference load factor) lowers its willingness to pay."""
    values = ("operations.group_value_of_on_time_rmb_per_order=5.0",
              "operations.third_party_value_of_on_time_rmb_per_parcel=5.0")
    plain = _cainiao("standalone").tables["quarterly"]
    at_reference = _cainiao("standalone", 'operations.mode="surface"', *values).tables["quarterly"]
    assert at_reference.select(plain.columns).row(0) == plain.row(0)
    better_reference = _cainiao("standalone", 'operations.mode="surface"', *values,
                                "operations.load_factor_at_capacity=0.95").tables["quarterly"]
    assert better_reference["third_party_surplus_rmb_m"][0] < plain["third_party_surplus_rmb_m"][0]


def test_priority_lowers_third_party_surplus_by_the_closed_form():
    """Raising rivals' costs (Salop and Scheffman 1983) through service: at a tight load factor (0.95) the group's
    priority lowers third parties' on-time share, hence their willingness to pay and surplus. Hand computation:
    outside standalone the third-party price maximises (w - c) (A - b w) with A = a_3 + b_3 v (theta - theta_0)
    (theta the on-time share seen, theta_0 the reference service's, read from the shipped surface at fcfs, load
    factor 0.71 and group share 0.29; v the value of it), so w = (A / b + c) / 2 and the merchants' surplus is
    b (A / b - w)^2 / 2;
    quarter 1 is checked against it with theta from the table. Priority must lower theta and the surplus
    against fcfs (same regime, infrastructure; the group share ~0.29 at which the lane's direct runs give
    priority 0.924 against fcfs 0.935 at u = 0.95, s = 0.35)."""
    value = 2.0
    common = ('operations.mode="surface"', "operations.load_factor_at_capacity=0.95",
              f"operations.third_party_value_of_on_time_rmb_per_parcel={value}", "demand.growth_per_quarter=0.0")
    by_allocation = {a: _cainiao("infrastructure", *common, f'operations.allocation="{a}"')
                     for a in ("priority", "fcfs")}
    config = load_scenario("scenarios/cainiao_infrastructure.toml").config
    a3, b3 = config.demand.third_party_intercept_m_parcels, config.demand.third_party_slope_m_parcels_per_rmb
    cost = config.cainiao.marginal_cost_rmb_per_parcel
    reference = load_surface().service("fcfs", "third_party", 0.71, 0.29).on_time_share
    for out in by_allocation.values():
        quarter = out.tables["quarterly"].row(1, named=True)
        choke = a3 / b3 + value * (quarter["third_party_on_time_share_seen"] - reference)
        price = (choke + cost) / 2.0
        assert quarter["third_party_price_rmb_per_parcel"] == pytest.approx(price, rel=1e-6)
        assert quarter["third_party_surplus_rmb_m"] == pytest.approx(b3 * (choke - price) ** 2 / 2.0, rel=1e-6)
    seen = {a: out.tables["quarterly"]["third_party_on_time_share_seen"][1] for a, out in by_allocation.items()}
    assert seen["priority"] < seen["fcfs"]
    assert (by_allocation["priority"].metrics["third_party_surplus_rmb_m_per_quarter"]
            < by_allocation["fcfs"].metrics["third_party_surplus_rmb_m_per_quarter"])


def test_willingness_to_pay_shifts_both_demand_forms_by_the_amount():
    """Paying x more: the shifted demand at p + x equals the original at p (linear and logit), and so does the
    buyers' surplus (the curve moves up rigidly)."""
    from sim.models.cainiao.model import LinearDemand, LogitDemand

    for demand in (LinearDemand(1000.0, 40.0), LogitDemand(500.0, 1.5, 0.2)):
        shifted = demand.with_willingness_to_pay(3.0)
        for price in (2.0, 7.5, 12.0):
            assert shifted(price + 3.0) == pytest.approx(demand(price), rel=1e-12)
            assert shifted.surplus(price + 3.0) == pytest.approx(demand.surplus(price), rel=1e-9)


def test_surface_runs_with_poisson_orders_and_the_buyout_regime_change():
    """Under Poisson orders parcels never exceed capacity (load factor <= the stated one); in the buy-out
    scenario the allocation follows the regime: fcfs while standalone, priority from 2024Q2."""
    out = _cainiao("infrastructure", 'operations.mode="surface"', 'demand.noise="poisson"')
    assert (out.tables["quarterly"]["load_factor"] <= 0.71 + 1e-12).all()
    config = load_scenario("scenarios/cainiao_buyout_2024.toml", ['operations.mode="surface"']).config
    table = simulate(config, Streams(config.run.seed, 0)).tables["quarterly"]
    allocation = dict(zip(table["quarter_label"], table["allocation"]))
    assert allocation["2024Q1"] == "fcfs" and allocation["2024Q2"] == "priority"


def test_surface_cost_per_parcel_is_flat_enough_to_leave_out_of_the_accounts():
    """The model does not pass the surface's cost per parcel into Cainiao's accounts (config.OperationsParameters;
    the paper's limitations say so). That stands only while the cost barely moves over the fitted ranges: every
    allocation and class within 2 euro cents (0.4% of EUR 4.51, about three times the cost's replication sd of
    0.007 EUR stated in the fit), on a 21 x 21 grid of load factor and group share. A refitted surface whose cost
    moves more must be fed into the accounts instead."""
    surface = load_surface()
    grid = [(u, s) for u in np.linspace(*surface.load_factor_range, 21) for s in np.linspace(*surface.group_share_range, 21)]
    for allocation in ("priority", "fcfs"):
        for parcel_class in ("group", "third_party"):
            costs = [surface.service(allocation, parcel_class, u, s).cost_per_parcel_eur for u, s in grid]
            assert max(costs) - min(costs) < 0.02, (allocation, parcel_class, min(costs), max(costs))
