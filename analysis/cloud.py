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
    from paper.figures import fig2_cloud_share_paths as fig2
    from paper.figures import fig3_cloud_payback as fig3
    from sim.core.stats import interval_table
    from sim.models.cloud.calibration import holdout_quarters, load_published

    common.show_whole_tables()

    #: scenario file stem -> the label the paper's figures 2 and 3 use; the status quo first
    LABELS = {Path(file).stem: label for label, file in fig2.SCENARIO_FILES.items()}


@app.cell
def _():
    mo.md(r"""
    # Do Alibaba Cloud's price cuts pay back?

    1. Alibaba's revenue share by scenario (mean and 95% band across replications) against the published
       Canalys share points, the held-out quarters (the last two, never used by the fit) marked; the rivals'
       compute prices (figure 2 of the paper, drawn by its `plot`).
    2. Payback of each cut: the paired difference in cumulative contribution less capex against the status
       quo, 95% paired-t CI, and the first quarter whose interval lies above 0 (figure 3, its `plot`).
    3. The calibration table: every published share point beside the status quo's simulated mean and CI.

    Run: `python analysis/cloud.py -- --run STATUS_QUO CUT [CUT ...]` (runs of the cloud model, same seed);
    without `--run` the newest run of each of the paper's four scenarios under `results/`.
    """)
    return


@app.cell
def parameters():
    run_arguments = common.paths_argument(mo.cli_args().get("run"))
    results_root = common.results_root(mo.cli_args())
    return results_root, run_arguments


@app.cell
def load(results_root, run_arguments):
    _folders = common.find_runs(run_arguments, "cloud", list(LABELS), results_root, required=2)
    _loaded = [common.load_run(_path, "cloud") for _path in _folders]
    if len(_loaded) < 2:
        common.fail("the cloud notebook needs the status quo and at least one cut: --run STATUS_QUO CUT [...]")
    runs = {LABELS.get(r.scenario_name, r.scenario_name): r for r in _loaded}
    status_quo_label = next(iter(runs))
    _seeds = {r.manifest.get("seed") for r in runs.values()}
    if len(_seeds) > 1:
        common.fail(f"payback needs common random numbers: the runs' seeds differ ({sorted(map(str, _seeds))}); "
                    "rerun them with one --seed")
    for _label, _result in runs.items():
        print(f"{_label}: {_result.path} ({_result.scenario_name}, seed {_result.manifest.get('seed')})")
    return runs, status_quo_label


@app.cell
def share_paths(runs):
    share_numbers = fig2.numbers(runs)
    _published = holdout_quarters(load_published()).filter(
        (pl.col("series") == "revenue_share") & (pl.col("provider") == "alibaba"))
    _quarters = share_numbers.get(fig2.NAME).select("quarter", "quarter_label").unique()
    published_points = _published.join(_quarters, on="quarter_label", how="inner").sort("quarter")
    share_view = fig2.plot(share_numbers)
    _axes = share_view.axes[0]
    for _sample, _marker, _text in (("in", "ko", "published (fitted)"), ("out", "k^", "published (held out)")):
        _part = published_points.filter(pl.col("sample") == _sample)
        _axes.plot(_part["quarter"], _part["published"] * 100, _marker, markersize=4, label=_text)
    _axes.legend(fontsize=8)
    print(share_numbers[fig2.NAME].filter(pl.col("series") == "revenue_share").group_by("scenario", maintain_order=True)
          .agg(pl.col("quarter_label").last(), pl.col("mean").last(), pl.col("ci_low").last(), pl.col("ci_high").last()))
    share_view
    return published_points, share_numbers


@app.cell
def rival_prices(share_numbers):
    rival_price_table = (share_numbers[fig2.NAME].filter(pl.col("series") == "price_compute")
                         .group_by("scenario", "provider", maintain_order=True)
                         .agg(pl.col("quarter_label").last(), pl.col("n").last(), pl.col("mean").last(),
                              pl.col("ci_low").last(), pl.col("ci_high").last()))
    print(rival_price_table)
    return (rival_price_table,)


@app.cell
def payback(runs, status_quo_label):
    _cuts = {label: r for label, r in runs.items() if label != status_quo_label}
    payback_numbers = fig3.numbers(runs[status_quo_label], _cuts)
    print(payback_numbers[fig3.QUARTERS])
    payback_view = fig3.plot(payback_numbers)
    payback_view
    return (payback_numbers,)


@app.cell
def calibration(published_points, runs, status_quo_label):
    # published share points beside the status quo's simulated share (95% t interval across replications)
    _quarterly = runs[status_quo_label].frame("quarterly").sort("replication", "quarter")
    _simulated = interval_table(_quarterly, ["provider", "quarter_label"], "revenue_share")
    _published = holdout_quarters(load_published()).filter(pl.col("series") == "revenue_share")
    calibration_table = (_published.join(_simulated, on=["provider", "quarter_label"], how="inner")
                         .select("quarter_label", "provider", "sample", "published", "n",
                                 pl.col("mean").alias("simulated"), "ci_low", "ci_high",
                                 ((pl.col("mean") - pl.col("published")) * 100).alias("error_points"))
                         .sort("provider", "quarter_label"))
    print(calibration_table)
    calibration_table
    return (calibration_table,)


if __name__ == "__main__":
    app.run()
