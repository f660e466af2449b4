import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")

with app.setup:
    import sys
    from pathlib import Path

    import marimo as mo

    REPO = Path(__file__).resolve().parents[1]
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from analysis import _common as common
    from sim.sweeps.sensitivity import sobol_analysis

    common.show_whole_tables()


@app.cell
def _():
    mo.md(r"""
    # What moves a sweep's output?

    Any sweep folder (`sim sweep scenarios/sweeps/<name>.toml`): every design point ran with the same seed
    (common random numbers). For one metric:

    1. main effects: the metric at each level of each parameter, averaged over the other parameters' points,
       per replication, then the 95% t interval across replications;
    2. a two-way response surface over two parameters (averaged over any others), each cell mean +- 95%
       half-width;
    3. Sobol' indices (first-order and total, with 95% bootstrap intervals, SALib through
       `sim.sweeps.sensitivity.sobol_analysis`) when the sweep ran a Saltelli design
       (`sim.sweeps.sensitivity.sobol_indices`); a grid or Latin hypercube gets none.

    Run: `python analysis/sweeps.py -- --sweep SWEEP_DIR [--metric NAME] [--x PARAM] [--y PARAM]`; without
    `--sweep` the newest sweep under `results/` (from `sim.catalog`).
    """)
    return


@app.cell
def parameters():
    sweep_argument = Path(mo.cli_args()["sweep"]) if mo.cli_args().get("sweep") else None
    metric_argument = mo.cli_args().get("metric")
    axes_arguments = (mo.cli_args().get("x"), mo.cli_args().get("y"))
    results_root = common.results_root(mo.cli_args())
    return axes_arguments, metric_argument, results_root, sweep_argument


@app.cell
def load(metric_argument, results_root, sweep_argument):
    _folder = common.find_sweep(sweep_argument, None, results_root)
    if _folder is None:
        common.fail(f"no sweep under {results_root}/: make one with `sim sweep scenarios/sweeps/<name>.toml`, or "
                    "pass a sweep folder with `-- --sweep DIR`")
    sweep = common.load_sweep_store(_folder)
    metric = metric_argument or sweep.metrics[0]
    if metric not in sweep.metrics:
        common.fail(f"{_folder}: the sweep has no metric {metric!r}; metrics: {', '.join(sweep.metrics)}")
    print(f"{sweep!r}\nmetric {metric}; parameters {', '.join(sweep.parameters)}")
    return metric, sweep


@app.cell
def effects(metric, sweep):
    effects_table = common.main_effects(sweep, metric)
    print(effects_table)
    effects_view = common.main_effects_figure(effects_table, metric)
    effects_view
    return (effects_table,)


@app.cell
def surface(axes_arguments, metric, sweep):
    if len(sweep.parameters) < 2:
        surface_table = None
        surface_view = mo.md("one parameter: no two-way surface")
    else:
        _x = axes_arguments[0] or sweep.parameters[0]
        _y = axes_arguments[1] or next(p for p in sweep.parameters if p != _x)
        for _name in (_x, _y):
            if _name not in sweep.parameters:
                common.fail(f"{sweep.path}: no parameter {_name!r}; parameters: {', '.join(sweep.parameters)}")
        surface_table = common.response_surface(sweep, metric, _x, _y)
        print(surface_table)
        surface_view = common.surface_figure(surface_table, _x, _y, metric)
    surface_view
    return (surface_table,)


@app.cell
def sobol(metric, sweep):
    _kind = sweep.manifest.get("design", {}).get("kind")
    if _kind == "saltelli":
        sobol_table = sobol_analysis(sweep, metric)
        print(sobol_table)
        sobol_view = sobol_table
    else:
        sobol_table = None
        sobol_view = mo.md(f"no Sobol' indices: this sweep ran a {_kind!r} design; run a Saltelli design with "
                           "`sim.sweeps.sensitivity.sobol_indices(...)`")
        print(f"no Sobol' indices: this sweep ran a {_kind!r} design (they need a Saltelli design)")
    sobol_view
    return (sobol_table,)


if __name__ == "__main__":
    app.run()
