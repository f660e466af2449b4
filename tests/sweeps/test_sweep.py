"""Sweeps end to end: statistics per design point, common random numbers, failures, validation before
anything runs, identical results on every executor, and resume after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from sim.core.stats import t_interval
from sim.models.ishigami import ishigami
from sim.scenario import ScenarioError
from sim.sweeps import Parameter, SweepMismatchError, SweepOptions, load_sweep, run_sweep_file, sweep

REPO = Path(__file__).resolve().parents[2]
SERIAL = SweepOptions(executor="serial")


def test_summary_gives_each_point_the_t_interval_of_its_replications(ishigami_file):
    result = sweep(ishigami_file, vary={"ishigami.x1": [0.0, 1.0], "ishigami.x2": [0.5, 1.5]}, options=SERIAL)
    assert result.design.height == 4 and result.replications == 4
    summary = result.summary()
    assert summary.columns[:4] == ["point", "ishigami.x1", "ishigami.x2", "metric"]
    for point in range(4):
        x1, x2 = result.design.row(point)[1:]
        values = result.runs.filter((pl.col("point") == point) & (pl.col("metric") == "y")).get_column("value")
        row = summary.filter((pl.col("point") == point) & (pl.col("metric") == "y")).row(0, named=True)
        interval = t_interval(values.to_numpy())
        assert row["n"] == 4 and row["failed"] == 0
        assert row["mean"] == pytest.approx(interval.estimate)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((interval.low, interval.high))
        exact = summary.filter((pl.col("point") == point) & (pl.col("metric") == "y_exact")).row(0, named=True)
        assert exact["mean"] == pytest.approx(ishigami(x1, x2, 0.5))
        assert exact["half_width"] == pytest.approx(0.0)


def test_every_design_point_uses_the_same_noise_per_replication(ishigami_file):
    """Common random numbers: replication k draws the same noise at every point, so y - y_exact is the
    same column of numbers at every design point, and differs between replications."""
    result = sweep(ishigami_file, vary={"ishigami.x3": [-1.0, 0.0, 2.0]}, options=SERIAL)
    noise = result.metric_values("y") - result.metric_values("y_exact")
    assert np.allclose(noise, noise[0]) and np.ptp(noise[0]) > 0.05


def test_customs_points_differing_in_officers_share_their_arrival_streams(customs_file):
    result = sweep(customs_file, vary={"customs.officers": [4, 6]}, replications=3, seed=5,
                   overrides=["run.horizon_days=2.0", "run.warmup_days=0.0"], options=SERIAL)
    arrivals = result.metric_values("arrival_rate_per_hour")
    waits = result.metric_values("mean_wait_hours")
    assert np.array_equal(arrivals[0], arrivals[1])  # same parcels arrive, replication by replication
    assert np.ptp(arrivals[0]) > 0  # ... and the replications do differ
    assert np.all(waits[1] < waits[0])  # more officers, shorter waits in every replication
    assert set(result.runs.get_column("seed").unique().to_list()) == {5}


def test_a_failing_point_is_recorded_and_the_others_complete(ishigami_file, tmp_path):
    failing = ishigami_file.with_name("failing.toml")
    failing.write_text(ishigami_file.read_text().replace('model = "ishigami"', 'model = "ishigami_failing"'))
    out = tmp_path / "out"
    result = sweep(failing, vary={"ishigami.x1": [0.0, 3.0, 1.0]}, replications=2, options=SERIAL, out=out)
    assert result.failures.select("point", "replication").rows() == [(1, 0), (1, 1)]
    assert set(result.failures.get_column("error")) == {"FloatingPointError"}
    assert "diverged at x1=3.0" in result.failures.get_column("message")[0]
    assert result.runs.select("point", "replication").unique().sort("point", "replication").rows() == \
        [(0, 0), (0, 1), (2, 0), (2, 1)]
    summary = result.summary().filter(pl.col("metric") == "y_exact")
    assert summary.get_column("failed").to_list() == [0, 2, 0]
    assert summary.get_column("n").to_list() == [2, 0, 2]
    assert not result.complete
    assert len(list((out / "failures").rglob("*.json"))) == 2
    assert json.loads((out / "manifest.json").read_text())["runs_failed"] == 2
    reloaded = load_sweep(out)
    assert reloaded.failures.height == 2 and reloaded.runs.equals(result.runs)


def test_a_spawned_worker_finds_a_model_registered_only_in_the_parent(ishigami_file):
    """Workers never read the registry: a test model added to the parent's registry runs (and fails where
    it should) in a spawned process pool, which imports the module path each task carries."""
    failing = ishigami_file.with_name("failing.toml")
    failing.write_text(ishigami_file.read_text().replace('model = "ishigami"', 'model = "ishigami_failing"'))
    vary = {"ishigami.x1": [0.0, 3.0]}
    pool = sweep(failing, vary=vary, replications=2, options=SweepOptions(executor="process", workers=1))
    serial = sweep(failing, vary=vary, replications=2, options=SERIAL)
    assert pool.runs.equals(serial.runs) and pool.runs.height > 0
    assert pool.failures.select("point", "replication").rows() == [(1, 0), (1, 1)]
    assert pool.manifest["model_module"] == "tests.sweeps.failing_model"


def _write_sweep_file(folder: Path, body: str) -> Path:
    path = folder / "sweeps" / "bad.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


BAD_SWEEPS = [
    # a bound outside the schema's range: caught at the bound itself, whatever points are sampled
    ("""\
     [design]
     kind = "lhs"
     points = 8
     [[parameters]]
     path = "customs.officers"
     low = 0
     high = 6
     """, "customs.officers", 0, "greater than or equal to 1"),
    # a misspelt path
    ("""\
     [[parameters]]
     path = "customs.oficers"
     levels = [4, 6]
     """, "customs.oficers", 4, "unknown key"),
    # a cross-field rule broken at one design point (utilisation 32 / (3 x 10) > 1)
    ("""\
     [[parameters]]
     path = "customs.officers"
     levels = [4, 3]
     """, "customs.officers", 3, "must be below 1"),
    # bounds the wrong way round
    ("""\
     [[parameters]]
     path = "customs.arrivals_per_hour"
     low = 30.0
     high = 20.0
     """, "customs.arrivals_per_hour", {"low": 30.0, "high": 20.0}, "low must be below high"),
    # a value of the wrong type
    ("""\
     [[parameters]]
     path = "customs.officers"
     levels = [4.5, 6.0]
     """, "customs.officers", 4.5, "valid integer"),
]


@pytest.mark.parametrize("parameters, key, value, message", BAD_SWEEPS)
def test_bad_sweep_files_fail_before_anything_runs(customs_file, tmp_path, parameters, key, value, message):
    header = 'description = "bad"\nscenario = "../customs_clearance.toml"\nreplications = 2\n'
    path = _write_sweep_file(customs_file.parent, header + textwrap.dedent(parameters))
    out = tmp_path / "never"
    with pytest.raises(ScenarioError) as caught:
        run_sweep_file(path, out=out, executor="serial", progress=False)
    error = caught.value
    assert error.source == str(path)
    assert error.key == key
    assert error.value == value
    assert message in error.message
    assert str(path) in str(error) and key in str(error)
    assert not out.exists()


@pytest.mark.parametrize("path", ["run.seed", "run.replications"])
def test_the_seed_and_replications_are_not_design_parameters(ishigami_file, path):
    with pytest.raises(ScenarioError, match="is set by the sweep itself"):
        sweep(ishigami_file, vary={path: [1, 2]}, options=SERIAL)


def test_a_missing_base_scenario_names_the_sweep_file(customs_file):
    path = _write_sweep_file(customs_file.parent, """\
        description = "x"
        scenario = "../nowhere.toml"
        [[parameters]]
        path = "customs.officers"
        levels = [4]
        """)
    with pytest.raises(ScenarioError, match="bad.toml: scenario: base scenario not found"):
        run_sweep_file(path, executor="serial", progress=False)


def test_sweep_file_runs_and_resumes_into_its_output_directory(customs_file, tmp_path):
    path = _write_sweep_file(customs_file.parent, """\
        description = "officers"
        scenario = "../customs_clearance.toml"
        replications = 2
        seed = 3
        overrides = ["run.horizon_days=1.0", "run.warmup_days=0.0"]
        [[parameters]]
        path = "customs.officers"
        levels = [4, 5]
        """)
    out = tmp_path / "officers"
    first = run_sweep_file(path, out=out, executor="serial", progress=False)
    files = sorted(p.relative_to(out / "runs").as_posix() for p in (out / "runs").rglob("*.parquet"))
    assert files == [f"point={p:04d}/rep={k:04d}.parquet" for p in (0, 1) for k in (0, 1)]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["seed"] == 3 and manifest["design_points"] == 2
    assert manifest["sweep_file"] == str(path) and manifest["overrides"] == ["run.horizon_days=1.0",
                                                                            "run.warmup_days=0.0"]
    stamps = {p: p.stat().st_mtime_ns for p in (out / "runs").rglob("*.parquet")}
    again = run_sweep_file(path, out=out, executor="serial", progress=False)
    assert again.runs.equals(first.runs)
    assert {p: p.stat().st_mtime_ns for p in (out / "runs").rglob("*.parquet")} == stamps  # nothing re-ran
    assert again.manifest["runs_done"] == 4


def test_resuming_into_a_directory_of_another_sweep_is_refused(ishigami_file, tmp_path):
    out = tmp_path / "out"
    sweep(ishigami_file, vary={"ishigami.x1": [0.0]}, replications=1, options=SERIAL, out=out)
    with pytest.raises(SweepMismatchError, match="holds a different sweep"):
        sweep(ishigami_file, vary={"ishigami.x1": [1.0]}, replications=1, options=SERIAL, out=out)
    # more replications of the same sweep is the same sweep: it extends
    more = sweep(ishigami_file, vary={"ishigami.x1": [0.0]}, replications=3, options=SERIAL, out=out)
    assert more.runs.get_column("replication").unique().sort().to_list() == [0, 1, 2]


@pytest.mark.slow
def test_serial_process_pool_and_dask_give_identical_results(ishigami_file):
    from dask.distributed import Client, LocalCluster

    vary = {"ishigami.x1": Parameter.continuous("ishigami.x1", -3.0, 3.0), "ishigami.x3": [0.0, 1.0, 2.0]}
    common = dict(vary=vary, design="lhs", points=6, design_seed=2, replications=5)
    serial = sweep(ishigami_file, options=SERIAL, **common)
    pool = sweep(ishigami_file, options=SweepOptions(executor="process", workers=2, chunk_size=3), **common)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        dask = sweep(ishigami_file, options=SweepOptions(executor=cluster.scheduler_address, chunk_size=4), **common)
        with Client(cluster) as client:
            dask_client = sweep(ishigami_file, options=SweepOptions(executor=client), **common)
            assert client.status == "running"  # a client the caller passed in stays open
    assert serial.runs.height == 6 * 5 * 2
    assert pool.runs.equals(serial.runs)
    assert dask.runs.equals(serial.runs) and dask_client.runs.equals(serial.runs)
    assert dask.summary().equals(serial.summary())
    assert pool.manifest["executor"] == "process" and dask.manifest["executor"] == "dask"


RESUME_SCRIPT = """\
import sys
from sim.sweeps import SweepOptions, sweep
if __name__ == "__main__":
    sweep(sys.argv[1], vary={"ishigami.x1": [0.0, 1.0, 2.0, 3.0]}, replications=5,
          options=SweepOptions(executor="serial"), out=sys.argv[2])
"""


@pytest.mark.slow
def test_a_killed_sweep_completes_on_rerun_without_duplicates_or_gaps(ishigami_file, tmp_path):
    slow = ishigami_file.with_name("slow.toml")
    slow.write_text(ishigami_file.read_text() + "busy_ms = 60.0\n")
    out = tmp_path / "out"
    script = tmp_path / "run_sweep.py"
    script.write_text(RESUME_SCRIPT)
    process = subprocess.Popen([sys.executable, str(script), str(slow), str(out)], cwd=REPO,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(list(out.glob("runs/*/*.parquet"))) < 4:
            assert process.poll() is None, "the sweep ended before it could be interrupted"
            assert time.monotonic() < deadline, "no run files appeared"
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    survivors = {p: p.stat().st_mtime_ns for p in out.glob("runs/*/*.parquet")}
    assert 4 <= len(survivors) < 20
    # a half-written file of the killed sweep (the store's own temporary name, its pid now dead) goes on
    # resume; another program's file that merely looks temporary is left alone (issue: never clean a tree)
    own = out / "runs" / "point=0000" / f".sim-rep=0009.parquet.{process.pid}.x1y2z3.tmp"
    own.write_bytes(b"half a file")
    foreign = out / "runs" / "point=0000" / ".rep=0009.parquet.stale.tmp"
    foreign.write_bytes(b"not ours")

    resumed = sweep(slow, vary={"ishigami.x1": [0.0, 1.0, 2.0, 3.0]}, replications=5, options=SERIAL, out=out)
    assert {p: p.stat().st_mtime_ns for p in survivors} == survivors  # finished runs were not re-run
    files = sorted(p.relative_to(out / "runs").as_posix() for p in out.glob("runs/*/*.parquet"))
    assert files == [f"point={p:04d}/rep={k:04d}.parquet" for p in range(4) for k in range(5)]
    assert list(out.rglob("*.tmp")) == [foreign]
    keys = resumed.runs.filter(pl.col("metric") == "y").select("point", "replication")
    assert keys.height == 20 and keys.unique().height == 20
    uninterrupted = sweep(slow, vary={"ishigami.x1": [0.0, 1.0, 2.0, 3.0]}, replications=5, options=SERIAL)
    assert resumed.runs.equals(uninterrupted.runs)
    assert load_sweep(out).runs.equals(uninterrupted.runs)


@pytest.mark.parametrize("path", sorted((REPO / "scenarios" / "sweeps").glob("*.toml")), ids=lambda p: p.name)
def test_repository_sweep_files_validate_against_their_scenarios(path):
    """Every sweep file in the repository names an existing scenario and valid design points, and runs at
    least 2 replications a point unless the model draws nothing there (one replication is then the answer:
    two seeds give the same metrics at the first and the last point)."""
    from sim.core.rng import Streams
    from sim.sweeps import prepare_sweep_file

    spec, prepared = prepare_sweep_file(path)
    assert len(prepared.documents) == len(prepared.design) > 1
    if prepared.replications < 2:
        for document in (prepared.documents[0], prepared.documents[-1]):
            config = prepared.model.config_type.model_validate(document)
            first, second = (prepared.model.simulate(config, Streams(seed, 0)).metrics for seed in (1, 2))
            assert first.keys() == second.keys()
            np.testing.assert_array_equal([first[k] for k in first], [second[k] for k in first],
                                          err_msg="one replication a point, but the results depend on the seed")
