"""Scenario schema of the two-class customs office (group and third-party parcels, M/M/c with classes)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.core.config import Positive, ScenarioConfig, StrictModel

__all__ = ["CustomsClassesParameters", "CustomsClassesScenario"]


class CustomsClassesParameters(StrictModel):
    """Group and third-party parcels arrive in independent Poisson streams (`*_arrivals_per_hour`, parcels
    per hour) and are cleared by `officers` officers, each taking an exponential time with rate
    `service_rate_per_hour` whatever the class. `allocation = "priority"`: a free officer takes the group's
    earliest waiting parcel, a third-party one only when no group parcel waits, never interrupting a
    clearance (non-preemptive); `"fcfs"`: one queue in order of arrival. A steady state needs the total
    utilisation (group + third-party arrivals) / (officers x rate) below 1, so the schema insists on it."""

    group_arrivals_per_hour: Positive
    third_party_arrivals_per_hour: Positive
    officers: int = Field(ge=1, le=10_000)
    service_rate_per_hour: Positive
    allocation: Literal["priority", "fcfs"] = "priority"

    @property
    def utilisation(self) -> float:
        return (self.group_arrivals_per_hour + self.third_party_arrivals_per_hour) \
            / (self.officers * self.service_rate_per_hour)

    @model_validator(mode="after")
    def _steady_state_exists(self) -> "CustomsClassesParameters":
        if self.utilisation >= 1.0:
            raise ValueError(
                f"utilisation (group_arrivals_per_hour + third_party_arrivals_per_hour) / (officers x "
                f"service_rate_per_hour) = ({self.group_arrivals_per_hour:g} + "
                f"{self.third_party_arrivals_per_hour:g}) / ({self.officers} x {self.service_rate_per_hour:g}) = "
                f"{self.utilisation:.4g} must be below 1: the model assumes a steady state")
        return self


class CustomsClassesScenario(ScenarioConfig):
    customs_classes: CustomsClassesParameters
