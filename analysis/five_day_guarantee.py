import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")

with app.setup:
    import sys
    from pathlib import Path

    import marimo as mo
    import polars as pl

    REPO = Path(__file__).resolve().parents[1]
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from analysis import _common as common
    from sim.comparison import differences_figure

    common.show_whole_tables()

    #: the logistics scenarios, the base first (file stems under scenarios/)
    SCENARIOS = ["aliexpress_spain_5day", "aliexpress_spain_5day_extra_flight", "aliexpress_spain_5day_no_promise",
                 "aliexpress_spain_5day_forward_stock", "aliexpress_spain_5day_eu_duty_2026",
                 "aliexpress_spain_5day_peak_1111", "aliexpress_spain_5day_calendar_days"]
    KEY_METRICS = ["on_time_share", "p95_delivery_days", "cost_per_parcel_eur", "orders"]


@app.cell
def _():
    mo.md(r"""
    # Does the five-day guarantee hold, and what does it cost?

    1. Every logistics scenario against the base: paired differences (common random numbers: the runs share
       a seed) with Bonferroni family-wise 95% intervals; runs with different seeds get Welch intervals and a
       warning.
    2. The base run's daily KPIs as bands across replications; the drain days (after the last order) shaded,
       never mixed in.
    3. Lateness by stage: hours late and on-time promised parcels spent in each stage, with CIs (needs
       `--set logistics.record_parcels=true` on the base run).
    4. The capacity sweep (`sim sweep scenarios/sweeps/guarantee_capacity.toml`) as a response surface.

    Run: `python analysis/five_day_guarantee.py -- --run BASE [OTHER ...] [--sweep SWEEP_DIR]`; without `--run`
    the newest run of each scenario under `results/` (from `sim.catalog`, same seed as the base where one
    exists); without `--sweep` the newest `guarantee_capacity` sweep, if any.
    """)
    return


@app.cell
def parameters():
    run_arguments = common.paths_argument(mo.cli_args().get("run"))
    sweep_argument = Path(mo.cli_args()["sweep"]) if mo.cli_args().get("sweep") else None
    results_root = common.results_root(mo.cli_args())
    return results_root, run_arguments, sweep_argument


@app.cell
def load(results_root, run_arguments):
    _folders = common.find_runs(run_arguments, "logistics", SCENARIOS, results_root)
    _loaded = [(_path, common.load_run(_path, "logistics")) for _path in _folders]
    runs = {r.scenario_name: r for _, r in _loaded}
    if len(runs) < len(_loaded):  # the same scenario with different overrides: name the runs by their folders
        runs = {f"{r.scenario_name} ({p.name})": r for p, r in _loaded}
    base_name = next(iter(runs))
    base = runs[base_name]
    for _name, _result in runs.items():
        print(f"{_name}: {_result.path} (seed {_result.manifest.get('seed')}, "
              f"{_result.summary['replication'].n_unique()} replications)")
    return base, base_name, runs


@app.cell
def scenarios_against_base(base_name, runs):
    if len(runs) > 1:
        differences, pairing_warning = common.compare_runs(runs, base_name, KEY_METRICS)
        if pairing_warning:
            print(pairing_warning)
        print(differences.select("scenario", "metric", "n", "difference", "ci_low", "ci_high", "adjustment",
                                 "pairing"))
        differences_view = differences_figure(differences, base_name, KEY_METRICS)
    else:
        differences, pairing_warning = None, ""
        differences_view = mo.md("one run only: pass more with `--run BASE OTHER ...` to compare scenarios")
    differences_view
    return (differences,)


@app.cell
def daily(base):
    daily_kpis = common.daily_bands(base)
    _horizon = float(base.resolved_scenario["run"]["horizon_days"])
    print(daily_kpis.filter(pl.col("phase") == "order day").pivot(on="kpi", index="day", values="mean"))
    daily_view = common.band_figure(
        daily_kpis, "day", ["orders", "delivered", "on_time_share", "p95_delivery_days", "in_transit"],
        f"{base.scenario_name}: daily KPIs, mean and 95% CI across replications", shade_from=_horizon,
        shade_label="drain (no orders)")
    daily_view
    return (daily_kpis,)


@app.cell
def lateness(base):
    lateness_table = common.lateness_by_stage(base)
    print(lateness_table)
    lateness_view = common.lateness_figure(lateness_table)
    lateness_view
    return (lateness_table,)


@app.cell
def capacity(results_root, sweep_argument):
    _folder = common.find_sweep(sweep_argument, "guarantee_capacity", results_root)
    if _folder is None:
        capacity_surface = None
        capacity_view = mo.md("no capacity sweep: make one with `sim sweep scenarios/sweeps/guarantee_capacity.toml`")
        print("no capacity sweep: make one with `sim sweep scenarios/sweeps/guarantee_capacity.toml`")
    else:
        _sweep = common.load_sweep_store(_folder)
        _x, _y = _sweep.parameters[-1], _sweep.parameters[-2] if len(_sweep.parameters) > 1 else _sweep.parameters[0]
        _metric = "on_time_share" if "on_time_share" in _sweep.metrics else _sweep.metrics[0]
        capacity_surface = common.response_surface(_sweep, _metric, _x, _y)
        print(capacity_surface)
        capacity_view = common.surface_figure(capacity_surface, _x, _y, _metric)
    capacity_view
    return (capacity_surface,)


if __name__ == "__main__":
    app.run()
