"""Logit kernels against their NumPy twins, theory, extreme utilities, and across thread counts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.kernels.logit import (
    logit_probabilities,
    logit_probabilities_parallel,
    logit_probabilities_reference,
    outside_probabilities,
    outside_probabilities_parallel,
    outside_probabilities_reference,
    purchase_probability,
    purchase_probability_parallel,
    purchase_probability_reference,
)

from tests.kernels.threads import THREAD_COUNTS, with_threads

RTOL = 1e-10
ATOL = 1e-300  # only values that underflow to the subnormal range can differ by more than RTOL
EXTREMES = [700.0, -700.0, 745.0, -745.0, 1e4, -1e4, 1e6, -1e6, 0.0]
utility_values = st.one_of(st.floats(-40.0, 40.0), st.sampled_from(EXTREMES))
utility_matrices = st.tuples(st.integers(1, 300), st.integers(1, 9)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=utility_values))


@settings(max_examples=150, deadline=None)
@given(utility_matrices, st.booleans())
def test_probabilities_equal_the_numpy_reference(utilities, outside_option):
    with np.errstate(under="ignore"):
        expected = logit_probabilities_reference(utilities, outside_option)
    probabilities = logit_probabilities(utilities, outside_option)
    np.testing.assert_allclose(probabilities, expected, rtol=RTOL, atol=ATOL)
    assert np.isfinite(probabilities).all()
    assert ((probabilities >= 0.0) & (probabilities <= 1.0)).all()
    np.testing.assert_array_equal(logit_probabilities_parallel(utilities, outside_option), probabilities)


@settings(max_examples=150, deadline=None)
@given(utility_matrices)
def test_outside_probabilities_equal_the_reference_and_complete_each_row_to_one(utilities):
    with np.errstate(under="ignore"):
        expected = outside_probabilities_reference(utilities)
    outside = outside_probabilities(utilities)
    np.testing.assert_allclose(outside, expected, rtol=RTOL, atol=ATOL)
    row_totals = logit_probabilities(utilities, True).sum(axis=1) + outside
    np.testing.assert_allclose(row_totals, 1.0, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(outside_probabilities_parallel(utilities), outside)


def test_rows_without_outside_option_sum_to_one():
    utilities = np.random.default_rng(3).normal(0.0, 5.0, (1000, 6))
    np.testing.assert_allclose(logit_probabilities(utilities, False).sum(axis=1), 1.0, rtol=0, atol=1e-14)


def test_known_values_at_extreme_utilities():
    gap_high = (700.0 + math.log(3.0)) - 700.0  # log 3 up to the rounding of 700 + log 3 (ulp of 700)
    gap_low = (-700.0 + math.log(3.0)) + 700.0
    utilities = np.array([
        [700.0, 700.0 + math.log(3.0)],  # 1 : 3 between the products, outside negligible
        [1e4, 1e4],  # equal: one half each
        [-1e4, -1e4],  # the outside good takes everything
        [-700.0, -700.0 + math.log(3.0)],  # tiny but in ratio 1 : 3
    ])
    with_outside = logit_probabilities(utilities, True)
    ratio_high = np.array([1.0, math.exp(gap_high)]) / (1.0 + math.exp(gap_high))
    np.testing.assert_allclose(with_outside[0], ratio_high, rtol=1e-15)
    np.testing.assert_allclose(with_outside[0], [0.25, 0.75], rtol=1e-13)
    np.testing.assert_allclose(with_outside[1], [0.5, 0.5], rtol=1e-15)
    np.testing.assert_array_equal(with_outside[2], [0.0, 0.0])
    np.testing.assert_allclose(with_outside[3], [math.exp(-700.0), math.exp(-700.0 + math.log(3.0))], rtol=1e-15)
    np.testing.assert_allclose(outside_probabilities(utilities), [0.0, 0.0, 1.0, 1.0], atol=1e-300)
    without = logit_probabilities(utilities, False)
    np.testing.assert_allclose(without[2], [0.5, 0.5], rtol=1e-15)  # shift-invariant without the outside good
    np.testing.assert_allclose(without[3], np.array([1.0, math.exp(gap_low)]) / (1.0 + math.exp(gap_low)), rtol=1e-15)


def test_unavailable_product_has_zero_probability():
    utilities = np.array([[1.0, -np.inf, 2.0]])
    probabilities = logit_probabilities(utilities, True)[0]
    assert probabilities[1] == 0.0
    denominator = 1.0 + math.exp(1.0) + math.exp(2.0)
    np.testing.assert_allclose(probabilities[[0, 2]], [math.exp(1.0) / denominator, math.exp(2.0) / denominator],
                               rtol=1e-15)


def test_single_consumer_single_product():
    probabilities = logit_probabilities(np.array([[math.log(3.0)]]), True)
    np.testing.assert_allclose(probabilities, [[0.75]], rtol=1e-15)
    np.testing.assert_array_equal(logit_probabilities(np.array([[-5.0]]), False), [[1.0]])


@pytest.mark.parametrize("n_threads", THREAD_COUNTS)
def test_parallel_equals_serial_for_any_thread_count(n_threads):
    utilities = np.random.default_rng(11).normal(0.0, 30.0, (20_000, 5))  # several parallel tasks
    serial = logit_probabilities(utilities, True)
    np.testing.assert_array_equal(with_threads(n_threads, logit_probabilities_parallel, utilities, True), serial)
    np.testing.assert_array_equal(with_threads(n_threads, outside_probabilities_parallel, utilities),
                                  outside_probabilities(utilities))
    v = utilities[:, 0]
    np.testing.assert_array_equal(with_threads(n_threads, purchase_probability_parallel, v), purchase_probability(v))


@settings(max_examples=150, deadline=None)
@given(arrays(np.float64, st.integers(1, 200), elements=st.one_of(st.floats(-800.0, 800.0), st.sampled_from(EXTREMES))))
def test_purchase_probability_equals_reference_and_the_one_product_logit(v):
    with np.errstate(under="ignore"):
        expected = purchase_probability_reference(v)
    probability = purchase_probability(v)
    np.testing.assert_allclose(probability, expected, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(probability, logit_probabilities(v[:, None], True)[:, 0], rtol=1e-15, atol=ATOL)
    np.testing.assert_allclose(probability + purchase_probability(-v), 1.0, rtol=0, atol=1e-15)


def test_purchase_probability_known_values():
    v = np.array([0.0, math.log(3.0), -math.log(3.0), 1e4, -1e4, 710.0, -746.0])
    np.testing.assert_allclose(purchase_probability(v), [0.5, 0.75, 0.25, 1.0, 0.0, 1.0, 0.0], rtol=1e-15, atol=0)


def test_a_row_that_overflows_does_not_change_the_other_rows_of_its_block():
    """Rows above exp's range are redone with a shift; their neighbours' results stay bit for bit the same."""
    utilities = np.random.default_rng(21).normal(0.0, 3.0, (300, 4))
    alone = logit_probabilities(utilities, True)
    utilities[[5, 200], 2] = [800.0, 1e4]  # two rows overflow exp without the shift
    mixed = logit_probabilities(utilities, True)
    unchanged = np.setdiff1d(np.arange(300), [5, 200])
    np.testing.assert_array_equal(mixed[unchanged], alone[unchanged])
    np.testing.assert_allclose(mixed[[5, 200], 2], 1.0, rtol=1e-15)
    np.testing.assert_allclose(mixed[5], logit_probabilities_reference(utilities[5:6], True)[0], rtol=1e-13, atol=ATOL)
