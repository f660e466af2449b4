"""Manifest v2 (one schema for runs, comparisons, warm-ups and sweeps), `sim rerun` reproducing a run byte
for byte, results folders that follow the umask, `sim runs`, and what `sim compare` prints."""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.comparison import forest_rows
from sim.core.options import RunOptions
from tests.conftest import SCENARIOS

BASE = SCENARIOS / "customs_clearance.toml"
SIX = SCENARIOS / "customs_clearance_six_officers.toml"
SHORT = ["run.horizon_days=2.0", "run.warmup_days=0.5"]
SETS = [arg for setting in SHORT for arg in ("--set", setting)]

#: every manifest, whatever its kind, holds these (manifest v2)
COMMON_FIELDS = {"manifest_version", "run_id", "kind", "status", "created_utc", "command", "host", "versions",
                 "dependencies", "environment_hash", "git", "config_hash", "seed"}


def invoke(*args: str):
    done = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return done


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    """One folder of each kind, written through the CLI as a user would."""
    root = tmp_path_factory.mktemp("results")
    made = {"run": root / "run", "comparison": root / "comparison", "sweep": root / "sweep", "warmup": root / "warmup"}
    assert invoke("run", str(BASE), "--reps", "2", "--seed", "3", *SETS, "--out", str(made["run"]),
                  "--no-progress").exit_code == 0
    compared = invoke("compare", str(BASE), str(SIX), "--reps", "2", *SETS, "--out", str(made["comparison"]),
                      "--no-progress")
    assert compared.exit_code == 0, compared.output
    (root / "compare.stdout").write_text(compared.output)
    sweep_file = root / "officers.toml"
    sweep_file.write_text(f'description = "two officer levels"\nscenario = "{BASE}"\nreplications = 2\nseed = 4\n'
                          '[design]\nkind = "grid"\n[[parameters]]\npath = "customs.officers"\nlevels = [5, 6]\n')
    swept = invoke("sweep", str(sweep_file), "--serial", "--out", str(made["sweep"]), "--no-progress", *SETS)
    assert swept.exit_code == 0, swept.output
    assert invoke("warmup", str(BASE), *SETS, "--out", str(made["warmup"])).exit_code == 0
    return made


@pytest.mark.parametrize("kind", ["run", "comparison", "sweep", "warmup"])
def test_every_manifest_field_is_present_for_each_kind(folders, kind):
    manifest = json.loads((folders[kind] / "manifest.json").read_text())
    assert COMMON_FIELDS <= set(manifest), COMMON_FIELDS - set(manifest)
    assert (manifest["manifest_version"], manifest["kind"], manifest["status"]) == (2, kind, "complete")
    assert len(manifest["run_id"]) == 32 and len(manifest["config_hash"]) == 64
    host = manifest["host"]
    assert host["cores"] == os.cpu_count() and host["machine"] == platform.machine() and host["cpu"]
    assert host["python"] == sys.version.split()[0] and "NUMBA_NUM_THREADS" in host["threads"]
    assert host["threads"]["numba_threads"] >= 1  # a model ran, so numba was loaded
    assert manifest["dependencies"]["polars"] == pl.__version__
    assert manifest["command"] == sys.argv  # the command as typed (here: the test runner's, in-process CLI)
    assert manifest["seed"] == {"run": 3, "comparison": 1, "sweep": 4, "warmup": 1}[kind]
    if kind in {"run", "comparison"}:
        assert manifest["key_metrics"] and {"metric", "unit"} <= set(manifest["key_metrics"][0])
    if kind == "run":
        assert manifest["rerun"] == f"sim rerun {folders['run']}"


def test_the_config_hash_depends_on_the_configuration_not_on_the_files(tmp_path):
    """The same configuration written two ways (an override, or a file that says it) hashes the same; the
    source hash (over the files) differs."""
    written = tmp_path / "six.toml"
    written.write_text(f'description = "six"\nextends = "{BASE}"\n[customs]\nofficers = 6\n')
    one = sim.run(BASE, reps=2, overrides=[*SHORT, "customs.officers=6", "description='six'"])
    two = sim.run(written, reps=2, overrides=SHORT)
    assert one.manifest["config_hash"] == two.manifest["config_hash"]
    assert one.manifest["source_hash"] != two.manifest["source_hash"]


def test_rerun_reproduces_every_table_byte_for_byte(folders, tmp_path):
    done = invoke("rerun", str(folders["run"]), "--out", str(tmp_path / "again"), "--no-progress")
    assert done.exit_code == 0, done.output
    assert "identical" in done.output
    original = {p.name: p.read_bytes() for p in folders["run"].glob("*.parquet")}
    again = {p.name: p.read_bytes() for p in (tmp_path / "again").glob("*.parquet")}
    assert set(original) == {"summary.parquet", "statistics.parquet", "hourly.parquet"} and again == original
    manifest = json.loads((tmp_path / "again" / "manifest.json").read_text())
    assert manifest["rerun_of"]["run_id"] == json.loads((folders["run"] / "manifest.json").read_text())["run_id"]


def test_a_rerun_that_differs_exits_1(folders, tmp_path):
    changed = tmp_path / "changed"
    import shutil

    shutil.copytree(folders["run"], changed)
    scenario = (changed / "scenario.toml").read_text().replace("seed = 3", "seed = 4")
    (changed / "scenario.toml").write_text(scenario)
    done = invoke("rerun", str(changed), "--out", str(tmp_path / "again"), "--no-progress")
    assert done.exit_code == 1 and "summary.parquet" in done.output


@pytest.mark.parametrize("umask, mode", [(0o022, 0o755), (0o077, 0o700), (0o002, 0o775)])
def test_results_folders_follow_the_umask(tmp_path, umask, mode):
    before = os.umask(umask)
    try:
        sim.run(BASE, reps=2, overrides=SHORT, out=tmp_path / "run")
    finally:
        os.umask(before)
    assert (tmp_path / "run").stat().st_mode & 0o777 == mode
    assert (tmp_path / "run" / "manifest.json").stat().st_mode & 0o777 == mode & 0o666


def test_precision_starts_from_the_files_replications(tmp_path):
    """The file asks for 10; a target every key metric meets at once (50% of the mean) stops at 10."""
    result = sim.run(BASE, overrides=[*SHORT, "run.replications=10"], options=RunOptions(precision=0.5))
    assert result.manifest["precision"]["reached"] and result.manifest["replications"] == 10


def test_compare_prints_whole_names_with_units_and_only_key_metrics_by_default(folders):
    printed = (folders["comparison"].parent / "compare.stdout").read_text()
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[1:-1]]
            for line in printed.splitlines() if line.startswith("│")}
    # customs key metrics, whole names, and their units from the model's metric list
    assert rows.keys() == {"mean_wait_hours", "probability_of_waiting", "mean_queue_length"}
    assert rows["mean_wait_hours"][1] == "hours" and rows["probability_of_waiting"][1] == "share"
    assert "scenario" not in printed.splitlines()[2]  # two scenarios: no scenario column
    every = invoke("compare", str(BASE), str(SIX), "--reps", "2", *SETS, "--all", "--out",
                   str(folders["comparison"].parent / "every"), "--no-progress").output
    shown = [line.split("│")[1].strip() for line in every.splitlines() if line.startswith("│")]
    assert "mean_time_in_system_hours" in shown and "p95_wait_hours" in shown and len(shown) == 9


def test_forest_rows_use_units_where_the_baseline_mean_is_zero():
    """Hand computation: a difference of -1 on a baseline of 4 is -25%; on a baseline of 0 (or one whose CI
    covers 0) it stays -1 in the metric's units."""
    differences = pl.DataFrame({"scenario": ["b", "b", "b"], "metric": ["wait", "gap", "noise"],
                                "mean_baseline": [4.0, 0.0, 0.1], "difference": [-1.0, -1.0, -1.0],
                                "ci_low": [-2.0, -2.0, -2.0], "ci_high": [0.0, 0.0, 0.0],
                                "independent_half_width_estimate": [2.0, 2.0, 2.0]})
    rows = forest_rows(differences, {"wait": "hours", "gap": "parcels"}, {"wait": 0.5, "gap": 0.0, "noise": 0.3})
    by_metric = {r["metric"]: r for r in rows.iter_rows(named=True)}
    assert (by_metric["wait"]["panel"], by_metric["wait"]["value"], by_metric["wait"]["low"]) == ("percent", -25.0, -50.0)
    assert (by_metric["gap"]["panel"], by_metric["gap"]["value"], by_metric["gap"]["unit"]) == ("units", -1.0, "parcels")
    assert (by_metric["noise"]["panel"], by_metric["noise"]["high"]) == ("units", 0.0)


def test_sim_runs_lists_the_folders_and_warns_once_for_a_damaged_manifest(folders):
    root = folders["run"].parent
    broken = root / "broken"
    broken.mkdir(exist_ok=True)
    (broken / "manifest.json").write_text("[1,")
    done = invoke("runs", str(root))
    assert done.exit_code == 0
    assert done.output.count("damaged manifest") == 1 and "broken" in done.output
    listed = [line.split("│")[1].strip() for line in done.output.splitlines() if line.startswith("│")]
    assert {"run", "comparison", "sweep"} <= set(listed)
    only = invoke("runs", str(root), "--kind", "sweep").output
    assert [line.split("│")[1].strip() for line in only.splitlines() if line.startswith("│")
            and line.split("│")[1].strip()] == ["sweep"]
    assert invoke("runs", str(root), "--since", "not-a-date").exit_code == 2


def test_tables_carry_each_known_columns_unit_and_description(folders):
    statistics = pl.read_parquet_metadata(folders["run"] / "statistics.parquet")
    assert statistics["sim:unit:level"] == "share" and statistics["sim:unit:mean"] == "metric unit"
    assert "Student-t" in statistics["sim:description:ci_low"]
    summary = pl.read_parquet_metadata(folders["run"] / "summary.parquet")
    assert {"sim:unit:value", "sim:description:replication"} <= set(summary)
    differences = pl.read_parquet_metadata(folders["comparison"] / "paired_differences.parquet")
    assert "common random numbers" in differences["sim:description:difference"]


def test_plot_on_a_grid_sweep_draws_one_line_per_level_of_the_other_parameters(folders):
    done = invoke("plot", str(folders["sweep"]))
    assert done.exit_code == 0, done.output
    assert (folders["sweep"] / "charts" / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
