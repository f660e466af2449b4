"""Execution options are one typed object per family (RunOptions for runs and comparisons, SweepOptions for
sweeps); the everyday keywords of the Python face stay keywords."""

from __future__ import annotations

import inspect

import pytest

import sim
from sim.api import RunOptions, run_scenario
from sim.comparison import compare
from sim.core.runner import run_model
from sim.sweeps import SweepOptions, execute_sweep, sweep

from tests.conftest import SCENARIOS

SHORT = ["run.horizon_days=1.0", "run.warmup_days=0.0"]


def keywords(function) -> list[str]:
    return [p.name for p in inspect.signature(function).parameters.values() if p.kind is p.KEYWORD_ONLY]


def test_the_python_face_keeps_its_keywords_and_takes_one_options_object():
    assert keywords(sim.run) == ["reps", "seed", "overrides", "out", "force", "options"]
    for function in (run_scenario, run_model, compare):
        assert "options" in keywords(function) and "progress" not in keywords(function)
        assert not {"level", "precision", "max_replications"} & set(keywords(function))
    for function in (sweep, execute_sweep):
        assert "options" in keywords(function)
        assert not {"executor", "workers", "chunk_size", "progress", "retry_failed"} & set(keywords(function))


@pytest.mark.parametrize("settings, message", [
    ({"level": 1.0}, "level"),
    ({"precision": 0.0}, "precision"),
    ({"precision": float("nan")}, "precision"),
    ({"max_replications": 0}, "max_replications"),
    ({"precision_metrics": "mean_wait_hours"}, "precision_metrics"),
])
def test_run_options_reject_bad_values(settings, message):
    with pytest.raises(ValueError, match=message):
        RunOptions(**settings)


def test_sweep_options_reject_bad_values():
    with pytest.raises(ValueError, match="workers"):
        SweepOptions(workers=0)
    with pytest.raises(ValueError, match="chunk_size"):
        SweepOptions(chunk_size=1.5)


def test_run_options_set_the_level_and_the_precision_rule():
    options = RunOptions(level=0.9, precision=0.5, precision_metrics=["mean_wait_hours"], max_replications=8)
    assert options.precision_metrics == ("mean_wait_hours",)
    result = sim.run(SCENARIOS / "customs_clearance.toml", seed=3, overrides=SHORT, options=options)
    assert set(result.statistics.get_column("level").to_list()) == {0.9}
    assert result.manifest["confidence_level"] == 0.9
    record = result.manifest["precision"]
    assert record["metrics"] == ["mean_wait_hours"] and record["max_replications"] == 8
    # starts from the file's 10 replications cut to the cap of 8; a 50% target is met at once
    assert record["replications"] == 8 and record["reached"]


def test_compare_refuses_precision_stopping():
    with pytest.raises(ValueError, match="precision"):
        compare([SCENARIOS / "customs_clearance.toml", SCENARIOS / "customs_clearance_six_officers.toml"],
                options=RunOptions(precision=0.1))
