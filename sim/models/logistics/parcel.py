"""The parcel fidelity: one SimPy process per parcel through every stage. Clear, slow, the reference.

Written as SimPy's own examples are, on its public API only: the sortation line is a capacity-1
`MonitoredResource`, the flights take parcels from a `simpy.Store` (the hold), customs is the customs
model's `CustomsOffice` (a `MonitoredResource`); the resources record their own waits. Each stage keeps a
count of the parcels it holds with a `LevelMonitor` (time-integrated occupancy, for Little's law), and so do
the running totals created / delivered / lost / returned; the end-of-day holdings and totals are read from
these monitors after the run, as they stood just before each midnight.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Generator
from typing import Any, cast

import numpy as np
import simpy
from numpy.typing import NDArray

from sim.core.monitor import LevelMonitor
from sim.core.queue import MonitoredPriorityResource, MonitoredResource
from sim.models.customs import CustomsOffice
from sim.models.logistics.demand import Demand
from sim.models.logistics.metrics import CLASS_FIELD, RECORD_FIELDS, Ledger, ParcelRecords
from sim.models.logistics.network import (
    CUSTOMS, DESTINATION_HUB, FIRST_MILE, FORWARD, LAST_MILE, LINE_HAUL, MERCHANT, ORIGIN_HUB,
    OUTCOME_DELIVERED, OUTCOME_IN_TRANSIT, OUTCOME_LOST, OUTCOME_RETURNED, STAGES, U_ATTEMPT, U_COLUMNS,
    U_INSPECT, U_LOST, U_MERCHANT, U_PRECLEAR, U_REFUSE, U_SERVICE, Network,
)

__all__ = ["ParcelStore", "StageCounters", "RunningTotals", "SortationLine", "Flights", "ParcelChain",
           "run_parcel_fidelity"]


class ParcelStore:
    """Growable per-parcel arrays indexed by parcel number."""

    _INT = ("parcel", "customer", "outcome", "attempts")
    _BOOL = ("choice", "forward", "promised", "standard", "refused", CLASS_FIELD)
    #: pure per-parcel results of the parcel's own draws, computed when the order is created
    PLAN = ("ready_plan", "hub_plan", "clearance_plan")

    def __init__(self, capacity: int = 1024) -> None:
        self.n = 0
        self.a = {k: self._empty(k, capacity) for k in (*RECORD_FIELDS, CLASS_FIELD, *self.PLAN)}
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
        return {k: v[: self.n] for k, v in self.a.items() if k in RECORD_FIELDS or k == CLASS_FIELD}


class StageCounters:
    """How many parcels each stage holds now, with a time-integrated monitor per stage; with `classes` > 1
    also per class (`parts[k]`, class k as the parcel process passes it)."""

    def __init__(self, env: simpy.Environment, classes: int = 1) -> None:
        self.env = env
        self.count = [0] * len(STAGES)
        self.monitors = [LevelMonitor(env.now) for _ in STAGES]
        self.parts = [StageCounters(env) for _ in range(classes)] if classes > 1 else None

    def enter(self, stage: int, k: int = 0) -> None:
        self.count[stage] += 1
        self.monitors[stage].record(self.env.now, self.count[stage])
        if self.parts is not None:
            self.parts[k].enter(stage)

    def leave(self, stage: int, k: int = 0) -> None:
        self.count[stage] -= 1
        self.monitors[stage].record(self.env.now, self.count[stage])
        if self.parts is not None:
            self.parts[k].leave(stage)

    def move(self, old: int, new: int, k: int = 0) -> None:
        now = self.env.now
        count = self.count
        count[old] -= 1
        self.monitors[old].record(now, count[old])
        count[new] += 1
        self.monitors[new].record(now, count[new])
        if self.parts is not None:
            self.parts[k].move(old, new)

    def levels_before(self, times: NDArray[Any]) -> NDArray[np.float64]:
        """Each stage's holding just before each of `times` (rows: times, columns: stages)."""
        return np.column_stack([m.levels_before(times) for m in self.monitors])


class RunningTotals:
    """Parcels created, delivered, lost and returned so far, each a `LevelMonitor` of its running count."""

    NAMES = ("created", "delivered", "lost", "returned")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.count = dict.fromkeys(self.NAMES, 0)
        self.monitors = {name: LevelMonitor(env.now) for name in self.NAMES}

    def add(self, name: str) -> None:
        self.count[name] += 1
        self.monitors[name].record(self.env.now, self.count[name])


class SortationLine:
    """The origin hub's one sortation line: first come first served (a capacity-1 `MonitoredResource`),
    one parcel every `net.sort_service_hours`, a parcel only started if it can finish inside a shift."""

    def __init__(self, env: simpy.Environment, net: Network) -> None:
        self.env = env
        self.net = net
        self.line = MonitoredResource(env, capacity=1)

    def sort(self) -> Generator[simpy.Event, Any, bool]:
        """Queue for the line and sort one parcel; False if no shift is left in the timetable."""
        with self.line.request() as turn:
            yield turn
            start = self.net.sort_start(self.env.now)
            if start == math.inf:
                return False
            yield self.env.timeout(start + self.net.sort_service_hours - self.env.now)
        return True


class Flights:
    """The scheduled flights. A sorted parcel waits in the `hold` (a `simpy.Store`, first in first out; with
    `priority`, a `simpy.PriorityStore` ordered by class, then by arrival in the hold); at each cut-off
    (after every parcel sorted at that instant has joined) a flight that is not cancelled takes up to
    `capacity_parcels` from the hold and lands them `flight_hours` after its departure."""

    def __init__(self, env: simpy.Environment, net: Network, end_hours: float, priority: bool = False) -> None:
        self.env = env
        self.net = net
        self.priority = priority
        self.hold = simpy.PriorityStore(env) if priority else simpy.Store(env)
        self.joined = 0  # parcels put in the hold so far (the tie-break within a class)
        env.process(self.schedule(end_hours))

    def board(self, k: int = 0) -> simpy.Event:
        """Put a sorted parcel of class k (0 first under priority) in the hold; returns the event its flight's
        landing triggers."""
        landed = self.env.event()
        if self.priority:
            self.joined += 1
            self.hold.put(simpy.PriorityItem((k, self.joined), landed))
        else:
            self.hold.put(landed)
        return landed

    def schedule(self, end_hours: float) -> Generator[simpy.Event, Any, None]:
        net, env = self.net, self.env
        lh = net.params.line_haul
        for k in range(net.departures.size):
            if net.cutoffs[k] > end_hours:
                return
            yield env.timeout(max(net.cutoffs[k] - env.now, 0.0))
            yield env.timeout(0.0)  # let parcels sorted exactly at the cut-off join the hold first
            if net.cancelled[k]:
                continue
            seats = min(lh.capacity_parcels, len(self.hold.items))
            if seats:
                # the hold has the parcels, so each get succeeds at once, in hold order
                aboard = [cast(simpy.Event, self.hold.get().value) for _ in range(seats)]
                if self.priority:
                    aboard = [cast(simpy.PriorityItem, item).item for item in aboard]
                env.process(self.fly(aboard, net.departures[k] + lh.flight_hours))

    def fly(self, aboard: list[simpy.Event], landing: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(landing - self.env.now)
        for landed in aboard:
            landed.succeed()


class ParcelChain:
    """The network as SimPy objects, and the parcel's process through it (`parcel`)."""

    def __init__(self, env: simpy.Environment, net: Network, demand: Demand, ledger: Ledger,
                 end_hours: float) -> None:
        self.env = env
        self.net = net
        self.demand = demand
        self.ledger = ledger
        p = net.params
        self.store = ParcelStore()
        self.stages = StageCounters(env, 2 if p.two_classes else 1)
        self.totals = RunningTotals(env)
        self.sortation = SortationLine(env, net)
        priority = p.two_classes and p.allocation == "priority"
        self.flights = Flights(env, net, end_hours, priority)
        #: the officers: the customs model's FCFS office, or under priority a monitored priority resource
        #: serving group parcels first (non-preemptive)
        self.customs = None if priority else CustomsOffice(env, p.customs.officers)
        self.officers_by_class = MonitoredPriorityResource(env, p.customs.officers) if priority else None

    def finish(self, i: int, outcome: int) -> None:
        """Parcel i's outcome is final now; a customer who receives a promised parcel remembers whether it
        came on time (demand feedback)."""
        env, a = self.env, self.store.a
        a["outcome"][i] = outcome
        a["final_time"][i] = env.now
        self.totals.add({OUTCOME_DELIVERED: "delivered", OUTCOME_LOST: "lost", OUTCOME_RETURNED: "returned"}[outcome])
        if self.net.params.demand.feedback and outcome == OUTCOME_DELIVERED and a["promised"][i] and a[CLASS_FIELD][i]:
            customers = self.demand.customers
            if self.ledger.guarantee.on_time_scalar(a["order_time"][i], env.now):
                customers.kept[a["customer"][i]] += 1
            else:
                customers.late[a["customer"][i]] += 1

    def last_mile(self, i: int, u: list[float], entered_from: int, k: int) -> Generator[simpy.Event, Any, None]:
        """To the delivery station, then delivery attempts in the waves; returned after the last failure."""
        env, net, a = self.env, self.net, self.store.a
        lm = net.params.last_mile
        wave_starts, next_day_wave = net._wave_starts, net._next_day_wave
        self.stages.move(entered_from, LAST_MILE, k)
        yield env.timeout(lm.transfer_hours)
        w = net.next_wave(env.now)
        for attempt in range(lm.max_attempts):
            if w >= len(wave_starts):
                return  # beyond the timetable: still in the last mile when the run ends
            t = wave_starts[w] + u[U_ATTEMPT + 2 * attempt + 1] * lm.wave_duration_hours
            yield env.timeout(t - env.now)
            a["attempts"][i] += 1
            if u[U_ATTEMPT + 2 * attempt] >= lm.failed_attempt_probability:
                self.stages.leave(LAST_MILE, k)
                self.finish(i, OUTCOME_DELIVERED)
                return
            w = next_day_wave[w]
        self.stages.leave(LAST_MILE, k)
        self.finish(i, OUTCOME_RETURNED)

    def parcel(self, i: int) -> Generator[simpy.Event, Any, None]:
        """Parcel i from its order to its outcome (its draws and plans are in row i of the store)."""
        env, p, a, stages = self.env, self.net.params, self.store.a, self.stages
        lh, cu = p.line_haul, p.customs
        k = 0 if a[CLASS_FIELD][i] else 1  # its class: 0 the group's, 1 third-party
        yield env.timeout(a["order_time"][i] - env.now)
        self.totals.add("created")
        u: list[float] = self.store.u[i].tolist()
        if a["forward"][i]:
            stages.enter(FORWARD, k)
            yield env.timeout(p.forward_stock.handling_hours)
            a["ready"][i] = env.now
            yield from self.last_mile(i, u, FORWARD, k)
            return
        stages.enter(MERCHANT, k)
        yield env.timeout(a["ready_plan"][i] - env.now)
        a["ready"][i] = env.now
        stages.move(MERCHANT, FIRST_MILE, k)
        hub = a["hub_plan"][i]  # the first pick-up at or after ready, plus the transit
        if hub == math.inf:
            return
        yield env.timeout(hub - env.now)
        a["hub_arrival"][i] = env.now
        stages.move(FIRST_MILE, ORIGIN_HUB, k)
        if not (yield from self.sortation.sort()):
            return
        a["sorted"][i] = env.now
        stages.move(ORIGIN_HUB, LINE_HAUL, k)
        yield self.flights.board(k)
        a["flight_arrival"][i] = env.now
        if u[U_LOST] < lh.loss_probability:
            stages.leave(LINE_HAUL, k)
            self.finish(i, OUTCOME_LOST)
            return
        stages.move(LINE_HAUL, DESTINATION_HUB, k)
        yield env.timeout(p.destination_hub.handling_hours)
        a["customs_arrival"][i] = env.now
        stages.move(DESTINATION_HUB, CUSTOMS, k)
        if u[U_PRECLEAR] < cu.pre_cleared_share:
            yield env.timeout(cu.pre_cleared_release_hours)
        else:
            a["standard"][i] = True
            if self.customs is not None:
                yield from self.customs.clear(a["clearance_plan"][i])
            elif self.officers_by_class is not None:
                with self.officers_by_class.request(priority=k) as officer:
                    yield officer
                    yield env.timeout(a["clearance_plan"][i])
        if u[U_INSPECT] < cu.inspection_probability:
            yield env.timeout(cu.inspection_hold_hours)
        a["customs_done"][i] = env.now
        if u[U_REFUSE] < cu.refusal_probability:
            a["refused"][i] = True
            stages.leave(CUSTOMS, k)
            self.finish(i, OUTCOME_RETURNED)
            return
        yield from self.last_mile(i, u, CUSTOMS, k)

    def orders(self, horizon_days: int, parcel_rng: np.random.Generator) -> Generator[simpy.Event, Any, None]:
        """Each day at midnight: the day's orders, their network draws (row by row in parcel order) and
        plans, and one process per parcel."""
        env, net, store, a = self.env, self.net, self.store, self.store.a
        p = net.params
        for day in range(horizon_days):
            yield env.timeout(24.0 * day - env.now)
            orders = self.demand.generate_day(day)
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
            a[CLASS_FIELD][sl] = orders.is_group()
            ready = net.merchant_ready(orders.time, store.u[sl, U_MERCHANT], orders.choice)
            a["ready_plan"][sl] = ready
            a["hub_plan"][sl] = net.next_pickup(ready) + p.first_mile.transit_hours
            a["clearance_plan"][sl] = net.clearance_hours(store.u[sl, U_SERVICE])
            self.ledger.add_orders(orders.time, orders.value_eur, orders.group)
            for i in range(first, first + m):
                env.process(self.parcel(i))

    def end_of_day(self, n_days: int) -> tuple[NDArray[np.float64], list[dict[str, int]]]:
        """What each stage held, and the running totals, at each midnight 24 (d + 1) just before any event of
        that instant (read from the monitors after the run)."""
        midnights = 24.0 * np.arange(1, n_days + 1)
        held = self.stages.levels_before(midnights)
        totals = {name: m.levels_before(midnights).astype(np.int64).tolist()
                  for name, m in self.totals.monitors.items()}
        return held, [{name: totals[name][d] for name in RunningTotals.NAMES} for d in range(n_days)]


def run_parcel_fidelity(net: Network, demand: Demand, ledger: Ledger, parcel_rng: np.random.Generator,
                        horizon_days: int, end_hours: float) -> tuple[ParcelStore, StageCounters, list[dict[str, int]]]:
    """Simulate to `end_hours` and fill `ledger`. Returns the per-parcel store, the stage counters (with
    their monitors) and the end-of-day snapshots of the running totals."""
    env = simpy.Environment()
    chain = ParcelChain(env, net, demand, ledger, end_hours)
    env.process(chain.orders(horizon_days, parcel_rng))
    # SimPy's events and process generators are freed by reference counting; the cyclic collector only
    # rescans the many live objects of a large run, so it is paused while the clock runs
    collecting = gc.isenabled()
    gc.disable()
    try:
        env.run(until=end_hours)
    finally:
        if collecting:
            gc.enable()

    n_days = min(ledger.n_days, int(end_hours // 24.0))
    held, snapshots = chain.end_of_day(n_days)
    ledger.held = np.zeros((ledger.n_days, len(STAGES)))
    ledger.held[:n_days] = held
    if ledger.classes is not None and chain.stages.parts is not None:
        midnights = 24.0 * np.arange(1, n_days + 1)
        for name, part in zip(ledger.classes, chain.stages.parts):
            part_held = np.zeros((ledger.n_days, len(STAGES)))
            part_held[:n_days] = part.levels_before(midnights)
            ledger.classes[name].held = part_held
    r = chain.store.view()
    done = r["outcome"] != OUTCOME_IN_TRANSIT
    ledger.add_finished({k: v[done] for k, v in r.items()})
    return chain.store, chain.stages, snapshots
