"""The delivery guarantee: one home for the promise's target, the elapsed-days count, the on-time rule and
the compensation of a late promised parcel. Both fidelities, the demand side, the ledger and the charts
read the rule from here.

The rule, for a parcel ordered at t0 and delivered at t1 (model clock, hours):

* elapsed days E = (B(t1) - B(t0)) / 24 under `day_count = "business"` (B: business hours of the Spanish
  calendar in [0, t), `SpainCalendar.business_hours`), or (t1 - t0) / 24 under `"calendar"`;
* `counted_from = "order_moment"`: the count starts at the moment of the order; on time when E <= D, D the
  promised days (or `kpi_days` when nothing is promised), with a tolerance of `ON_TIME_TOLERANCE_DAYS` for
  floating-point noise only (a delivery one minute late is late);
* `counted_from = "order_date_end"`: on time when delivered by the deadline, the end (24:00) of the D-th
  (business, or calendar) day after the order date; a parcel ordered at 23:00 has nearly a day less than
  one ordered at 00:30. The same tolerance applies (`is_on_time` on the calendar days elapsed against the
  calendar days the parcel was allowed).

Which convention the platform means is not published: the 36Kr/Cainiao interview (2025, M) says "5 business
days", shop pages state a delivery date ("delivered by ..."), which reads as the end of a day. The default,
`"order_moment"`, is the stricter reading (assumption); the scenarios report both where they differ.

Shoppers read a promise in business days (the delivery response, sim.kernels): `shoppers_business_days`
converts a promise of another convention to the business days it leaves on average over the order moments.
A lost promised parcel is a broken promise: `on_time_share_lost_as_late` in the ledger counts it as late.
* a late promised parcel earns a coupon of `coupon_eur`, or a refund of `refund_share` of its value.

Which items carry the promise (`applies_to`) is decided here too. With no promise (`promised_days = 0`)
every delivered parcel counts towards the on-time share against `kpi_days`, and nobody is compensated.
"""

from __future__ import annotations

from typing import overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.models.logistics.calendar import SpainCalendar
from sim.models.logistics.config import GuaranteeParameters

__all__ = ["ON_TIME_TOLERANCE_DAYS", "GuaranteeRule", "target_days", "is_on_time", "describe"]

#: days; absorbs rounding in B(t1) - B(t0), far below a minute (1 / 1440 day)
ON_TIME_TOLERANCE_DAYS = 1e-9


def target_days(g: GuaranteeParameters) -> int:
    """D: the promised days, or `kpi_days` when nothing is promised."""
    return g.promised_days if g.promised_days > 0 else g.kpi_days


@overload
def is_on_time(elapsed_days: float, target: float) -> bool: ...
@overload
def is_on_time(elapsed_days: NDArray[np.float64], target: float | NDArray[np.float64]) -> NDArray[np.bool_]: ...
def is_on_time(elapsed_days: float | NDArray[np.float64],
               target: float | NDArray[np.float64]) -> bool | NDArray[np.bool_]:
    """E <= D (up to `ON_TIME_TOLERANCE_DAYS`); works on floats or arrays (a target per parcel)."""
    return elapsed_days <= target + ON_TIME_TOLERANCE_DAYS


def describe(g: GuaranteeParameters) -> str:
    """One line for a chart legend: 'promise: 5 business days' or 'no promise (KPI 5 business days)'."""
    if g.promised_days > 0:
        end = " (by the end of the day)" if g.counted_from == "order_date_end" else ""
        return f"promise: {g.promised_days} {g.day_count} days{end}"
    return f"no promise (KPI {g.kpi_days} {g.day_count} days)"


class GuaranteeRule:
    """The guarantee of one scenario on its calendar."""

    def __init__(self, params: GuaranteeParameters, calendar: SpainCalendar) -> None:
        self.params = params
        self.calendar = calendar
        self.promises = params.promised_days > 0
        self.target_days = target_days(params)
        self.business = params.day_count == "business"

    # ---- who carries the promise -------------------------------------------------------------------
    def is_promised(self, choice: ArrayLike) -> NDArray[np.bool_]:
        """Which items carry the promise: Choice items only, or all (`applies_to`); none without a promise."""
        choice = np.asarray(choice, dtype=bool)
        return np.full(choice.size, self.promises) & (choice if self.params.applies_to == "choice" else True)

    def counts_for_on_time_share(self, promised: ArrayLike) -> NDArray[np.bool_]:
        """Delivered parcels that the on-time share is taken over: promised ones, or all without a promise."""
        promised = np.asarray(promised, dtype=bool)
        return promised if self.promises else np.ones(promised.size, dtype=bool)

    # ---- deadlines and what the promise leaves in business days -------------------------------------
    def deadline_hours(self, order_hours: ArrayLike) -> NDArray[np.float64]:
        """Under `counted_from = "order_date_end"`: the end (24:00) of the D-th day after the order date, D
        counted in `day_count` days (beyond the calendar every day counts as a business day)."""
        order_day = np.floor(np.asarray(order_hours, dtype=np.float64) / 24.0).astype(np.int64)
        if not self.business:
            calendar_deadline: NDArray[np.float64] = 24.0 * (order_day + self.target_days + 1).astype(np.float64)
            return calendar_deadline
        # business days in [0, d): cum[d]; the deadline day k is the first with cum[k + 1] - cum[d0 + 1] = D
        cumulative = self.calendar.cumulative_business_hours / 24.0
        extended = np.concatenate((cumulative, cumulative[-1] + np.arange(1, self.target_days + 2)))
        wanted = extended[np.clip(order_day + 1, 0, extended.size - 1)] + self.target_days
        deadline: NDArray[np.float64] = 24.0 * np.searchsorted(extended, wanted - 0.5, side="right").astype(np.float64)
        return deadline

    def shoppers_business_days(self, order_hours: ArrayLike, weights: ArrayLike) -> float:
        """The promise in business days as shoppers read it: the business days from the order moment to
        the deadline, averaged over order moments `order_hours` with `weights` (e.g. visits by hour). A
        promise of D business days from the order moment is D; D calendar days is about 5/7 D; 0 without a
        promise."""
        if not self.promises:
            return 0.0
        if self.business and self.params.counted_from == "order_moment":
            return float(self.target_days)
        t0 = np.asarray(order_hours, dtype=np.float64)
        if self.params.counted_from == "order_moment":
            t1 = t0 + 24.0 * self.target_days
        else:
            t1 = self.deadline_hours(t0)
        return float(np.average(self.calendar.business_days_between(t0, t1),
                                weights=np.asarray(weights, dtype=np.float64)))

    # ---- elapsed days and the rule -----------------------------------------------------------------
    def elapsed_days_scalar(self, order_hours: float, final_hours: float) -> float:
        """E for one parcel from the order moment, without NumPy overhead."""
        if self.business:
            hours = self.calendar.business_hours_scalar
            return (hours(final_hours) - hours(order_hours)) / 24.0
        return (final_hours - order_hours) / 24.0

    def delivery_days(self, order_hours: ArrayLike, final_hours: ArrayLike
                      ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
        """(calendar days, business days, on time) for arrays of order and delivery times: what the ledger
        records of every delivery, each day count computed once."""
        order_hours, final_hours = np.asarray(order_hours), np.asarray(final_hours)
        calendar_days = (final_hours - order_hours) / 24.0
        business_days = self.calendar.business_days_between(order_hours, final_hours)
        if self.params.counted_from == "order_date_end":
            allowed_days: NDArray[np.float64] = (self.deadline_hours(order_hours) - order_hours) / 24.0
            return calendar_days, business_days, is_on_time(calendar_days, allowed_days)
        elapsed = business_days if self.business else calendar_days
        return calendar_days, business_days, is_on_time(elapsed, self.target_days)

    def on_time(self, order_hours: ArrayLike, final_hours: ArrayLike) -> NDArray[np.bool_]:
        """Delivered within the target, for arrays of order and delivery times."""
        return self.delivery_days(order_hours, final_hours)[2]

    def on_time_scalar(self, order_hours: float, final_hours: float) -> bool:
        """Delivered within the target, for one parcel (the parcel fidelity's per-delivery check)."""
        if self.params.counted_from == "order_date_end":
            return bool(self.on_time(np.array([order_hours]), np.array([final_hours]))[0])
        return bool(is_on_time(self.elapsed_days_scalar(order_hours, final_hours), self.target_days))

    # ---- compensation ------------------------------------------------------------------------------
    def compensation_eur(self, late: ArrayLike, value_eur: ArrayLike) -> NDArray[np.float64]:
        """EUR paid for each parcel: the coupon, or the refund share of its value, when `late` (a late
        promised parcel); 0 otherwise."""
        late = np.asarray(late, dtype=bool)
        if self.params.compensation == "coupon":
            return late * self.params.coupon_eur
        refund: NDArray[np.float64] = late * self.params.refund_share * np.asarray(value_eur)
        return refund

    def compensation_per_late_parcel_eur(self, item_value_eur: float) -> float:
        """What a shopper expects to receive for a late promised parcel of value `item_value_eur` (0 when
        nothing is promised): the demand side's reading of the same compensation rule."""
        if not self.promises:
            return 0.0
        return float(self.compensation_eur(np.array([True]), np.array([item_value_eur]))[0])
