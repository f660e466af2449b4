"""The delivery guarantee: one home for the promise's target, the elapsed-days count, the on-time rule and
the compensation of a late promised parcel. Both fidelities, the demand side, the ledger and the charts
read the rule from here.

The rule, for a parcel ordered at t0 and delivered at t1 (model clock, hours):

* elapsed days E = (B(t1) - B(t0)) / 24 under `day_count = "business"` (B: business hours of the Spanish
  calendar in [0, t), `SpainCalendar.business_hours`), or (t1 - t0) / 24 under `"calendar"`;
* the count starts at the moment of the order (`counted_from = "order_moment"`, the only convention so far);
* on time when E <= D, D the promised days (or `kpi_days` when nothing is promised), with a tolerance of
  `ON_TIME_TOLERANCE_DAYS` for floating-point noise only (a delivery one minute late is late);
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
def is_on_time(elapsed_days: NDArray[np.float64], target: float) -> NDArray[np.bool_]: ...
def is_on_time(elapsed_days: float | NDArray[np.float64], target: float) -> bool | NDArray[np.bool_]:
    """E <= D (up to `ON_TIME_TOLERANCE_DAYS`); works on a float or an array."""
    return elapsed_days <= target + ON_TIME_TOLERANCE_DAYS


def describe(g: GuaranteeParameters) -> str:
    """One line for a chart legend: 'promise: 5 business days' or 'no promise (KPI 5 business days)'."""
    if g.promised_days > 0:
        return f"promise: {g.promised_days} {g.day_count} days"
    return f"no promise (KPI {g.kpi_days} {g.day_count} days)"


class GuaranteeRule:
    """The guarantee of one scenario on its calendar."""

    def __init__(self, params: GuaranteeParameters, calendar: SpainCalendar) -> None:
        self.params = params
        self.calendar = calendar
        self.promises = params.promised_days > 0
        self.target_days = target_days(params)
        self.business = params.day_count == "business"
        #: the promise as the shoppers' delivery response reads it (0: none)
        self.promised_days = float(params.promised_days)

    # ---- who carries the promise -------------------------------------------------------------------
    def is_promised(self, choice: ArrayLike) -> NDArray[np.bool_]:
        """Which items carry the promise: Choice items only, or all (`applies_to`); none without a promise."""
        choice = np.asarray(choice, dtype=bool)
        return np.full(choice.size, self.promises) & (choice if self.params.applies_to == "choice" else True)

    def counts_for_on_time_share(self, promised: ArrayLike) -> NDArray[np.bool_]:
        """Delivered parcels that the on-time share is taken over: promised ones, or all without a promise."""
        promised = np.asarray(promised, dtype=bool)
        return promised if self.promises else np.ones(promised.size, dtype=bool)

    # ---- elapsed days and the rule -----------------------------------------------------------------
    def elapsed_days_scalar(self, order_hours: float, final_hours: float) -> float:
        """E for one parcel, without NumPy overhead (the parcel fidelity's per-delivery check)."""
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
        elapsed = business_days if self.business else calendar_days
        return calendar_days, business_days, is_on_time(elapsed, self.target_days)

    def on_time(self, order_hours: ArrayLike, final_hours: ArrayLike) -> NDArray[np.bool_]:
        """Delivered within the target, for arrays of order and delivery times."""
        return self.delivery_days(order_hours, final_hours)[2]

    def on_time_scalar(self, order_hours: float, final_hours: float) -> bool:
        """Delivered within the target, for one parcel."""
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
