"""When does a decision pay back? The one rule the cloud model (a price cut) and the Cainiao model (the
buy-out) share.

Both runs must use the same seed and replications (common random numbers: replication k of each scenario sees
the same draws, so only the decision differs). For each quarter q, d_kq = the cumulative value of the decision
run minus the baseline run in replication k; the paired-t interval (`sim.core.stats.paired_comparison`, Law
2015 ch. 10) gives the CI of E[d_q]. The payback quarter is the first quarter whose CI lower bound is above 0
(None if there is none within the horizon). Quarters before the decision have d = 0 exactly (no interval above
0), so they never count.

The frames given hold one row per replication and quarter with columns `replication`, `quarter`,
`quarter_label` and the cumulative value named by the caller.
"""

from __future__ import annotations

import polars as pl

from sim.core.stats import paired_comparison

__all__ = ["PAYBACK_SCHEMA", "check_common_seed", "cumulative_difference_table", "first_quarter_paid_back"]

#: the table `cumulative_difference_table` returns (values in the caller's unit)
PAYBACK_SCHEMA = {"quarter": pl.Int64, "quarter_label": pl.String, "n": pl.Int64, "baseline": pl.Float64,
                  "decision": pl.Float64, "difference": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
                  "level": pl.Float64}


def check_common_seed(*seeds: object) -> None:
    """Raise ValueError unless every run used the same seed (common random numbers)."""
    if len(set(seeds)) > 1:
        raise ValueError(f"payback needs common random numbers: both runs must use the same seed (got {set(seeds)})")


def cumulative_difference_table(baseline: pl.DataFrame, decision: pl.DataFrame, value: str,
                                level: float = 0.95) -> pl.DataFrame:
    """One row per quarter (`PAYBACK_SCHEMA`): the mean cumulative `value` of each run, their paired difference
    (decision minus baseline) and its CI at `level`, over the replications both runs have."""
    joined = baseline.select("replication", "quarter", "quarter_label", pl.col(value).alias("a")).join(
        decision.select("replication", "quarter", pl.col(value).alias("b")),
        on=["replication", "quarter"], how="inner").sort("quarter", "replication")
    rows = []
    for (quarter,), group in joined.group_by("quarter", maintain_order=True):
        comparison = paired_comparison(group["a"].to_numpy(), group["b"].to_numpy(), level)
        rows.append({"quarter": quarter, "quarter_label": group["quarter_label"][0], "n": comparison.difference.n,
                     "baseline": comparison.mean_a, "decision": comparison.mean_b,
                     "difference": comparison.mean_difference, "ci_low": comparison.difference.low,
                     "ci_high": comparison.difference.high, "level": level})
    return pl.DataFrame(rows, schema=PAYBACK_SCHEMA)


def first_quarter_paid_back(table: pl.DataFrame) -> str | None:
    """The label of the first quarter of a `cumulative_difference_table` whose CI lower bound is above 0;
    None if none is within the horizon."""
    paid = table.filter(pl.col("ci_low").is_not_nan() & (pl.col("ci_low") > 0.0))
    return None if paid.height == 0 else str(paid["quarter_label"][0])
