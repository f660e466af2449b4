"""Ranking and selection checked by macro-replication against normal scenarios with known means."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from sim.core.ranking import rank_scenarios
from sim.core.stats import paired_comparison


def normal_scenarios(means, n: int, rng: np.random.Generator, common_sd: float = 0.0) -> dict[str, np.ndarray]:
    """Per-replication values of scenarios "s0", "s1", ... with sd 1 idiosyncratic noise plus, with
    `common_sd`, a shared per-replication component (what common random numbers induce)."""
    common = rng.normal(0.0, common_sd, n) if common_sd else np.zeros(n)
    return {f"s{i}": mean + common + rng.normal(0.0, 1.0, n) for i, mean in enumerate(means)}


def test_ranking_picks_the_truly_best_of_three_well_separated_scenarios():
    """Means 10, 12, 14, sd 1, 20 replications: each gap is 6.3 standard errors of a difference against a
    pairwise half-width of 2.6 of them, so over 200 macro-replications the best must be picked, separated
    from both others and alone in could_be_best every time (miss probability about 1e-4 per pair), with a
    bootstrap PCS of at least 0.99."""
    rng = np.random.default_rng(17)
    for _ in range(200):
        table = rank_scenarios(normal_scenarios([10.0, 12.0, 14.0], 20, rng), larger_is_better=True)
        assert table.get_column("scenario").to_list() == ["s2", "s1", "s0"]
        assert table.get_column("separated_from_best").to_list() == [None, True, True]
        assert table.get_column("could_be_best").to_list() == [True, False, False]
        assert table.get_column("probability_best")[0] >= 0.99


def test_smaller_is_better_ranks_the_lowest_first_in_original_units():
    values = normal_scenarios([10.0, 12.0, 14.0], 20, np.random.default_rng(18))
    table = rank_scenarios(values, larger_is_better=False)
    assert table.get_column("scenario").to_list() == ["s0", "s1", "s2"]
    assert table.get_column("mean").to_list() == pytest.approx([values[s].mean() for s in ("s0", "s1", "s2")])
    # the advantage is in the metric's units and positive: s1's mean minus s0's
    assert table.get_column("advantage_of_best")[1] == pytest.approx(values["s1"].mean() - values["s0"].mean())
    assert table.get_column("separated_from_best").to_list() == [None, True, True]


def test_advantage_interval_is_the_paired_interval_at_the_all_pairs_bonferroni_level():
    values = normal_scenarios([0.0, 0.4, 1.0], 15, np.random.default_rng(19), common_sd=2.0)
    table = rank_scenarios(values, larger_is_better=True)
    assert table.get_column("pairwise_level")[0] == pytest.approx(1.0 - 0.05 / 3)
    assert table.get_column("mcb_level")[0] == pytest.approx(1.0 - 0.05 / 2)
    assert "bonferroni over all m=3 pairs" in table.get_column("correction")[0]
    for row in table.filter(pl.col("rank") > 1).iter_rows(named=True):
        reference = paired_comparison(values[row["scenario"]], values["s2"], row["pairwise_level"]).difference
        assert (row["advantage_low"], row["advantage_high"]) == pytest.approx((reference.low, reference.high))


def test_equal_scenarios_are_not_declared_separated_beyond_the_family_error_rate():
    """Three equal scenarios, 20 replications, 1,000 macro-replications: a separation is a false strict
    claim, so its rate must stay at or below alpha = 5% (plus 3 Monte Carlo sd, 2.1 points). By symmetry
    each scenario's bootstrap probability of being best averages 1/3 (within 0.03)."""
    rng = np.random.default_rng(23)
    false_separations = 0
    probability_best = {"s0": [], "s1": [], "s2": []}
    for _ in range(1_000):
        table = rank_scenarios(normal_scenarios([5.0, 5.0, 5.0], 20, rng, common_sd=1.0), True, n_bootstrap=500)
        false_separations += bool(table.get_column("separated_from_best").drop_nulls().any())
        for scenario, probability in table.select("scenario", "probability_best").iter_rows():
            probability_best[scenario].append(probability)
    assert false_separations / 1_000 <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / 1_000)
    for scenario, probabilities in probability_best.items():
        assert np.mean(probabilities) == pytest.approx(1 / 3, abs=0.03), scenario


def test_one_equal_trio_declares_nothing_separated_and_keeps_every_scenario():
    table = rank_scenarios(normal_scenarios([5.0, 5.0, 5.0], 30, np.random.default_rng(29)), True)
    assert table.get_column("separated_from_best").drop_nulls().to_list() == [False, False]
    assert table.get_column("could_be_best").all()
    assert table.get_column("probability_best")[0] < 0.9


@pytest.mark.parametrize("larger_is_better", [True, False])
def test_mcb_intervals_cover_the_gap_to_the_best_of_the_others_jointly(larger_is_better):
    """Means 0, 0.3, 0.5 with common random numbers: the three MCB intervals for how much better each
    scenario is than the best of the others must hold jointly in at least 95% of 1,000 macro-replications
    (less 3 Monte Carlo sd, 2.1 points; Bonferroni makes them conservative)."""
    means = np.array([0.0, 0.3, 0.5])
    oriented = means if larger_is_better else -means
    truth = {f"s{i}": oriented[i] - np.delete(oriented, i).max() for i in range(3)}
    rng = np.random.default_rng(31)
    joint = 0
    for _ in range(1_000):
        table = rank_scenarios(normal_scenarios(means, 20, rng, common_sd=1.0), larger_is_better, n_bootstrap=1)
        joint += all(low <= truth[s] <= high for s, low, high in table.select("scenario", "mcb_low", "mcb_high")
                     .iter_rows())
    assert joint / 1_000 >= 0.95 - 3 * math.sqrt(0.05 * 0.95 / 1_000)


def test_rank_scenarios_rejects_unpaired_input():
    with pytest.raises(ValueError, match="same number"):
        rank_scenarios({"a": np.ones(10), "b": np.ones(9)}, True)
    with pytest.raises(ValueError, match="at least two scenarios"):
        rank_scenarios({"a": np.ones(10)}, True)


def test_mcb_uses_the_one_sided_bonferroni_t_of_a_textbook_table():
    """k = 3, n = 10, 95%: each of the k - 1 = 2 one-sided comparisons is at 97.5%, so w_ij uses the
    one-sided t_{9, 0.975} = 2.262157, and the pairwise intervals (m = 3, two-sided 98.33%) are wider."""
    values = normal_scenarios([0.0, 0.5, 0.6], 10, np.random.default_rng(37), common_sd=1.0)
    table = rank_scenarios(values, larger_is_better=True, n_bootstrap=10)
    x = np.vstack([values[name] for name in ("s0", "s1", "s2")])
    for row in table.iter_rows(named=True):
        i = int(row["scenario"][1])
        others = [j for j in range(3) if j != i]
        d = [x[i] - x[j] for j in others]
        w = [2.262157 * np.std(dij, ddof=1) / math.sqrt(10) for dij in d]
        low = min(0.0, min(dij.mean() - wij for dij, wij in zip(d, w)))
        high = max(0.0, min(dij.mean() + wij for dij, wij in zip(d, w)))
        assert (row["mcb_low"], row["mcb_high"]) == pytest.approx((low, high), abs=1e-6)
        assert row["mcb_level"] == pytest.approx(0.975)
