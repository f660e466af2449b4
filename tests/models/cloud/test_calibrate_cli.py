"""`sim calibrate` end to end from the command line: the CLI reads the scenario, fits, prints the fit, parameter
and error tables, and writes a scenario that loads, extends the input and carries the fitted value.

The real command fits five parameters under every specification with rolling-origin validation (several
minutes), so the test narrows the fit to one free parameter (traditional arrivals per quarter), one
specification and a 4-history bootstrap (for the command's 40); everything else (argument parsing, model
dispatch, the fit, tables, writing and reloading the scenario) is the command's own path (about 20 s)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.models.cloud import calibration
from sim.models.cloud.calibration import Specification
from sim.scenario import load_scenario

from .conftest import SCENARIOS
from .test_calibration import in_sample_objective

ARRIVALS = "workloads.traditional.arrivals_per_quarter"
BOUNDS = (10.0, 200.0)  # FREE_PARAMETERS' bounds for it
ONE_PARAMETER = Specification(name="arrivals-only", description="test: traditional arrivals alone",
                              free={ARRIVALS: BOUNDS})


@pytest.mark.slow
def test_sim_calibrate_fits_prints_and_writes_a_loadable_scenario(tmp_path, monkeypatch):
    """By the CLI (exit 0): the three tables and "wrote <path>" are printed; the written scenario loads,
    extends the input, and its traditional arrivals are a local minimum of the in-sample squared error recomputed here
    (no worse than 1% either side), inside the bounds; a second run without --force exits 2 with one line
    and leaves the file as it was."""
    original = calibration.compare_specifications
    monkeypatch.setattr(calibration, "compare_specifications", lambda config, **options: original(
        config, **{**options, "specifications": (ONE_PARAMETER,), "bootstrap_replications": 4}))
    out = tmp_path / "calibrated.toml"
    base = SCENARIOS / "cloud_price_cut_2024.toml"
    result = CliRunner().invoke(app, ["calibrate", str(base), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for title in ("fit: published vs simulated", "fitted parameters", "fit errors", "wrote"):
        assert title in result.output, title
    loaded = load_scenario(out)
    assert "extends = " in out.read_text()
    arrivals = loaded.config.workloads["traditional"].arrivals_per_quarter
    prior = load_scenario(base).config
    assert BOUNDS[0] < arrivals < BOUNDS[1] and arrivals != prior.workloads["traditional"].arrivals_per_quarter
    at_fit = in_sample_objective(loaded.config, {ARRIVALS: arrivals})  # the written scenario: fixed priors included
    assert at_fit <= in_sample_objective(loaded.config, {ARRIVALS: arrivals * 0.99})
    assert at_fit <= in_sample_objective(loaded.config, {ARRIVALS: arrivals * 1.01})
    before = out.read_text()
    again = CliRunner().invoke(app, ["calibrate", str(base), "--out", str(out)])
    assert again.exit_code == 2 and "already exists" in again.output
    assert out.read_text() == before
