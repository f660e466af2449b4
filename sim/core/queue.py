"""Monitored SimPy queues: a `simpy.Resource` (and a non-preemptive `simpy.PriorityResource`) that records,
for every user, the wait from request to grant, and offers as `LevelMonitor`s the time-weighted number of
requests waiting and of busy servers. The records are made inside the resource's own put/get hooks
(`_do_put` grants a request, `_do_get` releases a user: the two methods through which
`simpy.resources.base.BaseResource`'s documentation says a subclass customises a resource), so a model
yields the request and releases it as with a plain SimPy resource and never records by hand. Nothing else
of SimPy is used beyond its public API (`Environment.now`, `Event.succeed`, `Request.usage_since`, the
resource's `users` and `put_queue`).

Model assumptions (those of SimPy's resources, stated here because the statistics depend on them):

* `capacity` identical servers; a request is granted when a server is free and every request ahead of it
  in the queue has been granted (first come first served; the priority variant orders the queue by
  priority, then request time, and never interrupts a user: non-preemptive).
* The queue has unlimited room and nobody leaves it unserved unless the request is cancelled
  (`request.cancel()`, or leaving a `with resource.request() as req:` block before the grant).
* A request leaves the queue at its grant, not at its release: the queue length counts requests not yet
  granted (or cancelled), the busy servers count granted requests not yet released.
* SimPy frees a server at `release()` but grants the next waiting request only when the release event is
  processed, at the same simulated time; several changes at one instant weigh nothing in a time average.

What is recorded while the clock runs is only what the per-user records need: at a grant the request and
grant times, at a release its time, at a cancellation the request and cancellation times (plain list
appends, no level bookkeeping: this is the hot path of every queueing model). `queue_length` and `busy`
build their `LevelMonitor`s from these times when read: the level that rises at each request (grant) and
falls at its grant (release), which is exactly the level a monitor updated at every grant and release would
hold. Read them after the run (or whenever a snapshot up to now is wanted), once: each read rebuilds.

The batch fidelity of the logistics model keeps a second implementation of the first-come-first-served
queue on purpose, a numba recursion on arrays (`sim.models.logistics.network.multi_server_fcfs_kernel`);
`tests/core/test_queue.py` checks that both give the same waits on the same draws.

Per-user records (`user_records()`) are in grant order, which for the first-come-first-served resource is
the request order.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy
from simpy.core import BoundClass
from simpy.resources.base import Put
from simpy.resources.resource import PriorityRequest, Release, Request, SortedQueue

from sim.core.monitor import LevelMonitor

__all__ = ["MonitoredRequest", "MonitoredPriorityRequest", "MonitoredResource", "MonitoredPriorityResource"]


class MonitoredRequest(Request):
    """A SimPy `Request` that remembers when it was made (`time`). Once granted, `usage_since` is the grant
    time (set by SimPy) and `wait` the time in queue."""

    def __init__(self, resource: MonitoredResource):
        self.time: float = resource.env.now
        Put.__init__(self, resource)  # joins the queue, and is granted here if a server is free (Request has no
        # __init__ of its own; named, not super(), as this runs once per user: the hot path)

    @property
    def wait(self) -> float | None:
        """Grant time minus request time (None before the grant)."""
        return None if self.usage_since is None else self.usage_since - self.time

    def cancel(self) -> None:
        """Leave the queue without being served (no effect once granted)."""
        if not self.triggered:
            super().cancel()
            resource: MonitoredResource = self.resource  # type: ignore[assignment]
            resource._cancelled(self)


class MonitoredPriorityRequest(PriorityRequest, MonitoredRequest):
    """A SimPy `PriorityRequest` (lower `priority` is served first) for a `MonitoredPriorityResource`, with
    the `time` and `wait` of a `MonitoredRequest`. `preempt` is kept for SimPy's signature but a priority
    resource never preempts."""


class MonitoredResource(simpy.Resource):
    """A first-come-first-served `simpy.Resource` with `capacity` servers that records every user's wait
    (`user_records()`) and gives, from its creation time on, the `queue_length` (requests waiting) and
    `busy` (servers in use) as `LevelMonitor`s. Use it as a `simpy.Resource`::

        request = resource.request()
        yield request                  # granted; request.wait is the time in queue
        yield env.timeout(service)
        resource.release(request)
    """

    # as in SimPy's own resources: event classes bound as methods, which SimPy binds to the instance at
    # creation (`BoundClass.bind_early`, for the names in the instance's own class body: a subclass that
    # wants that fast path repeats these two lines)
    if TYPE_CHECKING:

        def request(self) -> MonitoredRequest:
            """Request a server."""
            return MonitoredRequest(self)

        def release(self, request: Request) -> Release:
            """Release the server that `request` holds."""
            return Release(self, request)

    else:
        request = BoundClass(MonitoredRequest)
        release = BoundClass(Release)

    def __init__(self, env: simpy.Environment, capacity: int = 1):
        super().__init__(env, capacity)
        self.env = env
        self.start: float = env.now
        self._servers = capacity  # read at every grant: an attribute, where SimPy's `capacity` is a property
        self._requested: list[float] = []  # per grant, in grant order
        self._granted: list[float] = []
        self._released: list[float] = []  # per release, in release order
        self._cancel_requested: list[float] = []  # per cancelled request
        self._cancelled_at: list[float] = []
        self._arrays: tuple[tuple[int, int, int], dict[str, np.ndarray]] | None = None  # see _record_arrays

    # ---- SimPy's hooks -----------------------------------------------------------------------------------
    def _do_put(self, event: MonitoredRequest) -> None:  # type: ignore[override]  # only MonitoredRequests reach it
        """Grant `event` if a server is free (as `simpy.Resource._do_put`) and record the grant. SimPy calls
        this for the head of the queue when a request is made and when a release is processed."""
        users = self.users
        if len(users) < self._servers:
            now = self.env.now
            users.append(event)
            event.usage_since = now
            event.succeed()
            self._requested.append(event.time)
            self._granted.append(now)

    def _do_get(self, event: Release) -> None:
        """Release `event.request`'s server (as `simpy.Resource._do_get`) and record the release; releasing a
        request that holds no server changes nothing."""
        try:
            self.users.remove(event.request)
        except ValueError:
            pass
        else:
            self._released.append(self.env.now)
        event.succeed()

    def _cancelled(self, request: MonitoredRequest) -> None:
        self._cancel_requested.append(request.time)
        self._cancelled_at.append(self.env.now)

    # ---- records -----------------------------------------------------------------------------------------
    @property
    def granted(self) -> int:
        """How many requests have been granted so far."""
        return len(self._granted)

    def _record_arrays(self) -> dict[str, np.ndarray]:
        """The record lists as float arrays, converted once however many of `user_records`, `queue_length` and
        `busy` read them (the lists only grow, so their lengths identify a snapshot). Read-only views."""
        size = (len(self._granted), len(self._released), len(self._cancelled_at))
        if self._arrays is None or self._arrays[0] != size:
            arrays = {name: np.fromiter(values, dtype=np.float64, count=len(values))
                      for name, values in (("requested", self._requested), ("granted", self._granted),
                                           ("released", self._released), ("cancel_requested", self._cancel_requested),
                                           ("cancelled_at", self._cancelled_at))}
            for array in arrays.values():
                array.flags.writeable = False
            self._arrays = (size, arrays)
        return self._arrays[1]

    def user_records(self) -> dict[str, np.ndarray]:
        """Every granted request, in grant order: `requested` (request time), `granted` (grant time) and
        `wait` (granted - requested: the same IEEE subtraction as `request.wait`, so bit-identical to it)."""
        arrays = self._record_arrays()
        requested, granted = arrays["requested"].copy(), arrays["granted"].copy()
        return {"requested": requested, "granted": granted, "wait": granted - requested}

    @property
    def queue_length(self) -> LevelMonitor:
        """Requests waiting (made, not yet granted nor cancelled), from the resource's creation up to now."""
        arrays = self._record_arrays()
        joined = np.concatenate((arrays["requested"], arrays["cancel_requested"], [r.time for r in self.put_queue]))
        left = np.concatenate((arrays["granted"], arrays["cancelled_at"]))
        waited = left > joined[: left.size]  # a request granted (or cancelled) the instant it was made never waited
        joined = np.concatenate((joined[: left.size][waited], joined[left.size:]))
        left = left[waited]
        # at one instant, departures before arrivals: the level never passes above its value after the instant
        return LevelMonitor.from_changes(self.start, np.concatenate((left, joined)),
                                         np.concatenate((np.full(left.size, -1.0), np.ones(joined.size))))

    @property
    def busy(self) -> LevelMonitor:
        """Servers in use (granted requests not yet released), from the resource's creation up to now."""
        arrays = self._record_arrays()
        released, granted = arrays["released"], arrays["granted"]
        # at one instant, releases before grants: the level never passes above the capacity
        return LevelMonitor.from_changes(self.start, np.concatenate((released, granted)),
                                         np.concatenate((np.full(released.size, -1.0), np.ones(granted.size))))


class _InsertionSortedQueue(SortedQueue):
    """SimPy's `SortedQueue` (requests ordered by key, ties in arrival order), keeping its order by one binary
    insertion instead of a sort of the whole queue at every request (a flight's parcels all queue at once)."""

    def append(self, item: Any) -> None:
        if self.maxlen is not None and len(self) >= self.maxlen:
            raise RuntimeError("Cannot append event. Queue is full.")
        bisect.insort_right(self, item, key=lambda e: e.key)


class MonitoredPriorityResource(MonitoredResource, simpy.PriorityResource):
    """A non-preemptive `simpy.PriorityResource` with the records of `MonitoredResource`, plus each user's
    `priority`. The queue is ordered by (priority, request time); a user is never interrupted. Request with
    `resource.request(priority=k)`; `user_records()` adds a `priority` column to read waits per class."""

    if TYPE_CHECKING:

        def request(self, priority: int = 0, preempt: bool = True) -> MonitoredPriorityRequest:
            """Request a server with `priority` (lower is served first)."""
            return MonitoredPriorityRequest(self, priority, preempt)

        def release(self, request: Request) -> Release:
            """Release the server that `request` holds."""
            return Release(self, request)

    else:
        request = BoundClass(MonitoredPriorityRequest)
        release = BoundClass(Release)

    PutQueue = _InsertionSortedQueue

    def __init__(self, env: simpy.Environment, capacity: int = 1):
        super().__init__(env, capacity)
        self._priorities: list[int] = []

    def _do_put(self, event: MonitoredPriorityRequest) -> None:  # type: ignore[override]
        super()._do_put(event)
        if event.usage_since is not None:
            self._priorities.append(event.priority)

    def user_records(self) -> dict[str, np.ndarray]:
        records = super().user_records()
        records["priority"] = np.asarray(self._priorities, dtype=np.int64)
        return records
