"""The five-day promise in the Cainiao model: which orders AliExpress promises under each regime, against the
theory of its choice, and the accounts with promised parcels.

Theory (by hand, for any demand on which the promise acts as a shift of willingness to pay): with the promise
worth uniform on [0, V] across orders, promising the orders worth at least t adds S(t) = (V^2 - t^2) / (2V) to
every shopper's willingness to pay and costs AliExpress w_p phi(t), phi(t) = 1 - t / V, per order. Write
P' = P - S(t): AliExpress's profit is (P' + S(t) - w_p phi(t) - w) Q(P'), so its best t maximises
S(t) - w_p phi(t), whose derivative (w_p - t) / V vanishes at t = w_p: it promises exactly the orders worth more
than the promise price. With linear demand Q = a - b P the retail price is then (a/b + S + w + w_p phi) / 2 and
the orders b (a/b + S - w - w_p phi) / 2."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from sim import cli
from sim.core.rng import Streams
from sim.models.cainiao.model import LinearDemand, group_demand, quarter_outcome, simulate
from sim.scenario import load_scenario

BASE = "scenarios/cainiao_standalone.toml"


def _config(regime: str, a: float, b: float, value_max: float, promise_cost: float, *extra: str):
    return load_scenario(BASE, [
        f'cainiao.regime="{regime}"', f"demand.group_intercept_m_parcels={a}",
        f"demand.group_slope_m_parcels_per_rmb={b}", "demand.third_party_intercept_m_parcels=0",
        f"promise.value_max_rmb_per_order={value_max}", f"promise.cost_rmb_per_parcel={promise_cost}",
        "run.horizon_days=91.25", *extra]).config


#: (regime, transfer markup, a, b, c, V, c_p): the marginal cost c is 20 throughout (the base file's)
POINTS = [("infrastructure", 0.0, 5000.0, 200.0, 20.0, 3.0, 1.0),
          ("infrastructure", 0.0, 5000.0, 200.0, 20.0, 8.0, 6.21),
          ("cost_plus", 0.1, 5000.0, 200.0, 20.0, 3.0, 1.0),
          ("cost_plus", 0.05, 3000.0, 100.0, 20.0, 5.0, 0.5),
          ("standalone", 0.0, 5000.0, 200.0, 20.0, 3.0, 1.0),
          ("standalone", 0.0, 3000.0, 100.0, 20.0, 5.0, 0.5)]


@pytest.mark.parametrize(("regime", "markup", "a", "b", "cost", "value_max", "promise_cost"), POINTS)
def test_aliexpress_promises_the_orders_worth_more_than_the_promise_price(regime, markup, a, b, cost, value_max,
                                                                         promise_cost):
    """The model's own numerical search gives t = w_p (the module doc's theory), the promise price by regime
    (infrastructure c_p, cost_plus c_p (1 + m), standalone c_p w / c) and the linear retail price and orders
    by hand, to a relative 1e-8."""
    config = _config(regime, a, b, value_max, promise_cost, f"cainiao.transfer_markup={markup}")
    out = quarter_outcome(config, regime, group_demand(config), LinearDemand(0.0, 1.0))
    w, w_p, share = out.transfer_price_rmb_per_parcel, out.promise_price_rmb_per_parcel, out.promised_share
    expected_w_p = {"infrastructure": promise_cost, "cost_plus": promise_cost * (1.0 + markup),
                    "standalone": promise_cost * w / cost}[regime]
    assert w_p == pytest.approx(expected_w_p, rel=1e-12)
    assert share == pytest.approx(1.0 - w_p / value_max, rel=1e-8)
    worth = (value_max**2 - w_p**2) / (2.0 * value_max)
    assert out.retail_price_rmb_per_order == pytest.approx((a / b + worth + w + w_p * share) / 2.0, rel=1e-8)
    assert out.group_parcels_m == pytest.approx(b * (a / b + worth - w - w_p * share) / 2.0, rel=1e-8)


def test_standalone_markup_maximises_its_profit_and_promises_fewer_orders():
    """Standalone Cainiao's markup mu (w = c (1 + mu), w_p = c_p (1 + mu)) against a grid of its profit written
    here from the theory's follower: mu (c + c_p phi) b (a/b - c (1 + mu) + (V - w_p)^2 / 2V) / 2, phi = 1 - w_p
    / V. The model's mu is within the grid's step of the grid's best; the markup on the promise makes AliExpress
    promise fewer orders than as infrastructure (1 - c_p / V), which also promises what the integrated group
    would."""
    a, b, cost, value_max, promise_cost = 5000.0, 200.0, 20.0, 3.0, 1.0

    def profit(mu: np.ndarray) -> np.ndarray:
        w_p = promise_cost * (1.0 + mu)
        share = 1.0 - w_p / value_max
        orders = b * (a / b - cost * (1.0 + mu) + (value_max - w_p) ** 2 / (2.0 * value_max)) / 2.0
        return mu * (cost + promise_cost * share) * orders

    grid = np.linspace(0.0, 0.25, 250_001)
    best = grid[np.argmax(profit(grid))]
    standalone = _config("standalone", a, b, value_max, promise_cost)
    out = quarter_outcome(standalone, "standalone", group_demand(standalone), LinearDemand(0.0, 1.0))
    mu = out.transfer_price_rmb_per_parcel / cost - 1.0
    assert abs(mu - best) <= 2 * (grid[1] - grid[0])
    infrastructure = _config("infrastructure", a, b, value_max, promise_cost)
    infra = quarter_outcome(infrastructure, "infrastructure", group_demand(infrastructure), LinearDemand(0.0, 1.0))
    assert infra.promised_share == pytest.approx(1.0 - promise_cost / value_max, rel=1e-8)
    assert out.promised_share < infra.promised_share
    assert out.promised_share == pytest.approx(1.0 - promise_cost * (1.0 + mu) / value_max, rel=1e-8)


def test_no_promise_leaves_the_model_unchanged_bit_for_bit():
    """V = 0 (the default) with a promise cost stated: every metric and quarterly column as without it."""
    plain = load_scenario(BASE, ["run.horizon_days=365"]).config
    costed = load_scenario(BASE, ["run.horizon_days=365", "promise.cost_rmb_per_parcel=3.0"]).config
    first, second = simulate(plain, Streams(1, 0)), simulate(costed, Streams(1, 0))
    assert first.metrics == second.metrics
    assert first.tables["quarterly"].equals(second.tables["quarterly"])
    assert (first.tables["quarterly"]["promised_share"] == 0.0).all()


@pytest.mark.parametrize("regime", ["standalone", "infrastructure"])
def test_accounts_with_promised_parcels(regime):
    """Consolidated profit two ways agree (1e-9) and equal the external flows by hand: P Q + w_3 Q_3 - c (Q +
    Q_3) - c_p phi Q (c_K = 0); the promise price is an intra-group flow, eliminated."""
    config = load_scenario(f"scenarios/cainiao_{regime}.toml", [
        "run.horizon_days=182.5", "promise.value_max_rmb_per_order=3.0", "promise.cost_rmb_per_parcel=1.0"]).config
    table = simulate(config, Streams(1, 0)).tables["quarterly"]
    cost = config.cainiao.marginal_cost_rmb_per_parcel
    for row in table.iter_rows(named=True):
        q, q3 = row["group_parcels_m"], row["third_party_parcels_m"]
        by_hand = (row["retail_price_rmb_per_order"] * q + row["third_party_price_rmb_per_parcel"] * q3
                   - cost * (q + q3) - 1.0 * row["promised_share"] * q)
        assert row["consolidated_profit_rmb_m"] == pytest.approx(by_hand, rel=1e-9)
        assert row["consolidated_profit_external_rmb_m"] == pytest.approx(by_hand, rel=1e-9)
        assert row["cainiao_group_revenue_rmb_m"] == pytest.approx(
            row["transfer_price_rmb_per_parcel"] * q + row["promise_price_rmb_per_parcel"] * row["promised_share"] * q,
            rel=1e-12)
        assert row["promised_share"] > 0.0


def test_promise_with_poisson_orders_exits_2_naming_the_keys(tmp_path):
    out = tmp_path / "out"
    done = CliRunner().invoke(cli.app, ["run", BASE, "--out", str(out), "--set", "promise.value_max_rmb_per_order=3",
                                        "--set", 'demand.noise="poisson"'])
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output
    for fragment in ("cainiao_standalone.toml", "promise.value_max_rmb_per_order", "3", "demand.noise", "poisson"):
        assert fragment in done.output
    assert not out.exists()


@pytest.mark.parametrize("regime", ["infrastructure", "standalone"])
def test_the_threshold_is_the_promise_price_under_logit_demand_too(regime):
    """The theory needs only that the promise shifts willingness to pay: with logit demand (M = 1000, delta = 2,
    alpha = 0.1 per RMB) AliExpress still promises 1 - w_p / V of its orders (relative 1e-8)."""
    config = load_scenario(BASE, [
        f'cainiao.regime="{regime}"', 'demand.form="logit"', "demand.logit.market_size_m_shoppers=1000",
        "demand.logit.mean_utility=2.0", "demand.logit.price_coefficient_per_rmb=0.1",
        "demand.third_party_intercept_m_parcels=0", "promise.value_max_rmb_per_order=4",
        "promise.cost_rmb_per_parcel=1.5", "run.horizon_days=91.25"]).config
    out = quarter_outcome(config, regime, group_demand(config), LinearDemand(0.0, 1.0))
    assert out.promised_share == pytest.approx(1.0 - out.promise_price_rmb_per_parcel / 4.0, rel=1e-8)
    assert 0.0 < out.promised_share < 1.0
