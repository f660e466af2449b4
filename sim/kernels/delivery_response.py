"""How delivery affects demand: the one formula, as a shift in a customer's purchase utility.

Functional form. For a customer with promised delivery P business days (P = 0: no promise shown), expected
delivery E business days, L late deliveries and K kept promises in their own history, and a compensation
coupon of c EUR paid per late delivery, the shift added to the logit purchase utility is

    Delta u = b_E * (clip(E) - clip(R))                                      speed term
            + b_fast * max(E - P, 0) + b_slow * max(P - E, 0)    (P > 0)     promise term
            + (b_late + b_coupon * c) * L + b_kept * K                       experience term

with R = `reference_days` and clip(x) = min(max(x, lo), hi) over `speed_range_days` = [lo, hi]: linear
everywhere by default (lo = 0, hi = inf), or flat outside the range where the speed effect was measured
(`FISHER_MEASURED_RANGE_DAYS`, the lower bracket of a promise's demand effect). E defaults to the promise (customers believe it: E = P) and, with no promise,
to R (so "no promise, no history" gives Delta u = 0); a model that knows what customers expect (e.g. the
mean delivery time they experienced) passes E explicitly. Signs: b_E, b_slow and b_late are negative,
b_fast, b_kept and b_coupon positive. Days are business days.

Which estimate for which term, and why (sources, dates and grades in docs/sources.md):

- Speed term, b_E: Fisher, Gallino & Xu (2019, J. Marketing Research): each business day faster delivery
  raises online sales by 1.5%, from a 7-day baseline. They measure a change in actual delivery speed,
  which customers experience; this term is the delivery time customers expect, which moves with the
  promise when promises are believed. Linear in days, as their per-day estimate. The B2B study (MSOM
  2025: 1 day faster = +1.82% above a week) is of the same size; its finding that B2B demand is flat below
  about a week is not used, since Fisher et al. find the consumer effect from 7 days down, and the
  scenarios compare 5-day promises with 14+ days.
  Outside the range they observed the per-day effect is an extrapolation: `FISHER_MEASURED_RANGE_DAYS`
  = [4.5, 7] business days is their 7-day baseline and the mean speed-up behind their average effect
  (+3.8% online sales at 1.5% a day is about 2.5 business days; AMA research summary of the paper, H for
  the two figures, the range itself derived). `speed_range_days` set to it makes the response flat
  outside: a speed-up from 10 to 3 days then counts as 7 to 4.5. Used as the lower bracket.
- Promise term, b_fast and b_slow: Cui, Lu, Sun & Golden (2024, MSOM 26(1)): promising 1 day faster raises
  sales by 0.73%, promising 1 day slower lowers them by 0.51%. That is the displayed promise measured
  against what the customer would otherwise expect, so it enters relative to E and only when a promise
  is shown. It is asymmetric: a promise faster than expected gains more than a slower one loses.
  These two terms are how the 1.5% and the 0.73% / -0.51% fit one function: they measure different things
  (the expected speed itself versus a promise that departs from it), not one curve at two points.
- Not used: Hu, Long, Sun & Zhang (2024: half a day faster = +6.7% monthly spend, Alibaba's domestic
  network). Taken per day it is about nine times Fisher's estimate and would dominate every other term;
  it bounds a sensitivity sweep of b_E from above rather than setting it.
- Experience term: Harter, Stich & Spann (2024, J. Service Research) give only the sign and asymmetry
  (late deliveries lengthen the time to the next purchase more than early ones shorten it), so b_late and
  b_kept are ASSUMPTIONS with |b_kept| < |b_late|; make them sweep parameters. L and K may be plain counts
  or exponentially discounted counts (forgetting): the kernel only multiplies them. The effect of a
  compensated guarantee as such was not found; b_coupon is an ASSUMPTION (see its field).

Calibration to demand, not utility. In a binary logit with purchase probability P0 a utility shift Delta u
changes demand by P1 / P0 - 1 with P1 = 1 / (1 + (1 - P0) / P0 * exp(-Delta u)), about (1 - P0) Delta u.
So the coefficients solve the logit exactly for the published relative change r at the baseline purchase
probability P0: b = logit(P0 (1 + r)) - logit(P0). Default P0 = `BASELINE_PURCHASE_PROBABILITY` = 0.03
(ASSUMPTION: an online shop's visit-to-order conversion of about 2-4%; the studies measured small
per-visit probabilities). At P0 = 0.03 the naive b = ln(1 + r) would give 1.455% instead of 1.5% (0.045
percentage points short); calibrating exactly removes that. `DeliveryResponse.calibrated(P0)` recalibrates
for a model whose baseline purchase probability differs (at P0 = 0.3 the default coefficients would give
about 1.1% instead of 1.5%, the (1 - P0) / (1 - 0.03) factor).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from sim.kernels.logit import purchase_probability

__all__ = [
    "BASELINE_PURCHASE_PROBABILITY",
    "FISHER_SALES_CHANGE_PER_DAY_FASTER",
    "CUI_SALES_CHANGE_PROMISE_FASTER",
    "CUI_SALES_CHANGE_PROMISE_SLOWER",
    "FISHER_MEASURED_RANGE_DAYS",
    "DeliveryResponse",
    "delivery_utility",
    "delivery_utility_reference",
    "logit_shift_for_sales_change",
    "sales_change",
]

BASELINE_PURCHASE_PROBABILITY = 0.03  # ASSUMPTION (L): online visit-to-order conversion, about 2-4%
FISHER_SALES_CHANGE_PER_DAY_FASTER = 0.015  # Fisher, Gallino & Xu (2019, JMR), from a 7-day baseline (H)
CUI_SALES_CHANGE_PROMISE_FASTER = 0.0073  # Cui, Lu, Sun & Golden (2024, MSOM 26(1)): promise 1 day faster (H)
CUI_SALES_CHANGE_PROMISE_SLOWER = -0.0051  # Cui et al. (2024): promise 1 day slower (H)
#: business days: Fisher et al.'s 7-day baseline down by their mean speed-up, 3.8% / 1.5% a day = 2.5 days
#: (derived from the paper's two figures, H; the range as the edge of what was measured is a reading)
FISHER_MEASURED_RANGE_DAYS = (4.5, 7.0)


def logit_shift_for_sales_change(relative_change: float, baseline_probability: float) -> float:
    """The utility shift b that changes a binary-logit purchase probability P0 by the factor 1 + r:
    b = logit(P0 (1 + r)) - logit(P0)."""
    if not 0.0 < baseline_probability < 1.0:
        raise ValueError(f"baseline_probability must be in (0, 1) (got {baseline_probability!r})")
    target = baseline_probability * (1.0 + relative_change)
    if not 0.0 < target < 1.0:
        raise ValueError(f"relative change {relative_change!r} takes the probability {baseline_probability!r} "
                         f"outside (0, 1)")
    return (math.log(target / (1.0 - target))
            - math.log(baseline_probability / (1.0 - baseline_probability)))


@dataclass(frozen=True)
class DeliveryResponse:
    """Coefficients of the delivery utility shift (module docstring formula), in utility units per unit.

    The defaults are calibrated exactly at `BASELINE_PURCHASE_PROBABILITY`; use `calibrated(P0)` for
    another baseline purchase probability.
    """

    utility_per_expected_day: float = -logit_shift_for_sales_change(
        FISHER_SALES_CHANGE_PER_DAY_FASTER, BASELINE_PURCHASE_PROBABILITY)
    """b_E, per business day of expected delivery time (about -0.0154): 1 day faster = +1.5% sales
    (Fisher, Gallino & Xu 2019, JMR). H."""

    utility_per_day_faster: float = logit_shift_for_sales_change(
        CUI_SALES_CHANGE_PROMISE_FASTER, BASELINE_PURCHASE_PROBABILITY)
    """b_fast, per day the promise is faster than expected (about +0.0075): +0.73% sales
    (Cui, Lu, Sun & Golden 2024, MSOM). H."""

    utility_per_day_slower: float = logit_shift_for_sales_change(
        CUI_SALES_CHANGE_PROMISE_SLOWER, BASELINE_PURCHASE_PROBABILITY)
    """b_slow, per day the promise is slower than expected (about -0.0053): -0.51% sales (Cui et al. 2024). H."""

    reference_days: float = 7.0
    """R, business days where the speed term is zero and what customers expect when no promise is shown:
    Fisher et al.'s 7-day baseline. A scenario with another no-promise norm (e.g. the former 14+ days from
    China to Spain, 36Kr/Cainiao 2025, M) sets it; the comparison of two promises does not depend on it."""

    speed_range_days: tuple[float, float] = (0.0, math.inf)
    """[lo, hi] business days over which the speed term is linear; flat outside (module docstring). The
    default is linear everywhere; `FISHER_MEASURED_RANGE_DAYS` gives the lower bracket."""

    utility_per_late_delivery: float = -0.10
    """b_late, per late delivery in the customer's history. ASSUMPTION (no published number; Harter, Stich &
    Spann 2024 give the sign and that late weighs more than on time): a late parcel lowers the customer's
    later purchase probability by about 10%, worth about 6-7 days of slower delivery; sweep over [-0.3, 0]."""

    utility_per_kept_promise: float = 0.02
    """b_kept, per promise kept in the customer's history. ASSUMPTION: a fifth of |b_late| (Harter et al.'s
    asymmetry); sweep over [0, 0.05]."""

    coupon_utility_per_eur: float = 0.087
    """b_coupon, per EUR of compensation coupon received with a late delivery. ASSUMPTION: a coupon is worth
    a price cut of its face value on the next purchase. The B2B study (MSOM 2025) equates 1 day = +1.82%
    demand = a 2.21% discount, i.e. +0.82% demand per 1% price cut; at the EU's average low-value item of
    EUR 9 (European Commission, H), EUR 1 is an 11% cut, +9.1% demand, ln(1.091) = 0.087 utility. Expiry
    (60 days) and unredeemed coupons would lower it; sweep over [0, 0.087]."""

    @classmethod
    def calibrated(cls, baseline_probability: float, **assumptions: float | tuple[float, float]) -> "DeliveryResponse":
        """Coefficients that reproduce the published sales changes at purchase probability
        `baseline_probability`; `assumptions` override the other fields (e.g. utility_per_late_delivery)."""
        published = {
            "utility_per_expected_day": -logit_shift_for_sales_change(
                FISHER_SALES_CHANGE_PER_DAY_FASTER, baseline_probability),
            "utility_per_day_faster": logit_shift_for_sales_change(
                CUI_SALES_CHANGE_PROMISE_FASTER, baseline_probability),
            "utility_per_day_slower": logit_shift_for_sales_change(
                CUI_SALES_CHANGE_PROMISE_SLOWER, baseline_probability),
        }
        assumed = {field.name for field in dataclasses.fields(cls)} - set(published)
        if not set(assumptions) <= assumed:
            raise ValueError(f"calibrated() takes only the assumed fields {sorted(assumed)} as keywords "
                             f"(got {sorted(assumptions)})")
        return cls(**published, **assumptions)  # type: ignore[arg-type]

    def utility(
        self,
        promised_days: float,
        late_deliveries: ArrayLike,
        kept_promises: ArrayLike,
        *,
        expected_days: float | None = None,
        compensation_eur: float = 0.0,
    ) -> NDArray[np.float64]:
        """Delta u per customer, (N,) float64, for a promise of `promised_days` business days (0: none).

        `late_deliveries` and `kept_promises` are the customers' (N,) histories (counts, or discounted
        counts); `expected_days` defaults to the promise, or to `reference_days` without one;
        `compensation_eur` is the coupon paid per late delivery (0: no guarantee).
        """
        late = np.ascontiguousarray(late_deliveries, dtype=np.float64)
        kept = np.ascontiguousarray(kept_promises, dtype=np.float64)
        if late.ndim != 1 or kept.shape != late.shape:
            raise ValueError(f"late_deliveries and kept_promises must be 1-D arrays of one length "
                             f"(got shapes {late.shape} and {kept.shape})")
        if not (np.isfinite(promised_days) and promised_days >= 0.0):
            raise ValueError(f"promised_days must be >= 0, 0 meaning no promise (got {promised_days!r})")
        if expected_days is None:
            expected_days = promised_days if promised_days > 0.0 else self.reference_days
        if not (np.isfinite(expected_days) and expected_days > 0.0):
            raise ValueError(f"expected_days must be > 0 (got {expected_days!r})")
        if not (np.isfinite(compensation_eur) and compensation_eur >= 0.0):
            raise ValueError(f"compensation_eur must be >= 0 (got {compensation_eur!r})")
        low, high = self.speed_range_days
        if not 0.0 <= low <= high:
            raise ValueError(f"speed_range_days must be [lo, hi] with 0 <= lo <= hi (got {self.speed_range_days!r})")
        return delivery_utility(
            float(promised_days), float(expected_days), late, kept, float(compensation_eur),
            self.reference_days, float(low), float(high), self.utility_per_expected_day, self.utility_per_day_faster,
            self.utility_per_day_slower, self.utility_per_late_delivery, self.utility_per_kept_promise,
            self.coupon_utility_per_eur,
        )


@njit(cache=True, error_model="numpy")
def delivery_utility(
    promised_days: float, expected_days: float, late_deliveries: NDArray[np.float64],
    kept_promises: NDArray[np.float64], compensation_eur: float, reference_days: float, speed_days_low: float,
    speed_days_high: float, utility_per_expected_day: float, utility_per_day_faster: float, utility_per_day_slower: float, utility_per_late_delivery: float,
    utility_per_kept_promise: float, coupon_utility_per_eur: float,
) -> NDArray[np.float64]:
    """The module docstring's Delta u per customer, (N,); all arguments but the two histories are floats.

    Call it through `DeliveryResponse.utility`, which resolves the default `expected_days` and validates.
    No parallel twin: one multiply-add per customer is memory-bound, threads would not speed it up.
    """
    shared = utility_per_expected_day * (min(max(expected_days, speed_days_low), speed_days_high)
                                         - min(max(reference_days, speed_days_low), speed_days_high))
    if promised_days > 0.0:
        shared += (utility_per_day_faster * max(expected_days - promised_days, 0.0)
                   + utility_per_day_slower * max(promised_days - expected_days, 0.0))
    per_late = utility_per_late_delivery + coupon_utility_per_eur * compensation_eur
    shift = np.empty(late_deliveries.shape[0])
    for i in range(late_deliveries.shape[0]):
        shift[i] = shared + per_late * late_deliveries[i] + utility_per_kept_promise * kept_promises[i]
    return shift


def sales_change(
    response: DeliveryResponse,
    from_days: float,
    to_days: float,
    baseline_probability: float,
    *,
    expected_days: float | None = None,
) -> float:
    """Relative change in purchase probability, P1 / P0 - 1, when the promise moves from `from_days` to
    `to_days` for a customer with no delivery history whose purchase probability at `from_days` is
    `baseline_probability` (binary logit, `purchase_probability`).

    `expected_days=None`: the expectation moves with the promise (promises believed, as in Fisher et al.'s
    learned speed). A number: the expectation stays there while the promise moves (Cui et al.'s experiment).
    """
    no_history = np.zeros(1)
    shift = (response.utility(to_days, no_history, no_history, expected_days=expected_days)[0]
             - response.utility(from_days, no_history, no_history, expected_days=expected_days)[0])
    baseline_utility = math.log(baseline_probability / (1.0 - baseline_probability))
    new_probability: float = purchase_probability(np.array([baseline_utility + shift]))[0]
    return new_probability / baseline_probability - 1.0


# ---------------------------------------------------------------------------------------------------------
# NumPy reference, for the tests only.
# ---------------------------------------------------------------------------------------------------------


def delivery_utility_reference(
    promised_days: float, expected_days: float, late_deliveries: ArrayLike, kept_promises: ArrayLike,
    compensation_eur: float, reference_days: float, speed_days_low: float, speed_days_high: float,
    utility_per_expected_day: float, utility_per_day_faster: float, utility_per_day_slower: float,
    utility_per_late_delivery: float, utility_per_kept_promise: float, coupon_utility_per_eur: float,
) -> NDArray[np.float64]:
    """NumPy twin of `delivery_utility`."""
    promise = 0.0
    if promised_days > 0.0:
        promise = (utility_per_day_faster * np.maximum(expected_days - promised_days, 0.0)
                   + utility_per_day_slower * np.maximum(promised_days - expected_days, 0.0))
    speed = (np.clip(expected_days, speed_days_low, speed_days_high)
             - np.clip(reference_days, speed_days_low, speed_days_high))
    shift: NDArray[np.float64] = (utility_per_expected_day * speed + promise
                                  + (utility_per_late_delivery + coupon_utility_per_eur * compensation_eur)
                                  * np.asarray(late_deliveries, dtype=np.float64)
                                  + utility_per_kept_promise * np.asarray(kept_promises, dtype=np.float64))
    return shift
