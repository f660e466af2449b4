"""Orders from a population of customers, each with their own delivery history and random substream.

Day d (model clock hours [24d, 24d + 24)):

1. shoppers N_d = draw_shoppers(rng, m_d, dispersion) with m_d = shoppers_per_day x weekday factor x
   peak multiplier (sim.kernels.sampling);
2. each shopper is a customer c drawn uniformly from the population, with a visit time (hourly profile)
   and an item (value, weight, Choice or direct, forward-stocked or not) drawn per visit, before the buy
   decision: the shopper sees whether the item carries the promise;
3. customer c buys with the binary-logit probability P_c = purchase_probability(v_c) (sim.kernels.logit),
   v_c = base_utility + DeliveryResponse.utility(P, late_c, kept_c, expected_days=E) (sim.kernels.
   delivery_response) for an item with the promise, P its business days as shoppers read them
   (`GuaranteeRule.shoppers_business_days`: a calendar promise is converted) and E = `expected_days`; an
   item without it has P = 0 and E = R (`reference_days`), so only the experience term acts. late_c and
   kept_c count the customer's own late and kept promised deliveries so far (zero when `feedback = false`);
4. the buy decision uses the customer's own uniform: a counter-based draw keyed by (customer, number of
   the customer's visit) from the customers' seed material, so a customer's draws never depend on anyone
   else's (their own random substream).

Streams: "demand.shoppers", "demand.visitors", "demand.visits" (one row of uniforms per visit) and the
seed material of "demand.customers". None is touched by the network, so with feedback off the order
stream is identical whatever the capacities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sim.core.rng import Streams
from sim.kernels.delivery_response import FISHER_MEASURED_RANGE_DAYS, DeliveryResponse
from sim.kernels.logit import purchase_probability
from sim.kernels.sampling import draw_shoppers, lognormal_from_uniforms
from sim.models.logistics.calendar import SpainCalendar
from sim.models.logistics.counter_rng import counter_uniforms
from sim.models.logistics.config import LogisticsParameters
from sim.models.logistics.guarantee import GuaranteeRule

__all__ = ["DayOrders", "Customers", "Demand", "visit_counters", "increment"]

_V_HOUR, _V_WITHIN, _V_VALUE, _V_WEIGHT, _V_CHOICE, _V_FORWARD = range(6)


@njit(cache=True)
def visit_counters(visits: NDArray[np.int64], customers: NDArray[np.int64]) -> NDArray[np.uint64]:
    """The per-customer draw counter of each visit (customer c's k-th visit ever uses draw k of c's own
    stream), incrementing `visits` in place, in visit order."""
    out = np.empty(customers.size, dtype=np.uint64)
    for i in range(customers.size):
        c = customers[i]
        out[i] = visits[c]
        visits[c] += 1
    return out


@njit(cache=True)
def increment(counts: NDArray[np.int32], index: NDArray[np.int64]) -> None:
    """counts[index[i]] += 1 for every i (np.add.at, without its overhead)."""
    for i in range(index.size):
        counts[index[i]] += 1


@dataclass
class DayOrders:
    """One day's orders, sorted by time; `index` is the global parcel index (order of creation)."""

    index: NDArray[np.int64]
    time: NDArray[np.float64]
    customer: NDArray[np.int64]
    value_eur: NDArray[np.float64]
    weight_kg: NDArray[np.float64]
    choice: NDArray[np.bool_]
    forward: NDArray[np.bool_]
    promised: NDArray[np.bool_]
    #: True for the group's parcels, False for third-party ones (None: all the group's)
    group: NDArray[np.bool_] | None = None

    @property
    def size(self) -> int:
        return int(self.time.size)

    def is_group(self) -> NDArray[np.bool_]:
        return np.ones(self.size, dtype=bool) if self.group is None else self.group


class Customers:
    """Per-customer state: late and kept promised deliveries experienced, and orders in the window."""

    def __init__(self, n: int) -> None:
        self.late = np.zeros(n, dtype=np.int32)
        self.kept = np.zeros(n, dtype=np.int32)
        self.orders_in_window = np.zeros(n, dtype=np.int32)
        self.visits = np.zeros(n, dtype=np.int64)

    def record_deliveries(self, customer: NDArray[np.int64], promised: NDArray[np.bool_],
                          on_time: NDArray[np.bool_]) -> None:
        promised = promised.astype(bool)
        increment(self.late, customer[promised & ~on_time])
        increment(self.kept, customer[promised & on_time])

    def repeat_purchase_rate(self) -> float:
        """Share of customers who ordered in the window that ordered more than once."""
        buyers = np.count_nonzero(self.orders_in_window)
        return float(np.count_nonzero(self.orders_in_window >= 2) / buyers) if buyers else float("nan")


class Demand:
    def __init__(self, params: LogisticsParameters, streams: Streams, calendar: SpainCalendar,
                 window: tuple[float, float]) -> None:
        self.p = params
        self.d = params.demand
        self.streams = streams
        self.calendar = calendar
        self.window = window
        self.customers = Customers(self.d.customers)
        baseline = float(purchase_probability(np.array([self.d.base_utility]))[0])
        speed_range = FISHER_MEASURED_RANGE_DAYS if self.d.speed_response == "flat_outside_measured" \
            else (0.0, float("inf"))
        self.response = DeliveryResponse.calibrated(
            baseline, reference_days=self.d.reference_days, speed_range_days=speed_range,
            utility_per_late_delivery=self.d.utility_per_late_delivery,
            utility_per_kept_promise=self.d.utility_per_kept_promise)
        self.guarantee = GuaranteeRule(params.guarantee, calendar)
        profile = np.asarray(self.d.hourly_profile, dtype=np.float64)
        self._hour_cdf = np.cumsum(profile) / profile.sum()
        # the promise in business days, averaged over the visits of the order horizon (by day and hour)
        horizon_days = int(np.ceil(window[1] / 24.0))
        hours = np.arange(24 * horizon_days) + 0.5
        visits = np.repeat([self.mean_shoppers(day) for day in range(horizon_days)], 24) * np.tile(profile, horizon_days)
        self.promised_business_days = self.guarantee.shoppers_business_days(hours, visits)
        self.expected_days = self.d.expected_days if self.d.expected_days is not None \
            else self.promised_business_days
        # what a shopper expects for a late promised parcel, valued at the median item
        self._compensation_eur = self.guarantee.compensation_per_late_parcel_eur(self.d.item_value_eur_median)
        key = streams.entropy("demand.customers")
        self._key0, self._key1 = np.uint64(key[0]), np.uint64(key[1])
        self._next_index = 0

    def mean_shoppers(self, day: int) -> float:
        m = self.d.shoppers_per_day * self.d.weekday_factors[int(self.calendar.weekday[day])]
        date = self.calendar.date_of(day)
        for peak in self.d.peaks:
            offset = (date - peak.date).days
            if 0 <= offset < peak.days:
                m *= peak.multiplier
        return m

    def purchase_probabilities(self, customers: NDArray[np.int64], promised: NDArray[np.bool_]) -> NDArray[np.float64]:
        """Each visit's purchase probability; `promised`: the visit's item carries the promise."""
        if self.d.feedback:
            late = self.customers.late[customers].astype(np.float64)
            kept = self.customers.kept[customers].astype(np.float64)
        else:
            late = np.zeros(customers.size)
            kept = np.zeros(customers.size)
        shift = np.empty(customers.size)
        for shown, mask in ((True, promised), (False, ~promised)):
            if not mask.any():
                continue
            if shown:
                shift[mask] = self.response.utility(self.promised_business_days, late[mask], kept[mask],
                                                    expected_days=self.expected_days,
                                                    compensation_eur=self._compensation_eur)
            else:
                shift[mask] = self.response.utility(0.0, late[mask], kept[mask],
                                                    compensation_eur=self._compensation_eur)
        return purchase_probability(self.d.base_utility + shift)

    def generate_day(self, day: int) -> DayOrders:
        n = int(draw_shoppers(self.streams["demand.shoppers"], self.mean_shoppers(day), self.d.dispersion))
        visitors = self.streams["demand.visitors"].integers(0, self.d.customers, n)
        u = self.streams["demand.visits"].random((n, 6))
        counters = visit_counters(self.customers.visits, visitors)
        draws = counter_uniforms(self._key0, self._key1, visitors, counters)
        choice_all = u[:, _V_CHOICE] < self.d.choice_share
        promised_all = self.guarantee.is_promised(choice_all)
        buy = draws < self.purchase_probabilities(visitors, promised_all)

        hour = np.searchsorted(self._hour_cdf, u[:, _V_HOUR], side="right").clip(0, 23)
        time = 24.0 * day + hour + u[:, _V_WITHIN]
        keep = np.flatnonzero(buy)
        keep = keep[np.argsort(time[keep], kind="stable")]
        uu = u[keep]
        value = lognormal_from_uniforms(self.d.item_value_eur_median, self.d.item_value_sigma, uu[:, _V_VALUE])
        weight = lognormal_from_uniforms(self.d.weight_kg_median, self.d.weight_sigma, uu[:, _V_WEIGHT])
        choice, promised = choice_all[keep], promised_all[keep]
        forward = choice & (uu[:, _V_FORWARD] < self.p.forward_stock.share)
        customer = visitors[keep]
        inside = (time[keep] >= self.window[0]) & (time[keep] < self.window[1])
        increment(self.customers.orders_in_window, customer[inside])
        if not self.p.two_classes:
            return self._numbered(DayOrders(np.empty(0, np.int64), time[keep], customer, value, weight, choice,
                                            forward, promised))
        third = self.third_party_day(day)
        both = [DayOrders(np.empty(0, np.int64), time[keep], customer, value, weight, choice, forward, promised,
                          np.ones(keep.size, dtype=bool)), third]
        by_time = np.argsort(np.concatenate([o.time for o in both]), kind="stable")  # the group's first on ties
        merged = {name: np.concatenate([getattr(o, name) for o in both])[by_time]
                  for name in ("time", "customer", "value_eur", "weight_kg", "choice", "forward", "promised", "group")}
        return self._numbered(DayOrders(np.empty(0, np.int64), **merged))

    def _numbered(self, orders: DayOrders) -> DayOrders:
        """The day's orders with their global parcel numbers (order of creation)."""
        m = orders.size
        orders.index = np.arange(self._next_index, self._next_index + m, dtype=np.int64)
        self._next_index += m
        return orders

    def mean_third_party_parcels(self, day: int) -> float:
        t = self.p.third_party
        assert t is not None
        m = t.parcels_per_day * t.weekday_factors[int(self.calendar.weekday[day])]
        date = self.calendar.date_of(day)
        for peak in t.peaks:
            if 0 <= (date - peak.date).days < peak.days:
                m *= peak.multiplier
        return m

    def third_party_day(self, day: int) -> DayOrders:
        """Day d's third-party orders, sorted by time, from the stream "demand.third_party" alone (so the
        group's orders are the same with or without them). Customer -1: not one of the group's shoppers."""
        t = self.p.third_party
        assert t is not None
        rng = self.streams["demand.third_party"]
        n = int(draw_shoppers(rng, self.mean_third_party_parcels(day), t.dispersion))
        u = rng.random((n, 4))
        profile = np.asarray(t.hourly_profile, dtype=np.float64)
        hour = np.searchsorted(np.cumsum(profile) / profile.sum(), u[:, 0], side="right").clip(0, 23)
        order = np.argsort(24.0 * day + hour + u[:, 1], kind="stable")
        u, hour = u[order], hour[order]
        no = np.zeros(n, dtype=bool)
        return DayOrders(np.empty(0, np.int64), 24.0 * day + hour + u[:, 1], np.full(n, -1, dtype=np.int64),
                         lognormal_from_uniforms(t.item_value_eur_median, t.item_value_sigma, u[:, 2]),
                         lognormal_from_uniforms(t.weight_kg_median, t.weight_sigma, u[:, 3]), no, no.copy(),
                         np.full(n, t.promised and self.guarantee.promises), no.copy())
