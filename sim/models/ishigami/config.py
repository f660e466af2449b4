"""Scenario schema of the Ishigami test function."""

from __future__ import annotations

import math

from pydantic import Field

from sim.core.config import FiniteFloat, NonNegative, ScenarioConfig, StrictModel

__all__ = ["IshigamiParameters", "IshigamiScenario"]


class IshigamiParameters(StrictModel):
    """Inputs x1, x2, x3 on [-pi, pi] and the constants a, b of y = sin x1 + a sin^2 x2 + b x3^4 sin x1.
    `noise_sd` adds N(0, noise_sd^2) noise from the stream "noise". For benchmarks, `busy_ms` spends that
    much CPU time per evaluation (a compute-bound model) and `sleep_ms` waits that long (a model waiting on
    I/O or an external solver)."""

    x1: FiniteFloat = Field(ge=-math.pi, le=math.pi, description="dimensionless (an angle, radians)")
    x2: FiniteFloat = Field(ge=-math.pi, le=math.pi, description="dimensionless (an angle, radians)")
    x3: FiniteFloat = Field(ge=-math.pi, le=math.pi, description="dimensionless (an angle, radians)")
    a: FiniteFloat = Field(default=7.0, description="dimensionless")
    b: FiniteFloat = Field(default=0.1, description="dimensionless")
    noise_sd: NonNegative = Field(default=0.0, le=1_000_000,
                                  description="units of y, at most 1e6 (assumption: keeps y + noise finite)")
    busy_ms: FiniteFloat = Field(default=0.0, ge=0.0, le=60_000.0)
    sleep_ms: FiniteFloat = Field(default=0.0, ge=0.0, le=60_000.0)


class IshigamiScenario(ScenarioConfig):
    ishigami: IshigamiParameters
