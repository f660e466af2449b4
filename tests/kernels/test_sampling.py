"""Purchase sampling: equal to the NumPy twins, deterministic given the draws, and distributed as theory says.

Significance of the goodness-of-fit tests: alpha = 0.001 at a fixed seed (a correct sampler fails one
such test in a thousand seeds; these seeds pass and the outcome is fixed).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from sim.kernels.logit import logit_probabilities
from sim.kernels.sampling import (
    NO_PURCHASE,
    allocate_purchases,
    choose_products,
    choose_products_parallel,
    choose_products_reference,
    draw_shoppers,
    split_purchases,
    split_purchases_reference,
)

from tests.kernels.threads import THREAD_COUNTS, with_threads

ALPHA = 0.001


@st.composite
def share_vectors(draw):
    """Shares of J in 1..8 products, some zero, summing to at most 1."""
    weights = draw(arrays(np.float64, st.integers(1, 8), elements=st.one_of(st.just(0.0), st.floats(0.0, 1.0))))
    outside = draw(st.floats(0.0, 1.0))
    total = weights.sum() + outside
    return weights / total if total > 0 else weights


@settings(max_examples=100, deadline=None)
@given(share_vectors(), arrays(np.float64, st.integers(0, 500), elements=st.floats(0.0, 1.0, exclude_max=True)))
def test_split_equals_the_numpy_reference_and_conserves_shoppers(shares, uniforms):
    counts = split_purchases(uniforms, shares)
    np.testing.assert_array_equal(counts, split_purchases_reference(uniforms, shares))
    assert counts.sum() == uniforms.size
    assert (counts[:-1][shares == 0.0] == 0).all()  # a product with no share is never bought


def test_split_uses_the_cumulative_shares_as_boundaries():
    shares = np.array([0.25, 0.0, 0.5])
    uniforms = np.array([0.0, 0.2499, 0.25, 0.7499, 0.75, 0.9999])  # C = 0.25, 0.25, 0.75
    np.testing.assert_array_equal(split_purchases(uniforms, shares), [2, 0, 2, 2])


def test_split_counts_pass_a_chi_square_test_against_the_shares():
    shares = np.array([0.31, 0.22, 0.15, 0.08, 0.04, 0.005])
    expected_probabilities = np.append(shares, 1.0 - shares.sum())
    n_shoppers = 200_000
    counts = allocate_purchases(np.random.default_rng(20240601), n_shoppers, shares)
    assert counts.sum() == n_shoppers
    assert stats.chisquare(counts, n_shoppers * expected_probabilities).pvalue > ALPHA
    # and the test has power: the same counts are rejected against shares shifted by 1% of the total
    wrong = expected_probabilities + np.array([0.01, -0.01, 0, 0, 0, 0, 0])
    assert stats.chisquare(counts, n_shoppers * wrong).pvalue < ALPHA


def test_allocation_is_deterministic_given_the_stream():
    shares = np.array([0.5, 0.3])
    first = allocate_purchases(np.random.default_rng(4), 1000, shares)
    np.testing.assert_array_equal(first, allocate_purchases(np.random.default_rng(4), 1000, shares))
    np.testing.assert_array_equal(first, split_purchases(np.random.default_rng(4).random(1000), shares))


def test_allocation_arguments_are_validated():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="sum to at most 1"):
        allocate_purchases(rng, 10, np.array([0.7, 0.4]))
    with pytest.raises(ValueError, match="finite and >= 0"):
        allocate_purchases(rng, 10, np.array([0.7, -0.1]))
    with pytest.raises(ValueError, match="n_shoppers"):
        allocate_purchases(rng, -1, np.array([0.5]))


@st.composite
def probability_rows(draw):
    n, n_products = draw(st.integers(1, 300)), draw(st.integers(1, 6))
    utilities = draw(arrays(np.float64, (n, n_products), elements=st.floats(-8.0, 8.0)))
    uniforms = draw(arrays(np.float64, n, elements=st.floats(0.0, 1.0, exclude_max=True)))
    return uniforms, logit_probabilities(utilities, draw(st.booleans()))


@settings(max_examples=100, deadline=None)
@given(probability_rows())
def test_choices_equal_the_numpy_reference(case):
    uniforms, probabilities = case
    choices = choose_products(uniforms, probabilities)
    np.testing.assert_array_equal(choices, choose_products_reference(uniforms, probabilities))
    assert ((choices >= NO_PURCHASE) & (choices < probabilities.shape[1])).all()
    np.testing.assert_array_equal(choose_products_parallel(uniforms, probabilities), choices)


def test_choice_frequencies_pass_a_chi_square_test_against_each_shoppers_row():
    rng = np.random.default_rng(77)
    rows = np.array([[0.5, 0.2, 0.1], [0.05, 0.05, 0.6]])  # two kinds of shopper, outside 0.2 and 0.3
    kind = rng.integers(0, 2, 100_000)
    choices = choose_products(rng.random(kind.size), rows[kind])
    for k in range(2):
        observed = np.bincount(choices[kind == k] + 1, minlength=4)  # column 0 = outside option
        expected = np.concatenate([[1.0 - rows[k].sum()], rows[k]]) * np.count_nonzero(kind == k)
        assert stats.chisquare(observed, expected).pvalue > ALPHA


@pytest.mark.parametrize("n_threads", THREAD_COUNTS)
def test_parallel_choices_equal_serial_for_any_thread_count(n_threads):
    rng = np.random.default_rng(8)
    probabilities = logit_probabilities(rng.normal(0.0, 2.0, (50_000, 4)), True)
    uniforms = rng.random(50_000)
    np.testing.assert_array_equal(with_threads(n_threads, choose_products_parallel, uniforms, probabilities),
                                  choose_products(uniforms, probabilities))


def test_poisson_shoppers_have_mean_equal_to_variance():
    draws = draw_shoppers(np.random.default_rng(12), np.full(200_000, 40.0), None)
    assert draws.dtype == np.int64 and draws.shape == (200_000,)
    assert abs(draws.mean() - 40.0) < 4 * np.sqrt(40.0 / draws.size)
    # sd of the sample variance of a Poisson(mu) is about sqrt((mu + 2 mu^2) / n)
    assert abs(draws.var() - 40.0) < 4 * np.sqrt((40.0 + 2 * 40.0**2) / draws.size)


def test_negative_binomial_shoppers_have_variance_mu_plus_mu_squared_over_dispersion():
    mu, k = 40.0, 5.0
    draws = draw_shoppers(np.random.default_rng(13), np.full(200_000, mu), k)
    variance = mu + mu**2 / k  # 360, nine times the Poisson variance
    assert abs(draws.mean() - mu) < 4 * np.sqrt(variance / draws.size)
    assert draws.var() == pytest.approx(variance, rel=0.03)  # sd of the estimate about 1% here


def test_shopper_shape_follows_the_mean_and_draws_follow_the_stream():
    one = draw_shoppers(np.random.default_rng(1), 25.0, 3.0)
    assert one.shape == () and one.dtype == np.int64
    assert int(one) == int(draw_shoppers(np.random.default_rng(1), 25.0, 3.0))
    periods = draw_shoppers(np.random.default_rng(1), np.array([0.0, 10.0, 1000.0]), None)
    assert periods.shape == (3,) and periods[0] == 0
    with pytest.raises(ValueError, match="dispersion must be"):
        draw_shoppers(np.random.default_rng(1), 10.0, 0.0)
    with pytest.raises(ValueError, match="mean must be"):
        draw_shoppers(np.random.default_rng(1), -1.0, None)


def test_unit_poisson_epochs_count_and_gaps_match_a_unit_rate_process():
    from sim.kernels.sampling import unit_poisson_epochs

    total = 200_000.0
    epochs = unit_poisson_epochs(np.random.default_rng(11), total)
    assert np.all(np.diff(epochs) > 0.0) and epochs[-1] < total
    # N(total) ~ Poisson(total): |N - total| < 4.4 sd fails with probability ~1e-5 when the process is right;
    # a rate off by 5% moves N by 10,000 = 22 sd, so the check has power ~1 against that error
    assert abs(epochs.size - total) < 4.4 * np.sqrt(total)
    # the gaps are standard exponential: mean 1 and sd 1 (standard error of the mean 1/sqrt(n))
    gaps = np.diff(np.concatenate(([0.0], epochs)))
    assert abs(gaps.mean() - 1.0) < 4.4 / np.sqrt(gaps.size)


def test_poisson_arrival_times_keep_each_draw_when_the_rate_changes():
    from sim.kernels.sampling import poisson_arrival_times

    slow = poisson_arrival_times(np.random.default_rng(3), 2.0, 100.0)
    fast = poisson_arrival_times(np.random.default_rng(3), 4.0, 100.0)
    # the same unit-rate epochs, scaled by 1/rate: the i-th arrival of the fast stream is half the slow one's
    np.testing.assert_allclose(fast[: slow.size], slow / 2.0, rtol=1e-15)


def test_lognormal_draws_have_the_stated_mean_and_median():
    from sim.kernels.sampling import lognormal_from_uniforms, lognormal_with_mean

    z = np.random.default_rng(5).standard_normal(400_000)
    x = lognormal_with_mean(2.0, 0.5, z)
    # sd of the sample mean = 2 sqrt(exp(0.25) - 1) / sqrt(n); 4.4 standard errors
    assert abs(x.mean() - 2.0) < 4.4 * 2.0 * np.sqrt(np.expm1(0.25)) / np.sqrt(z.size)
    assert np.std(np.log(x)) == pytest.approx(0.5, rel=0.01)
    assert lognormal_from_uniforms(7.0, 0.6, np.array([0.5]))[0] == pytest.approx(7.0, rel=1e-15)
    # Phi(1) = 0.841344746...: one log-sd above the median
    assert lognormal_from_uniforms(7.0, 0.6, np.array([0.8413447460685429]))[0] == pytest.approx(7.0 * np.exp(0.6))
