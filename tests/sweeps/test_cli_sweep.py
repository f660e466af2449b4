"""`sim sweep` from the command line: dry run, a small serial sweep, resume, and bad input."""

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

SWEEP = """\
description = "two officer levels, three replications"
scenario = "{base}"
replications = 3
seed = 4

[design]
kind = "grid"

[[parameters]]
path = "customs.officers"
levels = [{levels}]
"""


def sim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=300)


def write_sweep(tmp_path: Path, levels: str) -> Path:
    base = tmp_path / "base.toml"
    base.write_text(f'description = "short customs"\nextends = "{REPO / "scenarios" / "customs_clearance.toml"}"\n'
                    "[run]\nhorizon_days = 2.0\nwarmup_days = 0.5\n")
    path = tmp_path / "officers.toml"
    path.write_text(SWEEP.format(base="base.toml", levels=levels))
    return path


def test_dry_run_shows_the_design_and_runs_nothing(tmp_path):
    done = sim("sweep", str(write_sweep(tmp_path, "4, 6")), "--dry-run", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "customs.officers" in done.stdout
    assert not (tmp_path / "out").exists()


def test_serial_sweep_writes_every_run_and_a_rerun_does_nothing_new(tmp_path):
    path, out = write_sweep(tmp_path, "4, 6"), tmp_path / "out"
    first = sim("sweep", str(path), "--serial", "--out", str(out), "--no-progress")
    assert first.returncode == 0, first.stderr
    runs = sorted(p.relative_to(out) for p in (out / "runs").rglob("*.parquet"))
    assert len(runs) == 2 * 3
    stamps = {p: (out / p).stat().st_mtime_ns for p in runs}
    again = sim("sweep", str(path), "--serial", "--out", str(out), "--no-progress")
    assert again.returncode == 0, again.stderr
    assert {p: (out / p).stat().st_mtime_ns for p in runs} == stamps  # resumed: nothing rerun
    assert "6 runs done, 0 failed" in again.stdout


def test_bad_level_fails_before_anything_runs(tmp_path):
    path, out = write_sweep(tmp_path, "4, 3"), tmp_path / "out"  # 3 officers: utilisation 32/30 >= 1
    done = sim("sweep", str(path), "--serial", "--out", str(out))
    assert done.returncode == 2
    assert "officers.toml" in done.stderr and "customs.officers" in done.stderr and "must be below 1" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()
