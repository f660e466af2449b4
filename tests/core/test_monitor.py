"""`LevelMonitor.binned_averages` against a step function integrated by hand."""

import numpy as np
import pytest

from sim.core.monitor import LevelMonitor


def _step() -> LevelMonitor:
    """Level 0 on [0, 1), 2 on [1, 2.5), 4 from 2.5 on."""
    monitor = LevelMonitor(start=0.0, initial=0.0)
    monitor.record(1.0, 2.0)
    monitor.record(2.5, 4.0)
    return monitor


def test_unit_bins_by_hand():
    # [0,1]: 0; [1,2]: 2; [2,3]: half at 2, half at 4 = 3; [3,4]: 4 (the last level holds to the end)
    np.testing.assert_allclose(_step().binned_averages(0.0, 4.0, 1.0), [0.0, 2.0, 3.0, 4.0], rtol=1e-12)


def test_bins_straddling_the_steps_by_hand():
    # [0,1.5]: (0 x 1 + 2 x 0.5) / 1.5 = 2/3; [1.5,3]: (2 x 1 + 4 x 0.5) / 1.5 = 8/3
    np.testing.assert_allclose(_step().binned_averages(0.0, 3.0, 1.5), [2.0 / 3.0, 8.0 / 3.0], rtol=1e-12)
    # a window starting inside the record: [1.25, 2.25]: 2; [2.25, 3.25]: (2 x 0.25 + 4 x 0.75) = 3.5
    np.testing.assert_allclose(_step().binned_averages(1.25, 3.25, 1.0), [2.0, 3.5], rtol=1e-12)


def test_bins_agree_with_time_average_over_the_whole_window():
    monitor = _step()
    bins = monitor.binned_averages(0.0, 4.0, 0.5)
    assert bins.size == 8
    assert bins.mean() == pytest.approx((0 * 1 + 2 * 1.5 + 4 * 1.5) / 4.0, rel=1e-12)
    assert monitor.time_average(0.0, 4.0) == pytest.approx(bins.mean(), rel=1e-12)


def test_recording_goes_on_after_from_changes():
    """A monitor built from changes (kept as arrays) takes further records: level 0 on [0, 1), 2 on [1, 2.5)
    (two steps of +1 at 1), 4 from 2.5 on, the last recorded by hand: the same step as `_step`."""
    monitor = LevelMonitor.from_changes(0.0, [1.0, 1.0], [1.0, 1.0])
    monitor.record(2.5, 4.0)
    np.testing.assert_allclose(monitor.binned_averages(0.0, 4.0, 1.0), [0.0, 2.0, 3.0, 4.0], rtol=1e-12)
    assert monitor.integral(0.0, 4.0) == 0.0 + 2.0 * 1.5 + 4.0 * 1.5


def test_levels_before_reads_the_level_just_before_each_instant():
    # by hand: 0 from t=0, 2 from t=1, then 1 and 3 at t=2 (two changes at one instant), 0 from t=5
    monitor = LevelMonitor(0.0)
    for time, level in ((1.0, 2), (2.0, 1), (2.0, 3), (5.0, 0)):
        monitor.record(time, level)
    np.testing.assert_array_equal(monitor.levels_before([0.5, 1.0, 2.0, 2.5, 5.0, 9.0]), [0, 0, 2, 3, 3, 0])
