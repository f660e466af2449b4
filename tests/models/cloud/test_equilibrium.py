"""The static Bertrand-Nash solver against its first-order conditions and the plain-logit closed form."""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernels.mixed_logit import draw_consumer_tastes
from sim.models.cloud.equilibrium import bertrand_equilibrium, foc_residual
from sim.models.cloud.policies import static_shares


def tastes(n=2000, mean=2.0, sigma=0.6, seed=3):
    alpha, _ = draw_consumer_tastes(np.random.default_rng(seed), n, mean, sigma, 1.0, 0.0, "lognormal")
    return alpha


DELTA = np.array([0.0, -0.45, -0.6, -1.2, -0.5])
COST = np.array([0.45, 0.5, 0.55, 0.6, 0.5])


@pytest.mark.parametrize("outside_option", [False, True])
def test_mixed_logit_equilibrium_satisfies_single_product_markup_rule(outside_option):
    alpha = tastes()
    eq = bertrand_equilibrium(DELTA, COST, alpha, outside_option=outside_option)
    assert eq.converged, eq.message
    # first-order condition read off profit itself, not the solver's expression: a central finite difference
    # (step 1e-5: truncation ~1e-10, rounding ~1e-11) of firm j's profit in its own price is 0
    step = 1e-5
    for j in range(DELTA.size):
        def own_profit(pj, j=j):
            p = eq.prices.copy()
            p[j] = pj
            return (pj - COST[j]) * static_shares(DELTA, p, alpha, outside_option)[j]
        slope = (own_profit(eq.prices[j] + step) - own_profit(eq.prices[j] - step)) / (2 * step)
        assert abs(slope) < 1e-6, (j, slope)
    # the kernel's derivatives at the solution agree with central finite differences of its shares
    h = 1e-6
    for k in range(DELTA.size):
        up, down = eq.prices.copy(), eq.prices.copy()
        up[k] += h
        down[k] -= h
        numeric = (static_shares(DELTA, up, alpha, outside_option)
                   - static_shares(DELTA, down, alpha, outside_option)) / (2 * h)
        np.testing.assert_allclose(eq.derivatives[:, k], numeric, atol=1e-7)
    # each firm's own price is a best response: profit falls when it deviates either way
    for j in range(DELTA.size):
        def profit(pj, j=j):
            p = eq.prices.copy()
            p[j] = pj
            return (pj - COST[j]) * static_shares(DELTA, p, alpha, outside_option)[j]
        base = profit(eq.prices[j])
        assert base > profit(eq.prices[j] * 1.01) and base > profit(eq.prices[j] * 0.99)


@pytest.mark.parametrize("outside_option", [False, True])
def test_plain_logit_matches_closed_form(outside_option):
    alpha = 2.5
    eq = bertrand_equilibrium(DELTA, COST, np.array([alpha]), outside_option=outside_option)
    assert eq.converged
    # shares by hand from the logit formula at the solver's prices, then the closed-form markup 1/(alpha(1-s_j))
    weights = np.exp(DELTA - alpha * eq.prices)
    shares = weights / (weights.sum() + (1.0 if outside_option else 0.0))
    np.testing.assert_allclose(eq.prices - COST, 1.0 / (alpha * (1.0 - shares)), rtol=0, atol=1e-8)


def test_multi_product_ownership_raises_prices_of_merged_products():
    """Joint ownership internalises diversion: the merged firm's prices rise (and FOCs still hold)."""
    alpha = tastes(1000)
    single = bertrand_equilibrium(DELTA, COST, alpha)
    omega = np.eye(5)
    omega[1, 2] = omega[2, 1] = 1.0
    merged = bertrand_equilibrium(DELTA, COST, alpha, ownership=omega)
    assert merged.max_foc_residual < 1e-10
    assert np.all(merged.prices[[1, 2]] > single.prices[[1, 2]] + 1e-3)
    assert np.max(np.abs(foc_residual(merged.prices, DELTA, COST, alpha, omega))) < 1e-10
