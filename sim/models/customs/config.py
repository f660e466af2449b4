"""Scenario schema of the customs-clearance model (an M/M/c queue at the destination hub)."""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.core.config import Positive, ScenarioConfig, StrictModel

__all__ = ["CustomsParameters", "CustomsScenario"]


class CustomsParameters(StrictModel):
    """Parcels arrive in a Poisson stream and are cleared first-come-first-served by `officers` officers,
    each taking an exponential time with rate `service_rate_per_hour`. A steady state exists only when the
    utilisation arrivals / (officers x rate) is below 1, so the schema insists on it."""

    arrivals_per_hour: Positive
    officers: int = Field(ge=1, le=10_000)
    service_rate_per_hour: Positive
    record_parcels: bool = False

    @property
    def utilisation(self) -> float:
        return self.arrivals_per_hour / (self.officers * self.service_rate_per_hour)

    @model_validator(mode="after")
    def _steady_state_exists(self) -> "CustomsParameters":
        if self.utilisation >= 1.0:
            raise ValueError(
                f"utilisation arrivals_per_hour / (officers x service_rate_per_hour) = "
                f"{self.arrivals_per_hour:g} / ({self.officers} x {self.service_rate_per_hour:g}) = "
                f"{self.utilisation:.4g} must be below 1: the customs model assumes a steady state"
            )
        return self


class CustomsScenario(ScenarioConfig):
    customs: CustomsParameters
