"""The CLI: bad input exits 2 with one clear message and no traceback, and never touches earlier results."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def sim(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "earlier"
    done = sim("run", "scenarios/customs_clearance.toml", "--reps", "2", "--set", "run.horizon_days=2.0",
               "--out", str(out), "--no-progress")
    assert done.returncode == 0, done.stderr
    (out.parent / "earlier.stdout").write_text(done.stdout)
    return out


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def test_run_prints_summary_and_writes_tables(earlier_run):
    """The printed table has one row per metric with the stored mean, computed here from summary.parquet
    (the per-replication values) rather than read from statistics.parquet, and n = 2."""
    files = snapshot(earlier_run)
    assert {"summary.parquet", "statistics.parquet", "hourly.parquet", "manifest.json", "scenario.toml"} <= set(files)
    import polars as pl

    printed = (earlier_run.parent / "earlier.stdout").read_text()
    means = pl.read_parquet(earlier_run / "summary.parquet").group_by("metric", maintain_order=True).agg(
        pl.col("value").mean())
    rows = {line.split("│")[1].strip(): line for line in printed.splitlines() if line.startswith("│")}
    assert list(rows) == means["metric"].to_list()
    for metric, mean in means.iter_rows():
        cells = [cell.strip() for cell in rows[metric].split("│")[1:-1]]
        assert float(cells[2].replace(",", "")) == pytest.approx(mean, rel=5e-4, abs=5e-4), (metric, cells)
        assert cells[4] == "2"
    assert str(earlier_run) in printed.replace("\n", "")


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["run", "{tmp}/broken.toml"], ["broken.toml", "malformed TOML"]),
        (["run", "{tmp}/missing_parent.toml"], ["missing_parent.toml", "extends", "nowhere.toml"]),
        (["run", "{tmp}/loop_a.toml"], ["circular extends"]),
        (["run", "{tmp}/unknown_model.toml"], ["model", "teleport", "unknown model"]),
        (["run", "{tmp}/negative.toml"], ["negative.toml", "customs.arrivals_per_hour", "-1.0"]),
        (["run", "{tmp}/saturated.toml"], ["saturated.toml", "customs", "must be below 1"]),
        (["run", "scenarios/customs_clearance.toml", "--set", "customs.oficers=6"], ["customs.oficers", "unknown key"]),
        (["run", "scenarios/customs_clearance.toml", "--set", "customs.officers=six"], ["not a TOML literal"]),
        (["run", "{tmp}/nothing_here.toml"], ["nothing_here.toml", "not found"]),
    ],
)
def test_bad_input_exits_2_without_traceback(tmp_path, earlier_run, args, fragments):
    (tmp_path / "broken.toml").write_text('description = "x"\n[run\n')
    (tmp_path / "missing_parent.toml").write_text('description = "x"\nextends = "nowhere.toml"\n')
    (tmp_path / "loop_a.toml").write_text('description = "x"\nextends = "loop_b.toml"\n')
    (tmp_path / "loop_b.toml").write_text('description = "x"\nextends = "loop_a.toml"\n')
    (tmp_path / "unknown_model.toml").write_text('description = "x"\nmodel = "teleport"\n')
    base = (REPO / "scenarios" / "customs_clearance.toml").resolve()
    (tmp_path / "negative.toml").write_text(f'description = "x"\nextends = "{base}"\n[customs]\narrivals_per_hour = -1.0\n')
    (tmp_path / "saturated.toml").write_text(f'description = "x"\nextends = "{base}"\n[customs]\nofficers = 3\n')
    before = snapshot(earlier_run)
    args = [a.replace("{tmp}", str(tmp_path)) for a in args] + ["--out", str(earlier_run), "--force"]
    done = sim(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    for fragment in fragments:
        assert fragment in done.stderr
    assert snapshot(earlier_run) == before


def test_existing_run_directory_is_not_overwritten_without_force(earlier_run):
    before = snapshot(earlier_run)
    done = sim("run", "scenarios/customs_clearance.toml", "--reps", "1", "--out", str(earlier_run))
    assert done.returncode == 2 and "already exists" in done.stderr
    assert snapshot(earlier_run) == before


def test_list_and_show():
    listed = sim("list")
    assert listed.returncode == 0 and "customs_clearance" in listed.stdout
    shown = sim("show", "scenarios/customs_clearance_six_officers.toml")
    assert shown.returncode == 0 and "officers = 6" in shown.stdout and "arrivals_per_hour = 32.0" in shown.stdout
