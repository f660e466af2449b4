"""Table 1's parameter band and the Sobol' indices (paper/uncertainty.py), checked against independent
computations from the cached per-replication tables of the quick build, a fresh simulation of one design
point, and hand-built cases."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from paper import uncertainty
from paper.cache import ResultCache
from paper.figures._common import SCENARIOS
from paper.make_paper import LOCK
from paper.sources_ledger import ledger
from sim.api import run_scenario
from sim.scenario import load_scenario


def cached_table(built, name: str) -> pl.DataFrame:
    """The per-replication table `name` of the quick build, read from its cache file (named in the lock)."""
    lock = json.loads((built.out_dir / LOCK).read_text())
    runs = [run for group in ("figures", "tables") for entry in lock[group].values() for run in entry["runs"]]
    key = next(run["key"] for run in runs if f"table:{name}" in (run.get("table"), run.get("scenario")))
    return pl.read_parquet(built.out_dir / "cache" / f"{key}.parquet")


def arm_matrix(raw: pl.DataFrame, metric: str, arm: str) -> np.ndarray:
    """points x replications of one arm's metric."""
    part = raw.filter(pl.col("quarter").is_null() & (pl.col("metric") == metric) & (pl.col("arm") == arm))
    points, reps = part["point"].max() + 1, part["replication"].max() + 1
    matrix = np.full((points, reps), np.nan)
    matrix[part["point"].to_numpy(), part["replication"].to_numpy()] = part["value"].to_numpy()
    return matrix


def test_band_is_the_5_to_95_percentile_of_the_point_means(built):
    raw = cached_table(built, "uncertainty_lhs_promise")
    bands = {row["key"]: row for row in pl.read_csv(built.out_dir / "uncertainty_bands.csv").iter_rows(named=True)}
    promise, baseline = arm_matrix(raw, "orders", "promise"), arm_matrix(raw, "orders", "no_promise")
    # Table 1's definition: 100 (mean promise - mean no promise) / mean no promise, at each point
    orders = 100.0 * (promise.mean(axis=1) - baseline.mean(axis=1)) / baseline.mean(axis=1)
    cost = (arm_matrix(raw, "cost_per_parcel_eur", "promise")
            - arm_matrix(raw, "cost_per_parcel_eur", "no_promise")).mean(axis=1)
    for key, means in (("logistics.orders.difference_pct", orders), ("detail.cost.promise_minus_no_promise", cost)):
        low, high = np.percentile(means, [5, 95])
        assert bands[key]["band_low"] == pytest.approx(low, rel=1e-5)
        assert bands[key]["band_high"] == pytest.approx(high, rel=1e-5)
        assert bands[key]["points"] == len(means) == uncertainty.QUICK["promise"]["lhs_points"]


def test_the_cached_runs_are_what_the_simulation_gives_with_common_random_numbers(built):
    """Point 1 of the promise design, simulated afresh: every stored replication is reproduced exactly."""
    cache = ResultCache(built.out_dir / "cache", quick=True)
    group = uncertainty.GROUPS["promise"]
    design, raw = uncertainty.lhs_runs(cache, group)
    overrides = [*group.quick_overrides, *(f"{path}={json.dumps(value)}" for path, value in design.point(1).items())]
    for arm, file in group.arms.items():
        result = run_scenario(load_scenario(SCENARIOS / file, overrides), reps=uncertainty.QUICK["promise"]["reps"],
                              seed=group.seed)
        fresh = result.summary.filter(pl.col("metric") == "orders").sort("replication")["value"].to_numpy()
        np.testing.assert_array_equal(fresh, arm_matrix(raw, "orders", arm)[1])


def payback_raw(paths: dict[tuple[int, str], list[float]]) -> pl.DataFrame:
    rows = [{"point": point, "arm": arm, "metric": uncertainty.PATH_METRIC, "replication": 0, "quarter": q,
             "quarter_label": f"2024Q{q + 1}", "value": value}
            for (point, arm), values in paths.items() for q, value in enumerate(values)]
    return pl.DataFrame(rows, schema=uncertainty.RAW_SCHEMA)


def test_payback_share_counts_points_paid_back_by_each_quarter():
    """Three points by hand: paid back in Q2, in Q4, never (the cumulative difference stays at or below 0)."""
    raw = payback_raw({(0, "sq"): [0, 0, 0, 0], (0, "cut"): [-1, 1, 2, 3],
                       (1, "sq"): [0, 0, 0, 0], (1, "cut"): [-1, -2, -1, 0.5],
                       (2, "sq"): [1, 2, 3, 4], (2, "cut"): [1, 1, 2, 4]})
    shares = uncertainty.payback_shares(raw, uncertainty.Payback("k", "k", "cut", "sq"))
    assert shares["quarter_label"].to_list() == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert shares["share_paid_back"].to_list() == pytest.approx([0, 1 / 3, 1 / 3, 2 / 3])


def test_noise_share_and_indices_come_from_the_saltelli_runs(built):
    indices = pl.read_csv(built.out_dir / "fig11_sensitivity.csv")
    raw = cached_table(built, "sensitivity_saltelli_promise")
    difference = (arm_matrix(raw, "cost_per_parcel_eur", "promise")
                  - arm_matrix(raw, "cost_per_parcel_eur", "no_promise"))
    means = difference.mean(axis=1)
    noise = np.mean(difference.var(axis=1, ddof=1) / difference.shape[1]) / means.var(ddof=1)
    row = indices.filter(pl.col("key") == "detail.cost.promise_minus_no_promise")
    assert row["noise_share"][0] == pytest.approx(noise, rel=1e-5)
    size = uncertainty.QUICK["promise"]
    assert row["points"][0] == len(means) == size["saltelli_n"] * (size["sobol_parameters"] + 2)


def test_screening_keeps_each_headlines_strongest_parameter(built):
    screening = pl.read_csv(built.out_dir / "uncertainty_screening.csv")
    for group, size in uncertainty.QUICK.items():
        part = screening.filter(pl.col("group") == group)
        assert part.filter(pl.col("selected"))["parameter"].n_unique() == size["sobol_parameters"]
        assert part.filter(pl.col("rank") == 1)["selected"].all()
        for key in part["key"].unique():
            ranked = part.filter(pl.col("key") == key).sort("rank")["abs_spearman"].to_numpy()
            assert (np.diff(ranked) <= 0).all()


def test_candidates_are_shared_assumptions_inside_their_ranges():
    table = ledger()
    for group in uncertainty.GROUPS.values():
        labelled = {row["key"]: row for row in table.filter((pl.col("file") == group.base)
                                                            & (pl.col("label") == "assumption")).iter_rows(named=True)}
        set_by_arms = set(table.filter(pl.col("file").is_in(list(group.arms.values()))
                                       & (pl.col("file") != group.base))["key"])
        for parameter in uncertainty.candidates(group):
            row = labelled[parameter.path]
            assert parameter.path not in set_by_arms
            assert row["range_low"] - 1e-12 <= parameter.low <= row["value"] <= parameter.high \
                <= row["range_high"] + 1e-12
