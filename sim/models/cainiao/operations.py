"""Operations of the Cainiao model: each parcel class's on-time share and cost per parcel, read from a response
surface fitted offline to the two-class logistics chain (`model = "logistics"` with `logistics.third_party` and
`logistics.allocation`) by `scripts/fit_cainiao_operations.py`, shipped as `data/operations_surface.json`. This
module never runs the chain: it reads the file (the design, seed, coefficients and errors are in it).

The surface, for each allocation ("priority": the group's parcels first at the flights and customs; "fcfs") and
parcel class ("group", "third_party"):
  on-time share = 1 / (1 + exp(-x . beta_on_time)),   cost per parcel (EUR) = x . beta_cost,
  x = (1, u, s, u^2, u s, s^2) (`surface_basis`),
with u the line-haul load factor (parcels ordered a day over the flights' seats a day) and s the group's share of
the parcels. Outside the fitted ranges (the file's `ranges`) u and s are clamped to them (assumption: the
surface is not extrapolated; a load factor above the design's top is read as its top).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import numpy as np

__all__ = ["Allocation", "ParcelClass", "ClassService", "QuarterService", "OperationsSurface", "surface_basis",
           "load_surface", "allocation_of", "quarter_service", "SURFACE_FILE"]

Allocation = Literal["priority", "fcfs"]
ParcelClass = Literal["group", "third_party"]

#: the shipped surface, inside the package (declared as package data in pyproject.toml)
SURFACE_FILE = "operations_surface.json"


def surface_basis(load_factor: float, group_share: float) -> np.ndarray:
    """The regressors x = (1, u, s, u^2, u s, s^2) of the surface at load factor u and group share s."""
    u, s = float(load_factor), float(group_share)
    return np.array([1.0, u, s, u * u, u * s, s * s])


@dataclass(frozen=True)
class ClassService:
    """One class's service: the share of its parcels delivered on time (against the five-day target) and its
    cost per finished parcel (EUR on the logistics lane: stage costs, compensation and its share of capacity)."""

    on_time_share: float
    cost_per_parcel_eur: float


@dataclass(frozen=True)
class OperationsSurface:
    """The fitted surface: coefficients by allocation and class, the ranges of u and s it was fitted over, and
    each on-time fit's residual RMSE (of the design points' mean on-time shares, in share units)."""

    on_time: dict[tuple[str, str], np.ndarray]
    cost: dict[tuple[str, str], np.ndarray]
    load_factor_range: tuple[float, float]
    group_share_range: tuple[float, float]
    on_time_fit_rmse: dict[tuple[str, str], float]

    def service(self, allocation: Allocation, parcel_class: ParcelClass, load_factor: float,
                group_share: float) -> ClassService:
        """The class's service at load factor u and group share s (each clamped to the fitted range)."""
        u = min(max(load_factor, self.load_factor_range[0]), self.load_factor_range[1])
        s = min(max(group_share, self.group_share_range[0]), self.group_share_range[1])
        x = surface_basis(u, s)
        key = (allocation, parcel_class)
        return ClassService(on_time_share=float(1.0 / (1.0 + np.exp(-x @ self.on_time[key]))),
                            cost_per_parcel_eur=float(x @ self.cost[key]))


def surface_from_document(document: dict[str, Any]) -> OperationsSurface:
    """The surface from the JSON document the fitting script writes (`fits`: allocation -> class -> coefficients)."""
    on_time: dict[tuple[str, str], np.ndarray] = {}
    cost: dict[tuple[str, str], np.ndarray] = {}
    rmse: dict[tuple[str, str], float] = {}
    for allocation, classes in document["fits"].items():
        for parcel_class, fit in classes.items():
            on_time[(allocation, parcel_class)] = np.asarray(fit["on_time_logit_coefficients"], dtype=float)
            cost[(allocation, parcel_class)] = np.asarray(fit["cost_coefficients_eur"], dtype=float)
            rmse[(allocation, parcel_class)] = float(fit["on_time_residual_rmse"])
    ranges = document["ranges"]
    load_low, load_high = ranges["load_factor"]
    share_low, share_high = ranges["group_share"]
    return OperationsSurface(on_time, cost, (float(load_low), float(load_high)), (float(share_low), float(share_high)),
                             rmse)


@cache
def load_surface() -> OperationsSurface:
    """The shipped surface (read once per process)."""
    text = resources.files("sim.models.cainiao").joinpath("data", SURFACE_FILE).read_text(encoding="utf-8")
    return surface_from_document(json.loads(text))


@dataclass(frozen=True)
class QuarterService:
    """A quarter's operations: the load factor and group share it ran at, and each class's service."""

    load_factor: float
    group_share: float
    group: ClassService
    third_party: ClassService


def allocation_of(regime: str, setting: Literal["by_regime", "priority", "fcfs"]) -> Allocation:
    """The allocation of the flights and customs: `setting` when fixed, else by regime (standalone: "fcfs",
    uniform terms to all shippers; infrastructure and cost_plus: "priority", the group's parcels first)."""
    if setting != "by_regime":
        return setting
    return "fcfs" if regime == "standalone" else "priority"


def quarter_service(surface: OperationsSurface | None, allocation: Allocation, load_factor_at_capacity: float,
                    group_parcels: float, third_party_parcels: float, capacity: float) -> QuarterService:
    """Each class's service when `group_parcels` and `third_party_parcels` ride on `capacity` (any one volume
    unit): load factor u = `load_factor_at_capacity` x parcels / capacity, group share s = group / parcels."""
    if surface is None:
        raise ValueError("operations.mode = \"surface\" needs the shipped surface")
    parcels = group_parcels + third_party_parcels
    load_factor = load_factor_at_capacity * parcels / capacity
    group_share = group_parcels / parcels if parcels > 0.0 else 0.0
    return QuarterService(load_factor, group_share,
                          surface.service(allocation, "group", load_factor, group_share),
                          surface.service(allocation, "third_party", load_factor, group_share))
