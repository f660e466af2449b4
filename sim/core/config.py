"""The part of every scenario that the spine owns: the description, the model name and the `[run]` table.

Each model's config class extends `ScenarioConfig` with its own parameter tables. All config classes are
frozen and reject unknown keys; defaults live here and in the model schemas, never in model code.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["StrictModel", "RunSettings", "ScenarioConfig", "FiniteFloat", "Probability", "NonNegative", "Positive",
           "MAX_HORIZON_DAYS"]

#: the one float type of every schema: `inf`, `-inf` and `nan` are refused ("Input should be a finite number")
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Probability = Annotated[FiniteFloat, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[FiniteFloat, Field(ge=0.0)]
Positive = Annotated[FiniteFloat, Field(gt=0.0)]

#: assumption: a hundred simulated years is past any question these models answer, and keeps an event
#: calendar's float times exact to well under a second
MAX_HORIZON_DAYS = 36_500.0


class StrictModel(BaseModel):
    """Frozen, typed, and strict: no unknown keys, no silent type coercion (an integer is a valid float)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RunSettings(StrictModel):
    """How long to simulate and how often. Time in every model is measured from t = 0 at the start of
    `horizon_days`; statistics are collected only after `warmup_days` ("auto": chosen by MSER-5 on a
    pilot replication)."""

    horizon_days: Annotated[Positive, Field(le=MAX_HORIZON_DAYS, description="days simulated, in (0, 36500]")]
    warmup_days: Annotated[NonNegative, Field(description="days discarded, in [0, horizon_days)")] | Literal["auto"] \
        = 0.0
    replications: int = Field(default=10, ge=1, le=100_000, description="independent replications, 1 to 100000")
    seed: int = Field(default=0, ge=0, lt=2**63, description="run seed, 0 to 2**63 - 1")

    @model_validator(mode="after")
    def _warmup_inside_horizon(self) -> "RunSettings":
        if isinstance(self.warmup_days, float) and self.warmup_days >= self.horizon_days:
            raise ValueError(f"warmup_days ({self.warmup_days:g}) must be below horizon_days "
                             f"({self.horizon_days:g}): no statistic would be collected")
        return self


class ScenarioConfig(StrictModel):
    """Fields every scenario file has. `model` names the model in the registry; `description` is the
    one-line summary that `sim list` prints."""

    model: str
    description: str = Field(min_length=1)
    run: RunSettings
