"""Every numeric key of each model's smallest shipped scenario set to +1e308 and to -1e308 in turn (an integer
key to +-(2**63 - 1), the largest a TOML file holds): loading refuses it with an InputError naming the key, or
one replication of the shortest horizon finishes with finite key metrics.

What to expect comes from the schema, not from the loader or the models: where the field's own type and bounds
(its annotation, validated alone) refuse the value, loading must refuse it naming the key; where they admit it,
the run must finish finite (no NumPy overflow or invalid-value warning on the way either), unless a rule of
the whole table refuses the value naming the key (as its problem's key, or in its message). A huge value that
the schema admits and a model cannot take is a missing bound: the fix is a bound in the schema stated in the
field's description, never a case here. The keys are those `sim show --keys` lists (`numeric_keys`, the walk
`tests/core/test_config_keys.py` checks against every schema), so defaults the file leaves out are covered.
"""

from __future__ import annotations

import math
import re
import signal
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pydantic
import pytest
from pydantic import BaseModel

from sim.core.config import numeric_keys
from sim.core.errors import InputError
from sim.core.runner import run_model
from sim.scenario import ScenarioError, load_scenario, scenario_from_document, set_key_path
from tests.conftest import SCENARIOS

#: the smallest shipped scenario of each registered model (ishigami ships none: the document of the sweep
#: tests' scenario)
SHIPPED = {
    "customs": "customs_clearance.toml",
    "customs_classes": "customs_two_classes.toml",
    "logistics": "aliexpress_spain_5day.toml",
    "cloud": "cloud_status_quo.toml",
    "marketplace": "marketplace_today.toml",
    "cainiao": "cainiao_standalone.toml",
}
ISHIGAMI = {"model": "ishigami", "description": "Ishigami function at one point",
            "run": {"horizon_days": 1.0, "replications": 1, "seed": 11},
            "ishigami": {"x1": 0.5, "x2": 0.5, "x3": 0.5, "noise_sd": 0.25}}
#: one replication of a tenth of a day, no warm-up: the shortest run every model takes
SHORT = {"horizon_days": 0.1, "warmup_days": 0.0, "replications": 1}
HUGE = 1e308
HUGE_INTEGER = 2**63 - 1
#: a problem's message is read on one line: no 300-digit number in it
MESSAGE_CHARACTERS = 300
#: a run that takes longer than this (CPU is shared in CI) is a runaway: a bound is missing
SECONDS_PER_RUN = 20


def _document(model: str) -> dict[str, Any]:
    if model == "ishigami":
        document = {key: dict(value) if isinstance(value, dict) else value for key, value in ISHIGAMI.items()}
    else:
        document = dict(load_scenario(SCENARIOS / SHIPPED[model]).document)
    document["run"] = {**document["run"], **SHORT}
    return document


def _field(config: BaseModel, key: str) -> pydantic.fields.FieldInfo:
    """The schema field behind a dotted key of a resolved config (table entries and list items descended)."""
    *parents, name = key.split(".")
    node: Any = config
    for part in parents:
        node = node[int(part)] if isinstance(node, (list, tuple)) else \
            node[part] if isinstance(node, dict) else getattr(node, part)
    return type(node).model_fields[name]


def _is_integer(annotation: Any) -> bool:
    """Whether the numbers a field holds are integers (an `int`, `int | None`, `list[int]`, ...)."""
    text = repr(annotation)
    return "int" in text.replace("Annotated", "") and "float" not in text


def _cases() -> Iterator[tuple[str, str, Any]]:
    """(model, dotted key, extreme value) for every numeric field of every model's scenario, both signs: a
    field that recurs (each provider's table, each item of a list of tables) at its first key."""
    for model in [*SHIPPED, "ishigami"]:
        document = _document(model)
        config = scenario_from_document(document).config
        seen = set()
        for key, value, *_ in numeric_keys(config):
            field = _field(config, key)
            if id(field) in seen:
                continue
            seen.add(id(field))
            huge = HUGE_INTEGER if _is_integer(field.annotation) else HUGE
            for sign in (1, -1):
                extreme = [sign * huge] * len(value) if isinstance(value, (list, tuple)) else sign * huge
                yield model, key, extreme


CASES = list(_cases())


def _case_id(model: str, key: str, value: Any) -> str:
    first = value[0] if isinstance(value, list) else value
    return f"{model}:{key}={'+' if first > 0 else '-'}{'list' if isinstance(value, list) else 'huge'}"


def _set(document: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key as `--set` does, an item of a list of tables named by its index (`capex.0.cost`)."""
    parts = key.split(".")
    for depth, part in enumerate(parts):
        if part.isdigit():
            table = document
            for name in parts[:depth]:
                table = table[name]
            _set(table[int(part)], ".".join(parts[depth + 1:]), value)
            return
    set_key_path(document, key, value, "test")


def _schema_admits(model: str, key: str, value: Any) -> bool:
    """Whether the field's own annotation and bounds, validated alone, take `value` (no rule of the table)."""
    config = scenario_from_document(_document(model)).config
    field = _field(config, key)
    probe = pydantic.create_model("Probe", __config__=type(config).model_config, value=(field.annotation, field))
    try:
        probe.model_validate({"value": value})
    except pydantic.ValidationError:
        return False
    return True


@contextmanager
def _at_most(seconds: int) -> Iterator[None]:
    """Raise TimeoutError in a run that does not end (a huge rate that the schema failed to bound)."""
    def stop(*_: Any) -> None:
        raise TimeoutError(f"still running after {seconds} s")
    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _names_key(error: InputError, key: str) -> bool:
    """Whether a problem is the key's (or an item's of it), or a rule of its table whose message names it."""
    table, _, name = key.rpartition(".")
    problems = getattr(error, "problems", None) or [error]
    return any(isinstance(p, ScenarioError) and p.key is not None and (
        p.key == key or p.key.startswith(f"{key}.") or (p.key == table and re.search(rf"\b{name}\b", p.message)))
        for p in problems)


_FINITE_IN_SHIPPED: dict[str, set[str]] = {}


def _key_metrics(model: str, document: dict[str, Any]) -> dict[str, float]:
    scenario = scenario_from_document(document)
    with _at_most(SECONDS_PER_RUN), warnings.catch_warnings():
        # an overflow on the way is a value the schema should have refused, even where the metrics survive it
        warnings.filterwarnings("error", r"(overflow|invalid value) encountered", RuntimeWarning)
        result = run_model(scenario.model, scenario.config, scenario_name=model, replications=1)
    keys = {metric.name for metric in scenario.model.metrics if metric.key}
    return {name: value for name, value in zip(result.summary["metric"], result.summary["value"]) if name in keys}


def _finite_in_shipped(model: str) -> set[str]:
    """The key metrics finite in the scenario's own short run (a model may define one as NaN where it does
    not apply, e.g. the cloud model's gain over a no-cut twin when the scenario has no cut)."""
    if model not in _FINITE_IN_SHIPPED:
        values = _key_metrics(model, _document(model))
        _FINITE_IN_SHIPPED[model] = {name for name, value in values.items() if math.isfinite(value)}
    return _FINITE_IN_SHIPPED[model]


def test_every_model_and_many_keys_are_probed():
    """Guards the walk: each registered model is probed, through the ~150 numeric keys of the schemas."""
    assert {case[0] for case in CASES} == {*SHIPPED, "ishigami"}
    assert len(CASES) >= 2 * 150
    assert ("logistics", "logistics.demand.weekday_factors", [HUGE] * 7) in CASES


@pytest.mark.slow
@pytest.mark.parametrize("model, key, value", CASES, ids=[_case_id(*case) for case in CASES])
def test_an_extreme_value_is_refused_naming_the_key_or_runs_finite(model, key, value):
    document = _document(model)
    _set(document, key, value)
    admitted = _schema_admits(model, key, value)
    try:
        scenario_from_document(document, source="extreme.toml")
    except InputError as error:
        assert _names_key(error, key), str(error)  # refused by the field's bounds or by a rule of its table
        assert all(len(p.message) <= MESSAGE_CHARACTERS for p in getattr(error, "problems", None) or [error]), \
            str(error)
        return
    assert admitted, f"{key} = {value}: the schema's bounds refuse it, yet it loaded"
    values = _key_metrics(model, document)
    broken = {name: values[name] for name in _finite_in_shipped(model) if not math.isfinite(values[name])}
    assert not broken, (key, value, broken)
