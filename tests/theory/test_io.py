"""Industrial-organisation closed forms against independent computations: double marginalisation against
numerical best responses on the profit functions, the newsvendor fractile against a brute-force argmax of
expected profit. (The Bertrand solver is tested through its old import path in tests/models/cloud.)"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.optimize import minimize_scalar

from sim.theory import io


def test_cloud_import_paths_are_the_theory_functions():
    from sim.models.cloud import equilibrium, policies

    assert equilibrium.bertrand_equilibrium is io.bertrand_equilibrium
    assert equilibrium.foc_residual is io.foc_residual
    assert equilibrium.Equilibrium is io.Equilibrium
    for name in ("NO_OUTSIDE_SHIFT", "kernel_inputs", "static_shares", "static_price_derivatives",
                 "best_response_multiplier"):
        assert getattr(policies, name) is getattr(io, name)


def test_ownership_matrix():
    np.testing.assert_array_equal(io.ownership_matrix(None, 3), np.eye(3))
    with pytest.raises(ValueError):
        io.ownership_matrix(np.eye(2), 3)


# --- double marginalisation: closed form / solver vs nested numerical best responses ---------------------------

def argmax(profit, low: float, high: float) -> float:
    result = minimize_scalar(lambda x: -profit(x), bounds=(low, high), method="bounded",
                             options={"xatol": 1e-11})
    return float(result.x)


def sequential_game(demand, upstream_cost: float, downstream_cost: float, price_cap: float):
    """Subgame-perfect (w, p) by brute force: the retailer's best response p(w) maximises
    (p - w - c_d) Q(p) numerically, and the supplier maximises (w - c_u) Q(p(w)) over w numerically. Also
    the integrated price maximising (p - c_u - c_d) Q(p)."""

    def retail(w: float) -> float:
        return argmax(lambda p: (p - w - downstream_cost) * demand(p), w + downstream_cost, price_cap)

    wholesale = argmax(lambda w: (w - upstream_cost) * demand(retail(w)), upstream_cost, price_cap - downstream_cost)
    price = retail(wholesale)
    integrated = argmax(lambda p: (p - upstream_cost - downstream_cost) * demand(p),
                        upstream_cost + downstream_cost, price_cap)
    return wholesale, price, integrated


@pytest.mark.parametrize("choke, slope, c_u, c_d", [(10.0, 1.0, 2.0, 1.0), (100.0, 0.25, 30.0, 0.0),
                                                    (5.0, 3.0, 0.5, 2.5)])
def test_double_marginalisation_linear_matches_numerical_best_responses(choke, slope, c_u, c_d):
    def demand(p):
        return max(choke - p, 0.0) / slope

    chain = io.double_marginalisation_linear(choke, slope, c_u, c_d)
    wholesale, price, integrated = sequential_game(demand, c_u, c_d, choke)
    assert chain.wholesale_price == pytest.approx(wholesale, rel=1e-7)
    assert chain.retail_price == pytest.approx(price, rel=1e-7)
    assert chain.quantity == pytest.approx(demand(price), rel=1e-6)
    assert chain.upstream_profit == pytest.approx((wholesale - c_u) * demand(price), rel=1e-6)
    assert chain.downstream_profit == pytest.approx((price - wholesale - c_d) * demand(price), rel=1e-6)
    assert chain.integrated_price == pytest.approx(integrated, rel=1e-7)
    assert chain.integrated_profit == pytest.approx((integrated - c_u - c_d) * demand(integrated), rel=1e-9)
    # two markups: a higher retail price, lower output and a smaller joint profit than under integration
    assert chain.retail_price > chain.integrated_price
    assert chain.quantity < chain.integrated_quantity
    assert chain.chain_profit < chain.integrated_profit


@pytest.mark.parametrize("delta, alpha, c_u, c_d, size", [(2.0, 1.0, 1.0, 0.5, 1.0), (0.0, 3.0, 0.2, 0.1, 1000.0),
                                                          (6.0, 0.5, 4.0, 0.0, 7.0), (-3.0, 2.0, 0.5, 0.5, 1.0)])
def test_double_marginalisation_logit_matches_numerical_best_responses(delta, alpha, c_u, c_d, size):
    def demand(p):
        return size / (1.0 + math.exp(alpha * p - delta))

    chain = io.double_marginalisation_logit(delta, alpha, c_u, c_d, market_size=size)
    cap = c_u + c_d + 60.0 / alpha + max(delta, 0.0) / alpha
    wholesale, price, integrated = sequential_game(demand, c_u, c_d, cap)
    # a numerical argmax of a smooth profit locates its peak to ~sqrt(machine epsilon): compare at 1e-5
    assert chain.wholesale_price == pytest.approx(wholesale, rel=1e-5)
    assert chain.retail_price == pytest.approx(price, rel=1e-5)
    assert chain.quantity == pytest.approx(demand(price), rel=1e-5)
    assert chain.upstream_profit == pytest.approx((wholesale - c_u) * demand(price), rel=1e-5)
    assert chain.downstream_profit == pytest.approx((price - wholesale - c_d) * demand(price), rel=1e-5)
    assert chain.integrated_price == pytest.approx(integrated, rel=1e-5)
    assert chain.integrated_quantity == pytest.approx(demand(integrated), rel=1e-5)
    assert chain.retail_price > chain.integrated_price
    assert chain.chain_profit < chain.integrated_profit


def test_double_marginalisation_rejects_bad_inputs():
    with pytest.raises(ValueError):
        io.double_marginalisation_linear(10.0, 1.0, 8.0, 3.0)  # cost above the choke price
    with pytest.raises(ValueError):
        io.double_marginalisation_linear(10.0, 0.0, 1.0)
    with pytest.raises(ValueError):
        io.double_marginalisation_logit(1.0, 0.0, 1.0)


# --- newsvendor: fractile vs brute-force argmax of expected profit -------------------------------------------

PRICE, COST, SALVAGE = 10.0, 6.0, 1.0  # fractile (10 - 6) / (10 - 1) = 4/9


def profit(q, demand):
    return PRICE * np.minimum(q, demand) + SALVAGE * np.maximum(q - demand, 0.0) - COST * q


def test_critical_fractile():
    assert io.critical_fractile(PRICE, COST, SALVAGE) == pytest.approx(4.0 / 9.0, rel=1e-15)
    assert io.critical_fractile(2.0, 1.0) == 0.5
    for bad in ((10.0, 10.0, 1.0), (10.0, 1.0, 1.0), (10.0, 12.0, 1.0)):
        with pytest.raises(ValueError):
            io.critical_fractile(*bad)


@pytest.mark.parametrize("seed, n", [(1, 1000), (2, 5000), (3, 17), (4, 999)])
def test_newsvendor_sample_is_the_argmax_of_sample_average_profit(seed, n):
    """The empirical expected profit is piecewise linear with kinks at the sample points, so its maximum
    over all q is attained at a sample point: checking every sample point is exhaustive. With n = 999 the
    fractile 4/9 is exactly F_n at the 444th point and the profit is flat up to the 445th: a tie."""
    sample = np.random.default_rng(seed).lognormal(4.0, 0.5, n)
    candidates = np.sort(sample)
    mean_profit = np.array([profit(q, sample).mean() for q in candidates])
    q_star = io.newsvendor_quantity(PRICE, COST, SALVAGE, sample)
    tie = (n * 4) % 9 == 0
    if tie:
        assert q_star == candidates[n * 4 // 9 - 1]  # the left end of the optimal interval
    else:
        assert q_star == candidates[np.argmax(mean_profit)]
    assert profit(q_star, sample).mean() == pytest.approx(mean_profit.max(), rel=1e-12)
    # and nothing between the sample points (a fine grid) does better
    grid = np.linspace(candidates[0], candidates[-1], 4001)
    assert profit(q_star, sample).mean() >= max(profit(q, sample).mean() for q in grid) - 1e-9


@pytest.mark.parametrize("demand", [stats.norm(100.0, 20.0), stats.gamma(3.0, scale=15.0)],
                         ids=["normal", "gamma"])
def test_newsvendor_continuous_fractile_is_the_argmax_of_expected_profit(demand):
    """Expected profit E[p min(q, D) + s (q - D)^+] - c q by the trapezoid rule on 50,001 points spanning
    the demand's support up to 1e-12 tail mass, maximised over a grid of step 0.05 around the fractile."""
    x = np.linspace(demand.ppf(1e-12), demand.ppf(1 - 1e-12), 50_001)
    weights = demand.pdf(x) * np.gradient(x)
    weights[[0, -1]] /= 2.0

    def expected_profit(q):
        return profit(np.asarray(q, dtype=np.float64)[..., None], x) @ weights

    q_star = io.newsvendor_quantity(PRICE, COST, SALVAGE, demand)
    step = 0.05
    grid = np.arange(round(q_star) - 3.0, round(q_star) + 3.0 + step / 2, step)
    values = expected_profit(grid)
    best = int(np.argmax(values))
    assert 0 < best < grid.size - 1  # an interior maximum: the window brackets it
    assert abs(grid[best] - q_star) <= step
    # wider: the fractile beats quantities far from it
    for q in (q_star * 0.7, q_star * 1.3, demand.mean()):
        assert expected_profit(q_star) > expected_profit(q)


@pytest.mark.parametrize("mean", [3.0, 40.0, 250.0])
def test_newsvendor_discrete_fractile_is_the_argmax_of_expected_profit(mean):
    demand = stats.poisson(mean)
    support = np.arange(0, int(mean + 20 * math.sqrt(mean) + 30))
    pmf = demand.pmf(support)
    candidates = np.arange(0, int(mean + 10 * math.sqrt(mean) + 10))
    expected = np.array([np.dot(profit(q, support), pmf) for q in candidates])
    assert io.newsvendor_quantity(PRICE, COST, SALVAGE, demand) == candidates[np.argmax(expected)]


def test_logit_expected_utility_against_gumbel_draws():
    """E[experienced utility of the chosen option] - Euler's gamma, by 10^6 Gumbel draws (an independent
    evaluation): two products and the outside good, delta (1, 0.5), prices (0.2, 0.1), alpha 2, the first
    ranked up by a bonus of 1 that buyers choose by but do not experience. The draw sd of the chosen utility
    is below 1.5, so the standard error is below 0.0015; the tolerance 0.0075 is 5 se. Without a bonus the
    function is the log-sum ln(1 + sum exp(delta - alpha p)) exactly."""
    from sim.theory.io import logit_expected_utility

    delta, price, alpha, bonus = np.array([1.0, 0.5]), np.array([0.2, 0.1]), 2.0, np.array([1.0, 0.0])
    utility = np.concatenate(([0.0], delta - alpha * price))
    errors = np.random.default_rng(4).gumbel(size=(1_000_000, 3))
    chosen = np.argmax(utility + np.concatenate(([0.0], bonus)) + errors, axis=1)
    experienced = utility[chosen] + errors[np.arange(chosen.size), chosen]
    assert logit_expected_utility(delta, price, alpha, bonus) == pytest.approx(experienced.mean() - np.euler_gamma,
                                                                               abs=0.0075)
    assert logit_expected_utility(delta, price, alpha) == math.log1p(float(np.exp(delta - alpha * price).sum()))
    # the bonus distorts choice: experienced utility falls below the undistorted log-sum
    assert logit_expected_utility(delta, price, alpha, bonus) < logit_expected_utility(delta, price, alpha)
