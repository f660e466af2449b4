"""Mixed-logit kernels against their NumPy twins, finite differences, plain-logit theory and thread counts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.kernels.logit import logit_probabilities, outside_probabilities
from sim.kernels.mixed_logit import (
    draw_consumer_tastes,
    mixed_logit_elasticities,
    mixed_logit_elasticities_parallel,
    mixed_logit_elasticities_reference,
    mixed_logit_price_derivatives,
    mixed_logit_price_derivatives_parallel,
    mixed_logit_price_derivatives_reference,
    mixed_logit_shares,
    mixed_logit_shares_parallel,
    mixed_logit_shares_reference,
    mixed_logit_utilities,
    mixed_logit_utilities_reference,
)

from tests.kernels.threads import THREAD_COUNTS, with_threads

RTOL = 1e-10
ATOL = 1e-300
NORMAL = 1e-290  # comfortably inside the normal double range (smallest normal 2.2e-308)


@st.composite
def markets(draw, extreme_delta=True):
    """(delta, price, delivery_days, alpha, gamma): J in 1..8 products, N in 1..700 consumers (up to three
    blocks of 256), mean utilities with extremes +-700, +-1e4."""
    n_products = draw(st.integers(1, 8))
    n_consumers = draw(st.integers(1, 700))
    delta_values = st.floats(-15.0, 15.0)
    if extreme_delta:
        delta_values = st.one_of(delta_values, st.sampled_from([700.0, -700.0, 1e4, -1e4]))
    delta = draw(arrays(np.float64, n_products, elements=delta_values))
    price = draw(arrays(np.float64, n_products, elements=st.floats(0.1, 10.0)))
    delivery_days = draw(arrays(np.float64, n_products, elements=st.floats(0.0, 20.0)))
    seed = draw(st.integers(0, 2**32 - 1))
    alpha, gamma = draw_consumer_tastes(np.random.default_rng(seed), n_consumers, 1.0, 0.8, 0.2, 0.8)
    return delta, price, delivery_days, alpha, gamma


@settings(max_examples=100, deadline=None)
@given(markets())
def test_shares_equal_the_numpy_reference_and_are_shares(market):
    with np.errstate(under="ignore"):
        expected = mixed_logit_shares_reference(*market)
    shares = mixed_logit_shares(*market)
    np.testing.assert_allclose(shares, expected, rtol=RTOL, atol=ATOL)
    assert ((shares >= 0.0) & (shares <= 1.0)).all()
    assert shares.sum() <= 1.0 + 1e-14
    np.testing.assert_array_equal(mixed_logit_shares_parallel(*market), shares)


@settings(max_examples=100, deadline=None)
@given(markets())
def test_derivatives_and_elasticities_equal_the_numpy_reference(market):
    with np.errstate(under="ignore", invalid="ignore", divide="ignore"):
        expected_derivatives = mixed_logit_price_derivatives_reference(*market)
        expected_elasticities = mixed_logit_elasticities_reference(*market)
    derivatives = mixed_logit_price_derivatives(*market)
    np.testing.assert_allclose(derivatives, expected_derivatives, rtol=RTOL, atol=ATOL)
    # E_jk = D_jk p_k / s_j is a ratio: where D_jk or s_j is subnormal (below ~2e-308) it has few significant
    # bits in the kernel and in the reference alike, so only entries with both in the normal range are compared
    shares = mixed_logit_shares_reference(*market)
    normal = (np.abs(expected_derivatives) >= NORMAL) & (shares[:, None] >= NORMAL)
    elasticities = mixed_logit_elasticities(*market)
    np.testing.assert_allclose(elasticities[normal], expected_elasticities[normal], rtol=RTOL)
    np.testing.assert_array_equal(mixed_logit_price_derivatives_parallel(*market), derivatives)
    np.testing.assert_array_equal(mixed_logit_elasticities_parallel(*market), mixed_logit_elasticities(*market))


@settings(max_examples=50, deadline=None)
@given(markets())
def test_shares_are_the_mean_of_the_logit_rows_of_the_utility_matrix(market):
    utilities = mixed_logit_utilities(*market)
    np.testing.assert_array_equal(utilities, mixed_logit_utilities_reference(*market))
    shares = mixed_logit_shares(*market)
    np.testing.assert_allclose(shares, logit_probabilities(utilities, True).mean(axis=0), rtol=1e-12, atol=ATOL)
    np.testing.assert_allclose(shares.sum() + outside_probabilities(utilities).mean(), 1.0, rtol=0, atol=1e-14)


@settings(max_examples=25, deadline=None)
@given(markets(extreme_delta=False))
def test_elasticities_match_central_finite_differences_of_the_shares(market):
    delta, price, delivery_days, alpha, gamma = market
    shares = mixed_logit_shares(*market)
    numerical = np.empty((price.size, price.size))
    for k in range(price.size):
        step = 1e-5 * price[k]
        up, down = price.copy(), price.copy()
        up[k] += step
        down[k] -= step
        change = (mixed_logit_shares(delta, up, delivery_days, alpha, gamma)
                  - mixed_logit_shares(delta, down, delivery_days, alpha, gamma))
        numerical[:, k] = change / (up[k] - down[k]) * price[k] / shares
    np.testing.assert_allclose(mixed_logit_elasticities(*market), numerical, rtol=1e-6, atol=1e-9)


def test_without_taste_dispersion_the_elasticities_are_plain_logit():
    """alpha_i = a for all i: E_jj = -a p_j (1 - s_j), E_jk = a p_k s_k (Train 2009, eq. 3.11)."""
    rng = np.random.default_rng(5)
    delta, price, delivery_days = np.array([1.0, 0.5, -0.3]), np.array([2.0, 1.5, 1.0]), np.array([3.0, 5.0, 7.0])
    alpha, gamma = draw_consumer_tastes(rng, 10, 0.7, 0.0, 0.1, 0.0)
    shares = mixed_logit_shares(delta, price, delivery_days, alpha, gamma)
    utilities = delta - 0.7 * price - 0.1 * delivery_days
    np.testing.assert_allclose(shares, np.exp(utilities) / (1.0 + np.exp(utilities).sum()), rtol=1e-14)
    expected = np.tile(0.7 * price * shares, (3, 1))
    np.fill_diagonal(expected, -0.7 * price * (1.0 - shares))
    np.testing.assert_allclose(mixed_logit_elasticities(delta, price, delivery_days, alpha, gamma), expected,
                               rtol=1e-13)


def test_own_derivative_stays_accurate_when_a_share_is_close_to_one():
    """s ~ 1 - 1e-9: the textbook difference would lose about 9 digits; the sum of the others does not."""
    delta, price, delivery_days = np.array([25.0, 0.0]), np.array([1.0, 1.0]), np.zeros(2)
    alpha, gamma = np.full(3, 2.0), np.zeros(3)
    u = delta - 2.0 * price
    s = np.exp(u) / (1.0 + np.exp(u).sum())
    own = -2.0 * s[0] * (1.0 / (1.0 + np.exp(u).sum()) + s[1])  # -alpha s_1 (s_0 + s_2): no cancellation
    derivatives = mixed_logit_price_derivatives(delta, price, delivery_days, alpha, gamma)
    np.testing.assert_allclose(derivatives[0, 0], own, rtol=1e-13)


@pytest.mark.parametrize("n_threads", THREAD_COUNTS)
def test_parallel_equals_serial_for_any_thread_count(n_threads):
    rng = np.random.default_rng(9)
    delta, price, delivery_days = rng.normal(0.0, 2.0, 6), rng.uniform(0.5, 3.0, 6), rng.uniform(1.0, 10.0, 6)
    alpha, gamma = draw_consumer_tastes(rng, 20_000, 1.0, 0.5, 0.2, 0.5)  # 79 blocks, 5 parallel tasks
    market = (delta, price, delivery_days, alpha, gamma)
    np.testing.assert_array_equal(with_threads(n_threads, mixed_logit_shares_parallel, *market),
                                  mixed_logit_shares(*market))
    np.testing.assert_array_equal(with_threads(n_threads, mixed_logit_elasticities_parallel, *market),
                                  mixed_logit_elasticities(*market))


def test_mismatched_lengths_are_rejected():
    with pytest.raises(ValueError, match="one per product"):
        mixed_logit_shares(np.zeros(3), np.zeros(2), np.zeros(3), np.ones(4), np.ones(4))
    with pytest.raises(ValueError, match="one per consumer"):
        mixed_logit_shares(np.zeros(3), np.zeros(3), np.zeros(3), np.ones(4), np.ones(5))


def test_lognormal_tastes_have_the_stated_mean_and_log_sd():
    alpha, gamma = draw_consumer_tastes(np.random.default_rng(1), 400_000, 2.0, 0.6, 0.3, 1.0)
    for draws, mean, log_sd in ((alpha, 2.0, 0.6), (gamma, 0.3, 1.0)):
        standard_error = mean * np.sqrt(np.expm1(log_sd**2) / draws.size)  # sd of a lognormal / sqrt(n)
        assert abs(draws.mean() - mean) < 4 * standard_error
        assert abs(np.log(draws).std() - log_sd) < 4 * log_sd / np.sqrt(2 * draws.size)
        assert (draws > 0).all()


def test_normal_tastes_have_the_stated_mean_and_sd_and_a_fixed_draw_order():
    alpha, gamma = draw_consumer_tastes(np.random.default_rng(2), 400_000, 1.5, 0.5, 0.2, 0.1, "normal")
    assert abs(alpha.mean() - 1.5) < 4 * 0.5 / np.sqrt(alpha.size)
    assert abs(alpha.std() - 0.5) < 4 * 0.5 / np.sqrt(2 * alpha.size)
    assert abs(gamma.std() - 0.1) < 4 * 0.1 / np.sqrt(2 * gamma.size)
    z = np.random.default_rng(2).standard_normal((2, 400_000))
    np.testing.assert_array_equal(alpha, 1.5 + 0.5 * z[0])
    np.testing.assert_array_equal(gamma, 0.2 + 0.1 * z[1])


@pytest.mark.parametrize("arguments, message", [
    ((10, 1.0, 0.5, 1.0, 0.5, "uniform"), "distribution must be"),
    ((0, 1.0, 0.5, 1.0, 0.5), "n must be a positive integer"),
    ((10, -1.0, 0.5, 1.0, 0.5), "price_mean must be > 0"),
    ((10, 1.0, -0.5, 1.0, 0.5), "price_sigma must be"),
])
def test_taste_arguments_are_validated(arguments, message):
    with pytest.raises(ValueError, match=message):
        draw_consumer_tastes(np.random.default_rng(0), *arguments)


@pytest.mark.parametrize("n_consumers, n_products", [(1, 1), (1, 8), (257, 1)])
def test_edge_sizes_with_extreme_utilities_equal_the_reference(n_consumers, n_products):
    rng = np.random.default_rng(n_consumers * 10 + n_products)
    delta = rng.choice([700.0, -700.0, 1e4, -1e4, 2.0], n_products)
    price, delivery_days = rng.uniform(0.5, 3.0, n_products), rng.uniform(1.0, 10.0, n_products)
    alpha, gamma = draw_consumer_tastes(rng, n_consumers, 1.0, 0.5, 0.2, 0.5)
    market = (delta, price, delivery_days, alpha, gamma)
    with np.errstate(under="ignore", invalid="ignore", divide="ignore"):
        np.testing.assert_allclose(mixed_logit_shares(*market), mixed_logit_shares_reference(*market),
                                   rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(mixed_logit_price_derivatives(*market),
                                   mixed_logit_price_derivatives_reference(*market), rtol=RTOL, atol=ATOL)
