"""Where the warm-up of a steady-state run ends: the MSER-5 truncation rule and its picture.

MSER-5 (White 1997; White, Cobb & Spratt 2000; Law 2015, ch. 9) batches the output series into k means of
b = 5 consecutive observations, Z_1..Z_k, and for each candidate truncation d (in batches) computes

    MSER(d) = sum_{j=d+1}^{k} (Z_j - Z_bar(d))^2 / (k - d)^2,      Z_bar(d) = mean of Z_{d+1}..Z_k,

an estimate of the squared standard error of the truncated mean that grows while the transient's bias is
kept and shrinks while noise is dropped. The truncation is d* = argmin over d in 0..floor(k/2) (the first
half, as White et al. advise: later minima reflect noise on too few batches). A minimum at the end of that
range means the run is too short to show a steady state.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike

from sim.core.charts import save_figure

__all__ = ["MserResult", "mser5", "plot_mser"]

BATCH_SIZE = 5


@dataclass(frozen=True)
class MserResult:
    """MSER-5 outcome. `truncation_index` counts original observations (= batch_size * d*): keep
    series[truncation_index:]. `statistic[d]` is MSER(d) for d = 0..floor(k/2) batches."""

    truncation_index: int
    batch_size: int
    statistic: np.ndarray

    @property
    def at_search_limit(self) -> bool:
        """True when the minimum sits at the last candidate: the warm-up may not be over; run longer."""
        return self.truncation_index == self.batch_size * (self.statistic.size - 1)


def mser5(series: ArrayLike) -> MserResult:
    """MSER-5 truncation point of one run's output series (e.g. waits in arrival order or per-period
    averages). Assumes the series settles to a stationary process within its first half; trailing
    n mod 5 observations are left out of the batches."""
    x = np.asarray(series, dtype=np.float64)
    k = x.size // BATCH_SIZE
    if k < 4:
        raise ValueError(f"MSER-5 needs at least {4 * BATCH_SIZE} observations (got {x.size})")
    if not np.all(np.isfinite(x[: k * BATCH_SIZE])):
        raise ValueError("series must be finite (remove NaN/inf before truncation)")
    z = x[: k * BATCH_SIZE].reshape(k, BATCH_SIZE).mean(axis=1)
    z = z - z.mean()  # centring keeps the running sums below from cancelling
    last = k // 2
    tail_sum = np.cumsum(z[::-1])[::-1][: last + 1]
    tail_sum_squares = np.cumsum((z * z)[::-1])[::-1][: last + 1]
    remaining = k - np.arange(last + 1)
    squared_deviations = np.maximum(tail_sum_squares - tail_sum**2 / remaining, 0.0)
    statistic = squared_deviations / remaining.astype(np.float64) ** 2
    return MserResult(BATCH_SIZE * int(np.argmin(statistic)), BATCH_SIZE, statistic)


def plot_mser(series: ArrayLike, result: MserResult, path: str | Path, label: str = "output", period: str = "observation") -> Path:
    """Write a PNG of the series with its 5-observation batch means and the MSER-5 cut (top) and the MSER
    statistic against the truncation point (bottom). Draws off-screen (Agg); returns the path written."""
    from matplotlib.figure import Figure  # imported here: sweep workers import the runner, not matplotlib
    x = np.asarray(series, dtype=np.float64)
    k = x.size // result.batch_size
    batch_ends = result.batch_size * np.arange(1, k + 1)
    batch = x[: k * result.batch_size].reshape(k, result.batch_size).mean(axis=1)
    cut = result.truncation_index

    figure = Figure(figsize=(8.0, 6.0), layout="constrained")
    top, bottom = figure.subplots(2, 1, sharex=True)
    top.plot(np.arange(x.size), x, color="0.75", linewidth=0.5, label="observations")
    top.plot(batch_ends, batch, color="tab:blue", linewidth=1.0, label=f"means of {result.batch_size}")
    top.axvline(cut, color="tab:red", linestyle="--", label=f"MSER-5 cut at {cut}")
    top.hlines(x[cut:].mean(), cut, x.size, colors="black", linewidth=1.0, label="mean after the cut")
    top.set_ylabel(label)
    top.legend(loc="upper right", fontsize="small")
    candidates = result.batch_size * np.arange(result.statistic.size)
    bottom.plot(candidates, result.statistic, color="tab:blue")
    bottom.axvline(cut, color="tab:red", linestyle="--")
    bottom.set_xlabel(f"{period}s truncated")
    bottom.set_ylabel("MSER statistic")
    if result.at_search_limit:
        bottom.set_title("minimum at the search limit: the run may be too short", fontsize="small")
    return save_figure(figure, path, dpi=100)
