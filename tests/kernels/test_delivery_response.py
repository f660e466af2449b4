"""The delivery response reproduces the published effects it is calibrated to, and its kernel its twin.

The published figures are written in this file from the papers and the demand change is computed by hand
from the kernel's utility shift (`_demand_change_by_hand`), not through `sales_change` or the calibration
helpers. Tolerance for the published effects: 0.05 percentage points of sales (0.0005 in relative change).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.kernels.delivery_response import (
    BASELINE_PURCHASE_PROBABILITY,
    FISHER_MEASURED_RANGE_DAYS,
    DeliveryResponse,
    delivery_utility,
    delivery_utility_reference,
    logit_shift_for_sales_change,
    sales_change,
)

TOLERANCE = 0.0005  # 0.05 percentage points
P0 = BASELINE_PURCHASE_PROBABILITY

# The published figures, written here from the papers (not imported from the module that is calibrated to
# them), and the demand change computed by hand: a binary logit with purchase probability p0 moved by a
# utility shift du buys with probability 1 / (1 + (1 - p0) / p0 * exp(-du)).
FISHER_2019_PER_BUSINESS_DAY_FASTER = 0.015  # Fisher, Gallino & Xu (2019, JMR), from a 7-day baseline
CUI_2024_PROMISE_FASTER = 0.0073  # Cui, Lu, Sun & Golden (2024, MSOM 26(1)): promise 1 day faster
CUI_2024_PROMISE_SLOWER = -0.0051  # Cui et al. (2024): promise 1 day slower


def _demand_change_by_hand(utility_shift: float, p0: float) -> float:
    odds = p0 / (1.0 - p0) * math.exp(utility_shift)
    return odds / (1.0 + odds) / p0 - 1.0


def _shift(response, promised, expected):
    """The kernel's utility shift for one customer with no history."""
    return float(response.utility(promised, np.zeros(1), np.zeros(1), expected_days=expected)[0])


def test_fisher_gallino_xu_2019_one_business_day_faster_from_seven_days_is_plus_1_5_percent():
    """Fisher, Gallino & Xu (2019, J. Marketing Research): +1.5% sales per business day faster, 7-day
    baseline; no promise shown, the expected days move from 7 to 6, demand change by hand."""
    response = DeliveryResponse()
    shift = _shift(response, 0.0, 6.0) - _shift(response, 0.0, 7.0)
    assert _demand_change_by_hand(shift, P0) == pytest.approx(FISHER_2019_PER_BUSINESS_DAY_FASTER, abs=TOLERANCE)
    # and `sales_change`, the function the scenarios use, agrees with the hand computation
    assert sales_change(response, 7.0, 6.0, P0) == pytest.approx(_demand_change_by_hand(shift, P0), rel=1e-12)


def test_cui_lu_sun_golden_2024_promise_asymmetry():
    """Cui, Lu, Sun & Golden (2024, MSOM 26(1)): a promise 1 day faster +0.73% sales, 1 day slower -0.51%,
    with the actual delivery (the customers' expectation) unchanged; demand change by hand."""
    response = DeliveryResponse()
    for expected in (3.0, 5.0, 7.0):
        at = _shift(response, expected, expected)
        faster = _demand_change_by_hand(_shift(response, expected - 1.0, expected) - at, P0)
        slower = _demand_change_by_hand(_shift(response, expected + 1.0, expected) - at, P0)
        assert faster == pytest.approx(CUI_2024_PROMISE_FASTER, abs=TOLERANCE)
        assert slower == pytest.approx(CUI_2024_PROMISE_SLOWER, abs=TOLERANCE)
        assert sales_change(response, expected, expected - 1.0, P0, expected_days=expected) == pytest.approx(
            faster, rel=1e-12)


def test_the_speed_term_is_linear_in_business_days():
    response = DeliveryResponse()
    for from_days in (14.0, 10.0, 5.0, 2.0):
        assert sales_change(response, from_days, from_days - 1.0, P0) == pytest.approx(0.015, abs=TOLERANCE)
    # 14+ days to the 5-day promise (AliExpress Choice): nine days at +1.5% each, compounded in the logit
    nine_days = sales_change(response, 14.0, 5.0, P0)
    assert nine_days == pytest.approx(1.015**9 - 1.0, abs=0.005)


def test_calibration_is_exact_in_demand_not_only_in_utility():
    """b = logit(P0 (1 + r)) - logit(P0); the naive ln(1 + r) would miss by about P0 * r."""
    exact = math.log(1.015) + math.log((1 - P0) / (1 - 1.015 * P0))
    assert logit_shift_for_sales_change(0.015, P0) == pytest.approx(exact, rel=1e-12)
    naive = dataclasses.replace(DeliveryResponse(), utility_per_expected_day=-math.log(1.015))
    assert sales_change(naive, 7.0, 6.0, P0) == pytest.approx(0.015 * (1 - P0), abs=0.00005)  # 1.455%


def test_recalibration_at_another_baseline_and_the_small_share_approximation():
    """Recalibrated at P = 0.3, one day faster is again +1.5% (Fisher et al.), computed by hand; the default
    coefficients there give about 1.5% x (1 - P) / (1 - P0), the logit's small-share factor."""
    high = 0.3
    recalibrated = DeliveryResponse.calibrated(high)
    shift = _shift(recalibrated, 0.0, 6.0) - _shift(recalibrated, 0.0, 7.0)
    assert _demand_change_by_hand(shift, high) == pytest.approx(FISHER_2019_PER_BUSINESS_DAY_FASTER, abs=TOLERANCE)
    default_shift = _shift(DeliveryResponse(), 0.0, 6.0) - _shift(DeliveryResponse(), 0.0, 7.0)
    assert _demand_change_by_hand(default_shift, high) == pytest.approx(
        FISHER_2019_PER_BUSINESS_DAY_FASTER * (1 - high) / (1 - P0), abs=0.0002)
    custom = DeliveryResponse.calibrated(0.1, utility_per_late_delivery=-0.2)
    assert custom.utility_per_late_delivery == -0.2
    with pytest.raises(ValueError, match="only the assumed fields"):
        DeliveryResponse.calibrated(0.1, utility_per_day_faster=1.0)


def test_no_promise_means_the_customer_expects_the_reference_days():
    response = DeliveryResponse(reference_days=14.0)
    none = np.zeros(3)
    np.testing.assert_array_equal(response.utility(0.0, none, none), 0.0)
    np.testing.assert_array_equal(response.utility(14.0, none, none), 0.0)
    np.testing.assert_allclose(response.utility(5.0, none, none), -9.0 * response.utility_per_expected_day, rtol=1e-15)
    np.testing.assert_allclose(response.utility(0.0, none, none, expected_days=10.0),
                               -4.0 * response.utility_per_expected_day, rtol=1e-15)


def test_flat_outside_the_measured_range_counts_only_the_days_inside_it():
    """Fisher et al. measured from 7 business days down by about 2.5 (3.8% at 1.5% a day): flat outside
    [4.5, 7], a speed-up from 10.5 to 3 days counts as the 2.5 days from 7 to 4.5 (by hand)."""
    assert FISHER_MEASURED_RANGE_DAYS == pytest.approx((7.0 - 0.038 / 0.015, 7.0), abs=0.05)
    linear = DeliveryResponse(reference_days=10.5)
    flat = DeliveryResponse(reference_days=10.5, speed_range_days=FISHER_MEASURED_RANGE_DAYS)
    none = np.zeros(1)
    b = linear.utility_per_expected_day
    # no promise shown (P = 0) and E = 3: only the speed term acts
    assert linear.utility(0.0, none, none, expected_days=3.0)[0] == pytest.approx(b * (3.0 - 10.5), rel=1e-14)
    assert flat.utility(0.0, none, none, expected_days=3.0)[0] == pytest.approx(b * (4.5 - 7.0), rel=1e-14)
    # inside the range both agree; beyond it nothing changes
    inside = (linear.utility(0.0, none, none, expected_days=5.0)[0]
              - linear.utility(0.0, none, none, expected_days=6.0)[0])
    assert (flat.utility(0.0, none, none, expected_days=5.0)[0]
            - flat.utility(0.0, none, none, expected_days=6.0)[0]) == pytest.approx(inside, rel=1e-12)
    assert flat.utility(0.0, none, none, expected_days=2.0)[0] == flat.utility(0.0, none, none, expected_days=4.5)[0]
    assert flat.utility(0.0, none, none, expected_days=9.0)[0] == 0.0
    assert sales_change(flat, 10.5, 3.0, P0) == pytest.approx(1.015**2.5 - 1.0, abs=0.001)
    with pytest.raises(ValueError, match="speed_range_days"):
        DeliveryResponse(speed_range_days=(7.0, 4.5)).utility(5.0, none, none)


def test_the_experience_term_counts_late_deliveries_coupons_and_kept_promises():
    response = DeliveryResponse()
    late, kept = np.array([0.0, 1.0, 3.0, 0.0, 2.5]), np.array([0.0, 0.0, 0.0, 4.0, 1.0])
    shift = response.utility(7.0, late, kept)  # 7 days: speed and promise terms are 0
    expected = response.utility_per_late_delivery * late + response.utility_per_kept_promise * kept
    np.testing.assert_allclose(shift, expected, rtol=1e-15)
    coupon = response.utility(7.0, late, kept, compensation_eur=0.92)  # a US$1 coupon
    np.testing.assert_allclose(coupon - shift, response.coupon_utility_per_eur * 0.92 * late, rtol=1e-12, atol=1e-16)
    # Harter, Stich & Spann (2024): a late delivery weighs more than an on-time one
    assert abs(response.utility_per_late_delivery) > abs(response.utility_per_kept_promise)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([0.0, 1.0, 2.5, 5.0, 7.0, 14.0, 30.0]),
    st.floats(0.5, 40.0),
    st.integers(1, 50).flatmap(lambda n: st.tuples(arrays(np.float64, n, elements=st.floats(0.0, 50.0)),
                                                   arrays(np.float64, n, elements=st.floats(0.0, 50.0)))),
    st.floats(0.0, 5.0),
    st.tuples(st.floats(0.0, 10.0), st.floats(0.0, 10.0), st.booleans()),
    st.tuples(*[st.floats(-1.0, 1.0)] * 6),
)
def test_kernel_equals_the_numpy_reference(promised, expected, histories, compensation, speed_range, coefficients):
    late, kept = histories
    low, width, unbounded = speed_range
    high = math.inf if unbounded else low + width
    arguments = (promised, expected, late, kept, compensation, 7.0, low, high, *coefficients)
    np.testing.assert_allclose(delivery_utility(*arguments), delivery_utility_reference(*arguments),
                               rtol=1e-12, atol=1e-12)


def test_arguments_are_validated():
    response = DeliveryResponse()
    with pytest.raises(ValueError, match="promised_days must be >= 0"):
        response.utility(-1.0, np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="one length"):
        response.utility(5.0, np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="compensation_eur"):
        response.utility(5.0, np.zeros(2), np.zeros(2), compensation_eur=-1.0)
    with pytest.raises(ValueError, match="outside"):
        logit_shift_for_sales_change(40.0, 0.03)
