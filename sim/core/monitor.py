"""Time-integrated monitors for SimPy models: record a level (queue length, busy servers, parcels held)
at every change and integrate it exactly afterwards. Independent of per-entity waits, so Little's law
(L = lambda W) can be checked with both sides measured separately."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["LevelMonitor"]


class LevelMonitor:
    """A piecewise-constant level over time, starting at `initial` at time `start`.

    Recorded changes are kept in lists (cheap to append while the clock runs); a monitor built at once from
    all its changes (`from_changes`) keeps NumPy arrays, so reading it converts nothing."""

    __slots__ = ("_times", "_levels")

    def __init__(self, start: float = 0.0, initial: float = 0.0):
        self._times: list[float] | np.ndarray = [start]
        self._levels: list[float] | np.ndarray = [initial]

    def record(self, time: float, level: float) -> None:
        """The level is `level` from `time` on (times must not decrease)."""
        if isinstance(self._times, np.ndarray):  # built by from_changes: recording goes on in lists
            self._times, self._levels = self._times.tolist(), np.asarray(self._levels).tolist()
        assert isinstance(self._times, list) and isinstance(self._levels, list)
        self._times.append(time)
        self._levels.append(level)

    @classmethod
    def from_changes(cls, start: float, times: ArrayLike, steps: ArrayLike, initial: float = 0.0) -> LevelMonitor:
        """The level that is `initial` at `start` and moves by `steps[k]` at `times[k]` (times in any order, at
        or after `start`; changes at the same time are applied in the order given, and the level passes
        through the intermediate values for zero time, which no integral sees)."""
        times = np.asarray(times, dtype=np.float64)
        order = np.argsort(times, kind="stable")
        monitor = cls(start, initial)
        monitor._times = np.concatenate(([start], times[order])).astype(np.float64, copy=False)
        monitor._levels = np.concatenate(([initial], initial + np.cumsum(np.asarray(steps, dtype=np.float64)[order])))
        return monitor

    def levels_before(self, times: ArrayLike) -> np.ndarray:
        """The level just before each of `times` (the last level recorded at an earlier time): what a snapshot
        taken at that instant, before any change at the instant itself, would read. `times` after `start`."""
        recorded = np.asarray(self._times, dtype=np.float64)
        last = np.searchsorted(recorded, np.asarray(times, dtype=np.float64), side="left") - 1
        levels: np.ndarray = np.asarray(self._levels, dtype=np.float64)[last]
        return levels

    def _arrays(self, end: float) -> tuple[np.ndarray, np.ndarray]:
        times = np.append(np.asarray(self._times, dtype=np.float64), end)
        return times, np.asarray(self._levels, dtype=np.float64)

    def integral(self, start: float, end: float) -> float:
        """The integral of the level over [start, end]."""
        times, levels = self._arrays(max(end, self._times[-1]))
        lo = np.clip(times[:-1], start, end)
        hi = np.clip(times[1:], start, end)
        return float(np.sum(levels * (hi - lo)))

    def time_average(self, start: float, end: float) -> float:
        """The time-average level over [start, end]."""
        return self.integral(start, end) / (end - start)

    def binned_averages(self, start: float, end: float, width: float) -> np.ndarray:
        """Time-average level in consecutive bins of `width` from `start` to `end`."""
        edges = np.arange(start, end + width * 0.5, width)
        times, levels = self._arrays(max(end, self._times[-1]))
        cumulative = np.concatenate(([0.0], np.cumsum(levels * np.diff(times))))
        # integral from times[0] to each edge, by interpolating the cumulative area (exact: piecewise linear)
        area_at_edges = np.interp(edges, times, cumulative)
        averages: np.ndarray = np.diff(area_at_edges) / np.diff(edges)
        return averages
