"""The shared payback rule (sim.core.payback) on hand-made cumulative series."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sim.core.payback import check_common_seed, cumulative_difference_table, first_quarter_paid_back


def _frame(values: np.ndarray) -> pl.DataFrame:
    """(replications, quarters) cumulative values -> the long frame the rule reads."""
    replications, quarters = values.shape
    return pl.DataFrame({"replication": np.repeat(np.arange(replications), quarters),
                         "quarter": np.tile(np.arange(quarters), replications),
                         "quarter_label": [f"Q{q}" for q in np.tile(np.arange(quarters), replications)],
                         "value": values.ravel()})


def test_the_first_quarter_whose_paired_interval_clears_zero():
    """Differences -2, -1, 0, 1, 2 (+ replication noise of +-0.1, sd 0.1 over 4 replications): the t interval
    half-width at 95% is t_{0.975,3} x 0.1155 / 2 = 0.18, so Q3 (mean 1) is the first above 0."""
    noise = np.array([0.1, -0.1, 0.1, -0.1])[:, None]
    base = np.zeros((4, 5))
    decision = base + np.arange(-2.0, 3.0)[None, :] + noise
    table = cumulative_difference_table(_frame(base), _frame(decision), "value")
    assert table["difference"].to_list() == pytest.approx([-2.0, -1.0, 0.0, 1.0, 2.0])
    assert first_quarter_paid_back(table) == "Q3"
    never = decision - 3.0  # every quarter's difference is below 0
    assert first_quarter_paid_back(cumulative_difference_table(_frame(base), _frame(never), "value")) is None


def test_runs_at_different_seeds_are_refused():
    check_common_seed(3, 3)
    with pytest.raises(ValueError, match="same seed"):
        check_common_seed(3, 4)
