"""The part of every scenario that the spine owns: the description, the model name and the `[run]` table.

Each model's config class extends `ScenarioConfig` with its own parameter tables. All config classes are
frozen and reject unknown keys; defaults live here and in the model schemas, never in model code.
"""

from __future__ import annotations

import types
import typing
from typing import Annotated, Literal

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.fields import FieldInfo

__all__ = ["StrictModel", "RunSettings", "ScenarioConfig", "FiniteFloat", "Probability", "NonNegative", "Positive",
           "MAX_HORIZON_DAYS", "bounds_text", "unit_of", "numeric_keys"]

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
    warmup_days: Annotated[NonNegative | Literal["auto"], Field(description="days discarded, in [0, horizon_days), "
                                                                        "or \"auto\" (MSER-5)")] = 0.0
    replications: int = Field(default=10, ge=1, le=100_000, description="independent replications, 1 to 100000")
    seed: int = Field(default=0, ge=0, lt=2**63, description="run seed, 0 to 2**63 - 1")

    @field_validator("warmup_days")
    @classmethod
    def _warmup_inside_horizon(cls, warmup_days: float | str, info: ValidationInfo) -> float | str:
        """A rule of the field (so an error names `run.warmup_days`), read against the horizon validated before it."""
        horizon_days = info.data.get("horizon_days")
        if isinstance(warmup_days, float) and horizon_days is not None and warmup_days >= horizon_days:
            raise ValueError(f"must be below horizon_days ({horizon_days:g}): no statistic would be collected")
        return warmup_days


class ScenarioConfig(StrictModel):
    """Fields every scenario file has. `model` names the model in the registry; `description` is the
    one-line summary that `sim list` prints."""

    model: str
    description: str = Field(min_length=1)
    run: RunSettings


# --- what `sim show --keys` prints: each numeric key's unit and bounds, read from the schema ------------------

#: units read from a key's ending, the naming rule of every schema (first match wins)
_UNIT_ENDINGS = (
    ("_rmb_per_parcel_quarter", "RMB per parcel-quarter"), ("_rmb_per_parcel", "RMB per parcel"),
    ("_m_parcels_per_rmb", "million parcels per RMB"), ("_m_parcels", "million parcels"), ("_usd_bn", "US$ bn"),
    ("rmb_per_usd", "RMB per US$"),
    ("_eur_per_kg", "EUR per kg"), ("_eur_per_attempt", "EUR per attempt"), ("_eur_per_item", "EUR per item"),
    ("_eur_per_flight_week", "EUR per flight-week"), ("_eur_per_hub_shift", "EUR per hub shift"),
    ("_eur_per_officer_shift", "EUR per officer shift"), ("_per_item_eur", "EUR per item"),
    ("_probability_per_quarter", "probability per quarter"), ("_per_workload_quarter_rmb_bn", "RMB bn per workload-quarter"),
    ("_rmb_bn", "RMB bn"), ("_eur_median", "EUR (median)"), ("_eur", "EUR"), ("_kg_median", "kg (median)"),
    ("_per_hour", "per hour"), ("_per_day", "per day"), ("_per_quarter", "per quarter"),
    ("_per_year", "per year"), ("_per_shift", "per shift"), ("_hours", "hours"), ("days", "days"),
    ("_quarters", "quarters"), ("_ms", "milliseconds"), ("_probability", "probability"), ("share", "share of 1"),
    ("_weekdays", "weekdays, 0 = Monday"), ("weekdays", "weekdays, 0 = Monday"), ("_parcels", "parcels"),
    ("officers", "officers"), ("customers", "customers"), ("_workloads", "workloads"), ("workers", "processes"),
    ("replications", "replications"), ("_attempts", "attempts"), ("_draws", "draws"), ("points", "points"),
)


def unit_of(key: str) -> str:
    """The unit a key's name states (`_hours`, `_eur`, `_per_day`, ...), or "" where the name states none
    (the table's docstring then says it)."""
    return next((unit for ending, unit in _UNIT_ENDINGS if key.endswith(ending)), "")


def _bounds(annotation: object, metadata: list[object]) -> tuple[str, list[object]] | None:
    """("number" or "integer", the bound constraints) of the numbers `annotation` holds, or None if none.
    Descends into `Annotated`, `X | None` and list elements (the bounds then apply to each element)."""
    if typing.get_origin(annotation) is Annotated:
        inner, *extra = typing.get_args(annotation)
        found = [item for info in extra for item in getattr(info, "metadata", [info])]
        return _bounds(inner, [*metadata, *found])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for member in typing.get_args(annotation):
            result = _bounds(member, metadata)
            if result is not None:
                return result
        return None
    if typing.get_origin(annotation) is list:
        result = _bounds(typing.get_args(annotation)[0], [])
        return None if result is None else (f"each {result[0].removeprefix('each ')}", result[1])
    if annotation is bool:
        return None
    if annotation in (int, float):
        return ("integer" if annotation is int else "number", metadata)
    return None


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def bounds_text(field: FieldInfo) -> str | None:
    """A field's bounds as a reader states them: "in [0, 1]", "> 0", "≤ 0", "any finite number" (an
    unbounded side is left out, never printed as 1e308); None if the field holds no number."""
    found = _bounds(field.annotation, list(field.metadata))
    if found is None:
        return None
    kind, constraints = found
    low: tuple[str, str, object] | None = None
    high: tuple[str, str, object] | None = None
    for item in constraints:
        if isinstance(item, annotated_types.Ge):
            low = ("[", "≥", item.ge)
        elif isinstance(item, annotated_types.Gt):
            low = ("(", ">", item.gt)
        elif isinstance(item, annotated_types.Le):
            high = ("]", "≤", item.le)
        elif isinstance(item, annotated_types.Lt):
            high = (")", "<", item.lt)
    prefix = "each " if kind.startswith("each ") else ""
    if low and high:
        return f"{prefix}in {low[0]}{_number(low[2])}, {_number(high[2])}{high[0]}"
    side = low or high
    if side is not None:
        return f"{prefix}{side[1]} {_number(side[2])}"
    return f"{prefix}any {'integer' if kind.endswith('integer') else 'finite number'}"


def numeric_keys(config: BaseModel, prefix: str = "") -> list[tuple[str, object, str, str, str]]:
    """(dotted key, value, unit, bounds, the field's own description) for every numeric key of a resolved
    config, tables descended into (entries of a list of tables numbered: `peaks.0.multiplier`)."""
    rows: list[tuple[str, object, str, str, str]] = []
    for name, field in type(config).model_fields.items():
        value = getattr(config, name)
        key = f"{prefix}{name}"
        bounds = bounds_text(field)
        if bounds is not None and not isinstance(value, BaseModel):
            rows.append((key, value, unit_of(name), bounds, field.description or ""))
        if isinstance(value, BaseModel):
            rows.extend(numeric_keys(value, f"{key}."))
        elif isinstance(value, dict):
            for item_key, item in value.items():
                if isinstance(item, BaseModel):
                    rows.extend(numeric_keys(item, f"{key}.{item_key}."))
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    rows.extend(numeric_keys(item, f"{key}.{index}."))
    return rows
