"""Fixtures for the sweep tests: the Ishigami test model registered, and small base scenarios."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sim import scenario as scenario_module

REPO = Path(__file__).resolve().parents[2]

ISHIGAMI_SCENARIO = """\
description = "Ishigami test function with a little noise"
model = "ishigami"

[run]
horizon_days = 1.0
replications = 4
seed = 11

[ishigami]
x1 = 0.5
x2 = 0.5
x3 = 0.5
noise_sd = 0.25
"""


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The model registry of this process with the tests' failing model added. Workers never read the
    registry: each task carries the module path, so spawned and Dask workers find the model too."""
    monkeypatch.setitem(scenario_module._MODELS, "ishigami_failing", "tests.sweeps.failing_model")
    return scenario_module._MODELS


@pytest.fixture
def ishigami_file(tmp_path: Path, registry) -> Path:
    path = tmp_path / "scenarios" / "ishigami.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ISHIGAMI_SCENARIO, encoding="utf-8")
    return path


@pytest.fixture
def customs_file(tmp_path: Path) -> Path:
    """The customs scenario copied beside a `sweeps/` folder, shortened to two simulated days."""
    folder = tmp_path / "scenarios"
    (folder / "sweeps").mkdir(parents=True, exist_ok=True)
    target = folder / "customs_clearance.toml"
    shutil.copy(REPO / "scenarios" / "customs_clearance.toml", target)
    return target
