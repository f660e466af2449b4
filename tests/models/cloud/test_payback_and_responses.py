"""The payback quarter of a cut (paired differences under common random numbers) and the rivals' rules."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest

from sim.models.cloud.config import quarter_index
from sim.models.cloud.market import CloudMarket
from sim.models.cloud.payback import payback_quarter, payback_table
from sim.models.cloud.policies import best_response_multiplier, static_shares
from sim.core.rng import Streams
from sim.core.stats import paired_comparison

from .conftest import per_replication, run, scenario

SHORT = ("run.horizon_days=1095.0", "workloads.genai.arrivals_per_quarter=0.0")
CUT = 'providers.alibaba.price_changes=[{quarter="2021Q1", product="compute", factor=0.7}, ' \
      '{quarter="2021Q1", product="storage", factor=0.7}]'


def fake_result(cumulative: np.ndarray, seed: int = 1):
    """A stand-in RunResult: cumulative[k, q] for replication k and quarter q."""
    reps, quarters = cumulative.shape
    table = pl.DataFrame({
        "replication": np.repeat(np.arange(reps), quarters),
        "quarter": np.tile(np.arange(quarters), reps),
        "quarter_label": [f"Q{q}" for _ in range(reps) for q in range(quarters)],
        "provider": ["alibaba"] * (reps * quarters),
        "cumulative_contribution_less_capex_rmb_bn": cumulative.ravel(),
    })
    tables = {"quarterly": table}
    return SimpleNamespace(tables=tables, frame=tables.__getitem__, manifest={"seed": seed})


def paid_back_by_hand(cut, hold, level: float = 0.95) -> str | None:
    """The payback rule computed independently of `sim.models.cloud.payback`: from the raw quarterly tables,
    per quarter the paired differences d_k (cut - hold) of Alibaba's cumulative contribution less capex, the lower bound
    mean(d) - t_{n-1,(1+level)/2} sd(d)/sqrt(n) with scipy.stats.t, and the first quarter it exceeds 0."""
    from scipy import stats

    def cumulative(result):
        table = result.tables["quarterly"].filter(pl.col("provider") == "alibaba")
        return {(row["replication"], row["quarter"]): (row["quarter_label"], row["cumulative_contribution_less_capex_rmb_bn"])
                for row in table.iter_rows(named=True)}

    a, b = cumulative(hold), cumulative(cut)
    for quarter in sorted({q for _, q in a}):
        d = np.array([b[k, q][1] - a[k, q][1] for k, q in a if q == quarter and (k, q) in b])
        if d.size >= 2 and d.std(ddof=1) > 0:
            low = d.mean() - stats.t.ppf((1 + level) / 2, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
            if low > 0:
                return next(label for (k, q), (label, _) in a.items() if q == quarter)
    return None


def test_payback_quarter_on_a_known_difference():
    """d_kq = q - 5 + e_k with small replication noise: the CI lower bound first clears 0 at q = 6."""
    rng = np.random.default_rng(0)
    base = rng.normal(100.0, 10.0, size=(8, 12)).cumsum(axis=1)
    noise = rng.normal(0.0, 0.2, size=(8, 1))
    cut = base + (np.arange(12)[None, :] - 5.0) + noise
    table = payback_table(fake_result(cut), fake_result(base))
    assert table.height == 12
    np.testing.assert_allclose(table["difference_rmb_bn"].to_numpy(), np.arange(12) - 5.0 + noise.mean(),
                               atol=1e-9)
    assert payback_quarter(fake_result(cut), fake_result(base)) == "Q6"
    # never paid back: the difference stays negative
    assert payback_quarter(fake_result(base - 1.0 - np.arange(12)), fake_result(base)) is None
    # a noisy difference whose CI straddles 0 is not counted as paid back
    wide = base + rng.normal(0.5, 5.0, size=(8, 12))
    assert payback_quarter(fake_result(wide), fake_result(base)) == paid_back_by_hand(fake_result(wide),
                                                                                      fake_result(base))
    with pytest.raises(ValueError, match="same seed"):
        payback_table(fake_result(cut, seed=2), fake_result(base, seed=1))


def test_payback_of_a_simulated_cut_is_consistent_with_its_table():
    hold = run("cloud_status_quo.toml", *SHORT, "providers.alibaba.price_changes=[]")
    cut = run("cloud_status_quo.toml", *SHORT, CUT)
    table = payback_table(cut, hold)
    before = table.filter(pl.col("quarter") < quarter_index("2021Q1", "2020Q1"))
    assert (before["difference_rmb_bn"] == 0.0).all()  # common random numbers: identical before the cut
    first = table.filter(pl.col("quarter") == quarter_index("2021Q1", "2020Q1"))
    assert first["ci_high"][0] < 0.0  # a 30% cut costs profit at once
    assert payback_quarter(cut, hold) == paid_back_by_hand(cut, hold)


def test_match_and_partial_match_copy_the_leaders_cut_after_the_delay():
    overrides = (*SHORT, CUT, 'providers.tencent.response="match"', "providers.tencent.response_delay_quarters=2",
                 'providers.huawei.response="partial_match"', "providers.huawei.match_fraction=0.5",
                 "providers.huawei.response_delay_quarters=0", 'providers.baidu.response="ignore"')
    result = run("cloud_status_quo.toml", *overrides, reps=1)
    q_cut = quarter_index("2021Q1", "2020Q1")
    for provider, quarter, expected in [("tencent", q_cut + 1, 1.0), ("tencent", q_cut + 2, 0.7),
                                        ("huawei", q_cut, 0.85), ("baidu", q_cut + 4, 1.0),
                                        ("alibaba", q_cut, 0.7)]:
        assert per_replication(result, "price_compute", provider, quarter)[0] == pytest.approx(expected)


def test_matching_rivals_shrink_the_cutters_gain():
    """Common random numbers: share gain of the cut when everyone matches at once < when all ignore."""
    rivals = ("huawei", "tencent", "baidu", "others")
    ignore = [f'providers.{r}.response="ignore"' for r in rivals]
    match = [f'providers.{r}.response="match"' for r in rivals] + \
            [f"providers.{r}.response_delay_quarters=0" for r in rivals]
    hold = run("cloud_status_quo.toml", *SHORT, *ignore, "providers.alibaba.price_changes=[]")
    gain_ignore = per_replication(run("cloud_status_quo.toml", *SHORT, *ignore, CUT), "workload_share") \
        - per_replication(hold, "workload_share")
    gain_match = per_replication(run("cloud_status_quo.toml", *SHORT, *match, CUT), "workload_share") \
        - per_replication(hold, "workload_share")
    assert paired_comparison(gain_match, gain_ignore).difference.low > 0.02
    assert abs(gain_match.mean()) < 0.01  # an all-match cut leaves relative prices, and so shares, unchanged


def test_best_response_maximises_the_rivals_profit_against_current_demand():
    loaded = scenario("cloud_rivals_best_respond.toml", *SHORT)
    market = CloudMarket(loaded.config, Streams(3, 0))
    book = market.book
    q = 2
    delta, price, cost = book.delta(q)[:, 0], book.type_prices()[:, 0], book.type_costs()[:, 0]
    alpha = market.br_alpha[0]
    j = book.names.index("huawei")
    m = best_response_multiplier(j, delta, price, cost, alpha, 0.0, 0.05, 5.0)

    def profit(multiplier):
        trial = price.copy()
        trial[j] *= multiplier
        return (trial[j] - cost[j]) * static_shares(delta, trial, alpha)[j]

    assert profit(m) > profit(m * 1.01) and profit(m) > profit(m * 0.99)
    # at the optimum the single-product markup rule holds: p - c = -s / (ds/dp)
    trial = price.copy()
    trial[j] *= m
    h = 1e-6
    up, down = trial.copy(), trial.copy()
    up[j] += h
    down[j] -= h
    slope = (static_shares(delta, up, alpha)[j] - static_shares(delta, down, alpha)[j]) / (2 * h)
    assert trial[j] - cost[j] == pytest.approx(-static_shares(delta, trial, alpha)[j] / slope, rel=1e-3)


def test_rivals_best_respond_scenario_runs_and_rivals_reprice_from_2024():
    result = run("cloud_rivals_best_respond.toml", "run.horizon_days=2007.5", reps=2)
    q = quarter_index("2024Q1", "2020Q1")
    before = per_replication(result, "price_compute", "huawei", q - 1)
    after = per_replication(result, "price_compute", "huawei", q)
    assert np.all(before == 1.0) and np.all(np.abs(after - 1.0) > 1e-3)


def test_sim_compare_reports_the_payback_quarter_of_each_cut():
    import sim

    root = Path(__file__).resolve().parents[3] / "scenarios"
    comparison = sim.compare([root / "cloud_status_quo.toml", root / "cloud_llm_api_cut.toml"], reps=4,
                             metrics=["alibaba_cumulative_contribution_less_capex_rmb_bn"])
    report = comparison.model_reports()
    expected = paid_back_by_hand(comparison.results["cloud_llm_api_cut"], comparison.results["cloud_status_quo"])
    assert report["scenario"].to_list() == ["cloud_llm_api_cut"]
    assert report["payback_quarter"][0] == (expected or "none")
    # the horizon difference is the same number sim compare reports for the metric
    difference = comparison.differences["difference"][0]
    assert report["cumulative_contribution_less_capex_difference_rmb_bn"][0] == pytest.approx(difference, rel=1e-9)
