"""One replication loop: a sweep resolves an automatic warm-up once per design point in the parent, and its
workers run the runner's own replication, so a sweep's runs are the runs `sim.run` would make."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.core import runner
from sim.sweeps import SweepOptions, sweep

SHORT = ["run.horizon_days=2.0", 'run.warmup_days="auto"']


@pytest.fixture
def streams_made(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The replication id of every `Streams` the runner builds (pilots use `PILOT_REPLICATION`)."""
    made: list[int] = []
    original = runner.Streams

    def counting(seed: int, replication: int):
        made.append(replication)
        return original(seed, replication)

    monkeypatch.setattr(runner, "Streams", counting)
    return made


def test_a_serial_sweep_runs_one_pilot_per_design_point(customs_file, streams_made):
    result = sweep(customs_file, vary={"customs.officers": [4, 6]}, replications=3, seed=5, overrides=SHORT,
                   options=SweepOptions(executor="serial", chunk_size=1))
    assert result.complete and result.runs.height == 2 * 3 * len(result.metrics)
    assert streams_made.count(runner.PILOT_REPLICATION) == 2  # not one per chunk (6 here)
    assert sorted(k for k in streams_made if k != runner.PILOT_REPLICATION) == [0, 0, 1, 1, 2, 2]


def test_a_sweep_point_gives_the_runs_of_sim_run(customs_file):
    """The same pilot, warm-up and replications as `sim.run` of the point's scenario, to the last bit."""
    result = sweep(customs_file, vary={"customs.officers": [4, 6]}, replications=3, seed=5, overrides=SHORT,
                   options=SweepOptions(executor="serial"))
    for point, officers in enumerate([4, 6]):
        single = sim.run(customs_file, reps=3, seed=5, overrides=[*SHORT, f"customs.officers={officers}"])
        for metric in result.metrics:
            assert np.array_equal(result.metric_values(metric)[point], single.metric_values(metric).to_numpy())


def test_a_failing_pilot_fails_the_points_runs_and_the_sweep_goes_on(ishigami_file):
    """The Ishigami model declares no warm-up series, so an automatic warm-up cannot be chosen."""
    result = sweep(ishigami_file, vary={"ishigami.x1": [0.0, 1.0]}, replications=2, overrides=['run.warmup_days="auto"'],
                   options=SweepOptions(executor="serial"))
    assert result.runs.height == 0
    assert result.failures.select("point", "replication").rows() == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert set(result.failures.get_column("error")) == {"ValueError"}
    assert "declares no warm-up series" in result.failures.get_column("message")[0]


def test_a_replication_refuses_an_unresolved_warmup(customs_file):
    scenario = sim.scenario.load_scenario(customs_file, SHORT)
    with pytest.raises(ValueError, match="must be resolved"):
        runner.simulate_replication(scenario.model, scenario.config, 0)
