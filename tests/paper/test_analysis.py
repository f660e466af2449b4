"""The analysis notebooks (Jupytext percent scripts in `analysis/`) run as plain scripts on small runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sim

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios"
SHORT = ["run.horizon_days=5.0", "run.warmup_days=1.0", "logistics.drain_days=10"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Two tiny logistics runs with the same seed (one records parcels for the lateness breakdown)."""
    root = tmp_path_factory.mktemp("runs")
    base = root / "base"
    flight = root / "extra_flight"
    sim.run(SCENARIOS / "aliexpress_spain_5day.toml", reps=2, seed=11,
            overrides=[*SHORT, "logistics.record_parcels=true"], out=base)
    sim.run(SCENARIOS / "aliexpress_spain_5day_extra_flight.toml", reps=2, seed=11, overrides=SHORT, out=flight)
    return {"base": base, "extra_flight": flight}


def run_script(name: str, *arguments: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "analysis" / name), *map(str, arguments)], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_logistics_daily_kpis(runs):
    done = run_script("logistics_daily_kpis.py", runs["base"])
    assert done.returncode == 0, done.stderr
    for text in ("on_time_share", "p95_delivery_days", "held_customs", "extra_hours_when_late", "last_mile"):
        assert text in done.stdout


@pytest.mark.slow
def test_logistics_daily_kpis_without_parcels_says_how_to_get_them(runs):
    done = run_script("logistics_daily_kpis.py", runs["extra_flight"])
    assert done.returncode == 0, done.stderr
    assert "record_parcels=true" in done.stdout


@pytest.mark.slow
def test_compare_scenarios(runs):
    done = run_script("compare_scenarios.py", runs["base"], runs["extra_flight"])
    assert done.returncode == 0, done.stderr
    assert "shared replications" in done.stdout and "variance_ratio" in done.stdout
    assert "WARNING" not in done.stdout  # same seed: common random numbers


def test_compare_scenarios_needs_two_runs():
    done = run_script("compare_scenarios.py")
    assert done.returncode != 0 and "usage" in done.stderr


def test_every_analysis_script_is_listed_and_tested():
    readme = (REPO / "analysis" / "README.md").read_text()
    tested = {"logistics_daily_kpis.py", "compare_scenarios.py"}
    scripts = {p.name for p in (REPO / "analysis").glob("*.py")}
    assert scripts == tested
    for name in scripts:
        assert name in readme
        assert (REPO / "analysis" / name).read_text().count("# %%") >= 3, "Jupytext percent cells"
