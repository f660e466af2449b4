"""Customs clearance at the destination hub as an M/M/c queue in SimPy.

Assumptions: Poisson arrivals (rate lambda per hour), `c` identical officers, exponential clearance
times (rate mu per officer and hour), one first-come-first-served queue with unlimited room, no
abandonment. Parcels arrive over [0, horizon); the system then drains, so every parcel that arrived has
a complete wait. Statistics cover parcels arriving in [warm-up, horizon) and the time window itself.

Random numbers: arrivals and clearance times come from the streams "arrivals" and "service", drawn as
standard exponentials per parcel index and scaled by the rates, so a change in `officers` (or a rate)
keeps every parcel's draws (common random numbers).

The officers are a `sim.core.queue.MonitoredResource`: the resource itself records every parcel's wait
and the time-weighted queue length and busy officers, so a parcel's process is only request, clearance,
release (the six SimPy events of a plain SimPy model per parcel).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import simpy

from sim.core.model import ReplicationOutput
from sim.core.monitor import LevelMonitor
from sim.core.queue import MonitoredResource
from sim.core.rng import Streams
from sim.kernels.sampling import poisson_arrival_times
from sim.models.customs.config import CustomsScenario

__all__ = ["CustomsOffice", "poisson_arrival_times", "simulate"]


class CustomsOffice:
    """`officers` officers clearing parcels first-come-first-served (a `MonitoredResource`, which records
    every parcel's wait, the queue length and the busy officers). The logistics chain uses this class as
    its customs stage."""

    def __init__(self, env: simpy.Environment, officers: int):
        self.env = env
        self.officers = MonitoredResource(env, capacity=officers)

    @property
    def queue_length(self) -> LevelMonitor:
        """Parcels waiting for an officer, over time (built from the records when read)."""
        return self.officers.queue_length

    @property
    def busy_officers(self) -> LevelMonitor:
        """Officers clearing a parcel, over time (built from the records when read)."""
        return self.officers.busy

    def clear(self, clearance_hours: float):
        """Wait for an officer, hold them for `clearance_hours`; returns the wait in queue. A generator: run it
        inside a parcel's own process with `wait = yield from office.clear(hours)` (no process of its own,
        so no events beyond the request, the clearance and the release), or as `env.process(...)`."""
        request = self.officers.request()
        yield request
        yield self.env.timeout(clearance_hours)
        self.officers.release(request)
        return request.wait


def simulate(config: CustomsScenario, streams: Streams) -> ReplicationOutput:
    """One replication of the customs queue."""
    params = config.customs
    horizon_hours = config.run.horizon_days * 24.0
    warmup_hours = float(config.run.warmup_days) * 24.0
    arrivals = poisson_arrival_times(streams["arrivals"], params.arrivals_per_hour, horizon_hours)
    clearance_hours = streams["service"].standard_exponential(arrivals.size) / params.service_rate_per_hour

    env = simpy.Environment()
    office = CustomsOffice(env, params.officers)

    def arrival_source():
        # Python floats, not NumPy scalars, become the clock: SimPy's arithmetic on them is several times
        # cheaper (the values, and so every wait, are the same doubles either way)
        timeout, process = env.timeout, env.process
        for arrival, clearance in zip(arrivals.tolist(), clearance_hours.tolist()):
            yield timeout(arrival - env.now)
            process(office.clear(clearance))  # the parcel's process is its clearance

    env.process(arrival_source())
    env.run()
    # first come first served: the k-th request granted is the k-th made, i.e. parcel k's
    records = office.officers.user_records()
    if records["wait"].size != arrivals.size:
        raise RuntimeError(f"{records['wait'].size} of {arrivals.size} parcels were cleared")
    waits = records["wait"]

    counted = arrivals >= warmup_hours
    window_hours = horizon_hours - warmup_hours
    wait = waits[counted]
    n = int(wait.size)
    mean_wait = float(wait.mean()) if n else float("nan")
    arrival_rate = n / window_hours
    queue_length, busy_officers = office.queue_length, office.busy_officers
    mean_queue = queue_length.time_average(warmup_hours, horizon_hours)
    metrics = {
        "mean_wait_hours": mean_wait,
        "probability_of_waiting": float(np.mean(wait > 0.0)) if n else float("nan"),
        "p95_wait_hours": float(np.quantile(wait, 0.95)) if n else float("nan"),
        "mean_time_in_system_hours": mean_wait + float(clearance_hours[counted].mean()) if n else float("nan"),
        "mean_queue_length": mean_queue,
        "utilisation": busy_officers.time_average(warmup_hours, horizon_hours) / params.officers,
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
                "mean_queue_length": queue_length.binned_averages(0.0, float(hours.size), 1.0),
                "busy_officers": busy_officers.binned_averages(0.0, float(hours.size), 1.0),
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
