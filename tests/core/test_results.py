"""Run directories: reproducible tables, atomic writes, loading back, replication independence."""

import json

import polars as pl
import pytest

import sim
from sim.core.results import write_run
from sim.core.runner import run_model
from sim.scenario import load_scenario

from tests.conftest import SCENARIOS

SHORT = ["run.horizon_days=3.0", "run.warmup_days=0.5"]


def run_customs(tmp_path, name, seed=7, reps=3, overrides=()):
    return sim.run(SCENARIOS / "customs_clearance.toml", reps=reps, seed=seed,
                   overrides=[*SHORT, "customs.record_parcels=true", *overrides], out=tmp_path / name)


def parquet_bytes(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.parquet"))}


def test_same_seed_gives_bit_identical_tables_and_another_seed_differs(tmp_path):
    first = run_customs(tmp_path, "a")
    second = run_customs(tmp_path, "b")
    third = run_customs(tmp_path, "c", seed=8)
    assert parquet_bytes(first.path) == parquet_bytes(second.path)
    assert not first.tables["parcels"].equals(third.tables["parcels"])
    manifest = json.loads((first.path / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["source_hash"] and manifest["versions"]["numpy"]
    assert manifest["resolved_scenario"]["customs"]["record_parcels"] is True


def test_capacity_change_keeps_arrivals_common_random_numbers(tmp_path):
    four = run_customs(tmp_path, "four")
    six = run_customs(tmp_path, "six", overrides=["customs.officers=6"])
    assert four.tables["parcels"]["arrival_hours"].equals(six.tables["parcels"]["arrival_hours"])
    assert four.tables["parcels"]["clearance_hours"].equals(six.tables["parcels"]["clearance_hours"])
    # and the capacity really changed the outcome: fewer waits with six officers
    assert six.statistics.filter(pl.col("metric") == "mean_wait_hours")["mean"][0] < \
        four.statistics.filter(pl.col("metric") == "mean_wait_hours")["mean"][0]


def test_replication_k_does_not_depend_on_how_many_run():
    scenario = load_scenario(SCENARIOS / "customs_clearance.toml", SHORT)
    all_at_once = run_model(scenario.model, scenario.config, scenario_name="x", replications=6, seed=3)
    first = run_model(scenario.model, scenario.config, scenario_name="x", replications=4, seed=3)
    more = run_model(scenario.model, scenario.config, scenario_name="x", replications=range(4, 6), seed=3)
    combined = pl.concat([first.summary, more.summary]).sort("replication", "metric")
    assert combined.equals(all_at_once.summary.sort("replication", "metric"))


def test_load_reads_back_what_was_written(tmp_path):
    written = run_customs(tmp_path, "run")
    again = sim.load(written.path)
    assert again.summary.equals(written.summary)
    assert again.statistics.equals(written.statistics)
    assert again.tables["parcels"].equals(written.tables["parcels"])
    assert again.resolved_scenario == written.resolved_scenario
    # the saved scenario.toml reruns the same numbers (under its own name: tests/test_rerun.py)
    assert written.manifest["rerun"] == f"sim rerun {written.path}"
    rerun = sim.run(written.path / "scenario.toml")
    assert rerun.summary.drop("scenario").equals(written.summary.drop("scenario"))


def test_failed_write_leaves_earlier_results_untouched(tmp_path):
    written = run_customs(tmp_path, "run")
    before = parquet_bytes(written.path)
    broken = run_customs(tmp_path, "other")
    broken.tables["summary"] = broken.summary  # a reserved name: write_run refuses half-way through
    with pytest.raises(ValueError, match="reserved"):
        write_run(broken, written.path, force=True)
    assert parquet_bytes(written.path) == before
    assert not [p for p in written.path.parent.iterdir() if p.name.startswith(".")]
