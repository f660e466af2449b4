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

    common.show_whole_tables()


@app.cell
def _():
    mo.md(r"""
    # Daily KPIs of a logistics run

    Reads one run folder of the logistics model and shows (1) the scenario metrics with their 95% CIs across
    replications; (2) the daily KPIs as bands across replications, the order days apart from the drain days
    (after the last order, when the network only empties: marked, never mixed in); (3) where parcels sit at the
    end of each day; (4) with the `parcels` table (`--set logistics.record_parcels=true`), the hours late and
    on-time promised parcels spent in each stage, with CIs.

    Intervals measure simulation noise across replications, not uncertainty in the scenario's parameters.
    Bounds are clipped to a value's range (a count's never below 0, a share's within [0, 1]).

    Run: `python analysis/logistics_daily_kpis.py -- --run RUN_DIR` (without `--run`: the newest run of
    `aliexpress_spain_5day` under `results/`, from `sim.catalog`); open: `marimo edit analysis/logistics_daily_kpis.py`.
    """)
    return


@app.cell
def parameters():
    run_arguments = common.paths_argument(mo.cli_args().get("run"))
    results_root = common.results_root(mo.cli_args())
    return results_root, run_arguments


@app.cell
def load(results_root, run_arguments):
    run_folder = common.find_runs(run_arguments[:1], "logistics", ["aliexpress_spain_5day"], results_root)[0]
    result = common.load_run(run_folder, "logistics")
    horizon_days = float(result.resolved_scenario["run"]["horizon_days"])
    print(f"run {run_folder}: scenario {result.scenario_name}, seed {result.manifest.get('seed')}, "
          f"{result.summary['replication'].n_unique()} replications")
    return horizon_days, result


@app.cell
def metrics(result):
    # one value per replication -> mean and 95% CI, shown clipped to each metric's range
    kinds = dict(zip(result.statistics["metric"], result.statistics["kind"]))
    scenario_metrics = common.clipped(result.statistics.select("metric", "n", "mean", "ci_low", "ci_high", "unit"),
                                      kinds, column="metric")
    print(scenario_metrics)
    scenario_metrics
    return (scenario_metrics,)


@app.cell
def daily(horizon_days, result):
    daily_kpis = common.daily_bands(result)
    order_days = daily_kpis.filter(pl.col("phase") == "order day")
    drain_days = daily_kpis.filter(pl.col("phase") == "drain")
    print(order_days.with_columns(
        pl.format("{} [{}, {}]", pl.col("mean").round(3), pl.col("ci_low").round(3), pl.col("ci_high").round(3))
        .alias("mean [95% CI]")).pivot(on="kpi", index="day", values="mean [95% CI]").sort("day"))
    _delivered = drain_days.filter(pl.col("kpi") == "delivered")["mean"].sum()
    print(f"drain: {drain_days['day'].n_unique()} days after the last order day, {_delivered:.1f} deliveries "
          "on average (shaded in the chart)")
    daily_figure = common.band_figure(
        daily_kpis, "day", ["orders", "delivered", "on_time_share", "p95_delivery_days", "in_transit"],
        f"{result.scenario_name}: daily KPIs, mean and 95% CI across replications", shade_from=horizon_days,
        shade_label="drain (no orders)")
    daily_figure
    return daily_figure, daily_kpis


@app.cell
def held(result):
    # parcels held by each stage at the end of the day, mean across replications
    _daily = result.frame("daily")
    _held = [c for c in _daily.columns if c.startswith("held_")]
    held_by_stage = _daily.group_by("day").agg(pl.col(_held).mean().round(1)).sort("day")
    print(held_by_stage)
    return (held_by_stage,)


@app.cell
def lateness(result):
    if "parcels" in result.tables:
        lateness_table = common.lateness_by_stage(result)
        print(lateness_table)
        lateness_view = common.lateness_figure(lateness_table)
    else:
        lateness_table = None
        lateness_view = mo.md("no `parcels` table in this run: rerun with "
                              f"`--set {common.PARCELS_SETTING}` for the lateness breakdown")
        print(f"no `parcels` table in this run: rerun with --set {common.PARCELS_SETTING} for the breakdown")
    lateness_view
    return (lateness_table,)


if __name__ == "__main__":
    app.run()
