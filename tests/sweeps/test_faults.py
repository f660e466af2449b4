"""A sweep (and a run) under faults: killed at each fault point of `sim.core.faults`, two sweeps on one
store, a truncated run file, injected disk and permission errors, Ctrl-C. Each time: nothing lost (a rerun
completes with exactly the runs an undisturbed sweep gives, bit for bit), nothing duplicated, nothing left
behind (no temporary names)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from sim.cli import EXIT_BAD_INPUT, EXIT_ENVIRONMENT, EXIT_INTERRUPTED, app
from sim.core.faults import FAULT_VARIABLE
from sim.sweeps import load_sweep
from sim.sweeps.store import SweepStore
from tests.sweeps.conftest import ISHIGAMI_SCENARIO, REPO

POINTS, REPLICATIONS = 3, 4
RUNS = POINTS * REPLICATIONS


@pytest.fixture
def sweep_file(tmp_path: Path) -> Path:
    """An Ishigami sweep of 3 points x 4 replications, run in this process (serial) or a pool."""
    (tmp_path / "ishigami.toml").write_text(ISHIGAMI_SCENARIO)
    path = tmp_path / "faults.toml"
    path.write_text(textwrap.dedent("""\
        description = "fault tests"
        scenario = "ishigami.toml"
        replications = 4
        executor = "serial"

        [[parameters]]
        path = "ishigami.x1"
        levels = [0.0, 1.0, 2.0]
    """))
    return path


def cli(*args: str):
    return CliRunner().invoke(app, list(args))


def sim_process(*args: str, fault: str | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop(FAULT_VARIABLE, None)
    if fault:
        env[FAULT_VARIABLE] = fault
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def leftovers(directory: Path) -> list[str]:
    return sorted(str(p.relative_to(directory)) for p in directory.rglob(".sim-*"))


@pytest.fixture
def reference(sweep_file: Path, tmp_path: Path) -> pl.DataFrame:
    """The runs of the undisturbed sweep."""
    result = cli("sweep", str(sweep_file), "--out", str(tmp_path / "reference"), "--no-progress")
    assert result.exit_code == 0, result.stderr
    return load_sweep(tmp_path / "reference").runs


def assert_complete(directory: Path, reference: pl.DataFrame) -> None:
    loaded = load_sweep(directory)
    assert loaded.runs.equals(reference)  # nothing lost, nothing duplicated, the same numbers
    assert len(SweepStore(directory).done()) == RUNS
    assert leftovers(directory) == []


@pytest.mark.parametrize("fault, saved, temporaries", [
    ("kill-after-run-file:3", 3, 0),
    ("kill-before-rename:5", 2, 1),  # the 5th atomic write: manifest, design, then the third run file
])
def test_a_killed_sweep_resumes_to_the_same_runs(sweep_file, tmp_path, reference, fault, saved, temporaries):
    out = tmp_path / "killed"
    killed = sim_process("sweep", str(sweep_file), "--out", str(out), "--no-progress", fault=fault)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(SweepStore(out).done()) == saved  # a killed write leaves no run file, never a torn one
    assert len(leftovers(out)) == temporaries
    resumed = cli("sweep", str(sweep_file), "--out", str(out), "--no-progress")
    assert resumed.exit_code == 0, resumed.stderr
    assert_complete(out, reference)


def test_a_run_killed_before_publishing_leaves_nothing_in_its_place(tmp_path):
    out = tmp_path / "runs" / "one"
    args = ["run", str(REPO / "scenarios" / "customs_clearance.toml"), "--reps", "1", "--set",
            "run.horizon_days=0.5", "--set", "run.warmup_days=0.0", "--no-progress"]
    killed = sim_process(*args, "--out", str(out), fault="kill-before-publish:1")
    assert killed.returncode == -signal.SIGKILL
    assert not out.exists() and len(leftovers(out.parent)) == 1  # the staging folder of a dead process
    again = cli(*args, "--out", str(out))
    assert again.exit_code == 0, again.stderr
    assert leftovers(out.parent) == []  # cleaned at the next write beside it


def test_a_second_sweep_on_one_store_exits_2_naming_the_pid(sweep_file, tmp_path, reference):
    out = tmp_path / "locked"
    holder = SweepStore(out)
    out.mkdir()
    holder.lock()  # another process would hold it the same way; flock locks are per open file
    try:
        second = sim_process("sweep", str(sweep_file), "--out", str(out), "--no-progress")
        assert second.returncode == EXIT_BAD_INPUT, second.stderr
        assert f"another sweep (pid {os.getpid()})" in " ".join(second.stderr.split())
        assert "Traceback" not in second.stderr and SweepStore(out).done() == set()
    finally:
        holder.close()
    assert cli("sweep", str(sweep_file), "--out", str(out), "--no-progress").exit_code == 0
    assert_complete(out, reference)


def test_the_lock_of_a_killed_sweep_is_released_by_the_kernel(sweep_file, tmp_path, reference):
    out = tmp_path / "killed_holder"
    killed = sim_process("sweep", str(sweep_file), "--out", str(out), "--no-progress", fault="kill-after-run-file:1")
    assert killed.returncode == -signal.SIGKILL and (out / "lock").exists()
    assert cli("sweep", str(sweep_file), "--out", str(out), "--no-progress").exit_code == 0
    assert_complete(out, reference)


def test_a_truncated_run_file_is_moved_aside_and_recomputed(sweep_file, tmp_path, reference):
    out = tmp_path / "truncated"
    assert cli("sweep", str(sweep_file), "--out", str(out), "--no-progress").exit_code == 0
    victim = SweepStore(out).run_path(1, 2)
    victim.write_bytes(victim.read_bytes()[:50])
    assert cli("sweep", str(sweep_file), "--out", str(out), "--no-progress").exit_code == 0
    assert (out / "damaged" / victim.relative_to(out)).stat().st_size == 50
    assert_complete(out, reference)


@pytest.mark.parametrize("fault", [OSError(errno.ENOSPC, "No space left on device"),
                                   PermissionError(errno.EACCES, "Permission denied")])
def test_disk_and_permission_faults_exit_3_and_a_rerun_completes(sweep_file, tmp_path, reference, monkeypatch,
                                                                 fault):
    out = tmp_path / "faulty"
    real_replace, calls = os.replace, []

    def failing_replace(source, target):
        calls.append(target)
        if len(calls) == 5:  # manifest, design, then the third run file
            raise type(fault)(fault.errno, fault.strerror, str(target))
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    failed = cli("sweep", str(sweep_file), "--out", str(out), "--no-progress")
    assert failed.exit_code == EXIT_ENVIRONMENT, (failed.stderr, failed.exception)
    assert fault.strerror in " ".join(failed.stderr.split()) and "rep=" in failed.stderr
    assert len(SweepStore(out).done()) == 2 and leftovers(out) == []
    monkeypatch.setattr(os, "replace", real_replace)
    assert cli("sweep", str(sweep_file), "--out", str(out), "--no-progress").exit_code == 0
    assert_complete(out, reference)


def test_ctrl_c_says_how_many_runs_are_saved_and_exits_130(sweep_file, tmp_path, reference, monkeypatch):
    out = tmp_path / "interrupted"
    monkeypatch.setenv(FAULT_VARIABLE, "interrupt-after-run-file:5")
    import sim.core.faults as faults

    monkeypatch.setattr(faults, "_reached", {})
    interrupted = cli("sweep", str(sweep_file), "--out", str(out), "--no-progress")
    assert interrupted.exit_code == EXIT_INTERRUPTED
    assert f"interrupted: 5 of {RUNS} runs saved; rerun to resume" in interrupted.stderr
    monkeypatch.delenv(FAULT_VARIABLE)
    assert cli("sweep", str(sweep_file), "--out", str(out), "--no-progress").exit_code == 0
    assert_complete(out, reference)


def test_pool_workers_exit_when_their_parent_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent("""\
        import os, signal
        from sim.sweeps.executors import process_pool

        if __name__ == "__main__":
            pool = process_pool(1)
            print(pool.submit(os.getpid).result(), flush=True)
            os.kill(os.getpid(), signal.SIGKILL)
    """))
    done = subprocess.run([sys.executable, str(script)], env={**os.environ, "PYTHONPATH": str(REPO)},
                          capture_output=True, text=True, timeout=120)
    worker = int(done.stdout.split()[0])

    def running(pid: int) -> bool:
        try:
            state = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return False
        return "State:\tZ" not in state

    deadline = time.monotonic() + 30.0
    while running(worker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not running(worker)


@pytest.mark.parametrize("text, words", [
    ('executor = "tcp://10.0.0.1:8786"', ["executor", "'serial', 'process' or 'dask'"]),
    ('out = "/tmp/elsewhere"', ["out", "below the working directory"]),
    ('out = "results/../../elsewhere"', ["out", "'..'"]),
])
def test_a_sweep_file_cannot_choose_where_code_runs_or_results_go(sweep_file, text, words):
    sweep_file.write_text(sweep_file.read_text().replace('executor = "serial"', text + '\nexecutor = "serial"'
                                                         if "executor" not in text else text))
    result = cli("sweep", str(sweep_file), "--no-progress")
    assert result.exit_code == EXIT_BAD_INPUT, (result.stderr, result.exception)
    for word in words:
        assert word in " ".join(result.stderr.split())


def test_a_sweep_into_another_sweeps_folder_or_a_foreign_folder_is_refused(sweep_file, tmp_path, reference):
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    result = cli("sweep", str(sweep_file), "--out", str(foreign), "--no-progress")
    assert result.exit_code == EXIT_BAD_INPUT and "not a sweep folder" in " ".join(result.stderr.split())
    assert sorted(p.name for p in foreign.iterdir()) == ["thesis.tex"]
    sweep_file.write_text(sweep_file.read_text().replace("[0.0, 1.0, 2.0]", "[0.0, 1.5, 2.0]"))
    result = cli("sweep", str(sweep_file), "--out", str(tmp_path / "reference"), "--no-progress")
    assert result.exit_code == EXIT_BAD_INPUT and "holds a different sweep" in " ".join(result.stderr.split())


def test_a_huge_design_is_refused_before_it_is_built(sweep_file, monkeypatch):
    import sim.sweeps.spec as spec

    monkeypatch.setattr(spec, "make_design", lambda *a, **k: pytest.fail("the design was built"))
    sweep_file.write_text(sweep_file.read_text().replace('levels = [0.0, 1.0, 2.0]', 'low = 0.0\nhigh = 1.0\n'
                          'grid_points = 100000\n\n[[parameters]]\npath = "ishigami.x2"\nlow = 0.0\nhigh = 1.0\n'
                          'grid_points = 100000'))
    for extra in ([], ["--dry-run"]):
        result = cli("sweep", str(sweep_file), *extra, "--no-progress")
        assert result.exit_code == EXIT_BAD_INPUT, (result.stderr, result.exception)
        assert "10,000,000,000 design points" in " ".join(result.stderr.split())


def test_a_damaged_sweep_manifest_is_one_line_naming_it(sweep_file, tmp_path):
    out = tmp_path / "damaged_manifest"
    assert cli("sweep", str(sweep_file), "--out", str(out), "--no-progress").exit_code == 0
    (out / "manifest.json").write_text('{"sweep": "faults", "fingerp')
    result = cli("sweep", str(sweep_file), "--out", str(out), "--no-progress")
    assert result.exit_code == EXIT_BAD_INPUT and "damaged manifest" in " ".join(result.stderr.split())
    assert "manifest.json" in result.stderr


def test_a_run_interrupted_before_publishing_exits_130_and_leaves_nothing(tmp_path, monkeypatch):
    import sim.core.faults as faults

    monkeypatch.setenv(FAULT_VARIABLE, "interrupt-before-publish:1")
    monkeypatch.setattr(faults, "_reached", {})
    out = tmp_path / "run"
    result = cli("run", str(REPO / "scenarios" / "customs_clearance.toml"), "--reps", "1", "--set",
                 "run.horizon_days=0.5", "--set", "run.warmup_days=0.0", "--no-progress", "--out", str(out))
    assert result.exit_code == EXIT_INTERRUPTED
    assert list(tmp_path.iterdir()) == []
