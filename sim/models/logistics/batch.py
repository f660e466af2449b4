"""The batch fidelity: SimPy processes move whole bags (a day's orders, a pick-up, a flight); per-parcel
stage times come from vectorised rules and numba queue kernels, so no parcel costs a SimPy event.

Processes: `demand` (one event a day: new orders, forward-stocked items straight to the last mile,
customers' feedback applied), `pickups` (each first-mile pick-up takes the ready parcels and pushes the bag
through the sortation line kernel), `flights` (each flight at its cut-off takes the sorted parcels FCFS up
to capacity, then landing, customs with the multi-server FCFS kernel, inspection, refusal and the
last-mile waves are computed for the bag). Bags reach each queue in time order, so carrying the queue state
(the line's finish time, the officers' free times) from bag to bag gives exactly the FCFS recursion of the
parcel fidelity.

With two parcel classes under `allocation = "priority"`, each class has its own flight queue (a flight
takes the group's first) and customs runs `multi_server_priority_kernel` flight by flight: parcels that have
no officer before the next flight's parcels could arrive wait in the state for the next call, since a later
group parcel may still overtake them.

Stage holdings are counted from the times parcels enter and leave each stage, booked when the bag moves
(per class too, with two classes).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from typing import Any, TypeAlias, TypedDict

import numpy as np
import simpy
from numpy.typing import NDArray

from sim.models.logistics.demand import Demand, DayOrders
from sim.models.logistics.metrics import CLASS_FIELD, Ledger, ParcelRecords
from sim.models.logistics.network import (
    CUSTOMS, DESTINATION_HUB, FIRST_MILE, FORWARD, LAST_MILE, LINE_HAUL, MERCHANT, ORIGIN_HUB,
    OUTCOME_DELIVERED, OUTCOME_LOST, OUTCOME_RETURNED, U_COLUMNS, U_INSPECT, U_LOST, U_MERCHANT, U_PRECLEAR,
    U_REFUSE, U_SERVICE, Network, multi_server_fcfs_kernel, multi_server_priority_kernel, sort_line_kernel,
)

__all__ = ["run_batch_fidelity"]

Bag: TypeAlias = dict[str, NDArray[Any]]  # name -> array, all of the same length


class _State(TypedDict):
    """What `run_batch_fidelity` carries from bag to bag."""

    sort_free_at: float
    officers_free: NDArray[np.float64]
    #: under priority: standard parcels that reached customs but had no officer yet (queue order), with
    #: their "customs_arrival" and "service" times
    customs_waiting: Bag | None
    #: delivered promised parcels not yet seen by their customers: (final times, customers, on time)
    feedback: list[tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.bool_]]]


def _take(bag: Bag, idx: slice | NDArray[np.bool_] | NDArray[np.integer[Any]]) -> Bag:
    return {k: v[idx] for k, v in bag.items()}


def _concat_all(bags: list[Bag]) -> Bag:
    if len(bags) == 1:
        return bags[0]
    return {k: np.concatenate([b[k] for b in bags]) for k in bags[0]}


def _size(bag: Bag | None) -> int:
    return 0 if bag is None else int(bag["order_time"].size)


def _record(bag: Bag, **fields: NDArray[Any]) -> ParcelRecords:
    n = _size(bag)
    nan = np.full(n, np.nan)
    r = {
        "parcel": bag["parcel"], "customer": bag["customer"], "order_time": bag["order_time"],
        "ready": bag.get("ready", nan), "hub_arrival": bag.get("hub_arrival", nan),
        "sorted": bag.get("sorted", nan), "flight_arrival": nan, "customs_arrival": nan, "customs_done": nan,
        "final_time": nan, "outcome": np.full(n, -1, dtype=np.int64), "attempts": np.zeros(n, dtype=np.int64),
        "choice": bag["choice"], "forward": bag["forward"], "promised": bag["promised"],
        "standard": np.zeros(n, dtype=bool), "refused": np.zeros(n, dtype=bool),
        "value_eur": bag["value_eur"], "weight_kg": bag["weight_kg"], CLASS_FIELD: bag[CLASS_FIELD],
    }
    r.update(fields)
    return r


def run_batch_fidelity(net: Network, demand: Demand, ledger: Ledger, parcel_rng: np.random.Generator,
                       horizon_days: int, end_hours: float) -> None:
    p = net.params
    lh, cu, lm = p.line_haul, p.customs, p.last_mile
    env = simpy.Environment()
    # pick-up buckets: pick-up index -> bags of parcels ready for it (each bag sorted by ready time);
    # flight queue: bags in the order the sortation line finished them (sorted times never decrease)
    buckets: dict[int, list[Bag]] = {}
    flight_queue: deque[Bag] = deque()
    # under priority, one flight queue per class (the group's first): a flight takes the group's parcels
    # first, each class in the order the line finished them
    priority = p.two_classes and p.allocation == "priority"
    class_queues: tuple[deque[Bag], ...] = (deque(), deque()) if priority else (flight_queue,)
    state: _State = {"sort_free_at": 0.0,
             "officers_free": np.zeros(cu.officers), "feedback": [], "customs_waiting": None}

    def finish(r: ParcelRecords) -> ParcelRecords:
        """Book parcels whose outcome falls inside the run (the bag's times are computed ahead of the
        clock; a parcel finishing at or after the end is still in transit, as in the parcel fidelity)."""
        inside = r["final_time"] < end_hours
        if not inside.all():
            r = {k: v[inside] for k, v in r.items()}
        ledger.add_finished(r)
        return r

    def book_feedback(r: ParcelRecords) -> None:
        delivered = r["outcome"] == OUTCOME_DELIVERED
        if not p.demand.feedback:
            return
        mask = delivered & r["promised"] & r[CLASS_FIELD]  # third-party parcels are not the group's shoppers
        if mask.any():
            on_time = ledger.guarantee.on_time(r["order_time"][mask], r["final_time"][mask])
            state["feedback"].append((r["final_time"][mask], r["customer"][mask], on_time))

    def apply_feedback(now: float) -> None:
        if not state["feedback"]:
            return
        t = np.concatenate([f[0] for f in state["feedback"]])
        c = np.concatenate([f[1] for f in state["feedback"]])
        ok = np.concatenate([f[2] for f in state["feedback"]])
        due = t < now
        demand.customers.record_deliveries(c[due], np.ones(int(due.sum()), bool), ok[due])
        state["feedback"] = [(t[~due], c[~due], ok[~due])] if (~due).any() else []

    def last_mile(bag: Bag, entry: NDArray[np.float64], station: NDArray[np.float64], **fields: NDArray[Any]) -> None:
        final, attempts, delivered = net.last_mile(station, bag["u"])
        ledger.count_stage(LAST_MILE, entry, final, bag[CLASS_FIELD])
        done = np.isfinite(final)
        outcome = np.where(delivered, OUTCOME_DELIVERED, OUTCOME_RETURNED)
        r = _record(bag, final_time=final, outcome=outcome, attempts=attempts, **fields)
        r = finish({k: v[done] for k, v in r.items()})
        book_feedback(r)

    def demand_process() -> Generator[simpy.Event, Any, None]:
        for day in range(horizon_days):
            yield env.timeout(24.0 * day - env.now)
            apply_feedback(env.now)
            orders: DayOrders = demand.generate_day(day)
            m = orders.size
            if m == 0:
                continue
            ledger.add_orders(orders.time, orders.value_eur, orders.group)
            u = parcel_rng.random((m, U_COLUMNS))
            bag = {"parcel": orders.index, "customer": orders.customer, "order_time": orders.time,
                   "value_eur": orders.value_eur, "weight_kg": orders.weight_kg, "choice": orders.choice,
                   "forward": orders.forward, "promised": orders.promised, CLASS_FIELD: orders.is_group(), "u": u}
            fwd = orders.forward
            if fwd.any():
                fb = _take(bag, fwd)
                ready = fb["order_time"] + p.forward_stock.handling_hours
                fb["ready"] = ready
                ledger.count_stage(FORWARD, fb["order_time"], ready, fb[CLASS_FIELD])
                last_mile(fb, ready, ready + lm.transfer_hours)
            cross = np.flatnonzero(~fwd)
            ready = net.merchant_ready(orders.time[cross], u[cross, U_MERCHANT], orders.choice[cross])
            by_ready = np.argsort(ready, kind="stable")
            cb = _take(bag, cross[by_ready])
            cb["ready"] = ready[by_ready]
            ledger.count_stage(MERCHANT, cb["order_time"], cb["ready"], cb[CLASS_FIELD])
            ledger.count_stage(FIRST_MILE, cb["ready"], None, cb[CLASS_FIELD])
            pickup_index = np.searchsorted(net.pickups, cb["ready"], side="left")
            edges = np.flatnonzero(np.diff(pickup_index)) + 1
            for lo, hi in zip(np.r_[0, edges], np.r_[edges, pickup_index.size]):
                if hi > lo:
                    buckets.setdefault(int(pickup_index[lo]), []).append(_take(cb, slice(lo, hi)))

    def pickup_process() -> Generator[simpy.Event, Any, None]:
        for j, pickup in enumerate(net.pickups):
            if pickup > end_hours:
                return
            yield env.timeout(pickup - env.now)
            bags = buckets.pop(j, None)
            if not bags:
                continue
            bag = bags[0]
            if len(bags) > 1:  # orders of several days: merge by ready time (stable: creation order on ties)
                bag = _concat_all(bags)
                bag = _take(bag, np.argsort(bag["ready"], kind="stable"))
            arrival = np.full(_size(bag), pickup + p.first_mile.transit_hours)
            bag["hub_arrival"] = arrival
            done, state["sort_free_at"] = sort_line_kernel(arrival, state["sort_free_at"], net.shift_starts,
                                                           net.shift_ends, net.sort_service_hours)
            bag["sorted"] = done
            group = bag[CLASS_FIELD]
            ledger.count_stage(FIRST_MILE, None, arrival, group)
            ledger.count_stage(ORIGIN_HUB, arrival, done, group)
            ledger.count_stage(LINE_HAUL, done, None, group)
            if not priority:
                flight_queue.append(bag)
                continue
            for queue, part in zip(class_queues, (group, ~group)):
                if part.any():
                    queue.append(_take(bag, part))

    def flight_process() -> Generator[simpy.Event, Any, None]:
        for k in range(net.departures.size):
            cutoff = net.cutoffs[k]
            if cutoff > end_hours:
                break
            yield env.timeout(max(cutoff - env.now, 0.0))
            yield env.timeout(0.0)
            if net.cancelled[k] or not any(class_queues):
                continue
            room = lh.capacity_parcels
            aboard: list[Bag] = []
            for queue in class_queues:
                while room > 0 and queue:
                    head = queue[0]
                    n_ready = min(int(np.searchsorted(head["sorted"], cutoff, side="right")), room)
                    if n_ready == 0:
                        break
                    if n_ready == _size(head):
                        aboard.append(queue.popleft())
                    else:
                        aboard.append(_take(head, slice(0, n_ready)))
                        queue[0] = _take(head, slice(n_ready, None))
                    room -= n_ready
            if aboard:
                # the next flight's parcels reach customs no earlier than this (a bound for the priority queue)
                next_arrival = net.departures[k + 1] + lh.flight_hours + p.destination_hub.handling_hours \
                    if k + 1 < net.departures.size else np.inf
                fly(_concat_all(aboard), net.departures[k] + lh.flight_hours, next_arrival)
        if priority:
            clear_by_priority(None, np.inf)  # the parcels still queueing when the flights end

    def fly(bag: Bag, landing: float, next_arrival: float) -> None:
        n = _size(bag)
        u = bag["u"]
        landed = np.full(n, landing)
        ledger.count_stage(LINE_HAUL, None, landed, bag[CLASS_FIELD])
        lost = u[:, U_LOST] < lh.loss_probability
        if lost.any():
            lb = _take(bag, lost)
            r = _record(lb, flight_arrival=landed[lost], final_time=landed[lost],
                        outcome=np.full(int(lost.sum()), OUTCOME_LOST, dtype=np.int64))
            finish(r)
            bag = _take(bag, ~lost)
            n = _size(bag)
            u = bag["u"]
            landed = landed[~lost]
        arrival = landed + p.destination_hub.handling_hours
        ledger.count_stage(DESTINATION_HUB, landed, arrival, bag[CLASS_FIELD])
        standard = u[:, U_PRECLEAR] >= cu.pre_cleared_share
        if priority:
            bag["flight_arrival"], bag["customs_arrival"] = landed, arrival
            ledger.count_stage(CUSTOMS, arrival, None, bag[CLASS_FIELD])
            pre_cleared = _take(bag, ~standard)
            leave_customs(pre_cleared, pre_cleared["customs_arrival"] + cu.pre_cleared_release_hours,
                          np.zeros(_size(pre_cleared), dtype=bool))
            queueing = _take(bag, standard)
            queueing["service"] = net.clearance_hours(queueing["u"][:, U_SERVICE])
            clear_by_priority(queueing, next_arrival)
            return
        done = arrival + cu.pre_cleared_release_hours
        if standard.any():
            service = net.clearance_hours(u[standard, U_SERVICE])
            waits = multi_server_fcfs_kernel(arrival[standard], service, state["officers_free"])
            done[standard] = arrival[standard] + waits + service
        done = done + (u[:, U_INSPECT] < cu.inspection_probability) * cu.inspection_hold_hours
        ledger.count_stage(CUSTOMS, arrival, done, bag[CLASS_FIELD])
        refused = u[:, U_REFUSE] < cu.refusal_probability
        fields = dict(flight_arrival=landed, customs_arrival=arrival, customs_done=done, standard=standard)
        if refused.any():
            rb = _take(bag, refused)
            r = _record(rb, **{k: v[refused] for k, v in fields.items()}, final_time=done[refused],
                        outcome=np.full(int(refused.sum()), OUTCOME_RETURNED, dtype=np.int64),
                        refused=np.ones(int(refused.sum()), bool))
            finish(r)
        keep = ~refused
        kb = _take(bag, keep)
        last_mile(kb, done[keep], done[keep] + lm.transfer_hours, **{k: v[keep] for k, v in fields.items()})

    def clear_by_priority(arrived: Bag | None, until: float) -> None:
        """Under priority: the officers take the waiting standard parcels (the group's first, non-preemptive;
        `multi_server_priority_kernel`) up to `until`, when the next flight's parcels may arrive; those
        started leave customs, the rest wait for the next call."""
        waiting = [b for b in (state["customs_waiting"], arrived) if b is not None and _size(b) > 0]
        if not waiting:
            return
        queue = _concat_all(waiting)
        classes = np.where(queue[CLASS_FIELD], 0, 1).astype(np.int64)
        starts = multi_server_priority_kernel(queue["customs_arrival"], queue["service"], classes,
                                              state["officers_free"], until)
        started = ~np.isnan(starts)
        state["customs_waiting"] = _take(queue, ~started)
        cleared = _take(queue, started)
        leave_customs(cleared, starts[started] + cleared["service"], np.ones(_size(cleared), dtype=bool))

    def leave_customs(bag: Bag, released: NDArray[np.float64], standard: NDArray[np.bool_]) -> None:
        """Parcels released by customs at `released`: inspection hold, refusal, then the last mile."""
        if _size(bag) == 0:
            return
        u = bag["u"]
        done = released + (u[:, U_INSPECT] < cu.inspection_probability) * cu.inspection_hold_hours
        ledger.count_stage(CUSTOMS, None, done, bag[CLASS_FIELD])
        refused = u[:, U_REFUSE] < cu.refusal_probability
        fields = dict(flight_arrival=bag["flight_arrival"], customs_arrival=bag["customs_arrival"],
                      customs_done=done, standard=standard)
        if refused.any():
            r = _record(_take(bag, refused), **{k: v[refused] for k, v in fields.items()},
                        final_time=done[refused], outcome=np.full(int(refused.sum()), OUTCOME_RETURNED, dtype=np.int64),
                        refused=np.ones(int(refused.sum()), bool))
            finish(r)
        keep = ~refused
        last_mile(_take(bag, keep), done[keep], done[keep] + lm.transfer_hours,
                  **{k: v[keep] for k, v in fields.items()})

    env.process(demand_process())
    env.process(pickup_process())
    env.process(flight_process())
    env.run(until=end_hours)
