"""`sim run` succeeds on every scenario file in scenarios/ (two replications; horizons as in the files,
which are sized to run in seconds), and each reports finite key metrics."""

import math
import subprocess
import sys

import pytest

from sim.scenario import load_scenario

from tests.conftest import REPO, SCENARIOS

SCENARIO_FILES = sorted(SCENARIOS.glob("*.toml"))


@pytest.mark.slow
@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.stem for p in SCENARIO_FILES])
def test_sim_run_succeeds(path, tmp_path):
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--reps", "2", "--out", str(out),
                           "--no-progress"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (out / "manifest.json").is_file() and (out / "summary.parquet").is_file()
    import sim

    result = sim.load(out)
    model = load_scenario(path).model
    for metric in model.key_metrics:
        value = result.statistics.filter(result.statistics["metric"] == metric)["mean"][0]
        assert math.isfinite(value), (path.name, metric)
