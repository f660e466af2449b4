"""Fuzzed scenario files (hypothesis, derandomised by tests/conftest.py): each of 2,000 mutations of the
shipped scenarios either loads or is refused with one ScenarioError that names the file (and the key, unless
the TOML itself is malformed); up to 200 of those that load and keep their numbers within a factor of ten of
the shipped ones run one replication of 0.1 simulated day and give finite metrics (every metric that is
finite in the shipped scenario's own 0.1-day run: a model may define a metric as NaN where it does not apply,
e.g. the cloud model's gains over a no-cut twin when the scenario has no cut); a logistics run also keeps
its parcels every day (created = delivered + lost + returned + in transit, from the daily table).

Mutations: a leaf set to a wild value (nan, +-inf, +-1e308, 2**64, text, a boolean, an array, a table), a
leaf scaled (x -1, 0.5, 2, 10), a key deleted, an unknown key added, or the TOML text cut or spliced.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.core.results import RunResult
from sim.scenario import ScenarioError, load_scenario, resolve_extends
from tests.conftest import REPO

BASES = ["customs_clearance.toml", "aliexpress_spain_5day.toml", "cloud_price_cut_2024.toml"]
WILD = [math.nan, math.inf, -math.inf, 1e308, -1e308, 2**64, -(2**63) - 1, "x", True, [], {}, [1.0, "a"]]
SCALES = [-1.0, 0.5, 2.0, 10.0]
RUNS_AT_MOST = 200
_ran = {"count": 0}


def _leaves(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path to a scalar or array in a document (tables and array elements descended into)."""
    if isinstance(node, dict):
        return [path for key, value in node.items() for path in _leaves(value, (*prefix, key))]
    if isinstance(node, list) and node:
        return [prefix] + [path for i, value in enumerate(node) for path in _leaves(value, (*prefix, i))]
    return [prefix]


def _tables(node: Any, prefix: tuple = ()) -> list[tuple]:
    if not isinstance(node, dict):
        return []
    return [prefix] + [path for key, value in node.items() for path in _tables(value, (*prefix, key))]


def _get(document: Any, path: tuple) -> Any:
    for part in path:
        document = document[part]
    return document


DOCUMENTS = {name: resolve_extends(REPO / "scenarios" / name)[0] for name in BASES}
DOCUMENTS = {name: {**doc, "model": doc["model"]} for name, doc in DOCUMENTS.items()}
LEAVES = {name: _leaves(doc) for name, doc in DOCUMENTS.items()}
TABLES = {name: _tables(doc) for name, doc in DOCUMENTS.items()}


@st.composite
def mutated_files(draw) -> tuple[str, str, bool]:
    """(base, TOML text, whether every number stayed within a factor of ten of the shipped value)."""
    import copy

    base = draw(st.sampled_from(BASES))
    document = copy.deepcopy(DOCUMENTS[base])
    tame = True
    kind = draw(st.sampled_from(["wild", "scale", "delete", "unknown", "text"]))
    if kind in ("wild", "scale", "delete"):
        path = draw(st.sampled_from(LEAVES[base]))
        parent, key = _get(document, path[:-1]), path[-1]
        if kind == "delete":
            if isinstance(parent, dict):
                del parent[key]
            else:
                parent.pop(key)
        elif kind == "scale" and isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
            scale = draw(st.sampled_from(SCALES))
            parent[key] = type(parent[key])(parent[key] * scale) if isinstance(parent[key], float) \
                else int(parent[key] * scale)
        else:
            parent[key] = draw(st.sampled_from(WILD))
            tame = False
    elif kind == "unknown":
        table = _get(document, draw(st.sampled_from(TABLES[base])))
        table[draw(st.sampled_from(["extra", "oficers", "horizon_day", "rate_per_hour"]))] = 1.0
    text = tomli_w.dumps(document)
    if kind == "text":
        start = draw(st.integers(0, len(text) - 1))
        stop = draw(st.integers(start, min(len(text), start + 40)))
        text = text[:start] + draw(st.sampled_from(["", "[", "]", "=", '"', "\n", "x = 1\n", "\x00"])) + text[stop:]
        tame = False
    return base, text, tame


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated_files())
def test_a_mutated_scenario_loads_or_is_one_clear_error(folder, case):
    base, text, tame = case
    path = folder / base
    path.write_text(text, encoding="utf-8")
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        assert error.source == str(path) and str(error).startswith(str(path))
        malformed = "malformed TOML" in error.message or "not UTF-8" in error.message
        assert malformed or error.key or getattr(error, "problems", None), str(error)
        return
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        pytest.fail("malformed TOML loaded")
    if not tame or _ran["count"] >= RUNS_AT_MOST:
        return
    _ran["count"] += 1
    result = _short_run(path)
    values = _values(result)
    undefined = {m for m, v in values.items() if not math.isfinite(v)} - _undefined_in_shipped(base)
    assert not undefined, (scenario.label, {m: values[m] for m in undefined})
    if scenario.model.name == "logistics":
        _assert_parcels_conserved(result.frame("daily"), scenario.label)


def _assert_parcels_conserved(daily: pl.DataFrame, label: str) -> None:
    """Every day: created = delivered + lost + returned + in transit (cumulative counts booked from the
    finished parcels' records, in transit from the stages' holdings: two independent tallies)."""
    accounted = (pl.col("delivered_cumulative") + pl.col("lost_cumulative") + pl.col("returned_cumulative")
                 + pl.col("in_transit"))
    broken = daily.filter(pl.col("created_cumulative") != accounted)
    assert daily.height > 0 and broken.is_empty(), (label, broken)


def _short_run(path: Path) -> RunResult:
    return sim.run(path, reps=1, overrides=["run.horizon_days=0.1", "run.warmup_days=0.0"])


def _values(result: RunResult) -> dict[str, float]:
    return dict(zip(result.summary["metric"], result.summary["value"]))


_UNDEFINED: dict[str, set[str]] = {}


def _undefined_in_shipped(base: str) -> set[str]:
    """The metrics that are not finite in the shipped scenario's own 0.1-day run (not applicable there)."""
    if base not in _UNDEFINED:
        values = _values(_short_run(REPO / "scenarios" / base))
        _UNDEFINED[base] = {m for m, v in values.items() if not math.isfinite(v)}
    return _UNDEFINED[base]
