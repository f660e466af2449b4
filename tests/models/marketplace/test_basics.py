"""GenAI platforms, part 2: "back to basics" (`[basics]`: direct-to-manufacturer merchants with a cost
advantage, purchase frequency responding to price and delivery) and the growth KPIs, checked against the
logit first-order conditions in closed form, hand computations of the frequency rule, Poisson counts, and
nesting bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.rng import Streams
from sim.models.marketplace.market import run_market
from sim.models.marketplace.model import simulate
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS
from tests.models.marketplace.test_ads_and_choice import with_sections
from tests.models.marketplace.test_marketplace import tables_equal
from tests.models.marketplace.helpers import assert_key_refused, refusal

MORE_MERCHANTS = SCENARIOS / "marketplace_more_merchants.toml"


def _scenario(*overrides: str):
    return load_scenario(MORE_MERCHANTS, ["run.horizon_days=30.0", *overrides]).config


def _shares(qualities: np.ndarray, prices: np.ndarray, alpha: float) -> np.ndarray:
    """Logit shares with an outside option of utility 0, written out here (not the model's function)."""
    weights = np.exp(qualities - alpha * prices)
    return weights / (1.0 + weights.sum())


def test_direct_merchants_prices_meet_the_first_order_conditions_with_unequal_costs():
    """20 merchants, quality 3, alpha 10, take 0.05; the last 5 have unit cost 0.5 instead of 0.6. At the
    model's prices each merchant's markup over its effective cost c_j / (1 - t) is 1 / (alpha (1 - s_j)) (the
    single-product logit FOC in closed form) to 1e-6, and a central finite difference of its profit
    ((1 - t) p_j - c_j) s_j(p) in its own price is 0 to 1e-6. Direct merchants price lower and sell more."""
    scenario = _scenario()
    prices = run_market(scenario, Streams(1, 0)).prices[0]
    alpha, take = 10.0, 0.05
    costs = np.array([0.6] * 15 + [0.5] * 5)
    qualities = np.full(20, 3.0)
    shares = _shares(qualities, prices, alpha)
    assert np.allclose(prices - costs / (1.0 - take), 1.0 / (alpha * (1.0 - shares)), rtol=0.0, atol=1e-6)
    h = 1e-5
    for j in range(20):
        up, down = prices.copy(), prices.copy()
        up[j] += h
        down[j] -= h
        slope = (((1.0 - take) * up[j] - costs[j]) * _shares(qualities, up, alpha)[j]
                 - ((1.0 - take) * down[j] - costs[j]) * _shares(qualities, down, alpha)[j]) / (2 * h)
        assert abs(slope) < 1e-6
    assert prices[-1] < prices[0] and shares[-1] > shares[0]


def test_visits_follow_the_frequency_rule_by_hand():
    """Visits per day are 2000 x (p / 0.8)^-1 x (d / 3)^-0.5, p the purchase-weighted mean price at the
    equilibrium prices (shares written out here). With delivery 4 days instead of 3 the model's multiplier
    equals the hand computation to 1e-12, and one year's visits (Poisson) lie within 3.29 standard deviations
    of 365 x 2000 x multiplier (false-failure rate 0.1%; a 1% error in the mean is 29 sd away: power ~1)."""
    scenario = _scenario("run.horizon_days=365.0", "basics.delivery_days=4.0")
    days = run_market(scenario, Streams(2, 0))
    shares = _shares(np.full(20, 3.0), days.prices[0], 10.0)
    mean_price = float(shares @ days.prices[0] / shares.sum())
    multiplier = (mean_price / 0.8) ** -1.0 * (4.0 / 3.0) ** -0.5
    assert days.frequency_multiplier == pytest.approx(multiplier, rel=1e-12)
    expected = 365 * 2000.0 * multiplier
    visits = float(days.totals[:, :, 0].sum())
    assert abs(visits - expected) < 3.29 * math.sqrt(expected)


def test_faster_delivery_and_lower_prices_mean_more_visits():
    """Holding all else fixed: 2 days' delivery gives more visits than 5; a larger cost advantage of the direct
    merchants (lower prices) gives a higher multiplier."""
    def multiplier(*overrides):
        return simulate(_scenario("run.horizon_days=2.0", *overrides), Streams(3, 0)).metrics[
            "visit_frequency_multiplier"]

    assert multiplier("basics.delivery_days=2.0") > multiplier("basics.delivery_days=5.0")
    assert multiplier("basics.direct_cost_advantage=0.2") > multiplier("basics.direct_cost_advantage=0.05")


def test_growth_kpis_and_accounting_by_hand():
    """GMV per day is what buyers paid for goods per day; purchases per buyer-year 365 x purchases / (days x N);
    active buyers N (1 - exp(-purchases per buyer-year)); the direct merchants' share of units sold from the
    daily sales; merchants' profit uses each merchant's own cost; accounting closes to 1e-9."""
    scenario = _scenario()
    output = simulate(scenario, Streams(4, 0))
    daily, metrics = output.tables["daily"], output.metrics
    days = daily.height
    purchases = float(daily["purchases_humans"].sum() + daily["purchases_agents"].sum())
    paid = float(daily["paid_humans"].sum() + daily["paid_agents"].sum())
    assert metrics["gmv_per_day"] == pytest.approx(paid / days, rel=1e-12)
    per_year = 365.0 * purchases / (days * 100_000.0)
    assert metrics["purchases_per_buyer_year"] == pytest.approx(per_year, rel=1e-12)
    assert metrics["active_buyers"] == pytest.approx(100_000.0 * (1.0 - math.exp(-per_year)), rel=1e-12)
    sales = run_market(scenario, Streams(4, 0)).sales.sum(axis=0)
    assert metrics["direct_merchant_sales_share"] == pytest.approx(sales[15:].sum() / sales.sum(), rel=1e-12)
    revenue = run_market(scenario, Streams(4, 0)).revenue.sum(axis=0)
    profit = 0.95 * revenue.sum() - 0.6 * sales[:15].sum() - 0.5 * sales[15:].sum()
    assert metrics["merchant_profit_per_day"] == pytest.approx(profit / days, rel=1e-9)
    assert float(daily["merchant_profit"].sum()) == pytest.approx(profit, rel=1e-9)
    assert metrics["accounting_gap"] < 1e-9
    assert metrics["direct_merchants"] == 5.0


def test_basics_switched_off_is_the_market_without_it_bit_for_bit():
    """No direct merchants and both elasticities 0 (whatever the delivery days and reference price) reproduce
    the scenario without `[basics]` bit for bit (the same draws on the "visits" stream)."""
    plain = _scenario("basics.direct_merchants=0", "basics.frequency_price_elasticity=0.0",
                      "basics.frequency_delivery_elasticity=0.0")
    document = plain.model_dump()
    document.pop("basics")
    without = type(plain).model_validate(document)
    assert not plain.basics.on and plain.basics.delivery_days == 3.0
    tables_equal(simulate(without, Streams(5, 1)), simulate(plain, Streams(5, 1)))
    tables_equal(simulate(without, Streams(5, 1)),
                 simulate(with_sections(without, basics={"delivery_days": 7.0, "reference_price": 0.3}),
                          Streams(5, 1)))


@pytest.mark.parametrize(("key", "value"), [
    ("basics.direct_merchants", "21"),
    ("basics.direct_cost_advantage", "0.7"),
    ("basics.direct_cost_advantage", "-0.1"),
    ("basics.frequency_price_elasticity", "-1"),
    ("basics.delivery_days", "0"),
    ("buyers.population", "-5"),
])
def test_bad_basics_input_exits_2(tmp_path, key, value):
    assert_key_refused(tmp_path, MORE_MERCHANTS, key, value)


def test_basics_on_homogeneous_goods_exits_2(tmp_path):
    message = refusal(tmp_path, SCENARIOS / "marketplace_today.toml", "[basics]\ndirect_merchants = 2\n")
    assert "basics" in message and "direct_merchants = 2" in message, message
