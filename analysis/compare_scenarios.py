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

    #: compared when no run is given: the newest base and extra-flight logistics runs
    DEFAULT_PAIR = ["aliexpress_spain_5day", "aliexpress_spain_5day_extra_flight"]


@app.cell
def _():
    mo.md(r"""
    # Comparing run folders

    Runs of one model made with the same seed use the same random streams in replication k (common random
    numbers), so their metrics are compared replication by replication: `sim.core.stats.compare_tables` gives
    the paired-t interval of (B - A) for every metric both runs report, Bonferroni-adjusted so that all
    intervals hold jointly at 95%, beside the half-width independent seeds would have given (estimated) and the
    variance ratio var(B - A) / (var A + var B). Runs with different seeds get a warning and Welch intervals,
    labelled so in the `pairing` column. The first run is the baseline; any number of runs may follow.

    Run: `python analysis/compare_scenarios.py -- --run RUN_A RUN_B [RUN_C ...]`; without `--run`, the newest
    base and extra-flight logistics runs under `results/` (from `sim.catalog`, the same seed where one exists).
    """)
    return


@app.cell
def parameters():
    run_arguments = common.paths_argument(mo.cli_args().get("run"))
    results_root = common.results_root(mo.cli_args())
    return results_root, run_arguments


@app.cell
def load(results_root, run_arguments):
    if len(run_arguments) == 1:
        common.fail("usage: python analysis/compare_scenarios.py -- --run RUN_A RUN_B [...]  (run folders of one "
                    "model; A is the baseline)")
    _folders = common.find_runs(run_arguments, "logistics", DEFAULT_PAIR, results_root, required=2)
    _model = common.load_run(_folders[0], None).model_name
    _loaded = [(_path, common.load_run(_path, _model)) for _path in _folders]
    runs = {r.scenario_name: r for _, r in _loaded}
    if len(runs) < len(_loaded):  # the same scenario with different overrides: name the runs by their folders
        runs = {f"{r.scenario_name} ({p.name})": r for p, r in _loaded}
    baseline = next(iter(runs))
    _shared = set.intersection(*(set(r.summary["replication"].to_list()) for r in runs.values()))
    for _index, (_name, _result) in enumerate(runs.items()):
        print(f"{'AB'[_index] if _index < 2 else _index} = {_name}: {_result.path}")
    print(f"model {_model}, seeds {sorted({str(r.manifest.get('seed')) for r in runs.values()})}, "
          f"{len(_shared)} shared replications")
    return baseline, runs


@app.cell
def differences(baseline, runs):
    comparison, warning = common.compare_runs(runs, baseline)
    if warning:
        print(warning)
    print(comparison.select("scenario", "metric", "n", "mean_baseline", "mean_scenario", "difference", "ci_low",
                            "ci_high", "independent_half_width_estimate", "variance_ratio", "pairing"))
    mo.md(f"**{warning}**") if warning else None
    return (comparison,)


@app.cell
def distinct(baseline, comparison):
    # beyond simulation noise: the family-wise interval excludes 0 and the difference is not rounding
    distinct_metrics = comparison.filter(((pl.col("ci_low") > 0) | (pl.col("ci_high") < 0)) & ~pl.col("no_difference"))
    print(f"{distinct_metrics.height} of {comparison.height} metrics differ at the family-wise "
          f"{comparison['family_level'][0]:.0%} level ({comparison.filter(~pl.col('constant'))['adjustment'][0]}):")
    print(distinct_metrics.select("scenario", "metric", "difference", "ci_low", "ci_high"))
    _shown = distinct_metrics["metric"].unique(maintain_order=True).to_list()[:6] or \
        comparison["metric"].unique(maintain_order=True).to_list()[:3]
    differences_chart = differences_figure(comparison, baseline, _shown)
    differences_chart
    return differences_chart, distinct_metrics


if __name__ == "__main__":
    app.run()
