"""When does a price cut pay back? The paired difference of cumulative contribution less capex (revenue less
volume-driven cost less capex spend; not a profit, see `market.py`) against the status quo, by the rule of
`sim.core.payback` (the first quarter whose paired CI lower bound is above 0; same seed required).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from sim.core.payback import check_common_seed, cumulative_difference_table, first_quarter_paid_back

if TYPE_CHECKING:
    from sim.core.results import RunResult

__all__ = ["payback_table", "payback_quarter", "payback_report"]

_CUMULATIVE = "cumulative_contribution_less_capex_rmb_bn"


def _cumulative(result: RunResult, provider: str) -> pl.DataFrame:
    return (result.frame("quarterly").filter(pl.col("provider") == provider)
            .select("replication", "quarter", "quarter_label", _CUMULATIVE))


def payback_table(cut_result: RunResult, status_quo_result: RunResult, provider: str = "alibaba",
                  level: float = 0.95) -> pl.DataFrame:
    """One row per quarter: the mean cumulative contribution less capex of each run, their paired difference (cut minus
    status quo) and its CI at `level`, over the replications both runs have."""
    check_common_seed(*(getattr(r, "manifest", {}).get("seed") for r in (cut_result, status_quo_result)))
    table = cumulative_difference_table(_cumulative(status_quo_result, provider), _cumulative(cut_result, provider),
                                        _CUMULATIVE, level)
    return table.rename({"baseline": "status_quo_rmb_bn", "decision": "cut_rmb_bn",
                         "difference": "difference_rmb_bn"})


def payback_quarter(cut_result: RunResult, status_quo_result: RunResult, provider: str = "alibaba",
                    level: float = 0.95) -> str | None:
    """The label ("2025Q3") of the first quarter in which the CI lower bound of the cumulative
    difference (cut minus status quo) is above 0; None if it never is within the horizon."""
    return first_quarter_paid_back(payback_table(cut_result, status_quo_result, provider, level))


def payback_report(status_quo_result: RunResult, cut_result: RunResult, provider: str = "alibaba",
                   level: float = 0.95) -> pl.DataFrame:
    """One row for `sim compare`: the payback quarter and the difference in cumulative contribution less capex at the horizon."""
    table = payback_table(cut_result, status_quo_result, provider, level)
    last = table.row(table.height - 1, named=True)
    return pl.DataFrame({
        "payback_quarter": [first_quarter_paid_back(table) or "none"],
        "horizon_quarter": [last["quarter_label"]],
        "cumulative_contribution_less_capex_difference_rmb_bn": [last["difference_rmb_bn"]],
        "ci_low": [last["ci_low"]], "ci_high": [last["ci_high"]], "level": [level],
    })
