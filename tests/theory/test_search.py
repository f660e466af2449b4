"""Stahl (1989) closed forms against independent computations: the integral I by quadrature and by hand
(N = 2: ln(1 + 2b) / (2b)), E[p] and E[min] by integrating the quantile function, the indifference of
profits on the support, the reservation-price identity, and the sampler by a KS test."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from sim.theory import search

INTERIOR = [(2, 0.5), (5, 0.5), (10, 0.5), (5, 0.2), (5, 0.8), (20, 0.9), (3, 0.05)]


def quad_integral(n: int, mu: float) -> float:
    b = mu / (1.0 - mu)
    return integrate.quad(lambda y: 1.0 / (1.0 + b * n * y ** (n - 1)), 0.0, 1.0, epsabs=1e-13, epsrel=1e-13)[0]


@pytest.mark.parametrize("n, mu", INTERIOR + [(2, 0.99), (50, 0.6)])
def test_integral_matches_quadrature(n, mu):
    assert search.stahl_integral(n, mu) == pytest.approx(quad_integral(n, mu), rel=1e-10)


@pytest.mark.parametrize("n, mu", INTERIOR + [(2, 1e-6), (7, 1e-300)])
def test_shortfall_ratio_matches_quadrature(n, mu):
    """(1 - I) / b = N int_0^1 y^(N-1) / (1 + b N y^(N-1)) dy, finite as mu -> 0 (where it tends to 1)."""
    b = mu / (1.0 - mu)
    expected = n * integrate.quad(lambda y: y ** (n - 1) / (1.0 + b * n * y ** (n - 1)), 0.0, 1.0, epsabs=1e-14)[0]
    assert search.stahl_shortfall_ratio(n, mu) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("mu", [0.1, 0.5, 0.9])
def test_integral_for_two_merchants_by_hand(mu):
    b = mu / (1.0 - mu)  # int_0^1 dy / (1 + 2 b y) = ln(1 + 2b) / (2b)
    assert search.stahl_integral(2, mu) == pytest.approx(math.log1p(2.0 * b) / (2.0 * b), rel=1e-12)


def hand_equilibrium_values(n, mu, s, v, c):
    """rho, E[p], E[min] from the quadrature integral and the quantile integrated numerically."""
    i = quad_integral(n, mu)
    margin = min(s / (1.0 - i), v - c)
    b = mu / (1.0 - mu)
    quantile = lambda u: c + margin / (1.0 + b * n * (1.0 - u) ** (n - 1))  # noqa: E731
    mean = integrate.quad(quantile, 0.0, 1.0, epsabs=1e-13)[0]
    # the minimum of N iid draws is F^{-1}(U_min), U_min ~ Beta(1, N)
    mean_min = integrate.quad(lambda u: quantile(u) * n * (1.0 - u) ** (n - 1), 0.0, 1.0, epsabs=1e-13)[0]
    return c + margin, mean, mean_min


@pytest.mark.parametrize("n, mu", INTERIOR)
@pytest.mark.parametrize("c", [0.0, 0.3])
def test_equilibrium_moments_against_numerical_integration(n, mu, c):
    s, v = 0.05, 1.0
    eq = search.stahl_equilibrium(n, mu, s, v, c)
    rho, mean, mean_min = hand_equilibrium_values(n, mu, s, v, c)
    assert eq.reservation_price == pytest.approx(rho, rel=1e-10)
    assert eq.mean_price == pytest.approx(mean, rel=1e-9)
    assert eq.mean_min_price == pytest.approx(mean_min, rel=1e-8)
    if eq.regime == "interior":  # shoppers pay c + s (1 - mu) / mu whatever N
        assert eq.mean_min_price == pytest.approx(c + s * (1.0 - mu) / mu, rel=1e-9)
        # one more search at rho saves exactly s: E[max(rho - P, 0)] = rho - E[p]
        assert eq.reservation_price - eq.mean_price == pytest.approx(s, rel=1e-9)


def test_capped_regime_saves_less_than_the_search_cost():
    eq = search.stahl_equilibrium(5, 0.2, 0.5, 1.0)  # s / (1 - I) > v: rho = v
    assert eq.regime == "capped" and eq.reservation_price == 1.0
    assert eq.reservation_price - eq.mean_price < 0.5


@pytest.mark.parametrize("n, mu", INTERIOR)
def test_profit_is_constant_on_the_support_and_lower_off_it(n, mu):
    eq = search.stahl_equilibrium(n, mu, 0.05, 1.0)
    for p in np.linspace(eq.lowest_price, eq.reservation_price, 9):
        assert search.deviation_profit(float(p), eq) == pytest.approx(eq.profit_per_buyer, rel=1e-10)
    # hand values: at p_lo the merchant sells to every shopper: p_lo ((1 - mu)/N + mu)
    assert eq.lowest_price * ((1 - mu) / n + mu) == pytest.approx(eq.profit_per_buyer, rel=1e-12)
    assert search.deviation_profit(0.8 * eq.lowest_price, eq) == pytest.approx(0.8 * eq.profit_per_buyer, rel=1e-12)
    assert search.deviation_profit(1.02 * eq.reservation_price, eq) == 0.0


def test_cdf_inverts_the_quantile():
    eq = search.stahl_equilibrium(5, 0.5, 0.05, 1.0)
    u = np.linspace(0.0, 0.999, 50)
    np.testing.assert_allclose(search.stahl_cdf(search.stahl_quantile(u, eq), eq), u, atol=1e-12)
    assert search.stahl_quantile(0.0, eq) == pytest.approx(eq.lowest_price, rel=1e-14)


def test_limits():
    assert search.stahl_equilibrium(1, 0.5, 0.05, 1.0).mean_price == 1.0          # monopoly
    diamond = search.stahl_equilibrium(5, 0.0, 0.05, 1.0)
    assert diamond.regime == "diamond" and diamond.mean_price == 1.0
    bertrand = search.stahl_equilibrium(5, 1.0, 0.05, 1.0, 0.1)
    assert bertrand.regime == "bertrand" and bertrand.mean_price == 0.1
    np.testing.assert_array_equal(search.stahl_quantile([0.1, 0.9], diamond), [1.0, 1.0])


@pytest.mark.parametrize("n, mu", [(2, 0.5), (3, 0.8), (5, 0.2)])
def test_sampler_passes_a_ks_test(n, mu):
    """KS at alpha = 0.001 on 10^5 draws: false failure 0.1% per case; power ~1 against a 1% shift in rho
    (the KS statistic's critical value at n = 10^5 is 1.95 / sqrt(n) = 0.006). Large N is left out: there
    1 - F(rho (1 - 1e-16)) = (1e-16 / (b N))^(1/(N-1)) is a visible share (1.4% at N = 10), draws that equal
    rho in float64 and show as a tie block to the KS statistic."""
    eq = search.stahl_equilibrium(n, mu, 0.05, 1.0)
    draws = search.stahl_quantile(np.random.default_rng(20261201).random(100_000), eq)
    assert stats.kstest(draws, lambda p: search.stahl_cdf(p, eq)).pvalue > 0.001
    wrong = search.stahl_equilibrium(n, mu, 0.0505, 1.0)  # rho 1% higher: the test must reject it
    assert stats.kstest(draws, lambda p: search.stahl_cdf(p, wrong)).pvalue < 0.001
