"""The monitored SimPy queue (`sim.core.queue`): its waits against the batch fidelity's FCFS recursion, the
sample-path identities of its time-weighted monitors, the non-preemptive priority order on a hand-built
path, and the number of SimPy events a customs parcel costs."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.core.queue import MonitoredPriorityRequest, MonitoredPriorityResource, MonitoredRequest, MonitoredResource
from sim.core.rng import Streams
from sim.models.customs import CustomsScenario
from sim.models.customs.model import simulate as customs_simulate
from sim.models.logistics.network import (multi_server_fcfs_kernel, multi_server_fcfs_numpy,
                                          multi_server_priority_kernel, multi_server_priority_numpy)


def serve(resource_type, capacity, arrivals, services, priorities=None, env=None):
    """Run one customer per (arrival, service) through a fresh `resource_type`; returns (env, resource)."""
    env = env or simpy.Environment()
    resource = resource_type(env, capacity)

    def customer(service, priority):
        request = resource.request() if priority is None else resource.request(priority=priority)
        yield request
        yield env.timeout(service)
        resource.release(request)

    def source():
        for k, (arrival, service) in enumerate(zip(arrivals, services)):
            yield env.timeout(arrival - env.now)
            env.process(customer(service, None if priorities is None else priorities[k]))

    env.process(source())
    env.run()
    return env, resource


def draws(seed: int, n: int, servers: int, utilisation: float = 0.9):
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.standard_exponential(n)) / (utilisation * servers)
    services = rng.standard_exponential(n)
    return arrivals.tolist(), services.tolist()


@pytest.mark.parametrize("servers", [1, 2, 4])
def test_waits_equal_the_batch_fidelity_kernel(servers):
    """The same draws through the monitored SimPy resource and the batch fidelity's FCFS recursion
    (numba kernel and its NumPy twin) give the same waits, customer by customer."""
    arrivals, services = draws(servers, 5_000, servers)
    _, resource = serve(MonitoredResource, servers, arrivals, services)
    records = resource.user_records()
    np.testing.assert_array_equal(records["requested"], arrivals)  # FCFS: grant order is request order
    kernel = multi_server_fcfs_kernel(np.array(arrivals), np.array(services), np.zeros(servers))
    twin = multi_server_fcfs_numpy(arrivals, services, servers)
    np.testing.assert_allclose(records["wait"], kernel, rtol=0.0, atol=1e-12)
    np.testing.assert_allclose(records["wait"], twin, rtol=0.0, atol=1e-12)
    assert (records["wait"] > 0).mean() > 0.3  # the queue was busy, so the comparison has teeth


@pytest.mark.parametrize("servers", [1, 3])
def test_priority_waits_equal_the_batch_fidelity_priority_kernel(servers):
    """The same draws, two classes, through the monitored SimPy priority resource and the batch fidelity's
    non-preemptive priority kernel (numba, and its plain-Python twin): the same start for every customer."""
    arrivals, services = draws(servers + 10, 1_500, servers)
    classes = (np.random.default_rng(servers).random(len(arrivals)) < 0.4).astype(np.int64)
    _, resource = serve(MonitoredPriorityResource, servers, arrivals, services, priorities=classes.tolist())
    records = resource.user_records()
    # customers are told apart by their request times (all distinct)
    by_request = np.argsort(records["requested"])
    simpy_starts = records["granted"][by_request]
    kernel = multi_server_priority_kernel(np.array(arrivals), np.array(services), classes, np.zeros(servers), np.inf)
    twin = multi_server_priority_numpy(arrivals, services, classes, servers)
    # (SimPy's clock reaches an arrival as now + (arrival - now): equal to 1e-12, as in the FCFS test)
    np.testing.assert_allclose(simpy_starts, kernel, rtol=0.0, atol=1e-12)
    np.testing.assert_array_equal(kernel, twin)
    # priority did reorder the queue: some third-party customer was granted after a later group one
    granted_class = records["priority"]
    assert (np.diff(records["requested"]) < 0).any() and granted_class.min() == 0 and granted_class.max() == 1


def test_priority_kernel_in_pieces_equals_one_call():
    """Fed flight by flight (`until` the next arrival time, the unstarted handed back), the kernel gives
    the starts of one call over all customers: how the batch fidelity uses it."""
    rng = np.random.default_rng(4)
    arrivals = np.repeat(np.arange(40) * 1.5, 30)  # 40 bags of 30 customers, each bag at one instant
    services = rng.standard_exponential(arrivals.size) * 0.15
    classes = (rng.random(arrivals.size) < 0.5).astype(np.int64)
    whole = multi_server_priority_kernel(arrivals, services, classes, np.zeros(3), np.inf)
    free = np.zeros(3)
    starts = np.full(arrivals.size, np.nan)
    waiting = np.empty(0, dtype=np.int64)
    for bag in range(40):
        queue = np.concatenate((waiting, np.flatnonzero(arrivals == bag * 1.5)))
        until = (bag + 1) * 1.5 if bag < 39 else np.inf
        got = multi_server_priority_kernel(arrivals[queue], services[queue], classes[queue], free, until)
        starts[queue] = got
        waiting = queue[np.isnan(got)]
    np.testing.assert_array_equal(starts, whole)
    assert (whole - arrivals > 1.5).any()  # some customers waited past the next bag


def test_monitored_resource_grants_like_simpy_resource():
    """Monitoring changes neither when requests are granted nor how many events SimPy processes."""
    arrivals, services = draws(7, 2_000, 3)
    grants = {}
    events = {}
    for resource_type in (simpy.Resource, MonitoredResource):
        env = simpy.Environment()
        resource = resource_type(env, 3)
        granted = []

        def customer(service, resource=resource, granted=granted, env=env):
            request = resource.request()
            yield request
            granted.append(env.now)
            yield env.timeout(service)
            resource.release(request)

        def source(env=env, customer=customer):
            for arrival, service in zip(arrivals, services):
                yield env.timeout(arrival - env.now)
                env.process(customer(service))

        env.process(source())
        steps = 0
        while env.peek() < simpy.core.Infinity:
            env.step()
            steps += 1
        grants[resource_type] = granted
        events[resource_type] = steps
    assert grants[MonitoredResource] == grants[simpy.Resource]
    assert events[MonitoredResource] == events[simpy.Resource]


@pytest.mark.parametrize("servers", [1, 3])
def test_time_weighted_monitors_integrate_to_waits_and_services(servers):
    """On one sample path run until empty: the area under the queue length is the sum of the waits, and
    the area under the busy servers is the sum of the service times (each waiting customer adds 1 to the
    queue for exactly its wait, each user adds 1 to the busy count for exactly its service)."""
    arrivals, services = draws(10 + servers, 3_000, servers)
    env, resource = serve(MonitoredResource, servers, arrivals, services)
    end = env.now
    waits = resource.user_records()["wait"]
    assert resource.granted == len(arrivals)
    assert resource.queue_length.integral(0.0, end) == pytest.approx(waits.sum(), rel=1e-12)
    assert resource.busy.integral(0.0, end) == pytest.approx(sum(services), rel=1e-12)
    # both levels end at zero, and the busy level never exceeds the servers
    assert resource.queue_length.time_average(end, end + 1.0) == 0.0
    assert resource.busy.time_average(end, end + 1.0) == 0.0
    assert resource.busy.binned_averages(0.0, end, end / 10_000).max() == pytest.approx(servers)


def test_queue_shrinks_at_the_grant_and_a_cancelled_request_leaves_it():
    """One server: A holds it over [0, 2]; B waits from 0.5 and gives up at 1.0; C waits from 1.5 until the
    grant at 2 (not until its release at 3)."""
    env = simpy.Environment()
    resource = MonitoredResource(env, 1)

    def a():
        with resource.request() as request:
            yield request
            yield env.timeout(2.0)

    def b():
        yield env.timeout(0.5)
        request = resource.request()
        assert isinstance(request, MonitoredRequest) and request.wait is None
        yield request | env.timeout(0.5)
        assert not request.triggered
        request.cancel()

    def c():
        yield env.timeout(1.5)
        with resource.request() as request:
            yield request
            assert request.wait == 0.5
            yield env.timeout(1.0)

    for process in (a, b, c):
        env.process(process())
    env.run()
    assert env.now == 3.0
    levels = resource.queue_length
    assert levels.integral(0.0, 3.0) == pytest.approx(0.5 + 0.5)
    assert levels.time_average(0.5, 1.0) == 1.0 and levels.time_average(1.0, 1.5) == 0.0
    assert levels.time_average(1.5, 2.0) == 1.0 and levels.time_average(2.0, 3.0) == 0.0
    assert resource.busy.integral(0.0, 3.0) == 3.0
    records = resource.user_records()
    np.testing.assert_array_equal(records["requested"], [0.0, 1.5])
    np.testing.assert_array_equal(records["wait"], [0.0, 0.5])


def test_monitors_read_during_the_run_cover_the_run_so_far():
    """One server, service 2: customers at 0, 1 and 1.5. Read at 2.5, one is in service (since 2) and one
    waits (since 1.5): the levels up to now, and what holds now, carried on."""
    env = simpy.Environment()
    resource = MonitoredResource(env, 1)

    def customer(arrival):
        yield env.timeout(arrival)
        request = resource.request()
        yield request
        yield env.timeout(2.0)
        resource.release(request)

    for arrival in (0.0, 1.0, 1.5):
        env.process(customer(arrival))
    env.run(until=2.5)
    queue, busy = resource.queue_length, resource.busy
    np.testing.assert_array_equal(queue.binned_averages(0.0, 3.0, 0.5), [0, 0, 1, 2, 1, 1])
    np.testing.assert_array_equal(busy.binned_averages(0.0, 3.0, 0.5), [1, 1, 1, 1, 1, 1])
    assert resource.granted == 2
    env.run()
    assert resource.queue_length.integral(0.0, env.now) == 1.0 + 2.5 == resource.user_records()["wait"].sum()


def test_priority_resource_serves_by_class_without_preemption():
    """One server, class 0 before class 1, by hand:

        customer  arrives  class  service   starts  wait
        A         0        1      4         0       0     (alone)
        B         1        1      2         6       5     (passed by C and D)
        C         2        0      1         4       2     (first of class 0 when A ends)
        D         3        0      1         5       2
        E         6.5      1      1         8.5     2     (passed by F)
        F         7        0      0.5       8       1     (does not interrupt B, in service since 6)

    The queue holds 1, 2, 3, 2, 1 customers over [1, 6) and 1, 2, 1 over [6.5, 8.5): area 12 = sum of
    waits; the server is busy over [0, 9.5]."""
    arrivals = [0.0, 1.0, 2.0, 3.0, 6.5, 7.0]
    services = [4.0, 2.0, 1.0, 1.0, 1.0, 0.5]
    classes = [1, 1, 0, 0, 1, 0]
    env, resource = serve(MonitoredPriorityResource, 1, arrivals, services, priorities=classes)
    assert isinstance(resource, simpy.PriorityResource)
    assert env.now == 9.5
    records = resource.user_records()
    # grant order A, C, D, B, F, E
    np.testing.assert_array_equal(records["requested"], [0.0, 2.0, 3.0, 1.0, 7.0, 6.5])
    np.testing.assert_array_equal(records["granted"], [0.0, 4.0, 5.0, 6.0, 8.0, 8.5])
    np.testing.assert_array_equal(records["wait"], [0.0, 2.0, 2.0, 5.0, 1.0, 2.0])
    np.testing.assert_array_equal(records["priority"], [1, 0, 0, 1, 0, 1])
    per_class = {k: records["wait"][records["priority"] == k].mean() for k in (0, 1)}
    assert per_class == {0: 5.0 / 3.0, 1: 7.0 / 3.0}
    assert resource.queue_length.integral(0.0, env.now) == 12.0 == records["wait"].sum()
    np.testing.assert_array_equal(resource.queue_length.binned_averages(0.0, 9.0, 1.0),
                                  [0, 1, 2, 3, 2, 1, 0.5, 2, 0.5])
    assert resource.busy.integral(0.0, env.now) == 9.5 == sum(services)


def test_priority_request_type():
    env = simpy.Environment()
    resource = MonitoredPriorityResource(env, 2)
    request = resource.request(priority=3)
    assert isinstance(request, MonitoredPriorityRequest) and isinstance(request, MonitoredRequest)
    assert request.priority == 3 and request.wait == 0.0
    # a cancelled priority request leaves the queue, and the queue length shows it
    resource.request(priority=1)
    waiting = resource.request(priority=0)
    env.run(until=1.0)
    waiting.cancel()
    env.run(until=2.0)
    assert resource.queue_length.integral(0.0, 2.0) == 1.0
    assert resource.granted == 2 and resource.queue_length.time_average(1.0, 2.0) == 0.0


def _customs_config(horizon_days: float, record_parcels: bool = False) -> CustomsScenario:
    return CustomsScenario.model_validate({
        "model": "customs", "description": "d", "run": {"horizon_days": horizon_days, "warmup_days": 0.0, "seed": 3},
        "customs": {"arrivals_per_hour": 32.0, "officers": 4, "service_rate_per_hour": 10.0,
                    "record_parcels": record_parcels}})


def test_customs_model_waits_equal_the_kernel():
    parcels = customs_simulate(_customs_config(3.0, record_parcels=True), Streams(3, 0)).tables["parcels"]
    arrivals = parcels["arrival_hours"].to_numpy()
    waits = multi_server_fcfs_kernel(arrivals, parcels["clearance_hours"].to_numpy(), np.zeros(4))
    np.testing.assert_allclose(parcels["wait_hours"].to_numpy(), waits, rtol=0.0, atol=1e-12)


def test_customs_model_needs_no_more_simpy_events_per_parcel_than_plain_simpy(monkeypatch):
    """A plain SimPy M/M/c model schedules 6 events per customer: the arrival timeout, the process start,
    the request, the service timeout, the release and the process end. The customs model may not need more
    (it used to need 8: `clear` ran as a second process)."""
    scheduled = 0
    schedule = simpy.Environment.schedule

    def counting_schedule(self, event, *args, **kwargs):
        nonlocal scheduled
        scheduled += 1
        return schedule(self, event, *args, **kwargs)

    monkeypatch.setattr(simpy.Environment, "schedule", counting_schedule)
    out = customs_simulate(_customs_config(2.0), Streams(3, 0))
    parcels = int(out.metrics["parcels_cleared"])
    assert parcels > 1000
    # + 2: the arrival source's own start and end
    assert scheduled <= 6 * parcels + 2, scheduled / parcels
