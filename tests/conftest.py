"""Shared fixtures: the repository root and a scratch copy of the scenarios folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw their examples from a fixed seed (derandomize), so a run of the suite is reproducible
# like every other stochastic test here, and keep no example database in the work tree.
settings.register_profile("sim", derandomize=True, database=None)
settings.load_profile("sim")

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    """A writable copy of the customs scenarios (tests write broken variants beside them)."""
    target = tmp_path / "scenarios"
    target.mkdir()
    for path in SCENARIOS.glob("customs_*.toml"):
        shutil.copy(path, target / path.name)
    return target
