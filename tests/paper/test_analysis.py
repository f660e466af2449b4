"""The marimo notebooks in `analysis/` run headless on tiny runs made here (2 replications, short horizons):
every key cell yields a Polars frame with its columns and finite numbers (or NaN with the reason in `note`),
each notebook draws at least one matplotlib figure, bad input stops with one line and exit status 2, and the
explorer's computation follows the plain lever values it is given.

Expected numbers come from scipy (t intervals, paired and Welch tests) on the runs' own per-replication tables,
not from the notebooks' helpers. The converted notebooks print what the old Jupytext scripts printed, except
these fixes (checked below): a count's or share's interval bounds are clipped to its range (the old scripts
showed negative counts and shares above 1); the daily table marks the drain days (`phase`) instead of mixing
them in; the lateness breakdown has CIs, and `extra_hours_when_late` is the paired per-replication difference.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from matplotlib.figure import Figure
from scipy import stats as scipy_stats

import sim
from sim.sweeps.designs import Parameter
from sim.sweeps.engine import load_sweep
from sim.sweeps.executors import SweepOptions
from sim.sweeps.sensitivity import sobol_indices

REPO = Path(__file__).resolve().parents[2]
ANALYSIS = REPO / "analysis"
SCENARIOS = REPO / "scenarios"
SHORT = ["run.horizon_days=5.0", "run.warmup_days=1.0", "logistics.drain_days=10"]
# the cloud market from 2020Q1 to 2024Q2 (18 quarters): two quarters after the 2024Q1 cut
CLOUD_SHORT = ["run.horizon_days=1642.5"]
SERIAL = SweepOptions(executor="serial")

#: notebook -> the tests that run it (the listing test fails when a notebook has none)
NOTEBOOK_TESTS = {
    "logistics_daily_kpis.py": "test_logistics_daily_kpis_*",
    "compare_scenarios.py": "test_compare_scenarios_*",
    "five_day_guarantee.py": "test_five_day_guarantee_*",
    "cloud.py": "test_cloud_*",
    "sweeps.py": "test_sweeps_*",
    "explorer.py": "test_explorer_*",
}


def notebook(name: str):
    """The notebook's marimo app, loaded from its file."""
    spec = importlib.util.spec_from_file_location(f"analysis_notebook_{Path(name).stem}", ANALYSIS / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def run_notebook(name: str, **defs):
    """Run a notebook headless with its parameter cell's definitions substituted; returns its definitions."""
    _, definitions = notebook(name).run(defs=defs)
    return definitions


def figures(definitions) -> list[Figure]:
    return [value for value in definitions.values() if isinstance(value, Figure)]


def check_frame(frame: pl.DataFrame, columns: set[str]) -> None:
    """The columns are there, and every number is finite, or NaN with a reason in `note`."""
    assert frame.height > 0
    assert columns <= set(frame.columns), sorted(columns - set(frame.columns))
    numbers = [c for c, dtype in frame.schema.items() if dtype.is_float()]
    finite = pl.all_horizontal([pl.col(c).is_finite() for c in numbers]) if numbers else pl.lit(True)
    bad = frame.filter(~finite)
    if "note" in frame.columns:
        bad = bad.filter(pl.col("note") == "")
    assert bad.height == 0, bad


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """Tiny runs: the logistics base (with parcels) and extra flight at seed 11, no promise at seed 12, and
    two cloud runs at seed 5."""
    root = tmp_path_factory.mktemp("runs")
    made = {
        "base": ("aliexpress_spain_5day.toml", 11, [*SHORT, "logistics.record_parcels=true"]),
        "extra_flight": ("aliexpress_spain_5day_extra_flight.toml", 11, SHORT),
        "no_promise": ("aliexpress_spain_5day_no_promise.toml", 12, SHORT),
        "status_quo": ("cloud_status_quo.toml", 5, CLOUD_SHORT),
        "cut": ("cloud_price_cut_2024.toml", 5, CLOUD_SHORT),
    }
    for name, (file, seed, overrides) in made.items():
        sim.run(SCENARIOS / file, reps=2, seed=seed, overrides=overrides, out=root / name)
    return {name: root / name for name in made}


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory) -> dict[str, Path]:
    """A 2 x 2 logistics grid (batch fidelity, 3 order days) and a Saltelli design of the Ishigami function."""
    root = tmp_path_factory.mktemp("sweeps")
    sim.sweep(SCENARIOS / "aliexpress_spain_5day.toml",
              {"logistics.customs.officers": [1, 2], "logistics.customs.pre_cleared_share": [0.0, 0.8]},
              replications=2, seed=3, name="guarantee_capacity", out=root / "grid", options=SERIAL,
              overrides=["run.horizon_days=3.0", "run.warmup_days=1.0", "logistics.drain_days=8",
                         'logistics.fidelity="batch"'])
    ishigami = root / "ishigami.toml"
    ishigami.write_text('description = "Ishigami"\nmodel = "ishigami"\n[run]\nhorizon_days = 1.0\nreplications = 1\n'
                        'seed = 11\n[ishigami]\nx1 = 0.5\nx2 = 0.5\nx3 = 0.5\nnoise_sd = 0.0\n')
    inputs = {f"ishigami.x{i}": Parameter(f"ishigami.x{i}", low=-np.pi, high=np.pi) for i in (1, 2, 3)}
    sobol_indices(ishigami, inputs, "y", n=16, executor="serial", out=root / "saltelli")
    return {"grid": root / "grid", "saltelli": root / "saltelli"}


def t_interval_by_scipy(values: np.ndarray) -> tuple[float, float]:
    half = scipy_stats.t.ppf(0.975, values.size - 1) * values.std(ddof=1) / np.sqrt(values.size)
    return values.mean() - half, values.mean() + half


# --- the converted notebooks ---------------------------------------------------------------------------------

def test_logistics_daily_kpis_same_numbers_with_the_listed_fixes(runs, tmp_path):
    out = run_notebook("logistics_daily_kpis.py", run_arguments=[runs["base"]], results_root=tmp_path)
    daily = pl.read_parquet(runs["base"] / "daily.parquet")
    bands = out["daily_kpis"]
    check_frame(bands, {"day", "phase", "kpi", "n", "mean", "ci_low", "ci_high", "note"})
    # fix: drain days (day >= horizon 5) are marked, not mixed in with the order days
    assert bands.filter(pl.col("phase") == "order day")["day"].unique().sort().to_list() == [0, 1, 2, 3, 4]
    assert bands.filter(pl.col("phase") == "drain")["day"].min() == 5
    clipped = 0
    for row in bands.filter(pl.col("n") == 2).iter_rows(named=True):
        values = daily.filter(pl.col("day") == row["day"])[row["kpi"]].to_numpy()
        low, high = t_interval_by_scipy(values)
        assert row["mean"] == pytest.approx(values.mean())
        if row["kpi"] in ("orders", "delivered", "late_parcels", "in_transit"):  # fix: counts clipped at 0
            assert row["ci_low"] == pytest.approx(max(low, 0.0), abs=1e-9)
            clipped += low < 0.0
        elif row["kpi"] == "on_time_share":  # fix: shares clipped to [0, 1]
            assert (row["ci_low"], row["ci_high"]) == pytest.approx((max(low, 0.0), min(high, 1.0)), abs=1e-9)
        else:
            assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=1e-9)
    assert clipped > 0, "the tiny run should have a count whose raw t bound is negative"
    # a day without promised deliveries: NaN on-time share, with the reason
    empty = bands.filter((pl.col("kpi") == "on_time_share") & (pl.col("n") == 0))
    assert empty.height and (empty["note"] != "").all()
    metrics = out["scenario_metrics"]
    check_frame(metrics, {"metric", "n", "mean", "ci_low", "ci_high", "unit"})
    late = metrics.filter(pl.col("metric") == "late_parcels").row(0, named=True)
    assert late["ci_low"] >= 0.0
    # fix: lateness by stage with CIs (and the reason where a status has too few replications)
    lateness = out["lateness_table"]
    check_frame(lateness, {"stage", "status", "n", "mean", "ci_low", "ci_high", "note"})
    parcels = sim.load(runs["base"]).frame("parcels")
    on_time = parcels.filter(pl.col("promised") & (pl.col("outcome") == "delivered") & pl.col("on_time"))
    per_replication = on_time.group_by("replication").agg(
        (pl.col("final_hours") - pl.col("customs_done_hours")).mean().alias("hours")).sort("replication")
    low, high = t_interval_by_scipy(per_replication["hours"].to_numpy())
    row = lateness.filter((pl.col("stage") == "last_mile") & (pl.col("status") == "on time")).row(0, named=True)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert figures(out)


def test_logistics_daily_kpis_without_parcels_says_how_to_get_them(runs, tmp_path, capsys):
    out = run_notebook("logistics_daily_kpis.py", run_arguments=[runs["extra_flight"]], results_root=tmp_path)
    assert out["lateness_table"] is None
    assert "--set logistics.record_parcels=true" in capsys.readouterr().out


def test_compare_scenarios_pairs_runs_with_one_seed(runs, capsys):
    out = run_notebook("compare_scenarios.py", run_arguments=[runs["base"], runs["extra_flight"]],
                       results_root=runs["base"].parent)
    table = out["comparison"]
    check_frame(table.drop("variance_ratio"), {"scenario", "metric", "difference", "ci_low", "ci_high", "pairing"})
    assert set(table["pairing"]) == {"paired t"} and "WARNING" not in capsys.readouterr().out
    row = table.filter(pl.col("metric") == "mean_delivery_days").row(0, named=True)
    a = sim.load(runs["base"]).metric_values("mean_delivery_days").to_numpy()
    b = sim.load(runs["extra_flight"]).metric_values("mean_delivery_days").to_numpy()
    expected = scipy_stats.ttest_rel(b, a).confidence_interval(row["level_per_interval"])
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((expected.low, expected.high))
    assert figures(out)


def test_compare_scenarios_with_different_seeds_warns_and_uses_welch(runs, capsys):
    out = run_notebook("compare_scenarios.py", run_arguments=[runs["base"], runs["no_promise"]],
                       results_root=runs["base"].parent)
    assert "WARNING: the runs' seeds differ" in capsys.readouterr().out
    row = out["comparison"].filter(pl.col("metric") == "orders").row(0, named=True)
    a = sim.load(runs["base"]).metric_values("orders").to_numpy()
    b = sim.load(runs["no_promise"]).metric_values("orders").to_numpy()
    expected = scipy_stats.ttest_ind(b, a, equal_var=False).confidence_interval(row["level_per_interval"])
    assert row["pairing"] == "welch"
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((expected.low, expected.high))


def test_compare_scenarios_needs_two_runs(runs, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        run_notebook("compare_scenarios.py", run_arguments=[runs["base"]], results_root=tmp_path)
    assert stop.value.code == 2 and "usage" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:  # none given and none found
        run_notebook("compare_scenarios.py", run_arguments=[], results_root=tmp_path)
    assert stop.value.code == 2 and "sim run" in capsys.readouterr().err


# --- one notebook per question ----------------------------------------------------------------------------------

def test_five_day_guarantee_every_part(runs, sweeps, tmp_path):
    out = run_notebook("five_day_guarantee.py", run_arguments=[runs["base"], runs["extra_flight"]],
                       sweep_argument=sweeps["grid"], results_root=tmp_path)
    check_frame(out["differences"].drop("variance_ratio"), {"scenario", "metric", "difference", "ci_low", "ci_high"})
    family = out["differences"].filter(~pl.col("constant"))  # the family is the key metrics shown, no more
    assert set(family["adjustment"]) == {f"bonferroni, m={family.height}"} and 0 < family.height <= 4
    check_frame(out["daily_kpis"], {"day", "phase", "kpi", "mean", "ci_low", "ci_high", "note"})
    check_frame(out["lateness_table"], {"stage", "status", "mean", "ci_low", "ci_high", "note"})
    surface = out["capacity_surface"]
    check_frame(surface.drop("half_width"), {"n", "mean", "ci_low", "ci_high"})
    assert surface.height == 4 and (surface["ci_high"] <= 1.0).all()
    assert len(figures(out)) >= 3


def test_five_day_guarantee_without_parcels_says_which_set_adds_them(runs, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        run_notebook("five_day_guarantee.py", run_arguments=[runs["extra_flight"]], sweep_argument=None,
                     results_root=tmp_path)
    error = capsys.readouterr().err
    assert stop.value.code == 2 and "--set logistics.record_parcels=true" in error and len(error.splitlines()) == 1


def test_five_day_guarantee_finding_no_runs_says_which_sim_run(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        run_notebook("five_day_guarantee.py", run_arguments=[], sweep_argument=None, results_root=tmp_path)
    assert stop.value.code == 2 and "sim run scenarios/aliexpress_spain_5day.toml" in capsys.readouterr().err


def test_cloud_share_payback_and_calibration(runs, tmp_path):
    out = run_notebook("cloud.py", run_arguments=[runs["status_quo"], runs["cut"]], results_root=tmp_path)
    share = out["share_numbers"]["fig2_cloud_share_paths"]
    check_frame(share, {"scenario", "series", "provider", "quarter", "mean", "ci_low", "ci_high"})
    assert set(share["scenario"]) == {"status quo", "2024 cut"}
    assert set(out["published_points"]["sample"]) == {"in", "out"}  # held-out quarters marked
    payback = out["payback_numbers"]["fig3_cloud_payback"]
    check_frame(payback, {"quarter", "difference_rmb_bn", "ci_low", "ci_high"})
    # the paired interval of the last quarter, from the quarterly tables by scipy
    quarterly = {k: sim.load(runs[k]).frame("quarterly").filter(pl.col("provider") == "alibaba")
                 for k in ("status_quo", "cut")}
    last = int(payback["quarter"].max())
    a, b = (quarterly[k].filter(pl.col("quarter") == last).sort("replication")
            ["cumulative_contribution_less_capex_rmb_bn"].to_numpy() for k in ("status_quo", "cut"))
    expected = scipy_stats.ttest_rel(b, a).confidence_interval(0.95)
    row = payback.filter(pl.col("quarter") == last).row(0, named=True)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((expected.low, expected.high))
    check_frame(out["calibration_table"], {"quarter_label", "provider", "sample", "published", "simulated",
                                           "error_points"})
    check_frame(out["rival_price_table"], {"scenario", "provider", "mean", "ci_low", "ci_high"})
    assert len(figures(out)) >= 2


def test_cloud_rejects_a_run_of_another_model_in_one_line(runs):
    done = subprocess.run([sys.executable, str(ANALYSIS / "cloud.py"), "--run", str(runs["base"]), str(runs["cut"])],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "'logistics' model, not 'cloud'" in done.stderr


def test_sweeps_grid_main_effects_and_surface(sweeps, tmp_path):
    out = run_notebook("sweeps.py", sweep_argument=sweeps["grid"], metric_argument="on_time_share",
                       axes_arguments=(None, None), results_root=tmp_path)
    effects = out["effects_table"]
    check_frame(effects, {"parameter", "level", "n", "mean", "ci_low", "ci_high"})
    # the main effect of 1 officer by hand: per replication, the mean over the two pre-clearance points
    sweep = load_sweep(sweeps["grid"])
    values, design = sweep.metric_values("on_time_share"), sweep.design
    one = design.filter(pl.col("logistics.customs.officers") == 1)["point"].to_numpy()
    low, high = t_interval_by_scipy(values[one].mean(axis=0))
    row = effects.filter((pl.col("parameter") == "logistics.customs.officers") & (pl.col("level") == "1"))
    assert (row["ci_low"][0], row["ci_high"][0]) == pytest.approx((max(low, 0.0), min(high, 1.0)))
    check_frame(out["surface_table"].drop("half_width"), {"n", "mean", "ci_low", "ci_high"})
    assert out["sobol_table"] is None and len(figures(out)) >= 2


def test_sweeps_saltelli_design_gets_sobol_indices(sweeps, tmp_path):
    out = run_notebook("sweeps.py", sweep_argument=sweeps["saltelli"], metric_argument="y",
                       axes_arguments=("ishigami.x1", "ishigami.x3"), results_root=tmp_path)
    check_frame(out["sobol_table"], {"parameter", "S1", "S1_conf", "ST", "ST_conf"})
    assert out["effects_table"]["level"].n_unique() == 3 * 4  # sampled inputs cut into 4 bins each


# --- the explorer ---------------------------------------------------------------------------------------------

def test_explorer_moves_follow_the_plain_lever_values():
    size = {"replications": 3, "seed": 2026,
            "logistics": {"run.horizon_days": 5.0, "run.warmup_days": 1.0, "logistics.drain_days": 8,
                          "logistics.fidelity": "batch"},
            "cloud": {"run.horizon_days": 1642.5}}
    first = {"logistics.line_haul.departure_hours": [2.0, 14.0], "logistics.customs.officers": 1,
             "logistics.customs.pre_cleared_share": 0.0, "logistics.guarantee.promised_days": 5}
    second = {**first, "logistics.customs.officers": 3, "logistics.customs.pre_cleared_share": 0.8}
    moves = [run_notebook("explorer.py", logistics_levers=levers, cloud_levers=cloud, run_size=size)
             for levers, cloud in ((first, {"cut.depth": 0.2, "cut.rival_response": "ignore"}),
                                   (second, {"cut.depth": 0.6, "cut.rival_response": "match"}))]
    for out in moves:
        for name in ("logistics_table", "cloud_table"):
            check_frame(out[name], {"metric", "n", "mean", "ci_low", "ci_high", "unit"})
            assert (out[name]["n"] == 3).all()
        assert len(figures(out)) >= 2
    assert "officers = 1" in moves[0]["logistics_file"] and "officers = 3" in moves[1]["logistics_file"]
    assert 'rival_response = "match"' in moves[1]["cloud_file"]
    for name in ("logistics_table", "cloud_table"):
        assert not moves[0][name]["mean"].equals(moves[1][name]["mean"])


# --- every notebook is listed and tested ----------------------------------------------------------------------

def test_every_notebook_is_listed_and_tested():
    readme = (ANALYSIS / "README.md").read_text()
    notebooks = {p.name for p in ANALYSIS.glob("*.py") if "marimo.App(" in p.read_text()}
    helpers = {p.name for p in ANALYSIS.glob("*.py")} - notebooks
    assert helpers == {"_common.py"}, helpers
    assert notebooks == set(NOTEBOOK_TESTS), notebooks ^ set(NOTEBOOK_TESTS)
    source = Path(__file__).read_text()
    for name, pattern in NOTEBOOK_TESTS.items():
        assert f"| `{name}`" in readme, f"{name} is missing from analysis/README.md's table"
        prefix = pattern.rstrip("*")
        assert f"def {prefix}" in source and f'"{name}"' in source.split("# --- the converted")[1]
