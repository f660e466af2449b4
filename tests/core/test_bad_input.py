"""The README's promises under bad input and faults: one line naming file, key and value; the exit code of
`sim.cli.EXIT_CODES`; no traceback; earlier results never destroyed.

The battery is one table of (command line, expected exit code, words the message must contain); it runs in
this process through typer's runner, so each case costs no interpreter start-up.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sim
import sim.cli
import sim.scenario
from sim.cli import EXIT_BAD_INPUT, EXIT_ENVIRONMENT, EXIT_INTERNAL, app
from sim.core.options import RunOptions
from sim.core.results import RunFolderError
from sim.scenario import ScenarioError
from tests.conftest import REPO

CUSTOMS = str(REPO / "scenarios" / "customs_clearance.toml")
LOGISTICS = str(REPO / "scenarios" / "aliexpress_spain_5day.toml")
SHORT = ["--set", "run.horizon_days=0.5", "--set", "run.warmup_days=0.0", "--reps", "2", "--no-progress"]


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


def assert_one_line(result, code: int, words: list[str]) -> None:
    """Exit `code`, no traceback, and an error message (one logical line) containing every word."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert "Traceback" not in result.stderr + result.stdout
    message = " ".join(result.stderr.split())  # rich wraps long lines; read them as one
    assert message.startswith("error:"), result.stderr
    for word in words:
        assert word in message, (word, message)


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "earlier"
    result = invoke("run", CUSTOMS, *SHORT, "--out", str(out))
    assert result.exit_code == 0, result.stderr
    return out


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


# --- the battery -----------------------------------------------------------------------------------------

def _files(tmp: Path, earlier: Path) -> None:
    """The bad inputs the table refers to, written under `tmp`."""
    base = CUSTOMS
    (tmp / "not_a_run").mkdir()
    (tmp / "not_a_run" / "notes.txt").write_text("my notes")
    (tmp / "a_file.txt").write_text("precious")
    (tmp / "broken_manifest").mkdir()
    (tmp / "broken_manifest" / "manifest.json").write_text('{"scenario": ')
    truncated = tmp / "truncated_run"
    truncated.mkdir()
    for path in earlier.iterdir():
        if path.is_file():
            (truncated / path.name).write_bytes(path.read_bytes())
    (truncated / "summary.parquet").write_bytes((earlier / "summary.parquet").read_bytes()[:40])
    sweep_folder = tmp / "a_sweep"
    sweep_folder.mkdir()
    (sweep_folder / "manifest.json").write_text(json.dumps({"sweep": "x", "fingerprint": "f", "design_points": 2}))
    (tmp / "deep.toml").write_text('description = "x"\nmodel = "customs"\nx = ' + "[" * 100_000 + "]" * 100_000)
    (tmp / "nan.toml").write_text(f'description = "x"\nextends = "{base}"\n[customs]\narrivals_per_hour = nan\n')
    (tmp / "inf.toml").write_text(f'description = "x"\nextends = "{base}"\n[customs]\nservice_rate_per_hour = inf\n')
    (tmp / "warmup_past.toml").write_text(f'description = "x"\nextends = "{base}"\n[run]\nwarmup_days = 30.0\n')
    (tmp / "...toml").write_text(f'description = "x"\nextends = "{base}"\n')
    (tmp / "latin1.toml").write_bytes(b'description = "caf\xe9"\n')
    (tmp / "uneven_shifts.toml").write_text(f'description = "x"\nextends = "{LOGISTICS}"\n'
                                            '[logistics.origin_hub]\nshifts_hours = [[0.0, 8.0], [8.0, 20.0]]\n')


BATTERY = [
    # classic cases
    (["run", "{tmp}/nothing_here.toml"], EXIT_BAD_INPUT, ["nothing_here.toml", "not found"]),
    (["run", CUSTOMS, "--set", "customs.oficers=6"], EXIT_BAD_INPUT, ["customs.oficers", "unknown key"]),
    (["run", CUSTOMS, "--set", "customs.officers=six"], EXIT_BAD_INPUT, ["not a TOML literal"]),
    (["run", "{tmp}/latin1.toml"], EXIT_BAD_INPUT, ["latin1.toml", "not UTF-8"]),
    # silent accepts
    (["run", "{tmp}/nan.toml"], EXIT_BAD_INPUT, ["nan.toml", "customs.arrivals_per_hour", "finite", "nan"]),
    (["run", "{tmp}/inf.toml"], EXIT_BAD_INPUT, ["inf.toml", "customs.service_rate_per_hour", "finite", "inf"]),
    (["run", CUSTOMS, "--set", "run.horizon_days=inf"], EXIT_BAD_INPUT, ["run.horizon_days", "finite"]),
    (["run", "{tmp}/warmup_past.toml"], EXIT_BAD_INPUT, ["warmup_past.toml", "run", "warmup_days", "horizon_days"]),
    (["run", CUSTOMS, "--precision", "0"], EXIT_BAD_INPUT, ["precision"]),
    # a rule that once failed only at run time (exit 70): one capacity per shift needs one shift length
    (["run", "{tmp}/uneven_shifts.toml"], EXIT_BAD_INPUT,
     ["uneven_shifts.toml", "logistics.origin_hub", "same length", "8, 12"]),
    # options checked before any simulation
    (["run", CUSTOMS, "--reps", "100001"], EXIT_BAD_INPUT, ["--reps", "100000", "100001"]),
    (["run", CUSTOMS, "--seed", str(2**63)], EXIT_BAD_INPUT, ["--seed", str(2**63)]),
    # data that must not be destroyed
    (["run", CUSTOMS, *SHORT, "--out", "{tmp}/not_a_run", "--force"], EXIT_BAD_INPUT, ["not_a_run", "manifest.json"]),
    (["run", CUSTOMS, *SHORT, "--out", "{tmp}/a_file.txt", "--force"], EXIT_BAD_INPUT, ["a_file.txt", "not a folder"]),
    (["run", CUSTOMS, *SHORT, "--out", ".", "--force"], EXIT_BAD_INPUT, ["working folder"]),
    (["run", CUSTOMS, *SHORT, "--out", "{earlier}"], EXIT_BAD_INPUT, ["already exists", "--force"]),
    (["run", "{tmp}/...toml", *SHORT, "--results", "{tmp}/results"], EXIT_BAD_INPUT, ["'..'", "outside", "--out"]),
    # folders that are not runs, or are damaged
    (["plot", "{tmp}/not_a_run"], EXIT_BAD_INPUT, ["not_a_run", "not a run folder", "manifest.json"]),
    (["plot", "{tmp}/nowhere"], EXIT_BAD_INPUT, ["nowhere", "no such folder"]),
    (["plot", "{tmp}/broken_manifest"], EXIT_BAD_INPUT, ["broken_manifest", "damaged manifest"]),
    (["plot", "{tmp}/truncated_run"], EXIT_BAD_INPUT, ["summary.parquet", "damaged table"]),
    (["plot", "{tmp}/a_sweep"], EXIT_BAD_INPUT, ["a_sweep", "damaged sweep manifest", "missing model"]),
    # inputs built to cost unbounded work
    (["show", "{tmp}/deep.toml"], EXIT_BAD_INPUT, ["deep.toml", "nested too deeply"]),
    (["run", "{tmp}/" + "n" * 300 + ".toml"], EXIT_ENVIRONMENT, ["File name too long"]),
    # a sweep file may not choose a scheduler; --scheduler must be one
    (["sweep", "{tmp}/nothing.toml", "--scheduler", "bogus"], EXIT_BAD_INPUT, ["--scheduler", "bogus", "tcp://"]),
]


@pytest.mark.parametrize("args, code, words", BATTERY, ids=[" ".join(a)[:60] for a, _, _ in BATTERY])
def test_battery(tmp_path, earlier_run, monkeypatch, args, code, words):
    _files(tmp_path, earlier_run)
    monkeypatch.chdir(tmp_path)
    before, before_tmp = snapshot(earlier_run), snapshot(tmp_path)
    args = [a.replace("{tmp}", str(tmp_path)).replace("{earlier}", str(earlier_run)) for a in args]
    assert_one_line(invoke(*args), code, [w.replace("{tmp}", str(tmp_path)) for w in words])
    assert snapshot(earlier_run) == before
    assert snapshot(tmp_path) == before_tmp  # nothing written, nothing removed


# --- exit codes ------------------------------------------------------------------------------------------

def test_exit_codes_are_in_the_help():
    shown = " ".join(invoke("--help").stdout.split())
    for code, meaning in sim.cli.EXIT_CODES.items():
        assert f"{code} {meaning}" in shown


@pytest.mark.parametrize("args, words", [
    (("run", CUSTOMS, "--bogus"), ["No such option", "--bogus"]),
    (("sweep", CUSTOMS, "--force"), ["No such option", "--force"]),
    (("run",), ["Missing argument"]),
])
def test_a_usage_error_exits_2_and_is_not_reported_as_a_bug(tmp_path, monkeypatch, args, words):
    """An unknown option or a missing argument is the framework's usage error (exit 2), not an internal error
    with a traceback file (typer vendors click, so a handler that caught only click's classes let these through
    as exit 70)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = invoke(*args)
    assert result.exit_code == EXIT_BAD_INPUT, (result.exit_code, result.stderr)
    shown = " ".join(result.stderr.split())
    assert all(word in shown for word in words) and "internal error" not in shown
    assert list(tmp_path.glob("sim-error-*.txt")) == []


def test_a_bug_exits_70_naming_a_traceback_file(tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        return {}["no such key"]  # the injected bug: a KeyError, which is not bad input

    monkeypatch.setattr(sim.scenario, "load_scenario", broken)  # the CLI imports it when the command runs
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = invoke("show", CUSTOMS)
    assert_one_line(result, EXIT_INTERNAL, ["internal error", "KeyError"])
    written = list(tmp_path.glob("sim-error-*.txt"))
    assert len(written) == 1 and written[0].name in result.stderr.replace("\n", "")
    assert "Traceback" in written[0].read_text() and "no such key" in written[0].read_text()


def test_a_missing_file_inside_the_package_is_not_bad_input(monkeypatch, tmp_path):
    """A FileNotFoundError that is not about the user's input (here: raised inside the run) is a bug, 70."""
    def vanished(*_args, **_kwargs):
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/tmp/spool-part-3.parquet")

    monkeypatch.setattr(sim.cli, "statistics_table", vanished)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert_one_line(invoke("run", CUSTOMS, *SHORT), EXIT_INTERNAL, ["internal error", "FileNotFoundError"])


@pytest.mark.parametrize("fault, words", [
    (OSError(errno.ENOSPC, "No space left on device"), ["No space left on device"]),
    (PermissionError(errno.EACCES, "Permission denied"), ["Permission denied"]),
    (OSError(errno.EROFS, "Read-only file system"), ["Read-only file system"]),
])
def test_disk_and_permission_faults_exit_3_and_leave_nothing(tmp_path, monkeypatch, fault, words):
    """Injected (CI runs as root, which ignores chmod): the rename that would publish the run fails."""
    def refused(source, target):
        raise type(fault)(fault.errno, fault.strerror, str(target))

    out = tmp_path / "new_run"
    monkeypatch.setattr(Path, "rename", lambda self, target: refused(self, target))
    assert_one_line(invoke("run", CUSTOMS, *SHORT, "--out", str(out)), EXIT_ENVIRONMENT, [*words, "new_run"])
    assert list(tmp_path.iterdir()) == []  # no half-written run, no staging folder


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_folder_exits_3(tmp_path):
    tmp_path.chmod(0o500)
    try:
        assert_one_line(invoke("run", CUSTOMS, *SHORT, "--out", str(tmp_path / "run")), EXIT_ENVIRONMENT,
                        ["Permission denied"])
    finally:
        tmp_path.chmod(0o700)


# --- --force replaces only a run folder sim wrote, and only once the new run is complete -----------------

def test_force_replaces_a_run_folder_sim_wrote(tmp_path):
    out = tmp_path / "run"
    assert invoke("run", CUSTOMS, *SHORT, "--out", str(out)).exit_code == 0
    first = json.loads((out / "manifest.json").read_text())
    (out / "charts").mkdir()
    (out / "charts" / "waits.png").write_bytes(b"png")
    assert invoke("run", CUSTOMS, *SHORT, "--seed", "5", "--out", str(out), "--force").exit_code == 0
    second = json.loads((out / "manifest.json").read_text())
    assert second["seed"] == 5 and second["run_id"] != first["run_id"] and second["run_folder"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # the old folder went once the new was in place


def test_force_refuses_a_run_folder_holding_other_files(tmp_path, earlier_run):
    out = tmp_path / "run"
    assert invoke("run", CUSTOMS, *SHORT, "--out", str(out)).exit_code == 0
    (out / "my_analysis.ipynb").write_text("{}")
    before = snapshot(out)
    assert_one_line(invoke("run", CUSTOMS, *SHORT, "--out", str(out), "--force"), EXIT_BAD_INPUT,
                    ["my_analysis.ipynb", "only a run folder"])
    assert snapshot(out) == before


def test_a_failed_replacement_keeps_the_old_run(tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert invoke("run", CUSTOMS, *SHORT, "--out", str(out)).exit_code == 0
    before = snapshot(out)
    import sim.core.results as results

    def disk_full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(out))

    monkeypatch.setattr(results, "_write_parquet", disk_full)
    assert_one_line(invoke("run", CUSTOMS, *SHORT, "--out", str(out), "--force"), EXIT_ENVIRONMENT,
                    ["No space left"])
    assert snapshot(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["run"]


# --- the Python face rejects what the command line rejects ----------------------------------------------

@pytest.mark.parametrize("call, error, words", [
    (lambda: sim.run(CUSTOMS, reps=True), ScenarioError, ["reps", "whole number"]),
    (lambda: sim.run(CUSTOMS, reps=100_001), ScenarioError, ["--reps", "100000"]),
    (lambda: sim.run(CUSTOMS, seed=2**63), ScenarioError, ["--seed"]),
    (lambda: sim.run(CUSTOMS, overrides="customs.officers=6"), ScenarioError, ["overrides", "list"]),
    (lambda: RunOptions(precision=0.0), ValueError, ["precision"]),
    (lambda: RunOptions(max_replications=0), ValueError, ["max_replications"]),
    (lambda: RunOptions(max_replications=True), ValueError, ["max_replications"]),
    (lambda: sim.load(REPO / "scenarios"), RunFolderError, ["not a run folder"]),
])
def test_python_face_rejects_bad_arguments_before_running(monkeypatch, call, error, words):
    import sim.core.runner as runner

    monkeypatch.setattr(runner, "simulate_replication", lambda *a, **k: pytest.fail("a replication ran"))
    with pytest.raises(error) as raised:
        call()
    for word in words:
        assert word in str(raised.value)


# --- calibrate, compare and warmup never overwrite silently ---------------------------------------------

@pytest.fixture
def cloud_files(tmp_path) -> Path:
    for name in ("cloud_status_quo.toml", "cloud_price_cut_2024.toml"):
        (tmp_path / name).write_bytes((REPO / "scenarios" / name).read_bytes())
    return tmp_path


@pytest.mark.parametrize("args, words", [
    (["{tmp}/cloud_price_cut_2024.toml", "--out", "{tmp}/cloud_price_cut_2024.toml", "--force"],
     ["cloud_price_cut_2024.toml", "cannot replace"]),
    (["{tmp}/cloud_price_cut_2024.toml", "--out", "{tmp}/cloud_status_quo.toml", "--force"],
     ["cloud_status_quo.toml", "a file it extends"]),
    (["{tmp}/cloud_price_cut_2024.toml", "--out", "{tmp}/cloud_status_quo.toml"],
     ["cloud_status_quo.toml", "already exists", "--force"]),
    (["{tmp}/cloud_price_cut_2024.toml", "--out", "{tmp}", "--force"], ["not a file"]),
])
def test_calibrate_refuses_its_own_scenario_and_existing_files_before_fitting(cloud_files, monkeypatch, args, words):
    import sim.models.cloud.calibration as calibration

    monkeypatch.setattr(calibration, "compare_specifications", lambda *a, **k: pytest.fail("the fit ran"))
    before = snapshot(cloud_files)
    args = [a.replace("{tmp}", str(cloud_files)) for a in args]
    assert_one_line(invoke("calibrate", *args), EXIT_BAD_INPUT, words)
    assert snapshot(cloud_files) == before


def test_calibrated_scenario_is_written_by_a_toml_writer(tmp_path, monkeypatch):
    """A provider name that needs quoting in TOML, and a base file name with a quote, still give a file
    that loads with the fitted values."""
    import polars as pl

    from sim.models.cloud.calibration import FIXED_PARAMETERS, FREE_PARAMETERS, FitReport, write_calibrated_scenario
    from sim.scenario import load_scenario

    base = tmp_path / 'status "quo".toml'
    document = (REPO / "scenarios" / "cloud_status_quo.toml").read_text().replace("[providers.huawei", '[providers."hua.wei"')
    base.write_text(document)
    config = load_scenario(base).config
    assert "hua.wei" in config.providers
    values = {name: (low + high) / 2 for name, (low, high) in FREE_PARAMETERS.items()}
    report = FitReport(values, values, pl.DataFrame(), 1.0, 1.0, 1.0, 1.0, True, "",
                       status={n: "fitted" for n in values}, bounds=dict(FREE_PARAMETERS),
                       standard_errors={n: 0.01 for n in values}, fixed={n: v[0] for n, v in FIXED_PARAMETERS.items()},
                       settings={"rival_quality_trend_from": "2022Q1"}, specification="a name with\na line break")
    monkeypatch.setattr(FitReport, "error_table", lambda self: pl.DataFrame(
        {"provider": ["hua.wei\n[x]"], "series": ["share"], "in_sample_rmse": [1.0], "held_out_errors": ["+1"]}))
    out = tmp_path / "calibrated.toml"
    write_calibrated_scenario(report, base, out, config)
    loaded = load_scenario(out).config
    assert loaded.providers["hua.wei"].quality_trend_per_year == values["rival_quality_trend_per_year"]
    assert loaded.providers["hua.wei"].quality_trend_from == "2022Q1"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


def test_compare_and_warmup_write_folders_with_a_manifest_and_never_overwrite(tmp_path):
    six = str(REPO / "scenarios" / "customs_clearance_six_officers.toml")
    short = ["--set", "run.horizon_days=1.0", "--set", "run.warmup_days=0.0"]
    for command, args, product in [("compare", [CUSTOMS, six, *short, "--reps", "2", "--no-progress"],
                                    "paired_differences.parquet"),
                                   ("warmup", [CUSTOMS, "--set", "run.horizon_days=2.0"], "warmup.png")]:
        out = tmp_path / command
        first = invoke(command, *args, "--out", str(out))
        assert first.exit_code == 0, first.stderr
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["kind"] == command.replace("compare", "comparison") and product in manifest["files"]
        before = snapshot(out)
        assert_one_line(invoke(command, *args, "--out", str(out)), EXIT_BAD_INPUT, ["already exists"])
        assert snapshot(out) == before
        assert invoke(command, *args, "--out", str(out), "--force").exit_code == 0
        assert json.loads((out / "manifest.json").read_text())["run_id"] != manifest["run_id"]
        assert_one_line(invoke("plot", str(out)), EXIT_BAD_INPUT, [f"a {manifest['kind']} folder"])


def test_many_bad_items_cost_a_bounded_message():
    """16,000 bad list items: the message names the first 5 and counts the rest (its size, not its time,
    is what is checked)."""
    bad = "[" + ",".join(["-1.0"] * 16_000) + "]"
    result = invoke("show", str(REPO / "scenarios" / "aliexpress_spain_5day.toml"), "--set",
                    f"logistics.demand.hourly_profile={bad}")
    assert_one_line(result, EXIT_BAD_INPUT, ["16000 problems", "hourly_profile.4", "and 15995 more"])
    assert "hourly_profile.5:" not in result.stderr
    assert len(result.stderr) < 5_000
