"""The two-class customs office: bad input, and the allocation rule on a small run (Cobham's waits and work
conservation are its `sim validate` cases)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sim import cli
from sim.core.rng import Streams
from sim.models.customs_classes.model import simulate
from sim.models.customs_classes.validation import case_config

SCENARIO = Path(__file__).resolve().parents[3] / "scenarios" / "customs_two_classes.toml"


def test_a_total_load_at_or_above_capacity_exits_2_naming_file_key_and_value():
    done = CliRunner().invoke(cli.app, ["run", str(SCENARIO), "--reps", "1", "--set", "customs_classes.officers=2"])
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output
    for fragment in (SCENARIO.name, "customs_classes", "(12 + 12) / (2 x 10) = 1.2 must be below 1"):
        assert fragment in done.output


def test_priority_shortens_the_group_wait_on_the_same_draws():
    """Same seed, same draws: serving the group first cuts its mean wait below the FCFS one and lengthens
    the third party's (Cobham: W_1 = 0.036 h against Wq = 0.108 h; 10 counted days, ~5,800 parcels)."""
    waits = {}
    for allocation in ("priority", "fcfs"):
        config = case_config(3, 12.0, 12.0, 10.0, 15.0)
        config = config.model_copy(update={"customs_classes": config.customs_classes.model_copy(
            update={"allocation": allocation})})
        waits[allocation] = simulate(config, Streams(1, 0)).metrics
    assert waits["priority"]["mean_wait_group_hours"] < 0.5 * waits["fcfs"]["mean_wait_group_hours"]
    assert waits["priority"]["mean_wait_third_party_hours"] > waits["fcfs"]["mean_wait_third_party_hours"]
    assert waits["priority"]["parcels_cleared"] == waits["fcfs"]["parcels_cleared"] > 5_000
