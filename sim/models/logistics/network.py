"""The network both fidelities share: the timetables (pick-ups, sortation shifts, flights, delivery waves),
the per-parcel draws, and the stage rules as pure functions and numba kernels.

Stages, in order (a forward-stocked item goes forward_warehouse -> last_mile):

    merchant -> first_mile -> origin_hub -> line_haul -> destination_hub -> customs -> last_mile

A parcel is in stage k from its entry time to its exit time (half-open). The rules:

* merchant: ready = order + min + Exp(mean - min) by merchant type (inverse CDF of the parcel's uniform).
* first_mile: leaves with the first pick-up P >= ready, reaches the hub at P + transit.
* origin_hub: one FCFS line, service s = shift length / capacity; a parcel starts at
  max(arrival, previous finish), moved to the next shift start if it cannot finish inside a shift.
* line_haul: flights in departure order take parcels sorted at or before departure - cutoff, FCFS, up to
  capacity (with two classes and `allocation = "priority"`: the group's first, each class FCFS); a cancelled
  flight takes nobody. Lost parcels (loss probability) vanish on arrival.
* destination_hub: fixed handling time.
* customs: pre-cleared parcels leave after a fixed release time; standard ones queue FCFS for c officers
  with exponential clearance (the customs model's `CustomsOffice`; in the batch fidelity the equivalent
  multi-server recursion: each parcel takes the officer free first, Kiefer & Wolfowitz 1955; under
  priority, group first without preemption: `multi_server_priority_kernel`). Then an
  inspection hold with its probability, and refusal (returned) with its probability.
* last_mile: station at exit + transfer; first wave whose cut-off is at or after that, on a delivery day;
  delivered uniformly within the wave; failed attempts retry in the first wave of the next delivery day.

Randomness: the order stream comes from the demand streams; every network draw of parcel i is row i of
the uniform matrix drawn in parcel order from the stream "network.parcel" (rows drawn day by day in
parcel order, so chunking does not matter), and the flight on day d at minute m is cancelled by a
counter-based uniform keyed (d, m) on the seed material of "network.flights". A capacity or schedule
change therefore never shifts any parcel's or any other flight's draws.
"""

from __future__ import annotations

import bisect
import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from sim.models.logistics.calendar import SpainCalendar
from sim.models.logistics.counter_rng import counter_uniforms
from sim.models.logistics.config import LogisticsParameters

__all__ = [
    "STAGES", "U_COLUMNS", "OUTCOME_NAMES", "OUTCOME_DELIVERED", "OUTCOME_LOST", "OUTCOME_RETURNED", "Network",
    "sort_line_kernel", "multi_server_fcfs_kernel", "multi_server_fcfs_numpy", "multi_server_priority_kernel",
    "multi_server_priority_numpy",
]

STAGES = ("merchant", "first_mile", "origin_hub", "line_haul", "destination_hub", "customs", "last_mile",
          "forward_warehouse")
(MERCHANT, FIRST_MILE, ORIGIN_HUB, LINE_HAUL, DESTINATION_HUB, CUSTOMS, LAST_MILE, FORWARD) = range(8)
OUTCOME_IN_TRANSIT, OUTCOME_DELIVERED, OUTCOME_LOST, OUTCOME_RETURNED = -1, 0, 1, 2
#: how a finished parcel ended, indexed by its outcome code (the `parcels` table stores these names as an enum)
OUTCOME_NAMES = ("delivered", "lost", "returned")

# columns of the per-parcel uniform matrix
U_MERCHANT, U_PRECLEAR, U_SERVICE, U_INSPECT, U_REFUSE, U_LOST = range(6)
U_ATTEMPT = 6  # then (fail, time-in-wave) pairs for attempts 1..4
U_COLUMNS = U_ATTEMPT + 2 * 4
SHIFT_EPS = 1e-9  # hours: a parcel finishing this close to the shift end still counts as inside it


@njit(cache=True)
def sort_line_kernel(
    arrivals: NDArray[np.float64], free_at: float, shift_starts: NDArray[np.float64], shift_ends: NDArray[np.float64],
    service: float,
) -> tuple[NDArray[np.float64], float]:
    """FCFS single sortation line working only in shifts. `arrivals` non-decreasing; `free_at` the time the
    line finishes its previous parcel. A parcel starts at max(arrival, free_at), moved to the start of the
    first shift in which it can finish. Returns (finish times, new free_at)."""
    n = arrivals.size
    done = np.empty(n)
    for i in range(n):
        t = max(arrivals[i], free_at)
        k = np.searchsorted(shift_ends, t + service - SHIFT_EPS)
        while k < shift_ends.size and max(t, shift_starts[k]) + service > shift_ends[k] + SHIFT_EPS:
            k += 1
        if k >= shift_ends.size:
            done[i] = np.inf
            free_at = np.inf
            continue
        start = max(t, shift_starts[k])
        free_at = start + service
        done[i] = free_at
    return done, free_at


@njit(cache=True)
def _sift_down(heap: NDArray[np.float64], i: int) -> None:
    n = heap.size
    x = heap[i]
    while True:
        child = 2 * i + 1
        if child >= n:
            break
        if child + 1 < n and heap[child + 1] < heap[child]:
            child += 1
        if heap[child] < x:
            heap[i] = heap[child]
            i = child
        else:
            break
    heap[i] = x


@njit(cache=True)
def multi_server_fcfs_kernel(arrivals: NDArray[np.float64], services: NDArray[np.float64],
                             free_times: NDArray[np.float64]) -> NDArray[np.float64]:
    """FCFS queue with c = free_times.size servers (the Kiefer-Wolfowitz 1955 workload recursion in its
    'earliest free server' form): parcel i starts at max(a_i, min_j free_j) on that server. `arrivals`
    non-decreasing; `free_times` (the servers' free times, any order) is updated in place and left as a
    binary min-heap. O(log c) per parcel. Returns the waits in queue."""
    n = arrivals.size
    waits = np.empty(n)
    c = free_times.size
    for i in range(c // 2 - 1, -1, -1):
        _sift_down(free_times, i)
    for i in range(n):
        earliest = free_times[0]
        start = arrivals[i] if arrivals[i] > earliest else earliest
        waits[i] = start - arrivals[i]
        free_times[0] = start + services[i]
        _sift_down(free_times, 0)
    return waits


def multi_server_fcfs_numpy(arrivals: NDArray[np.float64], services: NDArray[np.float64], servers: int
                            ) -> NDArray[np.float64]:
    """NumPy/Python twin of `multi_server_fcfs_kernel` (for tests)."""
    free = np.zeros(servers)
    waits = np.empty(len(arrivals))
    for i, (a, s) in enumerate(zip(arrivals, services)):
        j = int(np.argmin(free))
        start = max(a, free[j])
        waits[i] = start - a
        free[j] = start + s
    return waits


@njit(cache=True)
def multi_server_priority_kernel(arrivals: NDArray[np.float64], services: NDArray[np.float64],
                                 classes: NDArray[np.int64], free_times: NDArray[np.float64], until: float
                                 ) -> NDArray[np.float64]:
    """Non-preemptive priority queue with c = free_times.size identical servers (class 0 served first, first
    come first served within a class). `arrivals` non-decreasing (ties in queue order); `free_times` the
    servers' free times, updated in place (left as a binary min-heap). Whenever a server frees (or, if
    nobody waits, at the next arrival) it takes the waiting parcel of the lowest class that has arrived.
    Only starts before `until` are made (parcels arriving at or after `until` could still overtake the
    rest); the others get NaN and are handed back with the next arrivals. Returns the start times."""
    n = arrivals.size
    starts = np.full(n, np.nan)
    c = free_times.size
    for i in range(c // 2 - 1, -1, -1):
        _sift_down(free_times, i)
    n_classes = 0
    for i in range(n):
        n_classes = max(n_classes, classes[i] + 1)
    # each class's parcels in queue order, and the next one not yet started
    order = np.argsort(classes, kind="mergesort")
    first = np.zeros(n_classes + 1, dtype=np.int64)
    for i in range(n):
        first[classes[i] + 1] += 1
    for k in range(n_classes):
        first[k + 1] += first[k]
    head = first[:n_classes].copy()
    for _ in range(n):
        earliest = np.inf  # the first arrival among the classes' heads
        for k in range(n_classes):
            if head[k] < first[k + 1]:
                earliest = min(earliest, arrivals[order[head[k]]])
        t = max(free_times[0], earliest)
        if t >= until:
            break
        for k in range(n_classes):
            if head[k] < first[k + 1] and arrivals[order[head[k]]] <= t:
                i = order[head[k]]
                head[k] += 1
                starts[i] = t
                free_times[0] = t + services[i]
                _sift_down(free_times, 0)
                break
    return starts


def multi_server_priority_numpy(arrivals: NDArray[np.float64], services: NDArray[np.float64],
                                classes: NDArray[np.int64], servers: int) -> NDArray[np.float64]:
    """Plain-Python twin of `multi_server_priority_kernel` with every parcel started (for tests): at each
    step the server free first takes the waiting parcel of the lowest class, the earliest of that class."""
    free = [0.0] * servers
    waiting = list(range(len(arrivals)))
    starts = np.full(len(arrivals), np.nan)
    while waiting:
        j = int(np.argmin(free))
        t = max(free[j], min(arrivals[i] for i in waiting))
        i = min((i for i in waiting if arrivals[i] <= t), key=lambda i: (classes[i], arrivals[i], i))
        waiting.remove(i)
        starts[i] = t
        free[j] = t + services[i]
    return starts


class Network:
    """Timetables and stage rules of one scenario over `n_days` of calendar (horizon plus drain)."""

    def __init__(self, params: LogisticsParameters, n_days: int,
                 flight_key: NDArray[np.uint64] | None = None) -> None:
        self.params = params
        self.n_days = n_days
        cal = params.calendar
        self.calendar = SpainCalendar(cal.start_date, n_days + 30, cal.holidays, cal.business_weekdays)
        days = np.arange(n_days, dtype=np.float64)
        weekday = self.calendar.weekday[:n_days]

        # first mile pick-ups (every day)
        self.pickups = (days[:, None] * 24.0 + np.asarray(params.first_mile.pickup_hours)[None, :]).ravel()

        # sortation shifts (every day) and the service time of one parcel per shift
        shifts = np.asarray(params.origin_hub.shifts_hours, dtype=np.float64)
        self.shift_starts = (days[:, None] * 24.0 + shifts[None, :, 0]).ravel()
        self.shift_ends = (days[:, None] * 24.0 + shifts[None, :, 1]).ravel()
        # every shift has one length (the config's rule), so one service time serves them all
        lengths = shifts[:, 1] - shifts[:, 0]
        self.sort_service_hours = float(lengths[0] / params.origin_hub.capacity_per_shift)

        # flights
        lh = params.line_haul
        flight_days = days[np.isin(weekday, lh.weekdays)]
        self.departures = (flight_days[:, None] * 24.0 + np.asarray(lh.departure_hours)[None, :]).ravel()
        self.cutoffs = self.departures - lh.cutoff_hours
        # flight (day, departure minute) gets its own counter-based uniform, so adding a flight leaves the
        # other flights' cancellations unchanged (common random numbers across schedules)
        if flight_key is None or lh.cancellation_probability == 0.0:
            self.cancelled = np.zeros(self.departures.size, dtype=bool)
        else:
            day = np.floor(self.departures / 24.0).astype(np.int64)
            minute = np.round((self.departures - 24.0 * day) * 60.0).astype(np.uint64)
            u = counter_uniforms(np.uint64(flight_key[0]), np.uint64(flight_key[1]), day, minute)
            self.cancelled = u < lh.cancellation_probability

        # delivery waves on delivery days that are not holidays
        lm = params.last_mile
        delivery_day = np.isin(weekday, lm.delivery_weekdays) & ~self.calendar.is_holiday[:n_days]
        wave_days = days[delivery_day]
        waves = np.asarray(lm.wave_hours)
        self.wave_starts = (wave_days[:, None] * 24.0 + waves[None, :]).ravel()
        self.wave_cutoffs = self.wave_starts - lm.wave_cutoff_hours
        wave_day_of = np.repeat(wave_days, waves.size)
        # index of the first wave of the next delivery day, for each wave (size = no more waves)
        first_of_day = np.searchsorted(wave_day_of, wave_day_of, side="right")
        self.next_day_wave = first_of_day
        # plain lists for the parcel fidelity's scalar look-ups (bisect is far cheaper than NumPy on scalars)
        self._wave_cutoffs: list[float] = self.wave_cutoffs.tolist()
        self._wave_starts: list[float] = self.wave_starts.tolist()
        self._next_day_wave: list[int] = self.next_day_wave.tolist()
        self._shift_starts: list[float] = self.shift_starts.tolist()
        self._shift_ends: list[float] = self.shift_ends.tolist()

    # ---- pure stage rules -------------------------------------------------------------------------
    def merchant_ready(self, order_time: NDArray[np.float64], u: NDArray[np.float64], choice: NDArray[np.bool_]
                       ) -> NDArray[np.float64]:
        m = self.params.merchant
        lo = np.where(choice, m.choice_min_hours, m.direct_min_hours)
        extra = np.where(choice, m.choice_mean_hours - m.choice_min_hours, m.direct_mean_hours - m.direct_min_hours)
        ready: NDArray[np.float64] = order_time + lo - extra * np.log1p(-u)
        return ready

    def next_pickup(self, ready: NDArray[np.float64]) -> NDArray[np.float64]:
        """Time of the first pick-up at or after `ready` (inf beyond the timetable)."""
        idx = np.searchsorted(self.pickups, ready, side="left")
        pickup: NDArray[np.float64] = np.where(idx < self.pickups.size,
                                               self.pickups[np.minimum(idx, self.pickups.size - 1)], np.inf)
        return pickup

    def sort_start(self, t: float) -> float:
        """Earliest start >= t at which one parcel can be sorted inside a shift (parcel fidelity)."""
        s = self.sort_service_hours
        starts, ends = self._shift_starts, self._shift_ends
        k = bisect.bisect_left(ends, t + s - SHIFT_EPS)
        while k < len(ends) and max(t, starts[k]) + s > ends[k] + SHIFT_EPS:
            k += 1
        if k >= len(ends):
            return math.inf
        return max(t, starts[k])

    def clearance_hours(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        return -np.log1p(-u) / self.params.customs.clearance_rate_per_hour

    def last_mile(self, station_arrival: NDArray[np.float64], u: NDArray[np.float64]
                  ) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.bool_]]:
        """Vectorised last mile. `u` is the parcel-uniform matrix rows. Returns (final time, attempts,
        delivered)."""
        lm = self.params.last_mile
        n = station_arrival.size
        final = np.full(n, np.inf)
        attempts = np.zeros(n, dtype=np.int64)
        delivered = np.zeros(n, dtype=bool)
        w = np.searchsorted(self.wave_cutoffs, station_arrival, side="left")
        active = np.ones(n, dtype=bool)
        n_waves = self.wave_starts.size
        for a in range(lm.max_attempts):
            active &= w < n_waves  # no wave left in the timetable: still in the last mile (final = inf)
            if not active.any():
                break
            idx = np.nonzero(active)[0]
            wi = w[idx]
            t = self.wave_starts[wi] + u[idx, U_ATTEMPT + 2 * a + 1] * lm.wave_duration_hours
            attempts[idx] += 1
            failed = u[idx, U_ATTEMPT + 2 * a] < lm.failed_attempt_probability
            ok = idx[~failed]
            final[ok] = t[~failed]
            delivered[ok] = True
            active[ok] = False
            if a == lm.max_attempts - 1:
                final[idx[failed]] = t[failed]  # returned after the last failed attempt
            else:
                w[idx[failed]] = self.next_day_wave[wi[failed]]
        return final, attempts, delivered

    def next_wave(self, t: float) -> int:
        """Index of the first wave whose cut-off is at or after `t` (parcel fidelity)."""
        return bisect.bisect_left(self._wave_cutoffs, t)
