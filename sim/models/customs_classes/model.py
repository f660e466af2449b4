"""The customs office with two parcel classes, in SimPy on the monitored queue: one process per parcel
(request an officer with its class as priority, clearance, release), the officers a
`MonitoredPriorityResource` (allocation "priority") or a `MonitoredResource` ("fcfs") that record every
parcel's wait through their own hooks.

Assumptions: those of `config.CustomsClassesParameters`; parcels arrive over [0, horizon) and the office
then drains, so every parcel has a complete wait; statistics cover parcels arriving in [warm-up, horizon).
Random numbers: each class's arrivals from its own stream ("arrivals.group", "arrivals.third_party"), the
clearance times from "service" in order of arrival, so the two allocations see the same draws.
"""

from __future__ import annotations

import numpy as np
import simpy

from sim.core.model import ReplicationOutput
from sim.core.queue import MonitoredPriorityResource, MonitoredResource
from sim.core.rng import Streams
from sim.kernels.sampling import poisson_arrival_times
from sim.models.customs_classes.config import CustomsClassesScenario

__all__ = ["simulate"]


def simulate(config: CustomsClassesScenario, streams: Streams) -> ReplicationOutput:
    """One replication of the two-class customs office."""
    params = config.customs_classes
    horizon_hours = config.run.horizon_days * 24.0
    warmup_hours = float(config.run.warmup_days) * 24.0
    group = poisson_arrival_times(streams["arrivals.group"], params.group_arrivals_per_hour, horizon_hours)
    third = poisson_arrival_times(streams["arrivals.third_party"], params.third_party_arrivals_per_hour,
                                  horizon_hours)
    arrivals = np.concatenate((group, third))
    by_time = np.argsort(arrivals, kind="stable")
    arrivals = arrivals[by_time]
    classes = np.concatenate((np.zeros(group.size, np.int64), np.ones(third.size, np.int64)))[by_time]
    clearance_hours = streams["service"].standard_exponential(arrivals.size) / params.service_rate_per_hour

    env = simpy.Environment()
    priority = params.allocation == "priority"
    officers = MonitoredPriorityResource(env, params.officers) if priority \
        else MonitoredResource(env, params.officers)

    def parcel(k: int, clearance: float):  # type: ignore[no-untyped-def]
        with (officers.request(priority=k) if priority else officers.request()) as officer:  # type: ignore[call-arg]
            yield officer
            yield env.timeout(clearance)

    def arrival_source():  # type: ignore[no-untyped-def]
        timeout, process = env.timeout, env.process
        for arrival, k, clearance in zip(arrivals.tolist(), classes.tolist(), clearance_hours.tolist()):
            yield timeout(arrival - env.now)
            process(parcel(k, clearance))

    env.process(arrival_source())
    env.run()
    records = officers.user_records()
    if records["wait"].size != arrivals.size:
        raise RuntimeError(f"{records['wait'].size} of {arrivals.size} parcels were cleared")
    # the records are in grant order; each parcel is known by its request time (all distinct, continuous)
    order = np.argsort(records["requested"], kind="stable")
    waits = records["wait"][order]
    counted = arrivals >= warmup_hours
    window_hours = horizon_hours - warmup_hours

    def mean(mask: np.ndarray) -> float:
        return float(waits[mask].mean()) if mask.any() else float("nan")

    metrics = {
        "mean_wait_group_hours": mean(counted & (classes == 0)),
        "mean_wait_third_party_hours": mean(counted & (classes == 1)),
        "mean_wait_hours": mean(counted),
        "utilisation": officers.busy.time_average(warmup_hours, horizon_hours) / params.officers,
        "group_arrival_rate_per_hour": float((counted & (classes == 0)).sum()) / window_hours,
        "parcels_cleared": float(counted.sum()),
    }
    return ReplicationOutput(metrics=metrics, tables={})
