"""The part of every scenario that the spine owns: the description, the model name and the `[run]` table.

Each model's config class extends `ScenarioConfig` with its own parameter tables. All config classes are
frozen and reject unknown keys; defaults live here and in the model schemas, never in model code.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["StrictModel", "RunSettings", "ScenarioConfig", "Probability", "NonNegative", "Positive"]

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]
Positive = Annotated[float, Field(gt=0.0)]


class StrictModel(BaseModel):
    """Frozen, typed, and strict: no unknown keys, no silent type coercion (an integer is a valid float)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RunSettings(StrictModel):
    """How long to simulate and how often. Time in every model is measured from t = 0 at the start of
    `horizon_days`; statistics are collected only after `warmup_days` ("auto": chosen by MSER-5 on a
    pilot replication)."""

    horizon_days: Positive
    warmup_days: NonNegative | Literal["auto"] = 0.0
    replications: int = Field(default=10, ge=1, le=100_000)
    seed: int = Field(default=0, ge=0, lt=2**63)


class ScenarioConfig(StrictModel):
    """Fields every scenario file has. `model` names the model in the registry; `description` is the
    one-line summary that `sim list` prints."""

    model: str
    description: str = Field(min_length=1)
    run: RunSettings
