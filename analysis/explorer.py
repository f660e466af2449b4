import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium")

with app.setup:
    import json
    import sys
    import time
    from pathlib import Path

    import marimo as mo
    import polars as pl
    import tomli_w

    REPO = Path(__file__).resolve().parents[1]
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import sim
    from analysis import _common as common
    from sim.core.documents import set_key_path

    LOGISTICS_SCENARIO = REPO / "scenarios" / "aliexpress_spain_5day.toml"
    CLOUD_SCENARIO = REPO / "scenarios" / "cloud_cut_depth.toml"
    #: flights a week (every day of the week) -> daily departure hours, as in paper figure 4 and the
    #: guarantee_capacity sweep; one departure a day (7 a week, 550 parcels) is below demand and left out
    DEPARTURES = {14: [2.0, 14.0], 21: [2.0, 10.0, 18.0], 28: [2.0, 8.0, 14.0, 20.0]}
    #: the run behind every move: the batch fidelity over 21 order days (7 of warm-up) and a 14-day drain,
    #: the cloud market from 2020Q1 to 2025Q4 (24 quarters, so two years after the 2024Q1 cut); every move
    #: uses the same seed (common random numbers: a move's difference is the lever's, not noise)
    RUN_SIZE = {"replications": 3, "seed": 2026,
                "logistics": {"run.horizon_days": 21.0, "run.warmup_days": 7.0, "logistics.drain_days": 14,
                              "logistics.fidelity": "batch"},
                "cloud": {"run.horizon_days": 2190.0}}
    LOGISTICS_METRICS = {"on_time_share": "proportion", "p95_delivery_days": "quantile",
                         "cost_per_parcel_eur": "mean", "late_parcels": "count"}
    CLOUD_METRICS = {"alibaba_share_final": "proportion", "alibaba_share_gain_vs_no_cut_final": "mean",
                     "alibaba_npv_rmb_bn": "mean", "alibaba_npv_gain_vs_no_cut_rmb_bn": "mean"}


    def settings(levers: dict, size: dict) -> dict:
        """Dotted scenario keys -> values: the run size's and the levers'."""
        return {**size, **levers}


    def scenario_text(base: Path, description: str, values: dict) -> str:
        """The scenario file a move would write: the base scenario extended by the lever values."""
        document = {"description": description, "extends": base.name}
        for key, value in values.items():
            set_key_path(document, key, value)
        return tomli_w.dumps(document)


    def run_move(base: Path, values: dict, size: dict, kinds: dict) -> tuple[pl.DataFrame, float]:
        """One move: the scenario with `values` set, `size` replications at a fixed seed; the chosen metrics'
        means and 95% CIs (clipped to their ranges) and the wall seconds it took."""
        started = time.perf_counter()
        overrides = [f"{key}={json.dumps(value)}" for key, value in values.items()]
        result = sim.run(base, reps=size["replications"], seed=size["seed"], overrides=overrides)
        table = result.statistics.filter(pl.col("metric").is_in(list(kinds))).select(
            "metric", "n", "mean", "ci_low", "ci_high", "unit")
        return common.clipped(table, kinds, column="metric"), time.perf_counter() - started


@app.cell
def _():
    mo.md(r"""
    # Explorer: move a lever, see the answer move with its uncertainty

    Left: the five-day chain China -> Spain (batch fidelity, 21 order days). Right: the China cloud market with
    a 2024Q1 compute and storage cut, paired with the same market without it. Every move runs 3 replications
    at one seed (common random numbers across moves) and shows each number with its 95% CI across
    replications, and the scenario file that would reproduce it. Open with `make explore`.
    """)
    return


@app.cell
def controls():
    flights = mo.ui.slider(steps=list(DEPARTURES), value=14, label="flights a week (550 parcels each)")
    officers = mo.ui.slider(1, 4, value=2, label="customs officers")
    pre_cleared = mo.ui.slider(0.0, 1.0, step=0.1, value=0.8, label="pre-cleared share")
    promise_days = mo.ui.slider(3, 10, value=5, label="promise (business days)")
    cut_depth = mo.ui.slider(0.0, 0.7, step=0.1, value=0.5, label="cut depth (share off list)")
    rival_response = mo.ui.dropdown(["ignore", "match", "best_response"], value="ignore", label="rivals")
    mo.hstack([mo.vstack([flights, officers, pre_cleared, promise_days]), mo.vstack([cut_depth, rival_response])])
    return cut_depth, flights, officers, pre_cleared, promise_days, rival_response


@app.cell
def levers(cut_depth, flights, officers, pre_cleared, promise_days, rival_response):
    # plain values: what the computation reads (a test or a script substitutes these)
    logistics_levers = {"logistics.line_haul.departure_hours": DEPARTURES[int(flights.value)],
                        "logistics.customs.officers": int(officers.value),
                        "logistics.customs.pre_cleared_share": round(float(pre_cleared.value), 2),
                        "logistics.guarantee.promised_days": int(promise_days.value)}
    cloud_levers = {"cut.depth": round(float(cut_depth.value), 2), "cut.rival_response": str(rival_response.value)}
    return cloud_levers, logistics_levers


@app.cell
def size():
    run_size = RUN_SIZE
    return (run_size,)


@app.cell
def logistics_move(logistics_levers, run_size):
    logistics_values = settings(logistics_levers, run_size["logistics"])
    logistics_table, logistics_seconds = run_move(LOGISTICS_SCENARIO, logistics_values, run_size, LOGISTICS_METRICS)
    logistics_file = scenario_text(LOGISTICS_SCENARIO, "explorer move: five-day chain", logistics_values)
    print(logistics_table, f"\n{logistics_seconds:.2f} s")
    return logistics_file, logistics_seconds, logistics_table


@app.cell
def cloud_move(cloud_levers, run_size):
    cloud_values = settings(cloud_levers, run_size["cloud"])
    cloud_table, cloud_seconds = run_move(CLOUD_SCENARIO, cloud_values, run_size, CLOUD_METRICS)
    cloud_file = scenario_text(CLOUD_SCENARIO, "explorer move: cloud cut", cloud_values)
    print(cloud_table, f"\n{cloud_seconds:.2f} s")
    return cloud_file, cloud_seconds, cloud_table


@app.cell
def charts(cloud_table, logistics_table, run_size):
    _title = f"mean and 95% CI, {run_size['replications']} replications, seed {run_size['seed']}"
    logistics_view = common.metric_intervals_figure(logistics_table, f"five-day chain: {_title}")
    cloud_view = common.metric_intervals_figure(cloud_table, f"cloud cut: {_title}")
    mo.hstack([logistics_view, cloud_view])
    return cloud_view, logistics_view


@app.cell
def files(cloud_file, cloud_seconds, logistics_file, logistics_seconds):
    mo.hstack([
        mo.md(f"**scenario file** ({logistics_seconds:.1f} s)\n```toml\n{logistics_file}```"),
        mo.md(f"**scenario file** ({cloud_seconds:.1f} s)\n```toml\n{cloud_file}```"),
    ])
    return


if __name__ == "__main__":
    app.run()
