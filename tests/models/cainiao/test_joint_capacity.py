"""Prices and capacity chosen together on the exact expected profit (Poisson orders), against an independent
brute-force computation written here: the exact Poisson expectation from `scipy.stats.poisson`'s probability
mass function (not the model's closed form), every integer K on a range, and the price on a grid refined
around its best point (vectorised; no optimiser of the model's).

One quarter, linear demand a - b P in parcels, Cainiao's marginal cost c, capacity cost c_K per parcel of
capacity, 100% owned. The firms' problems (capacity bought first, prices set knowing it):
* infrastructure (w = c): AliExpress sets P maximising (P - c) E[min(K, D(P))]; the group buys K maximising
  (P - c) E[min(K, D(P))] - c_K K;
* cost_plus (w = c (1 + m)): AliExpress maximises (P - w) E[min(K, D(P))]; the group's K as above;
* standalone (no third parties): Cainiao sets w and K maximising (w - c) E[min(K, D(P*(w, K)))] - c_K K,
  anticipating AliExpress's P*(w, K).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import poisson

from sim.core.rng import Streams
from sim.models.cainiao.model import simulate
from sim.models.cainiao.validation import linear_limit_config

GRID_POINTS = 1201  #: price points of each grid (coarse, then refined around the best coarse point)


def _carried(capacity: int, means: np.ndarray) -> np.ndarray:
    """E[min(K, D)] = sum_{d < K} d P(D = d) + K P(D >= K), D ~ Poisson(mean), for each mean."""
    demand = np.arange(capacity)[:, None]
    below = (demand * poisson.pmf(demand, means[None, :])).sum(axis=0) if capacity > 0 else 0.0
    return below + capacity * poisson.sf(capacity - 1, means)


def _best_price(objective, low: float, high: float) -> float:
    """The price maximising a vectorised objective on [low, high]: a grid, then a grid on the two cells
    around its best point (resolution (high - low) / 600^2 / 2)."""
    prices = np.linspace(low, high, GRID_POINTS)
    best = int(np.argmax(objective(prices)))
    fine = np.linspace(prices[max(best - 1, 0)], prices[min(best + 1, GRID_POINTS - 1)], GRID_POINTS)
    return float(fine[int(np.argmax(objective(fine)))])


def _group_brute_force(a: float, b: float, c: float, capacity_cost: float, transfer: float) -> tuple[float, int]:
    """(P, K) outside standalone by brute force over every K up to the 1 - 1e-9 quantile of the most orders
    any price from c up brings (a - b c; checked by the range's end not winning), the price by
    `_best_price` for each K."""
    top = int(poisson.ppf(1.0 - 1e-9, a - b * c))
    best = (-np.inf, 0.0, 0)
    for capacity in range(top + 1):
        price = _best_price(lambda p, k=capacity: (p - transfer) * _carried(k, a - b * p), transfer, a / b)
        value = (price - c) * _carried(capacity, np.array([a - b * price]))[0] - capacity_cost * capacity
        if value > best[0] + 1e-12:
            best = (value, price, capacity)
    assert best[2] < top  # the range's end did not win
    return best[1], best[2]


def _model(config_regime: str, a: float, b: float, c: float, capacity_cost: float, markup: float = 0.0):
    config = linear_limit_config(a, b, c, config_regime, transfer_markup=markup)
    config = config.model_copy(update={
        "cainiao": config.cainiao.model_copy(update={"capacity_cost_rmb_per_parcel_quarter": capacity_cost}),
        "demand": config.demand.model_copy(update={"noise": "poisson"})})
    return simulate(config, Streams(3, 0)).tables["quarterly"].row(0, named=True)


@pytest.mark.parametrize(("a", "b", "c", "capacity_cost"), [
    (40.0, 1.0, 4.0, 3.0), (60.0, 2.0, 5.0, 10.0), (25.0, 0.5, 8.0, 1.0), (100.0, 4.0, 2.0, 8.0),
    (40.0, 1.0, 4.0, 20.0)])
def test_infrastructure_price_and_capacity_are_the_brute_force_joint_optimum(a, b, c, capacity_cost):
    """K equal; P within two fine-grid cells; capacity binds, so P is above the demand curve's (a/b + c)/2.
    At c_K = 20 the demand curve's margin (A - c)/2 = 18 does not cover a unit of capacity (the old choice
    bought none), but a higher price with a few units does: the brute force buys some."""
    price, capacity = _group_brute_force(a, b, c, capacity_cost, transfer=c)
    row = _model("infrastructure", a, b, c, capacity_cost)
    assert row["capacity_m_parcels"] == capacity
    assert row["retail_price_rmb_per_order"] == pytest.approx(price, abs=2 * (a / b - c) / 600**2)
    assert row["retail_price_rmb_per_order"] > (a / b + c) / 2.0 + 0.1
    assert capacity > 0


def test_cost_plus_price_and_capacity_are_the_brute_force_optimum():
    """AliExpress prices against w = 1.3 c knowing K; the group buys K for its own profit."""
    a, b, c, capacity_cost, markup = 40.0, 1.0, 4.0, 3.0, 0.3
    price, capacity = _group_brute_force(a, b, c, capacity_cost, transfer=c * (1.0 + markup))
    row = _model("cost_plus", a, b, c, capacity_cost, markup)
    assert row["capacity_m_parcels"] == capacity
    assert row["retail_price_rmb_per_order"] == pytest.approx(price, abs=2 * (a / b - c) / 600**2)


def _retail_response(a: float, b: float, capacity: int, transfers: np.ndarray, iterations: int = 60) -> np.ndarray:
    """AliExpress's P*(w, K) for each w: the root of its first-order condition
    d/dP (P - w) E[min(K, D)] = E[min(K, D)] - b (P - w) P(D <= K - 1) = 0 (dE/dlambda = P(D <= K - 1)), by
    bisection on [w, a/b] (positive at w, -b (a/b - w) at a/b), each w at once. A root of the derivative, not a
    search on profit values: those stall at sqrt(machine epsilon), which moves Cainiao's profit to first order."""
    low, high = transfers.astype(float).copy(), np.full_like(transfers, a / b, dtype=float)
    for _ in range(iterations):
        middle = (low + high) / 2.0
        mean = a - b * middle
        rising = _carried(capacity, mean) - b * (middle - transfers) * poisson.cdf(capacity - 1, mean) > 0.0
        low, high = np.where(rising, middle, low), np.where(rising, high, middle)
    return (low + high) / 2.0


def _standalone_value(a: float, b: float, c: float, capacity_cost: float, capacity: int,
                      transfers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cainiao's expected profit at each w with capacity K, and AliExpress's price P*(w, K)."""
    retail = _retail_response(a, b, capacity, transfers)
    return (transfers - c) * _carried(capacity, a - b * retail) - capacity_cost * capacity, retail


@pytest.mark.parametrize(("a", "b", "c", "capacity_cost"), [(40.0, 1.0, 4.0, 3.0), (60.0, 2.0, 5.0, 10.0)])
def test_standalone_transfer_price_and_capacity_are_the_brute_force_optimum(a, b, c, capacity_cost):
    """Cainiao's (w, K) against AliExpress's P*(w, K): every K up to the 1 - 1e-9 quantile of the most orders
    any price brings (a - b c), w on a 201-point grid over [c, a/b]; then, for the best K and its two
    neighbours on each side, w refined on a grid of 1201 points over the two cells around its best point
    (resolution 6e-5 RMB here). K equal; w and P within 2e-4 RMB (Cainiao's profit is flat at its maximum,
    curvature about 1.4 RMB m per RMB^2 in the first case, so 2e-4 in w is about 3e-8 of profit)."""
    def best_transfer(capacity: int, points: int, around: tuple[float, float]) -> tuple[float, float, float]:
        grid = np.linspace(*around, points)
        value, retail = _standalone_value(a, b, c, capacity_cost, capacity, grid)
        index = int(np.argmax(value))
        return float(value[index]), float(grid[index]), float(retail[index])

    top = int(poisson.ppf(1.0 - 1e-9, a - b * c))
    coarse = {k: best_transfer(k, 201, (c, a / b)) for k in range(1, top + 1)}
    best_coarse = max(coarse, key=lambda k: coarse[k][0])
    assert best_coarse < top  # the range's end did not win
    cell = (a / b - c) / 200.0
    fine = {k: best_transfer(k, 1201, (coarse[k][1] - cell, coarse[k][1] + cell))
            for k in range(max(1, best_coarse - 2), best_coarse + 3)}
    capacity = max(fine, key=lambda k: fine[k][0])
    _, transfer, retail = fine[capacity]
    row = _model("standalone", a, b, c, capacity_cost)
    assert row["capacity_m_parcels"] == capacity
    assert row["transfer_price_rmb_per_parcel"] == pytest.approx(transfer, abs=2e-4)
    assert row["retail_price_rmb_per_order"] == pytest.approx(retail, abs=2e-4)


def test_free_capacity_keeps_the_demand_curve_price():
    """c_K = 0: capacity is ample, so the price is the demand curve's (a/b + c)/2 (relative 1e-9)."""
    a, b, c = 40.0, 1.0, 4.0
    row = _model("infrastructure", a, b, c, 0.0)
    assert row["retail_price_rmb_per_order"] == pytest.approx((a / b + c) / 2.0, rel=1e-9)


def test_standalone_with_third_parties_is_a_local_optimum_in_both_capacities():
    """Standalone with group and third-party parcels: Cainiao's one price w and two capacities (K_g, K_3) by
    coordinate ascent. Recomputed here for every split (K_g, K_3) of the model's total capacity: Cainiao's best
    w on a grid refined around its best point, AliExpress's price by its first-order condition, third parties'
    orders a_3 - b_3 w. The model's w and P must be those of the best split (within 2e-4 RMB), and no neighbour
    of that split (+-1 in either capacity) may earn more: a local optimum, which is what coordinate ascent
    promises."""
    a, b, c, capacity_cost, a3, b3 = 40.0, 1.0, 4.0, 3.0, 30.0, 0.75  # equal choke prices, 40 RMB

    def value(group_capacity: int, third_capacity: int) -> tuple[float, float, float]:
        def at(transfers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            retail = _retail_response(a, b, group_capacity, transfers)
            carried = _carried(group_capacity, a - b * retail) + _carried(third_capacity, a3 - b3 * transfers)
            return (transfers - c) * carried - capacity_cost * (group_capacity + third_capacity), retail

        grid = np.linspace(c, a / b, 201)
        index = int(np.argmax(at(grid)[0]))
        fine = np.linspace(grid[max(index - 1, 0)], grid[min(index + 1, 200)], 1201)
        values, retail = at(fine)
        index = int(np.argmax(values))
        return float(values[index]), float(fine[index]), float(retail[index])

    config = linear_limit_config(a, b, c, "standalone", third_party_intercept=a3)
    config = config.model_copy(update={
        "cainiao": config.cainiao.model_copy(update={"capacity_cost_rmb_per_parcel_quarter": capacity_cost}),
        "demand": config.demand.model_copy(update={"noise": "poisson", "third_party_slope_m_parcels_per_rmb": b3})})
    row = simulate(config, Streams(3, 0)).tables["quarterly"].row(0, named=True)
    total = int(row["capacity_m_parcels"])  # the table holds the total: its best split is searched here
    candidates = {k: value(k, total - k) for k in range(1, total)}
    chosen = max(candidates, key=lambda k: candidates[k][0])
    best, transfer, retail = candidates[chosen]
    assert row["transfer_price_rmb_per_parcel"] == pytest.approx(transfer, abs=2e-4)
    assert row["retail_price_rmb_per_order"] == pytest.approx(retail, abs=2e-4)
    for neighbour in ((chosen + 1, total - chosen), (chosen - 1, total - chosen), (chosen, total - chosen + 1),
                      (chosen, total - chosen - 1)):
        assert value(*neighbour)[0] <= best
