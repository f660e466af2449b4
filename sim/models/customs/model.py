"""Customs clearance at the destination hub as an M/M/c queue in SimPy.

Assumptions: Poisson arrivals (rate lambda per hour), `c` identical officers, exponential clearance
times (rate mu per officer and hour), one first-come-first-served queue with unlimited room, no
abandonment. Parcels arrive over [0, horizon); the system then drains, so every parcel that arrived has
a complete wait. Statistics cover parcels arriving in [warm-up, horizon) and the time window itself.

Random numbers: arrivals and clearance times come from the streams "arrivals" and "service", drawn as
standard exponentials per parcel index and scaled by the rates, so a change in `officers` (or a rate)
keeps every parcel's draws (common random numbers).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import simpy

from sim.core.model import ReplicationOutput
from sim.core.monitor import LevelMonitor
from sim.core.rng import Streams
from sim.kernels.sampling import poisson_arrival_times
from sim.models.customs.config import CustomsScenario

__all__ = ["CustomsOffice", "poisson_arrival_times", "simulate"]


class CustomsOffice:
    """`officers` officers clearing parcels first-come-first-served, with level monitors for the queue and
    the busy officers. The logistics chain uses this class as its customs stage."""

    def __init__(self, env: simpy.Environment, officers: int):
        self.env = env
        self.officers = simpy.Resource(env, capacity=officers)
        self.queue_length = LevelMonitor(env.now)
        self.busy_officers = LevelMonitor(env.now)

    def _record(self) -> None:
        now = self.env.now
        self.queue_length.record(now, len(self.officers.queue))
        self.busy_officers.record(now, self.officers.count)

    def clear(self, clearance_hours: float):
        """SimPy process: wait for an officer, hold them for `clearance_hours`; returns the wait in queue."""
        arrived = self.env.now
        request = self.officers.request()
        self._record()
        yield request
        self._record()  # the queue shrinks when the request is granted, not when the officer is released
        waited = self.env.now - arrived
        yield self.env.timeout(clearance_hours)
        self.officers.release(request)
        self._record()
        return waited


def simulate(config: CustomsScenario, streams: Streams) -> ReplicationOutput:
    """One replication of the customs queue."""
    params = config.customs
    horizon_hours = config.run.horizon_days * 24.0
    warmup_hours = float(config.run.warmup_days) * 24.0
    arrivals = poisson_arrival_times(streams["arrivals"], params.arrivals_per_hour, horizon_hours)
    clearance_hours = streams["service"].standard_exponential(arrivals.size) / params.service_rate_per_hour
    waits = np.empty(arrivals.size)

    env = simpy.Environment()
    office = CustomsOffice(env, params.officers)

    def parcel(index: int):
        waits[index] = yield env.process(office.clear(clearance_hours[index]))

    def arrival_source():
        for index, arrival in enumerate(arrivals):
            yield env.timeout(arrival - env.now)
            env.process(parcel(index))

    env.process(arrival_source())
    env.run()

    counted = arrivals >= warmup_hours
    window_hours = horizon_hours - warmup_hours
    wait = waits[counted]
    n = int(wait.size)
    mean_wait = float(wait.mean()) if n else float("nan")
    arrival_rate = n / window_hours
    mean_queue = office.queue_length.time_average(warmup_hours, horizon_hours)
    metrics = {
        "mean_wait_hours": mean_wait,
        "probability_of_waiting": float(np.mean(wait > 0.0)) if n else float("nan"),
        "p95_wait_hours": float(np.quantile(wait, 0.95)) if n else float("nan"),
        "mean_time_in_system_hours": mean_wait + float(clearance_hours[counted].mean()) if n else float("nan"),
        "mean_queue_length": mean_queue,
        "utilisation": office.busy_officers.time_average(warmup_hours, horizon_hours) / params.officers,
        "arrival_rate_per_hour": arrival_rate,
        "littles_law_gap": mean_queue - arrival_rate * mean_wait,
        "parcels_cleared": float(n),
    }

    hours = np.arange(int(np.ceil(horizon_hours)), dtype=np.int64)
    tables = {
        "hourly": pl.DataFrame(
            {
                "hour": hours,
                "arrivals": np.bincount(arrivals.astype(np.int64), minlength=hours.size)[: hours.size],
                "mean_queue_length": office.queue_length.binned_averages(0.0, float(hours.size), 1.0),
                "busy_officers": office.busy_officers.binned_averages(0.0, float(hours.size), 1.0),
            }
        )
    }
    if params.record_parcels:
        tables["parcels"] = pl.DataFrame(
            {
                "parcel": np.arange(arrivals.size, dtype=np.int64),
                "arrival_hours": arrivals,
                "wait_hours": waits,
                "clearance_hours": clearance_hours,
                "departure_hours": arrivals + waits + clearance_hours,
                "after_warmup": counted,
            }
        )
    return ReplicationOutput(metrics=metrics, tables=tables)
