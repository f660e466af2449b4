"""Output-analysis intervals checked against theory: textbook critical values, known means, exact binomial
coverage, scipy's independent implementations. Monte Carlo tolerances are stated next to each assertion."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import signal
from scipy import stats as scipy_stats

from sim.core.lindley import MM1, lindley_waits, lindley_waits_numpy
from sim.core.stats import (
    Interval,
    batch_means,
    batch_means_interval,
    bonferroni_level,
    clopper_pearson_interval,
    compare_tables,
    interval_table,
    paired_comparison,
    precision_reached,
    quantile_interval,
    relative_half_width,
    summarise_metrics,
    welch_interval,
    welch_tost,
    t_critical,
    t_half_width,
    t_interval,
    wilson_interval,
    z_critical,
)


def mm1_replication_means(queue: MM1, customers: int, replications: int, rng: np.random.Generator) -> np.ndarray:
    """Mean wait in queue of `replications` runs of `customers`, each started from a stationary wait."""
    w0 = queue.wait_in_queue_quantile(rng.random(replications))
    service = rng.exponential(1.0 / queue.service_rate, size=(replications, customers))
    interarrival = rng.exponential(1.0 / queue.arrival_rate, size=(replications, customers))
    return np.array([lindley_waits(w0[r], service[r], interarrival[r]).mean() for r in range(replications)])


# --- critical values ---------------------------------------------------------------------------------------

# Student-t and normal quantiles as printed in textbook tables (to 6 decimals)
TEXTBOOK_T = [  # (lower-tail probability, df, quantile)
    (0.975, 1, 12.706205), (0.975, 9, 2.262157), (0.975, 29, 2.045230), (0.975, 30, 2.042272),
    (0.95, 9, 1.833113), (0.95, 19, 1.729133), (0.995, 9, 3.249836), (0.995, 29, 2.756386), (0.9, 4, 1.533206),
]


@pytest.mark.parametrize("p, df, quantile", TEXTBOOK_T)
def test_t_critical_matches_textbook_tables(p, df, quantile):
    assert t_critical(2.0 * p - 1.0, df) == pytest.approx(quantile, abs=5e-7)  # two-sided at level 2p - 1
    assert t_critical(p, df, sides=1) == pytest.approx(quantile, abs=5e-7)  # one-sided at level p


def test_z_critical_matches_textbook_values():
    assert z_critical(0.95) == pytest.approx(1.959964, abs=5e-7)
    assert z_critical(0.99) == pytest.approx(2.575829, abs=5e-7)
    assert z_critical(0.95, sides=1) == pytest.approx(1.644854, abs=5e-7)
    assert z_critical(0.9, sides=1) == pytest.approx(1.281552, abs=5e-7)


def test_critical_values_are_scipy_stats_quantiles_to_the_bit():
    """The statistics layer calls scipy.special directly (scipy.stats is slow to import); it must give exactly
    what scipy.stats.t.ppf and norm.ppf give."""
    levels = np.array([0.5, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 1.0 - 0.05 / 45, 0.9999])
    df = np.array([1.0, 2.0, 3.5, 9.0, 19.0, 29.0, 99.0, 1e4])
    for sides, p in ((2, 0.5 + levels / 2.0), (1, levels)):
        expected = scipy_stats.t.ppf(p[:, None], df[None, :])
        assert np.array_equal(t_critical(levels[:, None], df[None, :], sides=sides), expected)
        assert np.array_equal(z_critical(levels, sides=sides), scipy_stats.norm.ppf(p))


def test_t_critical_broadcasts_and_is_nan_without_degrees_of_freedom():
    values = t_critical(0.95, np.array([-1, 0, 9, np.nan]))
    assert np.isnan(values[[0, 1, 3]]).all() and values[2] == pytest.approx(2.262157, abs=5e-7)
    assert isinstance(t_critical(0.95, 9), float)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        t_critical(1.0, 9)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        t_critical(np.array([0.9, np.nan]), 9)
    with pytest.raises(ValueError, match="sides must be 1"):
        t_critical(0.95, 9, sides=3)


def test_t_half_width_from_counts_and_sds():
    # n = 10, sd = 2: 2.262157 * 2 / sqrt(10) = 1.430714; n = 1 and n = 0 are undefined
    half = t_half_width(np.array([10, 1, 0]), np.array([2.0, 2.0, np.nan]), 0.95)
    assert half[0] == pytest.approx(2.262157 * 2.0 / math.sqrt(10.0), rel=1e-6)
    assert np.isnan(half[1:]).all()
    assert t_half_width(30, 1.0, 0.99) == pytest.approx(2.756386 / math.sqrt(30.0), rel=1e-6)


# --- the reference queue -----------------------------------------------------------------------------------

def test_lindley_kernel_matches_its_numpy_twin():
    rng = np.random.default_rng(11)
    service, interarrival = rng.exponential(1.0, 5_000), rng.exponential(1.25, 5_000)
    for w0 in (0.0, 3.7):
        np.testing.assert_allclose(lindley_waits(w0, service, interarrival),
                                   lindley_waits_numpy(w0, service, interarrival), rtol=0, atol=1e-9)


def test_stationary_wait_draws_match_mm1_theory():
    queue = MM1(arrival_rate=0.8, service_rate=1.0)
    waits = queue.wait_in_queue_quantile(np.random.default_rng(12).random(200_000))
    # P(W = 0) = 1 - rho = 0.2 (sd of the estimate 0.0009); E[W] = 4 (sd of the estimate about 0.011)
    assert abs(np.mean(waits == 0.0) - 0.2) < 0.005
    assert abs(waits.mean() - queue.mean_wait_in_queue) < 0.05


def test_t_interval_covers_mm1_mean_wait_at_nominal_rate():
    """2,000 macro-replications x 20 replications x 2,000 customers of M/M/1 with rho = 0.5 (W_q = 1), each
    replication started from the stationary wait so its mean is unbiased. The 95% t-interval must cover W_q
    in 93-97% of macro-replications (Monte Carlo sd of the coverage 0.5 percentage points)."""
    queue = MM1(arrival_rate=0.5, service_rate=1.0)
    rng = np.random.default_rng(2024)
    macro_replications = 2_000
    covered = 0
    for _ in range(macro_replications):
        interval = t_interval(mm1_replication_means(queue, customers=2_000, replications=20, rng=rng), 0.95)
        covered += interval.low <= queue.mean_wait_in_queue <= interval.high
    assert 0.93 <= covered / macro_replications <= 0.97


# --- proportions -------------------------------------------------------------------------------------------

def exact_coverage(interval_of, n: int, p_grid: np.ndarray) -> np.ndarray:
    """P(p in interval(K, n)) for K ~ Binomial(n, p), summed exactly over K = 0..n."""
    intervals = [interval_of(k, n, 0.95) for k in range(n + 1)]
    low = np.array([i.low for i in intervals])
    high = np.array([i.high for i in intervals])
    k = np.arange(n + 1)
    return np.array([scipy_stats.binom.pmf(k, n, p)[(low <= p) & (p <= high)].sum() for p in p_grid])


P_GRID = np.round(np.arange(0.85, 0.99 + 1e-9, 0.001), 3)


def wald_interval(successes: int, n: int, level: float = 0.95) -> Interval:
    """The textbook p_hat +- z sqrt(p_hat (1 - p_hat) / n), here only to show why the package leaves it out:
    its coverage collapses near 0 and 1, exactly where service levels live (Brown, Cai & DasGupta 2001)."""
    p_hat = successes / n
    half = z_critical(level) * math.sqrt(p_hat * (1.0 - p_hat) / n)
    return Interval(p_hat, p_hat - half, p_hat + half, level, n, "wald")


def test_wilson_coverage_is_closer_to_nominal_than_wald_near_one():
    wilson = exact_coverage(wilson_interval, 50, P_GRID)
    wald = exact_coverage(wald_interval, 50, P_GRID)
    assert np.mean(np.abs(wilson - 0.95)) < np.mean(np.abs(wald - 0.95))
    assert np.max(np.abs(wilson - 0.95)) < np.max(np.abs(wald - 0.95))
    # and by a wide margin: Wald's worst case over this grid is far below nominal
    assert wilson.min() > 0.85 > wald.min()


def test_clopper_pearson_never_undercovers():
    coverage = exact_coverage(clopper_pearson_interval, 50, P_GRID)
    assert coverage.min() >= 0.95 - 1e-12


@pytest.mark.parametrize("successes, n", [(0, 20), (3, 50), (45, 50), (50, 50), (480, 500)])
def test_proportion_intervals_agree_with_scipy(successes, n):
    reference = scipy_stats.binomtest(successes, n)
    wilson = wilson_interval(successes, n, 0.95)
    expected = reference.proportion_ci(0.95, method="wilson")
    assert (wilson.low, wilson.high) == pytest.approx((expected.low, expected.high), abs=1e-10)
    exact = clopper_pearson_interval(successes, n, 0.95)
    expected = reference.proportion_ci(0.95, method="exact")
    assert (exact.low, exact.high) == pytest.approx((expected.low, expected.high), abs=1e-10)
    assert exact.estimate == wilson.estimate == successes / n


def test_proportion_intervals_reject_impossible_counts():
    with pytest.raises(ValueError, match="successes in 0..n"):
        wilson_interval(51, 50)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        clopper_pearson_interval(5, 50, level=95)


# --- quantiles ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n, q", [(101, 0.5), (200, 0.95)])
def test_quantile_interval_covers_exponential_quantile(n, q):
    """Coverage of a distribution-free interval is P(l <= B <= u - 1), B ~ Bin(n, q), for any continuous
    law: it must be at least 95% and, for these n, within 2.5 points of it; the Monte Carlo coverage over
    2,000 exponential samples must sit within 3.5 Monte Carlo sd of that exact value."""
    true_quantile = -math.log(1.0 - q)
    rng = np.random.default_rng(int(1000 * q) + n)
    samples = rng.exponential(1.0, size=(2_000, n))
    intervals = [quantile_interval(sample, q, 0.95) for sample in samples]
    first = np.sort(samples[0])
    l = int(np.searchsorted(first, intervals[0].low)) + 1
    u = int(np.searchsorted(first, intervals[0].high)) + 1
    exact = scipy_stats.binom.cdf(u - 1, n, q) - scipy_stats.binom.cdf(l - 1, n, q)
    assert 0.95 <= exact <= 0.975
    observed = np.mean([i.low <= true_quantile <= i.high for i in intervals])
    assert abs(observed - exact) < 3.5 * math.sqrt(exact * (1 - exact) / 2_000)


def test_quantile_interval_is_unbounded_when_n_is_too_small():
    # the 95th percentile needs 0.95^n <= 0.025, i.e. n >= 72, before an upper order statistic bounds it
    sample = np.random.default_rng(3).exponential(1.0, 71)
    assert quantile_interval(sample, 0.95).high == math.inf
    assert math.isfinite(quantile_interval(np.append(sample, 1.0), 0.95).high)
    assert quantile_interval(sample, 0.95).low > 0.0


# --- one long run ------------------------------------------------------------------------------------------

def ar1_paths(phi: float, mean: float, length: int, paths: int, rng: np.random.Generator) -> np.ndarray:
    """Stationary AR(1) paths X_t = mean + phi (X_{t-1} - mean) + e_t, e_t ~ N(0, 1)."""
    start = rng.normal(0.0, 1.0 / math.sqrt(1.0 - phi**2), size=(paths, 1))
    noise = rng.normal(size=(paths, length))
    return mean + signal.lfilter([1.0], [1.0, -phi], noise, axis=1, zi=phi * start)[0]


def test_batch_means_covers_ar1_mean():
    """AR(1) with phi = 0.9 (integrated autocorrelation time 19) and batches of 1,000: batch means are
    nearly independent (theoretical lag-1 correlation 0.005), so 1,000 macro-replications must cover the mean
    in 92.5-97% (nominal 95%, Monte Carlo sd 0.7 points)."""
    rng = np.random.default_rng(99)
    covered, correlations = 0, []
    for _ in range(4):
        for path in ar1_paths(0.9, 10.0, 20_000, 250, rng):
            interval = batch_means_interval(path, n_batches=20, level=0.95)
            covered += interval.low <= 10.0 <= interval.high
            correlations.append(batch_means(path, 20).lag1_autocorrelation)
    assert 0.925 <= covered / 1_000 <= 0.97
    assert abs(np.mean(correlations)) < 0.1


def test_batch_means_too_short_shows_in_lag1_correlation_and_coverage():
    """Batches of 10 of the same process have lag-1 correlation 0.52 in theory: the diagnostic must show it
    (mean estimate above 0.25, allowing for its downward bias with 20 batches) and coverage must collapse
    (below 85% over 1,000 macro-replications)."""
    rng = np.random.default_rng(100)
    paths = ar1_paths(0.9, 10.0, 200, 1_000, rng)
    covered = np.mean([batch_means_interval(p, 20).low <= 10.0 <= batch_means_interval(p, 20).high for p in paths])
    correlation = np.mean([batch_means(p, 20).lag1_autocorrelation for p in paths])
    assert correlation > 0.25
    assert covered < 0.85


def test_batch_means_drops_leading_remainder():
    batches = batch_means(np.arange(103, dtype=float), n_batches=20)
    assert (batches.batch_size, batches.discarded) == (5, 3)
    assert batches.means[0] == pytest.approx(np.mean([3, 4, 5, 6, 7]))
    assert batches.means[-1] == pytest.approx(np.mean([98, 99, 100, 101, 102]))


# --- many intervals, stopping ------------------------------------------------------------------------------

def test_bonferroni_level_arithmetic():
    assert bonferroni_level(0.95, 1) == pytest.approx(0.95)
    assert bonferroni_level(0.95, 10) == pytest.approx(0.995)
    assert bonferroni_level(0.90, 4) == pytest.approx(0.975)
    with pytest.raises(ValueError, match="positive integer"):
        bonferroni_level(0.95, 0)


def test_bonferroni_critical_values_one_and_two_sided():
    # two one-sided bounds at a 95% family level: each at 97.5%, t_{0.975, 9} = 2.262157 (as two-sided 95%)
    assert t_critical(bonferroni_level(0.95, 2), 9, sides=1) == pytest.approx(2.262157, abs=5e-7)
    # ten two-sided intervals at a 90% family level: each at 99%, t_{0.995, 29} = 2.756386
    assert t_critical(bonferroni_level(0.90, 10), 29) == pytest.approx(2.756386, abs=5e-7)


def test_relative_half_width_and_precision_stopping():
    assert relative_half_width(Interval(-4.0, -5.0, -3.0, 0.95, 10, "student_t")) == pytest.approx(0.25)
    assert relative_half_width(Interval(0.0, -1.0, 1.0, 0.95, 10, "student_t")) == math.inf
    per_replication = pl.DataFrame({
        "replication": list(range(10)) * 3,
        "metric": ["wait"] * 10 + ["cost"] * 10 + ["single"] * 10,
        "value": [10.0 + (-1) ** r for r in range(10)] + [100.0 + 0.1 * (-1) ** r for r in range(10)]
        + [float("nan")] * 9 + [1.0],
    })
    summary = summarise_metrics(per_replication)
    # wait: sd 1.054 -> half-width 0.754, relative 0.075; cost: relative 0.00075; single: n = 1, undefined
    assert precision_reached(summary, ["wait", "cost"], 0.1) == (True, "wait")
    assert precision_reached(summary, ["wait", "cost"], 0.05) == (False, "wait")
    assert precision_reached(summary, ["cost"], 0.001).reached
    assert precision_reached(summary, ["cost", "single"], 0.5) == (False, "single")
    with pytest.raises(ValueError, match=r"\['queue'\] are not in the summary"):
        precision_reached(summary, ["queue"], 0.1)


def test_summarise_metrics_matches_t_interval():
    values = np.random.default_rng(5).normal(3.0, 2.0, 30)
    table = pl.DataFrame({"replication": range(30), "metric": ["x"] * 30, "value": values})
    row = summarise_metrics(table, 0.9).row(0, named=True)
    reference = scipy_stats.ttest_1samp(values, 0.0).confidence_interval(0.9)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((reference.low, reference.high), rel=1e-12)
    assert row["n"] == 30 and row["level"] == 0.9


def test_summarise_metrics_keeps_the_raw_interval_of_a_share_near_one():
    """Bounds are stored raw whatever the metric's kind (displays clip them): mean 0.999, sd 0.0014 over
    3 replications gives ci_high = 0.999 + 4.302653 * 0.0014 / sqrt(3) > 1."""
    table = pl.DataFrame({"replication": [0, 1, 2], "metric": ["on_time_share"] * 3, "value": [1.0, 0.9995, 0.9975]})
    row = summarise_metrics(table).row(0, named=True)
    assert row["ci_high"] > 1.0
    assert row["ci_high"] - row["mean"] == pytest.approx(row["half_width"], rel=1e-12)


def test_interval_table_gives_each_group_its_t_interval_to_the_bit():
    """Groups of different sizes (including 0 and 1 after NaN and null are left out), keys of two columns,
    rows in arbitrary order: each row must be exactly `t_interval` of its group's values in row order."""
    rng = np.random.default_rng(4)
    parts = []
    for point in range(6):
        for metric in ("wait", "share", "empty"):
            n = int(rng.integers(1, 40))
            values = rng.lognormal(0.0, 2.0, n) * 10.0 ** int(rng.integers(-3, 4))
            values[rng.random(n) < 0.2] = np.nan
            if metric == "empty":
                values[:] = np.nan
            parts.append(pl.DataFrame({"point": point, "metric": metric, "value": values}))
    frame = pl.concat(parts).sample(fraction=1.0, shuffle=True, seed=2)
    frame = pl.concat([frame, pl.DataFrame({"point": [0], "metric": ["wait"], "value": [None]},
                                           schema=frame.schema)])
    table = interval_table(frame, ["point", "metric"], "value", 0.9)
    assert table.columns == ["point", "metric", "n", "mean", "sd", "ci_low", "ci_high", "half_width", "level"]
    assert table.select("point", "metric").rows() == frame.select("point", "metric").unique(maintain_order=True).rows()
    for row in table.iter_rows(named=True):
        values = frame.filter((pl.col("point") == row["point"]) & (pl.col("metric") == row["metric"]))
        values = values.get_column("value").drop_nulls().drop_nans().to_numpy()
        expected = t_interval(values, 0.9)
        sd = float(values.std(ddof=1)) if values.size > 1 else math.nan
        got = (row["n"], row["mean"], row["sd"], row["ci_low"], row["ci_high"], row["half_width"])
        wanted = (expected.n, expected.estimate, sd, expected.low, expected.high, expected.half_width)
        assert all(a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(got, wanted)), (row, wanted)
    assert table.filter(pl.col("metric") == "empty").get_column("n").to_list() == [0] * 6


def test_interval_table_matches_a_textbook_interval():
    # 1..10: mean 5.5, sd 3.027650, half-width 2.262157 * 3.027650 / sqrt(10) = 2.165852
    row = interval_table(pl.DataFrame({"g": ["a"] * 10, "v": np.arange(1.0, 11.0)}), "g", "v").row(0, named=True)
    assert (row["mean"], row["sd"]) == pytest.approx((5.5, 3.027650), rel=1e-6)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((5.5 - 2.165852, 5.5 + 2.165852), abs=2e-6)


# --- comparing two scenarios -------------------------------------------------------------------------------

def test_paired_and_welch_half_widths_agree_with_scipy():
    rng = np.random.default_rng(8)
    a, b = rng.normal(5.0, 1.0, 25), rng.normal(5.5, 3.0, 25)
    comparison = paired_comparison(a, b, 0.95)
    paired = scipy_stats.ttest_rel(b, a).confidence_interval(0.95)
    welch = scipy_stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert (comparison.difference.low, comparison.difference.high) == pytest.approx((paired.low, paired.high))
    assert comparison.independent_half_width_estimate == pytest.approx((welch.high - welch.low) / 2.0)
    assert comparison.mean_difference == pytest.approx(b.mean() - a.mean())


def test_welch_interval_agrees_with_scipy_on_unequal_sizes():
    rng = np.random.default_rng(12)
    a, b = rng.normal(5.0, 1.0, 8), rng.normal(6.0, 3.0, 13)
    interval = welch_interval(a, b, 0.9)
    expected = scipy_stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.9)
    assert (interval.low, interval.high) == pytest.approx((expected.low, expected.high))
    assert interval.estimate == pytest.approx(b.mean() - a.mean()) and interval.n == 8
    assert interval.method == "welch"
    assert np.isnan(welch_interval([1.0], [2.0, 3.0]).low)


def test_welch_tost_is_schuirmanns_two_one_sided_welch_tests_in_scipy():
    """Independent computation: scipy's one-sided Welch t tests of the shifted samples (H0: E[b] - E[a] <=
    -margin, i.e. E[b + margin] <= E[a]; and H0: E[b] - E[a] >= margin) both reject at 5% exactly when
    `welch_tost` says equivalent, on 60 random pairs of unequal sizes and variances with margins around the
    decision boundary (both outcomes occur); the interval is scipy's 90% Welch interval."""
    rng = np.random.default_rng(21)
    outcomes = set()
    for _ in range(60):
        a, b = rng.normal(5.0, 1.0, rng.integers(3, 15)), rng.normal(5.0 + rng.normal(0.0, 0.5), 2.0, rng.integers(3, 15))
        margin = float(rng.uniform(0.2, 4.0))
        result = welch_tost(a, b, margin)
        expected = scipy_stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.90)
        assert (result.interval.low, result.interval.high) == pytest.approx((expected.low, expected.high))
        above = scipy_stats.ttest_ind(b + margin, a, equal_var=False, alternative="greater").pvalue
        below = scipy_stats.ttest_ind(b - margin, a, equal_var=False, alternative="less").pvalue
        assert result.equivalent == (max(above, below) < 0.05), (margin, result, above, below)
        assert result.margin == margin
        outcomes.add(result.equivalent)
    assert outcomes == {True, False}
    assert welch_tost(a, b, 1e9, alpha_per_side=0.001).interval.level == pytest.approx(0.998)
    assert not welch_tost([1.0], [1.0, 1.1], 10.0).equivalent  # one value: no interval, no equivalence
    for bad in ({"margin": 0.0}, {"margin": 1.0, "alpha_per_side": 0.5}):
        with pytest.raises(ValueError):
            welch_tost(a, b, **bad)


def test_compare_tables_unpaired_uses_every_value_of_each_arm():
    """Runs with different seeds: no pairing by replication; each arm's values enter Welch's interval,
    and the rows say so."""
    rng = np.random.default_rng(13)
    base = long_table({"wait": rng.normal(10.0, 1.0, 6)})
    other = long_table({"wait": rng.normal(9.0, 2.0, 9)})
    row = compare_tables({"base": base, "other": other}, "base", 0.95, paired=False).row(0, named=True)
    expected = scipy_stats.ttest_ind(other["value"].to_numpy(), base["value"].to_numpy(),
                                     equal_var=False).confidence_interval(0.95)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((expected.low, expected.high))
    assert row["pairing"] == "welch" and np.isnan(row["variance_ratio"])
    paired = compare_tables({"base": base, "other": other}, "base", 0.95)
    assert paired["pairing"].to_list() == ["paired t"] and paired["n"][0] == 6


def test_independent_draws_give_variance_ratio_near_one():
    # var(b - a) / (var a + var b) over 4,000 independent pairs: 1 in theory, sd of the estimate about 0.03
    rng = np.random.default_rng(9)
    comparison = paired_comparison(rng.normal(0.0, 1.0, 4_000), rng.normal(0.0, 2.0, 4_000))
    assert comparison.variance_ratio == pytest.approx(1.0, abs=0.1)


def test_common_random_numbers_at_least_halve_the_variance_of_a_capacity_difference():
    """M/M/1 at lambda = 0.8 with service rate 1.0 (scenario a) and 1.1 (b), driven per replication by the
    SAME uniforms for the initial wait and the SAME unit exponentials for service (scaled by 1/mu) and
    arrivals. W_q falls from 4 to 0.7273/0.3 = 2.424."""
    rng = np.random.default_rng(31)
    a_queue, b_queue = MM1(0.8, 1.0), MM1(0.8, 1.1)
    replications, customers = 20, 5_000
    a, b = np.empty(replications), np.empty(replications)
    for r in range(replications):
        u0 = rng.random()
        unit_service, interarrival = rng.exponential(1.0, customers), rng.exponential(1.0 / 0.8, customers)
        a[r] = lindley_waits(float(a_queue.wait_in_queue_quantile(u0)), unit_service / 1.0, interarrival).mean()
        b[r] = lindley_waits(float(b_queue.wait_in_queue_quantile(u0)), unit_service / 1.1, interarrival).mean()
    comparison = paired_comparison(a, b, 0.95)
    assert comparison.variance_ratio < 0.5
    assert comparison.half_width < comparison.independent_half_width_estimate
    truth = b_queue.mean_wait_in_queue - a_queue.mean_wait_in_queue
    wide = paired_comparison(a, b, 0.999).difference
    assert wide.low <= truth <= wide.high


def long_table(values_by_metric: dict[str, np.ndarray]) -> pl.DataFrame:
    return pl.concat([
        pl.DataFrame({"replication": np.arange(v.size), "metric": [m] * v.size, "value": v})
        for m, v in values_by_metric.items()
    ])


def test_compare_tables_pairs_by_replication_and_adjusts_for_all_rows():
    rng = np.random.default_rng(21)
    common = rng.normal(size=(2, 30))
    base = long_table({"wait": 10 + common[0], "cost": 5 + common[1]})
    faster = long_table({"wait": 8 + common[0] + 0.1 * rng.normal(size=30), "cost": 6 + common[1]})
    cheaper = long_table({"wait": 10 + common[0], "cost": 4 + common[1] + 0.1 * rng.normal(size=30)})
    # shuffle one table: pairing must follow the replication column, not row order
    faster = faster.sample(fraction=1.0, shuffle=True, seed=1)
    table = compare_tables({"base": base, "faster": faster, "cheaper": cheaper}, baseline="base", level=0.95)
    assert table.height == 4
    assert table.get_column("adjustment").unique().to_list() == ["bonferroni, m=4"]
    assert table.get_column("level_per_interval").to_list() == pytest.approx([0.9875] * 4)
    wait = table.filter((pl.col("scenario") == "faster") & (pl.col("metric") == "wait")).row(0, named=True)
    assert wait["difference"] == pytest.approx(-2.0, abs=0.05)  # sd of the mean difference 0.018
    assert wait["variance_ratio"] < 0.05
    assert wait["ci_low"] < -2.0 + 0.1 and wait["ci_high"] > -2.0 - 0.1
    unadjusted = compare_tables({"base": base, "faster": faster}, "base", 0.95, family_wise=False)
    assert unadjusted.get_column("level_per_interval").to_list() == [0.95, 0.95]
    assert unadjusted.get_column("adjustment").to_list() == ["none", "none"]
    with pytest.raises(ValueError, match="baseline 'nope'"):
        compare_tables({"base": base}, "nope")


def test_constant_metrics_leave_the_family_and_rounding_is_no_difference():
    """A metric equal in every replication of both arms (to 1e-12 relative) has no simulation noise: it
    leaves the Bonferroni family. A difference of rounding (here 0.1 + 0.2 - 0.3, about 5.6e-17 per
    replication, the kind of -5.7e-15 a sum of costs leaves) is "no difference", never significant."""
    rng = np.random.default_rng(5)
    noise = rng.normal(size=20)
    base = long_table({"wait": 10 + noise, "officers": np.full(20, 4.0), "share": 0.3 + 0.01 * noise})
    other = long_table({"wait": 9 + noise + 0.1 * rng.normal(size=20), "officers": np.full(20, 5.0),
                        "share": (0.1 + 0.2) + 0.01 * noise})
    table = compare_tables({"base": base, "other": other}, "base", 0.95)
    rows = {row["metric"]: row for row in table.iter_rows(named=True)}
    assert rows["officers"]["constant"] and rows["officers"]["adjustment"] == "constant"
    assert rows["officers"]["difference"] == 1.0 and not rows["officers"]["no_difference"]
    assert not rows["wait"]["constant"] and rows["wait"]["adjustment"] == "bonferroni, m=2"
    assert rows["wait"]["level_per_interval"] == pytest.approx(1 - 0.05 / 2)
    assert rows["share"]["difference"] != 0.0 and rows["share"]["no_difference"]
    assert not rows["wait"]["no_difference"]


@given(st.integers(1, 5_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.floats(0.5, 0.999))
def test_proportion_intervals_hold_the_estimate_inside_zero_one(counts, level):
    successes, n = counts
    for interval in (wilson_interval(successes, n, level), clopper_pearson_interval(successes, n, level)):
        assert 0.0 <= interval.low <= interval.estimate <= interval.high <= 1.0
