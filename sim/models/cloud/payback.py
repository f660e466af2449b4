"""When does a price cut pay back? The paired difference of cumulative contribution less capex (revenue
less volume-driven cost less capex spend; not a profit, see `market.py`) against the status quo.

Both runs must use the same seed and replications (common random numbers: replication k of each scenario
sees the same workloads, tastes and choice uniforms, so only the prices differ). For each quarter q,
d_kq = cumulative contribution less capex of the cut run minus the status-quo run in replication k; the paired-t interval
(`sim.core.stats.paired_comparison`, Law 2015 ch. 10) gives the CI of E[d_q]. The payback quarter is the
first quarter whose CI lower bound is above 0 (None if there is none within the horizon). Quarters before
the cut have d = 0 exactly, so they never count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from sim.core.stats import paired_comparison

if TYPE_CHECKING:
    from sim.core.results import RunResult

__all__ = ["payback_table", "payback_quarter", "payback_report"]

_SCHEMA = {"quarter": pl.Int64, "quarter_label": pl.String, "n": pl.Int64, "status_quo_rmb_bn": pl.Float64,
           "cut_rmb_bn": pl.Float64, "difference_rmb_bn": pl.Float64, "ci_low": pl.Float64,
           "ci_high": pl.Float64, "level": pl.Float64}


def _cumulative(result: RunResult, provider: str) -> pl.DataFrame:
    return (result.frame("quarterly").filter(pl.col("provider") == provider)
            .select("replication", "quarter", "quarter_label", "cumulative_contribution_less_capex_rmb_bn"))


def payback_table(cut_result: RunResult, status_quo_result: RunResult, provider: str = "alibaba",
                  level: float = 0.95) -> pl.DataFrame:
    """One row per quarter: the mean cumulative contribution less capex of each run, their paired difference (cut minus
    status quo) and its CI at `level`, over the replications both runs have."""
    seeds = {getattr(r, "manifest", {}).get("seed") for r in (cut_result, status_quo_result)}
    if len(seeds) > 1:
        raise ValueError(f"payback needs common random numbers: both runs must use the same seed (got {seeds})")
    joined = _cumulative(status_quo_result, provider).rename({"cumulative_contribution_less_capex_rmb_bn": "a"}).join(
        _cumulative(cut_result, provider).select("replication", "quarter",
                                                 pl.col("cumulative_contribution_less_capex_rmb_bn").alias("b")),
        on=["replication", "quarter"], how="inner").sort("quarter", "replication")
    rows = []
    for (quarter,), group in joined.group_by("quarter", maintain_order=True):
        comparison = paired_comparison(group["a"].to_numpy(), group["b"].to_numpy(), level)
        rows.append({"quarter": quarter, "quarter_label": group["quarter_label"][0], "n": comparison.difference.n,
                     "status_quo_rmb_bn": comparison.mean_a, "cut_rmb_bn": comparison.mean_b,
                     "difference_rmb_bn": comparison.mean_difference, "ci_low": comparison.difference.low,
                     "ci_high": comparison.difference.high, "level": level})
    return pl.DataFrame(rows, schema=_SCHEMA)


def payback_quarter(cut_result: RunResult, status_quo_result: RunResult, provider: str = "alibaba",
                    level: float = 0.95) -> str | None:
    """The label ("2025Q3") of the first quarter in which the CI lower bound of the cumulative
    difference (cut minus status quo) is above 0; None if it never is within the horizon."""
    table = payback_table(cut_result, status_quo_result, provider, level)
    paid = table.filter(pl.col("ci_low").is_not_nan() & (pl.col("ci_low") > 0.0))
    return None if paid.height == 0 else str(paid["quarter_label"][0])



def payback_report(status_quo_result: RunResult, cut_result: RunResult, provider: str = "alibaba",
                   level: float = 0.95) -> pl.DataFrame:
    """One row for `sim compare`: the payback quarter and the difference in cumulative contribution less capex at the horizon."""
    table = payback_table(cut_result, status_quo_result, provider, level)
    last = table.row(table.height - 1, named=True)
    return pl.DataFrame({
        "payback_quarter": [payback_quarter(cut_result, status_quo_result, provider, level) or "none"],
        "horizon_quarter": [last["quarter_label"]],
        "cumulative_contribution_less_capex_difference_rmb_bn": [last["difference_rmb_bn"]],
        "ci_low": [last["ci_low"]], "ci_high": [last["ci_high"]], "level": [level],
    })
