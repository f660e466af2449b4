"""Every numeric field of every model's schema refuses inf, -inf and nan (the finite float type of
`sim.core.config`), found by walking the config classes, not the shipped files: defaults, optional tables and
list elements are covered too."""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Iterator
from typing import Any

import pydantic
import pytest
from pydantic import BaseModel, create_model

from sim.scenario import get_model, model_names
from sim.sweeps.spec import SweepSpec

BAD = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}


def _members(annotation: Any) -> tuple[Any, ...]:
    """The arguments of a union (`A | B`, `Optional[A]`), or the annotation alone."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return typing.get_args(annotation)
    return (annotation,)


def _strip(annotation: Any) -> Any:
    return typing.get_args(annotation)[0] if typing.get_origin(annotation) is typing.Annotated else annotation


def _bad_value(annotation: Any, bad: float) -> Any:
    """A value of `annotation`'s shape with `bad` at every numeric leaf, or None if it holds no number."""
    for member in _members(_strip(annotation)):
        member = _strip(member)
        if member in (float, int):
            return bad
        if typing.get_origin(member) is list:
            inner = _bad_value(typing.get_args(member)[0], bad)
            if inner is not None:
                return [inner, inner]
    return None


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    for member in _members(_strip(annotation)):
        member = _strip(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            yield member
        for argument in typing.get_args(member):
            yield from _models_in(argument)


def numeric_fields(root: type[BaseModel]) -> list[tuple[str, type[BaseModel], str]]:
    """(dotted path, class, field name) of every field that holds a number, below `root`."""
    found, seen = [], set()

    def walk(cls: type[BaseModel], prefix: str) -> None:
        if cls in seen:
            return
        seen.add(cls)
        for name, field in cls.model_fields.items():
            if _bad_value(field.annotation, 0.0) is not None:
                found.append((f"{prefix}{name}", cls, name))
            for inner in _models_in(field.annotation):
                walk(inner, f"{prefix}{name}.")

    walk(root, "")
    return found


FIELDS = [(f"{name}:{path}", cls, field) for name in model_names()
          for path, cls, field in numeric_fields(get_model(name).config_type)]
FIELDS += [(f"sweep file:{path}", cls, field) for path, cls, field in numeric_fields(SweepSpec)]


def test_the_walk_finds_the_schemas_numbers():
    """Guards the walk itself: the issue counted 129 numeric scenario keys in the shipped files alone."""
    assert len([f for f in FIELDS if not f[0].startswith("sweep")]) >= 129
    assert {"logistics:logistics.demand.weekday_factors", "cloud:providers.gpu_capacity",
            "customs:customs.arrivals_per_hour", "sweep file:parameters.low"} <= {f[0] for f in FIELDS}


@pytest.mark.parametrize("label", BAD)
@pytest.mark.parametrize("where, cls, name", FIELDS, ids=[f[0] for f in FIELDS])
def test_no_numeric_field_takes_a_non_finite_value(where, cls, name, label):
    field = cls.model_fields[name]
    probe = create_model("Probe", __config__=cls.model_config, value=(field.annotation, field))
    with pytest.raises(pydantic.ValidationError) as raised:
        probe.model_validate({"value": _bad_value(field.annotation, BAD[label])})
    kinds = {error["type"] for error in raised.value.errors()}
    assert kinds & {"finite_number", "int_type", "int_from_float"}, (where, kinds)
