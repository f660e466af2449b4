"""The parcel fidelity: one SimPy process per parcel through every stage. Clear, slow, the reference.

Each stage keeps a count of the parcels it holds with a `LevelMonitor` (time-integrated occupancy, for
Little's law) and a snapshot of every stage's count is taken at the end of each day (before any other
event at that instant), together with the running totals created / delivered / lost / returned.
"""

from __future__ import annotations

import gc
import math
from collections import deque
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray
from simpy.events import URGENT

from sim.core.monitor import LevelMonitor
from sim.models.customs import CustomsOffice
from sim.models.logistics.demand import Demand
from sim.models.logistics.metrics import RECORD_FIELDS, Ledger, ParcelRecords
from sim.models.logistics.network import (
    CUSTOMS, DESTINATION_HUB, FIRST_MILE, FORWARD, LAST_MILE, LINE_HAUL, MERCHANT, ORIGIN_HUB,
    OUTCOME_DELIVERED, OUTCOME_IN_TRANSIT, OUTCOME_LOST, OUTCOME_RETURNED, STAGES, U_ATTEMPT, U_COLUMNS,
    U_INSPECT, U_LOST, U_MERCHANT, U_PRECLEAR, U_REFUSE, U_SERVICE, Network,
)

__all__ = ["ParcelStore", "StageCounters", "run_parcel_fidelity"]


class ParcelStore:
    """Growable per-parcel arrays indexed by parcel number."""

    _INT = ("parcel", "customer", "outcome", "attempts")
    _BOOL = ("choice", "forward", "promised", "standard", "refused")
    #: pure per-parcel results of the parcel's own draws, computed when the order is created
    PLAN = ("ready_plan", "hub_plan", "clearance_plan")

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self.a = {k: self._empty(k, capacity) for k in (*RECORD_FIELDS, *self.PLAN)}
        self.u = np.empty((capacity, U_COLUMNS))

    def _empty(self, k: str, size: int) -> NDArray[Any]:
        if k in self._INT:
            return np.full(size, -1 if k == "outcome" else 0, dtype=np.int64)
        if k in self._BOOL:
            return np.zeros(size, dtype=bool)
        return np.full(size, np.nan)

    def extend(self, m: int, uniforms: NDArray[np.float64]) -> None:
        """Room for `m` more parcels (capacity doubles), with their rows of network uniforms."""
        need = self.n + m
        cap = self.a["order_time"].size
        if need > cap:
            new = max(need, 2 * cap)
            for k, v in self.a.items():
                grown = self._empty(k, new)
                grown[: self.n] = v[: self.n]
                self.a[k] = grown
            u = np.empty((new, U_COLUMNS))
            u[: self.n] = self.u[: self.n]
            self.u = u
        self.u[self.n:need] = uniforms
        self.n = need

    def view(self) -> ParcelRecords:
        return {k: v[: self.n] for k, v in self.a.items() if k in RECORD_FIELDS}


class _AtStartOfInstant(simpy.events.Event):
    """An event that fires at now + `delay` before every other event of that instant (URGENT priority,
    scheduled like SimPy's own `Timeout`): the end-of-day snapshot sees the state just before midnight."""

    def __init__(self, env: simpy.Environment, delay: float) -> None:
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, URGENT, delay)


class StageCounters:
    """How many parcels each stage holds now, with a time-integrated monitor per stage."""

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.count = [0] * len(STAGES)
        self.monitors = [LevelMonitor(env.now) for _ in STAGES]

    def enter(self, stage: int) -> None:
        self.count[stage] += 1
        self.monitors[stage].record(self.env.now, self.count[stage])

    def leave(self, stage: int) -> None:
        self.count[stage] -= 1
        self.monitors[stage].record(self.env.now, self.count[stage])

    def move(self, old: int, new: int) -> None:
        now = self.env.now
        count = self.count
        count[old] -= 1
        self.monitors[old].record(now, count[old])
        count[new] += 1
        self.monitors[new].record(now, count[new])


def run_parcel_fidelity(net: Network, demand: Demand, ledger: Ledger, parcel_rng: np.random.Generator,
                        horizon_days: int, end_hours: float) -> tuple[ParcelStore, StageCounters, list[dict[str, int]]]:
    """Simulate to `end_hours` and fill `ledger`. Returns the per-parcel store, the stage counters (with
    their monitors) and the end-of-day snapshots of the running totals."""
    p = net.params
    env = simpy.Environment()
    stages = StageCounters(env)
    store = ParcelStore()
    a = store.a
    line = {"free_at": 0.0}
    office = CustomsOffice(env, p.customs.officers)
    flight_queue: deque[simpy.Event] = deque()
    totals = {"created": 0, "delivered": 0, "lost": 0, "returned": 0}
    held = np.zeros((ledger.n_days, len(STAGES)))
    customers = demand.customers
    lh, cu, lm = p.line_haul, p.customs, p.last_mile
    feedback = p.demand.feedback
    on_time = ledger.guarantee.on_time_scalar
    wave_starts, next_day_wave = net._wave_starts, net._next_day_wave
    n_waves = len(wave_starts)
    duration = lm.wave_duration_hours

    def finish(i: int, outcome: int) -> None:
        a["outcome"][i] = outcome
        a["final_time"][i] = env.now
        key = {OUTCOME_DELIVERED: "delivered", OUTCOME_LOST: "lost", OUTCOME_RETURNED: "returned"}[outcome]
        totals[key] += 1
        if feedback and outcome == OUTCOME_DELIVERED and a["promised"][i]:
            customer = a["customer"][i]
            if on_time(a["order_time"][i], env.now):
                customers.kept[customer] += 1
            else:
                customers.late[customer] += 1

    def last_mile(i: int, u: list[float], entered_from: int) -> Generator[simpy.Event, Any, None]:
        stages.move(entered_from, LAST_MILE)
        yield env.timeout(lm.transfer_hours)
        w = net.next_wave(env.now)
        for attempt in range(lm.max_attempts):
            if w >= n_waves:
                return  # beyond the timetable: still in the last mile when the run ends
            t = wave_starts[w] + u[U_ATTEMPT + 2 * attempt + 1] * duration
            yield env.timeout(t - env.now)
            a["attempts"][i] += 1
            if u[U_ATTEMPT + 2 * attempt] >= lm.failed_attempt_probability:
                stages.leave(LAST_MILE)
                finish(i, OUTCOME_DELIVERED)
                return
            w = next_day_wave[w]
        stages.leave(LAST_MILE)
        finish(i, OUTCOME_RETURNED)

    def parcel(i: int) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(a["order_time"][i] - env.now)
        totals["created"] += 1
        u: list[float] = store.u[i].tolist()
        if a["forward"][i]:
            stages.enter(FORWARD)
            yield env.timeout(p.forward_stock.handling_hours)
            a["ready"][i] = env.now
            yield from last_mile(i, u, FORWARD)
            return
        stages.enter(MERCHANT)
        yield env.timeout(a["ready_plan"][i] - env.now)
        a["ready"][i] = env.now
        stages.move(MERCHANT, FIRST_MILE)
        hub = a["hub_plan"][i]  # the first pick-up at or after ready, plus the transit
        if hub == math.inf:
            return
        yield env.timeout(hub - env.now)
        a["hub_arrival"][i] = env.now
        stages.move(FIRST_MILE, ORIGIN_HUB)
        # the sortation line: FCFS, one parcel at a time, deterministic service; its state is the time it
        # finishes the parcel ahead (what a capacity-1 resource would hold), so no request/release events
        start = net.sort_start(max(env.now, line["free_at"]))
        if start == math.inf:
            return
        line["free_at"] = start + net.sort_service_hours
        yield env.timeout(line["free_at"] - env.now)
        a["sorted"][i] = env.now
        stages.move(ORIGIN_HUB, LINE_HAUL)
        boarded = env.event()
        flight_queue.append(boarded)
        yield boarded  # fires when the parcel's flight lands
        a["flight_arrival"][i] = env.now
        if u[U_LOST] < lh.loss_probability:
            stages.leave(LINE_HAUL)
            finish(i, OUTCOME_LOST)
            return
        stages.move(LINE_HAUL, DESTINATION_HUB)
        yield env.timeout(p.destination_hub.handling_hours)
        a["customs_arrival"][i] = env.now
        stages.move(DESTINATION_HUB, CUSTOMS)
        if u[U_PRECLEAR] < cu.pre_cleared_share:
            yield env.timeout(cu.pre_cleared_release_hours)
        else:
            a["standard"][i] = True
            yield from office.clear(a["clearance_plan"][i])
        if u[U_INSPECT] < cu.inspection_probability:
            yield env.timeout(cu.inspection_hold_hours)
        a["customs_done"][i] = env.now
        if u[U_REFUSE] < cu.refusal_probability:
            a["refused"][i] = True
            stages.leave(CUSTOMS)
            finish(i, OUTCOME_RETURNED)
            return
        yield from last_mile(i, u, CUSTOMS)

    def flights() -> Generator[simpy.Event, Any, None]:
        for k in range(net.departures.size):
            if net.cutoffs[k] > end_hours:
                return
            yield env.timeout(max(net.cutoffs[k] - env.now, 0.0))
            yield env.timeout(0.0)  # let parcels sorted exactly at the cut-off join the queue first
            if net.cancelled[k]:
                continue
            aboard = [flight_queue.popleft() for _ in range(min(lh.capacity_parcels, len(flight_queue)))]
            if aboard:
                env.process(land(aboard, net.departures[k] + lh.flight_hours))

    def land(aboard: list[simpy.Event], landing: float) -> Generator[simpy.Event, Any, None]:
        yield env.timeout(landing - env.now)
        for boarded in aboard:
            boarded.succeed()

    def demand_source() -> Generator[simpy.Event, Any, None]:
        for day in range(horizon_days):
            yield env.timeout(24.0 * day - env.now)
            orders = demand.generate_day(day)
            m = orders.size
            if m == 0:
                continue
            first = store.n
            store.extend(m, parcel_rng.random((m, U_COLUMNS)))
            sl = slice(first, first + m)
            a["parcel"][sl] = orders.index
            a["customer"][sl] = orders.customer
            a["order_time"][sl] = orders.time
            a["value_eur"][sl] = orders.value_eur
            a["weight_kg"][sl] = orders.weight_kg
            a["choice"][sl] = orders.choice
            a["forward"][sl] = orders.forward
            a["promised"][sl] = orders.promised
            ready = net.merchant_ready(orders.time, store.u[sl, U_MERCHANT], orders.choice)
            a["ready_plan"][sl] = ready
            a["hub_plan"][sl] = net.next_pickup(ready) + p.first_mile.transit_hours
            a["clearance_plan"][sl] = net.clearance_hours(store.u[sl, U_SERVICE])
            ledger.add_orders(orders.time, orders.value_eur)
            for i in range(first, first + m):
                env.process(parcel(i))

    def snapshot(day: int) -> None:
        def record(_event: simpy.Event) -> None:
            held[day] = np.asarray(stages.count)
            snapshots.append(dict(totals))
        _AtStartOfInstant(env, 24.0 * (day + 1)).callbacks.append(record)

    snapshots: list[dict[str, int]] = []
    for day in range(ledger.n_days):
        if 24.0 * (day + 1) <= end_hours:
            snapshot(day)
    env.process(demand_source())
    env.process(flights())
    # SimPy's events and process generators are freed by reference counting; the cyclic collector only
    # rescans the many live objects of a large run, so it is paused while the clock runs
    collecting = gc.isenabled()
    gc.disable()
    try:
        env.run(until=end_hours)
    finally:
        if collecting:
            gc.enable()

    ledger.held = held
    r = store.view()
    done = r["outcome"] != OUTCOME_IN_TRANSIT
    ledger.add_finished({k: v[done] for k, v in r.items()})
    return store, stages, snapshots
