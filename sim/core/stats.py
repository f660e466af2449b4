"""Confidence intervals and output analysis for simulation results: the one statistics layer.

Every critical value in the package comes from `t_critical` or `z_critical` here; every Student-t half-width
from `t_half_width`, and every table of t intervals across replications from `interval_table` (behind
`summarise_metrics` and so `statistics.parquet` and the charts that read it, the sweep summary and the paper's
figures; the logistics daily chart calls `t_half_width` on its own aggregation). `tests/test_statistics_home.py`
fails on a t or normal quantile call anywhere else.

Which interval, where:

* Across replications, every metric of every kind (mean, amount, proportion, quantile, count) gets the Student-t
  interval (`t_interval`, `interval_table`): replications are independent, per-parcel values within one run
  are not. `statistics.parquet` stores the raw interval; a display clips it to the metric's range
  (`sim.core.model.Metric.clip`).
* Wilson and Clopper-Pearson intervals are for a proportion of independent trials, and order-statistic
  intervals for a quantile of independent values: tables whose rows are independent, such as one row per
  replication (the share of replications meeting a target, the median across replications). Nothing in the
  runner writes them; they are tools for such tables, never for records pooled from one run.
* Batch means: one long steady-state run. Bonferroni levels, paired comparisons and precision stopping: many
  intervals, two scenarios, sequential replication. Equivalence of two scenarios run with different seeds
  (two one-sided tests): `welch_tost`. Multiple comparisons with the best: `sim.core.ranking`.

Every interval here measures simulation noise (how far a finite number of replications may sit from the
model's true expectation), not uncertainty in the scenario's parameters. Chapter references are to Law (2015),
Simulation Modeling and Analysis, 5th ed.: ch. 9 (output analysis of one system), ch. 10 (comparing systems),
ch. 11 (common random numbers).

The quantiles are scipy's: `scipy.special.stdtrit` and `ndtri` are the functions `scipy.stats.t.ppf` and
`scipy.stats.norm.ppf` evaluate (the same bits, checked in `tests/core/test_stats.py`), called directly because
importing `scipy.stats` costs about 0.3 s more than `scipy.special`, in every process that runs a model.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, overload

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import special  # the distribution functions alone: scipy.stats takes ~0.3 s more to import

__all__ = [
    "Interval",
    "t_critical",
    "z_critical",
    "t_half_width",
    "t_interval",
    "welch_interval",
    "Equivalence",
    "welch_tost",
    "interval_table",
    "summarise_metrics",
    "wilson_interval",
    "clopper_pearson_interval",
    "quantile_interval",
    "BatchMeans",
    "batch_means",
    "batch_means_interval",
    "bonferroni_level",
    "t_test_power",
    "replications_for_power",
    "relative_half_width",
    "PrecisionCheck",
    "precision_reached",
    "PairedComparison",
    "paired_comparison",
    "compare_tables",
    "EQUALITY_TOLERANCE",
]


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval at `level`. A bound that no order statistic or
    finite value can give at `level` is -inf / +inf (see `quantile_interval`)."""

    estimate: float
    low: float
    high: float
    level: float
    n: int
    method: str

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2.0


def _check_level(level: float, name: str = "level") -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1 (got {level})")


# --- critical values -------------------------------------------------------------------------------------

FloatArray = npt.NDArray[np.float64]


def _quantile_probability(level: npt.ArrayLike, sides: int) -> FloatArray:
    """The lower-tail probability of the critical value: (1 + level) / 2 two-sided, level one-sided."""
    if sides not in (1, 2):
        raise ValueError(f"sides must be 1 (one-sided) or 2 (two-sided) (got {sides!r})")
    levels = np.asarray(level, dtype=np.float64)
    if not np.all((levels > 0.0) & (levels < 1.0)):
        raise ValueError(f"level must lie strictly between 0 and 1 (got {level!r})")
    return 0.5 + levels / 2.0 if sides == 2 else levels


def _scalar_or_array(values: FloatArray) -> float | FloatArray:
    return float(values) if np.ndim(values) == 0 else values


@overload
def t_critical(level: float, df: float, sides: int = 2) -> float: ...
@overload
def t_critical(level: npt.ArrayLike, df: npt.ArrayLike, sides: int = 2) -> float | FloatArray: ...
def t_critical(level: npt.ArrayLike, df: npt.ArrayLike, sides: int = 2) -> float | FloatArray:
    """Student-t critical value with `df` degrees of freedom at confidence `level`: the c with
    P(-c <= T <= c) = level for `sides=2` (the quantile t_{df, (1 + level)/2}), or P(T <= c) = level for
    `sides=1` (t_{df, level}, a one-sided bound). `level` and `df` broadcast as NumPy arrays (a float back for
    scalars); df may be fractional (Welch), and df <= 0 or NaN gives NaN (an interval from fewer than two
    values is undefined)."""
    p = _quantile_probability(level, sides)
    return _scalar_or_array(special.stdtrit(np.asarray(df, dtype=np.float64), p))


@overload
def z_critical(level: float, sides: int = 2) -> float: ...
@overload
def z_critical(level: npt.ArrayLike, sides: int = 2) -> float | FloatArray: ...
def z_critical(level: npt.ArrayLike, sides: int = 2) -> float | FloatArray:
    """Standard normal critical value at confidence `level`: z_{(1 + level)/2} for `sides=2`, z_{level} for
    `sides=1`. `level` may be an array."""
    return _scalar_or_array(special.ndtri(_quantile_probability(level, sides)))


@overload
def t_half_width(n: float, sd: float, level: float = 0.95) -> float: ...
@overload
def t_half_width(n: npt.ArrayLike, sd: npt.ArrayLike, level: float = 0.95) -> float | FloatArray: ...
def t_half_width(n: npt.ArrayLike, sd: npt.ArrayLike, level: float = 0.95) -> float | FloatArray:
    """Half-width of the Student-t interval for a mean from n values with sample sd `sd`:
    t_{n-1, (1+level)/2} sd / sqrt(n) (Law 2015, ch. 9). `n` and `sd` broadcast as arrays; NaN where n < 2."""
    _check_level(level)
    counts = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = t_critical(level, counts - 1.0) * np.asarray(sd, dtype=np.float64) / np.sqrt(counts)
    return _scalar_or_array(np.where(counts >= 2.0, half, np.nan))


# --- across replications ---------------------------------------------------------------------------------

def t_interval(values: npt.ArrayLike, level: float = 0.95) -> Interval:
    """Student-t interval for the mean of independent, identically distributed values (e.g. one value per
    replication): mean +- t_{n-1, (1+level)/2} s / sqrt(n) (Law 2015, ch. 9). Assumes the mean is close to
    normal, which holds for replication averages of long enough runs. With n < 2 the interval is undefined
    and returned as (nan, nan)."""
    _check_level(level)
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    mean = float(x.mean()) if n else float("nan")
    if n < 2:
        return Interval(mean, float("nan"), float("nan"), level, n, "student_t")
    half = t_half_width(n, float(x.std(ddof=1)), level)
    return Interval(mean, mean - half, mean + half, level, n, "student_t")


def _group_moments(counts: npt.NDArray[np.int64], values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and sd (ddof=1; NaN below two values) of consecutive groups of `values` with sizes `counts`, bit
    for bit what `x.mean()` and `x.std(ddof=1)` give one group at a time: the groups of one size are stacked
    as the rows of a C-contiguous array and reduced along them (NumPy's same pairwise summation per row), one
    call per distinct size."""
    starts = np.cumsum(counts) - counts
    mean, sd = np.full(counts.size, np.nan), np.full(counts.size, np.nan)
    for size in np.unique(counts[counts > 0]):
        groups = np.flatnonzero(counts == size)
        rows = values[starts[groups, None] + np.arange(size)]
        mean[groups] = rows.mean(axis=1)
        if size >= 2:
            sd[groups] = rows.std(axis=1, ddof=1)
    return mean, sd


def interval_table(frame: pl.DataFrame, by: str | Sequence[str], value: str, level: float = 0.95) -> pl.DataFrame:
    """One row per group of `by` (in order of first appearance), each group's rows taken as independent
    replications (in row order): the group keys, then n (values neither null nor NaN; the rest are left out),
    mean, sd, the Student-t interval of the mean (ci_low, ci_high = mean -+ t_{n-1, (1+level)/2} sd / sqrt(n),
    half_width = (ci_high - ci_low) / 2 as in `Interval`; NaN when n < 2) and level. Each row equals
    `t_interval` of the group's values, bit for bit. Vectorised: one Polars aggregation, one NumPy reduction
    per distinct group size, one array of critical values. Bounds are raw (a proportion's may leave [0, 1]);
    clip them where they are shown (`sim.core.model.Metric.clip`)."""
    _check_level(level)
    keys = [by] if isinstance(by, str) else list(by)
    x = pl.col(value).cast(pl.Float64)
    groups = frame.group_by(keys, maintain_order=True).agg(x.filter(x.is_not_nan()).alias("_values"))
    n = groups.get_column("_values").list.len().cast(pl.Int64).to_numpy()
    values = groups.get_column("_values").explode().drop_nulls().to_numpy()  # an empty group explodes to null
    mean, sd = _group_moments(n, values)
    half = np.asarray(t_half_width(n, sd, level), dtype=np.float64)
    low, high = mean - half, mean + half
    return groups.drop("_values").with_columns(
        pl.Series("n", n, dtype=pl.Int64),
        pl.Series("mean", mean, dtype=pl.Float64),
        pl.Series("sd", sd, dtype=pl.Float64),
        pl.Series("ci_low", low, dtype=pl.Float64),
        pl.Series("ci_high", high, dtype=pl.Float64),
        pl.Series("half_width", (high - low) / 2.0, dtype=pl.Float64),
        pl.lit(level, dtype=pl.Float64).alias("level"),
    )


def summarise_metrics(per_replication: pl.DataFrame, level: float = 0.95) -> pl.DataFrame:
    """From a long table (replication, metric, value) to one row per metric (`interval_table` by metric):
    n, mean, sd, and the Student-t confidence interval across replications (ci_low, ci_high, half_width).
    Missing and NaN values are left out (n counts the rest). Metric order is kept; values enter in
    replication order.

    The interval is the raw t interval whatever the metric's kind: a proportion's bounds may fall outside
    [0, 1] and a count's below 0 when replications are few or the mean sits near an edge. This table (and
    `statistics.parquet`) keeps them raw, so ci_low and ci_high stay mean -+ half_width; displays clip them to
    the kind's range (`sim.core.model.Metric.clip`, used by the CLI's tables)."""
    metric_order = per_replication.select(pl.col("metric").unique(maintain_order=True))
    table = interval_table(per_replication.sort("replication", maintain_order=True), "metric", "value", level)
    return metric_order.join(table, on="metric", how="left", maintain_order="left").select(
        pl.col("metric").cast(pl.String), "n", "mean", "sd", "ci_low", "ci_high", "half_width", "level")


# --- proportions -----------------------------------------------------------------------------------------

def _check_counts(successes: int, n: int) -> None:
    if n < 1 or not 0 <= successes <= n:
        raise ValueError(f"need n >= 1 trials and successes in 0..n (got successes={successes}, n={n})")


def wilson_interval(successes: int, n: int, level: float = 0.95) -> Interval:
    """Wilson (1927) score interval for a binomial proportion: the p whose score test at `level` does not
    reject, (p_hat + z^2/2n +- z sqrt(p_hat (1 - p_hat)/n + z^2/4n^2)) / (1 + z^2/n). Assumes independent
    trials with a common p (e.g. one indicator per replication: did it keep 95% of its promises?), not
    indicators pooled from one run, which are correlated. Coverage stays near nominal even for p near 0 or 1
    (Brown, Cai & DasGupta 2001). The estimate reported is p_hat. The textbook Wald interval
    p_hat +- z sqrt(p_hat (1 - p_hat) / n) is deliberately not offered: its coverage collapses near 0 and 1,
    where service levels live (`tests/core/test_stats.py` shows it against Wilson)."""
    _check_level(level)
    _check_counts(successes, n)
    z = z_critical(level)
    p_hat = successes / n
    denominator = 1.0 + z * z / n
    centre = (p_hat + z * z / (2.0 * n)) / denominator
    half = z * math.sqrt(p_hat * (1.0 - p_hat) / n + z * z / (4.0 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact ends where rounding would miss them
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(p_hat, low, high, level, n, "wilson")


def clopper_pearson_interval(successes: int, n: int, level: float = 0.95) -> Interval:
    """Clopper & Pearson (1934) exact interval from beta quantiles of the binomial: coverage is at least
    `level` for every p (conservative, wider than Wilson). Use it when a guarantee matters more than width."""
    _check_level(level)
    _check_counts(successes, n)
    alpha = 1.0 - level
    low = 0.0 if successes == 0 else float(special.betaincinv(successes, n - successes + 1, alpha / 2.0))
    high = 1.0 if successes == n else float(special.betaincinv(successes + 1, n - successes, 1.0 - alpha / 2.0))
    return Interval(successes / n, low, high, level, n, "clopper_pearson")


# --- quantiles -------------------------------------------------------------------------------------------

def quantile_interval(sample: npt.ArrayLike, q: float, level: float = 0.95) -> Interval:
    """Distribution-free interval [X_(l), X_(u)] for the q-quantile xi_q of a continuous distribution, from
    order statistics of an i.i.d. sample (Conover 1999, Practical Nonparametric Statistics, sec. 3.2).

    With B ~ Binomial(n, q), P(X_(l) > xi_q) = P(B <= l - 1) and P(X_(u) < xi_q) = P(B >= u); l is the
    largest and u the smallest rank that keep each tail at most (1 - level)/2, so coverage is at least
    `level` (exactly P(l <= B <= u - 1)). When n is too small for a rank to exist, i.e. (1 - q)^n >
    (1 - level)/2 for l or q^n > (1 - level)/2 for u, that bound is -inf or +inf: the data cannot bound the
    quantile on that side at this level (e.g. n < 72 for the 95th percentile at 95%). The estimate is the
    sample quantile (linear interpolation). Independence matters: the waits of successive customers in one
    run are correlated, so pool them across replications only with care (or use one value per replication)."""
    _check_level(level)
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must lie strictly between 0 and 1 (got {q})")
    x = np.sort(np.asarray(sample, dtype=np.float64))
    if np.isnan(x).any():
        raise ValueError("sample contains NaN (order statistics need every value; drop them first)")
    n = x.size
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), level, 0, "order_statistics")
    tail = (1.0 - level) / 2.0
    cdf = special.bdtr(np.arange(n), n, q)  # P(B <= j), j = 0..n-1
    l = int(np.sum(cdf <= tail))  # ranks 1..l all satisfy P(B <= rank - 1) <= tail
    above = np.flatnonzero(cdf >= 1.0 - tail)
    u = int(above[0]) + 1 if above.size else n + 1
    low = float(x[l - 1]) if l >= 1 else -np.inf
    high = float(x[u - 1]) if u <= n else np.inf
    return Interval(float(np.quantile(x, q)), low, high, level, n, "order_statistics")


# --- one long run ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BatchMeans:
    """Non-overlapping batch means of one run: `means[i]` averages observations
    [discarded + i * batch_size, discarded + (i + 1) * batch_size)."""

    means: np.ndarray
    batch_size: int
    discarded: int

    @property
    def lag1_autocorrelation(self) -> float:
        """r_1 = sum (Y_i - Y_bar)(Y_{i+1} - Y_bar) / sum (Y_i - Y_bar)^2 over batch means Y_i. Clearly
        positive values mean the batches are too short to be nearly independent and the batch-means interval
        will undercover; lengthen the run (Law 2015, ch. 9). Biased towards negative values for few batches."""
        centred = self.means - self.means.mean()
        denominator = float(centred @ centred)
        return float(centred[:-1] @ centred[1:]) / denominator if denominator > 0.0 else float("nan")


def batch_means(series: npt.ArrayLike, n_batches: int = 20) -> BatchMeans:
    """Split a steady-state series into `n_batches` equal, non-overlapping batches and average each. The
    n mod n_batches leading observations are dropped (the oldest, nearest any residual warm-up)."""
    x = np.asarray(series, dtype=np.float64)
    if n_batches < 2:
        raise ValueError(f"n_batches must be at least 2 (got {n_batches})")
    batch_size = x.size // n_batches
    if batch_size < 1:
        raise ValueError(f"series of {x.size} observations is too short for {n_batches} batches")
    discarded = x.size - batch_size * n_batches
    means = x[discarded:].reshape(n_batches, batch_size).mean(axis=1)
    return BatchMeans(means, batch_size, discarded)


def batch_means_interval(series: npt.ArrayLike, n_batches: int = 20, level: float = 0.95) -> Interval:
    """Interval for the steady-state mean from one long run after warm-up: the Student-t interval over
    `n_batches` non-overlapping batch means with n_batches - 1 degrees of freedom (Law 2015, ch. 9;
    Schmeiser 1982 on using 10 to 30 batches). Assumes the batches are long enough that their means are
    nearly independent and normal; check `batch_means(series, n_batches).lag1_autocorrelation`."""
    batches = batch_means(series, n_batches)
    interval = t_interval(batches.means, level)
    return Interval(interval.estimate, interval.low, interval.high, level, int(np.size(series)),
                    f"batch_means(batches={n_batches}, batch_size={batches.batch_size})")


# --- many intervals and stopping -------------------------------------------------------------------------

def bonferroni_level(family_level: float, m: int) -> float:
    """Per-interval level 1 - (1 - family_level) / m, so that m intervals hold jointly with probability at
    least `family_level` whatever their dependence (Bonferroni inequality; Law 2015, ch. 9).

    The same level serves two-sided intervals and one-sided bounds (each of the m statements may fail with
    probability (1 - family_level) / m); the sides enter only through the critical value:
    `t_critical(bonferroni_level(family_level, m), df, sides=1)` is the one-sided Bonferroni t of Hsu's
    MCB (`sim.core.ranking`), `sides=2` (the default) the two-sided one of `compare_tables` and validation."""
    _check_level(family_level, "family_level")
    if m < 1:
        raise ValueError(f"m (the number of intervals) must be a positive integer (got {m})")
    return 1.0 - (1.0 - family_level) / m


def t_test_power(error: float, sd: float, n: int, level: float) -> float:
    """Power of the two-sided one-sample t test that rejects when the Student-t interval at `level` from n
    values misses the hypothesised mean, when the true mean is `error` away from it and each value has
    standard deviation `sd`: P(|T'| > t_{n-1, (1+level)/2}) with T' noncentral t (df n - 1, noncentrality
    error sqrt(n) / sd) (Law 2015, ch. 9; scipy's `nctdtr`). 1 when sd is 0 and error is not; NaN below two
    values."""
    _check_level(level)
    if n < 2:
        return float("nan")
    if sd <= 0.0:
        return 1.0 if error != 0.0 else 1.0 - level
    df = n - 1.0
    critical = t_critical(level, df)
    noncentrality = abs(error) * math.sqrt(n) / sd
    upper = 1.0 - float(special.nctdtr(df, noncentrality, critical))
    lower = float(special.nctdtr(df, noncentrality, -critical))
    # nctdtr returns NaN in some far tails (scipy 1.17): the lower tail there is below 1e-15, and the upper
    # tail falls back to its normal approximation 1 - Phi(c - noncentrality)
    if math.isnan(upper):
        upper = 1.0 - float(special.ndtr(critical - noncentrality))
    return upper + (0.0 if math.isnan(lower) else lower)


def replications_for_power(error: float, sd: float, level: float, power: float = 0.9, minimum: int = 2) -> int:
    """The fewest replications n >= `minimum` whose two-sided t test at `level` has `t_test_power` >= `power`
    against a true error `error`, for values with standard deviation `sd` (a pilot's estimate, taken as
    known). Starts from the normal approximation n = ((z_{(1+level)/2} + z_power) sd / error)^2, which the
    t test needs slightly more than, and counts up."""
    _check_level(level)
    _check_level(power, "power")
    if error == 0.0:
        raise ValueError("error must be non-zero: no replication count detects an error of 0")
    if sd <= 0.0:
        return max(2, minimum)
    approximate = ((z_critical(level) + z_critical(power, sides=1)) * sd / abs(error)) ** 2
    n = max(2, minimum, math.ceil(approximate))
    while t_test_power(error, sd, n, level) < power:
        n += 1
    return n


def relative_half_width(interval: Interval) -> float:
    """half_width / |estimate| (Law 2015, ch. 9, relative precision); inf when the estimate is 0."""
    return _relative(interval.half_width, interval.estimate)


def _relative(half_width: float, estimate: float) -> float:
    if estimate == 0.0:
        return float("inf") if half_width > 0.0 else float("nan")
    return half_width / abs(estimate)


class PrecisionCheck(NamedTuple):
    """Whether every named metric reached the target, and the metric with the widest relative interval
    (the one that binds a sequential stopping rule)."""

    reached: bool
    binding_metric: str


def precision_reached(summary_df: pl.DataFrame, metrics: Iterable[str],
                      target_relative_half_width: float) -> PrecisionCheck:
    """Stopping test for sequential replication (Law 2015, ch. 9, relative-precision procedure): True when
    half_width / |mean| < target for every metric in `metrics`, read from a `summarise_metrics` table.
    A metric with an undefined interval (n < 2) or a zero mean with positive half-width counts as not reached.
    To bound the relative error |mean - mu| / |mu| by gamma, pass gamma / (1 + gamma) (Law's adjustment).
    The coverage of a sequentially stopped interval is only asymptotically nominal; the runner caps the
    number of replications."""
    if target_relative_half_width <= 0.0:
        raise ValueError(f"target_relative_half_width must be positive (got {target_relative_half_width})")
    names = list(metrics)
    if not names:
        raise ValueError("metrics must name at least one metric")
    available = summary_df.get_column("metric").to_list()
    missing = [name for name in names if name not in available]
    if missing:
        raise ValueError(f"metrics {missing} are not in the summary (available: {available})")
    rows = {row["metric"]: row for row in summary_df.iter_rows(named=True)}
    relative = [_relative(rows[name]["half_width"], rows[name]["mean"]) for name in names]
    relative = [np.inf if np.isnan(value) else value for value in relative]
    binding = int(np.argmax(relative))
    return PrecisionCheck(bool(max(relative) < target_relative_half_width), names[binding])


# --- comparing two scenarios -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PairedComparison:
    """Scenario b minus scenario a on one metric, replication by replication.

    `difference` is the paired-t interval for E[b - a]. `independent_half_width_estimate` is the Welch
    half-width the same number of replications would have given with independent seeds, ESTIMATED from the
    two sample variances (the covariance common random numbers induce is dropped). `variance_ratio` is
    var(b - a) / (var(a) + var(b)): 1 without correlation, below 1 when common random numbers help, above 1
    when they backfire."""

    difference: Interval
    mean_a: float
    mean_b: float
    independent_half_width_estimate: float
    variance_ratio: float

    @property
    def mean_difference(self) -> float:
        return self.difference.estimate

    @property
    def half_width(self) -> float:
        return self.difference.half_width


def paired_comparison(a: npt.ArrayLike, b: npt.ArrayLike, level: float = 0.95) -> PairedComparison:
    """Compare per-replication values `a` and `b` of one metric from two scenarios run with the same
    replication seeds (common random numbers): the paired-t interval on b_j - a_j (Law 2015, ch. 10), which
    stays valid under any correlation between a_j and b_j. Assumes pairs are i.i.d. across replications.
    The independent-seed half-width is Welch's (1947) t interval from the two sample variances."""
    _check_level(level)
    x_a = np.asarray(a, dtype=np.float64)
    x_b = np.asarray(b, dtype=np.float64)
    if x_a.ndim != 1 or x_a.shape != x_b.shape:
        raise ValueError(f"a and b must be 1-D with one value per replication (got shapes {x_a.shape}, {x_b.shape})")
    n = x_a.size
    difference = t_interval(x_b - x_a, level)
    if n < 2:
        means = (float(x_a.mean()), float(x_b.mean())) if n else (float("nan"), float("nan"))
        return PairedComparison(difference, *means, float("nan"), float("nan"))
    var_a, var_b = float(x_a.var(ddof=1)), float(x_b.var(ddof=1))
    independent_half = _welch_half_width(var_a, n, var_b, n, level)
    ratio = float((x_b - x_a).var(ddof=1)) / (var_a + var_b) if var_a + var_b > 0.0 else float("nan")
    return PairedComparison(difference, float(x_a.mean()), float(x_b.mean()), float(independent_half), ratio)


def _welch_half_width(var_a: float, n_a: int, var_b: float, n_b: int, level: float) -> float:
    """Welch's (1947) half-width of mean(b) - mean(a) from two independent samples' variances (ddof=1):
    t at the Welch-Satterthwaite degrees of freedom times sqrt(var_a / n_a + var_b / n_b); 0 when both
    variances are 0."""
    se_squared = var_a / n_a + var_b / n_b
    if se_squared <= 0.0:
        return 0.0
    welch_df = se_squared**2 / ((var_a / n_a) ** 2 / (n_a - 1) + (var_b / n_b) ** 2 / (n_b - 1))
    return t_critical(level, welch_df) * math.sqrt(se_squared)


def welch_interval(a: npt.ArrayLike, b: npt.ArrayLike, level: float = 0.95) -> Interval:
    """Interval for E[b] - E[a] from two independent samples (runs with different seeds: no pairing):
    Welch's t interval, valid with unequal variances and sizes. `n` is the smaller sample; NaN bounds when
    either sample has fewer than two values."""
    _check_level(level)
    x_a, x_b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    n = int(min(x_a.size, x_b.size))
    estimate = float(x_b.mean() - x_a.mean()) if n else float("nan")
    if n < 2:
        return Interval(estimate, float("nan"), float("nan"), level, n, "welch")
    half = _welch_half_width(float(x_a.var(ddof=1)), x_a.size, float(x_b.var(ddof=1)), x_b.size, level)
    return Interval(estimate, estimate - half, estimate + half, level, n, "welch")


class Equivalence(NamedTuple):
    """The outcome of an equivalence test of E[b] - E[a] against (-margin, margin) (`welch_tost`)."""

    interval: Interval  # the 1 - 2 alpha_per_side Welch interval for E[b] - E[a]
    margin: float
    equivalent: bool  # the interval lies strictly inside (-margin, margin)


def welch_tost(a: npt.ArrayLike, b: npt.ArrayLike, margin: float, alpha_per_side: float = 0.05) -> Equivalence:
    """Equivalence of two independent samples' means (runs with different seeds) within `margin` (> 0, in the
    values' units): Schuirmann's (1987) two one-sided tests with Welch's t. H0: E[b] - E[a] <= -margin and
    H0: E[b] - E[a] >= margin are each rejected at `alpha_per_side` exactly when the 1 - 2 alpha_per_side
    Welch interval (`welch_interval`) lies inside (-margin, margin); equivalence (both rejected) is a test of
    level alpha_per_side. A sample of fewer than two values (NaN interval) is never equivalent."""
    if not margin > 0.0:
        raise ValueError(f"margin must be positive (got {margin})")
    if not 0.0 < alpha_per_side < 0.5:
        raise ValueError(f"alpha_per_side must lie strictly between 0 and 0.5 (got {alpha_per_side})")
    interval = welch_interval(a, b, level=1.0 - 2.0 * alpha_per_side)
    return Equivalence(interval, margin, bool(-margin < interval.low and interval.high < margin))


_COMPARISON_SCHEMA = {
    "scenario": pl.String, "baseline": pl.String, "metric": pl.String, "n": pl.Int64,
    "mean_baseline": pl.Float64, "mean_scenario": pl.Float64, "difference": pl.Float64,
    "ci_low": pl.Float64, "ci_high": pl.Float64, "half_width": pl.Float64,
    "independent_half_width_estimate": pl.Float64, "variance_ratio": pl.Float64,
    "family_level": pl.Float64, "level_per_interval": pl.Float64, "adjustment": pl.String,
    "constant": pl.Boolean, "no_difference": pl.Boolean, "pairing": pl.String,
}

#: relative tolerance below which values count as equal: a metric is constant when every per-replication value
#: equals the first to this relative tolerance in both arms; a mean difference within it of
#: max(|mean a|, |mean b|, 1) is no difference (rounding, not simulation noise)
EQUALITY_TOLERANCE = 1e-12


def _constant(values: FloatArray) -> bool:
    """Every value equals the first to `EQUALITY_TOLERANCE` relative (max(1, |first|) as the scale)."""
    if values.size == 0:
        return True
    return bool(np.all(np.abs(values - values[0]) <= EQUALITY_TOLERANCE * max(1.0, abs(float(values[0])))))


def compare_tables(per_replication_by_scenario: dict[str, pl.DataFrame], baseline: str, level: float = 0.95,
                   family_wise: bool = True, paired: bool = True) -> pl.DataFrame:
    """One row per (scenario, metric): `paired_comparison` of each non-baseline scenario against `baseline`
    on every metric both tables hold (difference = scenario - baseline).

    Inputs are the runner's long per-replication tables (replication, metric, value); values are paired by
    replication index, which assumes the scenarios were run with the same seed so replication k used the
    same streams (common random numbers). Replications missing or NaN on either side are dropped (n says
    how many pairs were used).

    A row is `constant` when every per-replication value equals the first to `EQUALITY_TOLERANCE` relative
    in both arms: it carries no simulation noise, so it has no interval worth adjusting and leaves the
    family. A row has `no_difference` when |mean difference| <= `EQUALITY_TOLERANCE` x max(|mean a|,
    |mean b|, 1): a difference of rounding, never reported as significant. With `family_wise` every other
    interval is at the Bonferroni level for m = the non-constant rows, so they hold jointly with probability
    at least `level`; otherwise each holds at `level`. Constant rows keep their (zero-width) interval at
    `level` with adjustment "constant".

    With `paired=False` (runs made with different seeds: no common random numbers) every value of each arm
    is used, unpaired, and the interval is Welch's (`welch_interval`; `n` the smaller arm,
    `independent_half_width_estimate` the interval's own half-width, `variance_ratio` NaN); the `pairing`
    column says which ("paired t" or "welch")."""
    _check_level(level)
    if baseline not in per_replication_by_scenario:
        raise ValueError(f"baseline {baseline!r} is not among the scenarios {list(per_replication_by_scenario)}")
    base = per_replication_by_scenario[baseline]
    metrics = base.get_column("metric").unique(maintain_order=True).to_list()
    pairs: list[tuple[str, str, FloatArray, FloatArray]] = []
    for scenario, table in per_replication_by_scenario.items():
        if scenario == baseline:
            continue
        present = set(table.get_column("metric").to_list())
        for metric in metrics:
            if metric not in present:
                continue
            if not paired:
                a, b = (frame.filter((pl.col("metric") == metric) & pl.col("value").is_finite())
                        .sort("replication").get_column("value").to_numpy() for frame in (base, table))
                pairs.append((scenario, metric, a, b))
                continue
            joined = (
                base.filter(pl.col("metric") == metric).select("replication", pl.col("value").alias("a"))
                .join(table.filter(pl.col("metric") == metric).select("replication", pl.col("value").alias("b")),
                      on="replication", how="inner")
                .drop_nulls().filter(pl.col("a").is_finite() & pl.col("b").is_finite()).sort("replication")
            )
            pairs.append((scenario, metric, joined.get_column("a").to_numpy(), joined.get_column("b").to_numpy()))
    if not pairs:
        return pl.DataFrame(schema=_COMPARISON_SCHEMA)
    constant = [_constant(a) and _constant(b) for _, _, a, b in pairs]
    m = len(pairs) - sum(constant)
    level_per_interval = bonferroni_level(level, m) if family_wise and m else level
    adjustment = f"bonferroni, m={m}" if family_wise else "none"
    rows = []
    for (scenario, metric, a, b), is_constant in zip(pairs, constant):
        row_level = level if is_constant else level_per_interval
        if paired:
            comparison = paired_comparison(a, b, row_level)
        else:
            welch = welch_interval(a, b, row_level)
            comparison = PairedComparison(welch, float(a.mean()) if a.size else float("nan"),
                                          float(b.mean()) if b.size else float("nan"), welch.half_width,
                                          float("nan"))
        scale = max(abs(comparison.mean_a), abs(comparison.mean_b), 1.0)
        rows.append({
            "scenario": scenario, "baseline": baseline, "metric": metric, "n": comparison.difference.n,
            "mean_baseline": comparison.mean_a, "mean_scenario": comparison.mean_b,
            "difference": comparison.mean_difference, "ci_low": comparison.difference.low,
            "ci_high": comparison.difference.high, "half_width": comparison.half_width,
            "independent_half_width_estimate": comparison.independent_half_width_estimate,
            "variance_ratio": comparison.variance_ratio, "family_level": level,
            "level_per_interval": row_level, "adjustment": "constant" if is_constant else adjustment,
            "constant": is_constant,
            "no_difference": bool(abs(comparison.mean_difference) <= EQUALITY_TOLERANCE * scale),
            "pairing": "paired t" if paired else "welch",
        })
    return pl.DataFrame(rows, schema=_COMPARISON_SCHEMA)
