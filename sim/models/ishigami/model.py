"""The Ishigami function as a one-replication model, so sweeps and sensitivity analysis can be checked
against closed-form Sobol indices (see `theory.py`)."""

from __future__ import annotations

import math
import time

from sim.core.model import ReplicationOutput
from sim.core.rng import Streams
from sim.models.ishigami.config import IshigamiScenario
from sim.models.ishigami.theory import ishigami

__all__ = ["simulate", "spin"]


def spin(milliseconds: float) -> None:
    """Keep the CPU busy for `milliseconds` of this thread's CPU time (a stand-in for an expensive
    simulation; CPU time, not wall time, so that runs competing for a core take longer, as real ones do)."""
    if milliseconds <= 0.0:
        return
    deadline = time.thread_time() + milliseconds / 1000.0
    x = 0.0
    while time.thread_time() < deadline:
        for i in range(200):
            x += math.sqrt(i)


def simulate(config: IshigamiScenario, streams: Streams) -> ReplicationOutput:
    """y = Ishigami(x1, x2, x3) + noise_sd Z, Z ~ N(0, 1) from the stream "noise"."""
    p = config.ishigami
    spin(p.busy_ms)
    if p.sleep_ms > 0.0:
        time.sleep(p.sleep_ms / 1000.0)
    exact = float(ishigami(p.x1, p.x2, p.x3, p.a, p.b))
    noise = p.noise_sd * float(streams["noise"].standard_normal()) if p.noise_sd > 0.0 else 0.0
    return ReplicationOutput(metrics={"y": exact + noise, "y_exact": exact})
