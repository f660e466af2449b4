"""The Spanish business calendar on the model clock (hours from 00:00 of `start_date`).

Business time B(t) is the number of business hours in [0, t): hours on business days count, others do not.
A parcel ordered at t0 and delivered at t1 took (B(t1) - B(t0)) / 24 business days; the guarantee
(`sim.models.logistics.guarantee`) decides what that means for the promise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["SpainCalendar"]


class SpainCalendar:
    """Days 0 .. n_days-1 from `start_date`, with weekdays, holidays and cumulative business hours."""

    def __init__(self, start_date: dt.date, n_days: int, holidays: Iterable[dt.date] = (),
                 business_weekdays: Iterable[int] = (0, 1, 2, 3, 4)) -> None:
        self.start_date = start_date
        self.n_days = int(n_days)
        days = np.arange(self.n_days)
        self.weekday = (start_date.weekday() + days) % 7
        holiday_index = {(h - start_date).days for h in holidays}
        self.is_holiday = np.array([d in holiday_index for d in range(self.n_days)], dtype=bool)
        self.is_business = np.isin(self.weekday, np.asarray(list(business_weekdays))) & ~self.is_holiday
        self.cumulative_business_hours = np.concatenate(([0.0], np.cumsum(self.is_business * 24.0)))
        self._cum_list: list[float] = self.cumulative_business_hours.tolist()
        self._business_list: list[bool] = self.is_business.tolist()

    def date_of(self, day: int) -> dt.date:
        return self.start_date + dt.timedelta(days=int(day))

    def business_hours(self, t: ArrayLike) -> NDArray[np.float64]:
        """B(t): business hours in [0, t) (t in hours; beyond the calendar every day counts as business)."""
        t = np.asarray(t, dtype=np.float64)
        day = np.clip(np.floor(t / 24.0).astype(np.int64), 0, self.n_days - 1)
        inside = self.is_business[day] | (t >= 24.0 * self.n_days)
        hours: NDArray[np.float64] = self.cumulative_business_hours[day] + inside * np.clip(t - 24.0 * day, 0.0, None)
        return hours

    def business_hours_scalar(self, t: float) -> float:
        """B(t) for one time, without NumPy overhead (the parcel fidelity's per-delivery check)."""
        day = min(max(int(t // 24.0), 0), self.n_days - 1)
        inside = self._business_list[day] or t >= 24.0 * self.n_days
        return self._cum_list[day] + (max(t - 24.0 * day, 0.0) if inside else 0.0)

    def business_days_between(self, t0: ArrayLike, t1: ArrayLike) -> NDArray[np.float64]:
        """(B(t1) - B(t0)) / 24: elapsed business days, fractional."""
        return (self.business_hours(t1) - self.business_hours(t0)) / 24.0
