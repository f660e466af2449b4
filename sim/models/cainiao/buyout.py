"""The buy-out as `sim compare` reads it: the gain in NPV attributable to Alibaba's shareholders of a scenario
over a baseline (same seed: paired-t CI), set against the offer, and the payback quarter by the shared rule
(`sim.core.payback`) on the cumulative discounted attributable cash (attributable profit less the outlay).

`buyout_decomposition` splits the buy-out's gain in two, each a paired comparison: (i) ownership alone,
standalone at 100% against standalone at the initial share (what the offer pays for), and (ii) the regime
change at 100%, the new regime against standalone. US$ at each run's `cainiao.rmb_per_usd`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from sim.core.payback import check_common_seed, cumulative_difference_table, first_quarter_paid_back
from sim.core.stats import paired_comparison

if TYPE_CHECKING:
    from sim.core.results import RunResult

__all__ = ["buyout_report", "buyout_decomposition"]

_CUMULATIVE = "cumulative_attributable_cash_discounted_rmb_m"


def _npv_gain_usd_bn(baseline: RunResult, scenario: RunResult, level: float) -> tuple[float, float, float]:
    """(mean, CI low, CI high) of the paired gain (scenario - baseline) in attributable NPV, US$ bn."""
    check_common_seed(*(getattr(r, "manifest", {}).get("seed") for r in (baseline, scenario)))
    comparison = paired_comparison(baseline.metric_values("npv_attributable_usd_bn").to_numpy(),
                                   scenario.metric_values("npv_attributable_usd_bn").to_numpy(), level)
    return comparison.mean_difference, comparison.difference.low, comparison.difference.high


def buyout_report(baseline: RunResult, scenario: RunResult, level: float = 0.95) -> pl.DataFrame:
    """One row for `sim compare`: the attributable NPV gain (US$ bn, paired CI; the outlay not deducted), the
    outlay it is set against (RMB m, undiscounted),
    and "pays back in" the first quarter whose paired CI of cumulative discounted attributable cash (scenario
    minus baseline, outlay included) is above 0, or "none" within the horizon."""
    gain, low, high = _npv_gain_usd_bn(baseline, scenario, level)
    quarterly = scenario.frame("quarterly")
    first = quarterly.filter(pl.col("replication") == quarterly["replication"].min())
    outlay_rmb_m = float(first["buyout_outlay_rmb_m"].sum())
    table = cumulative_difference_table(baseline.frame("quarterly"), quarterly, _CUMULATIVE, level)
    return pl.DataFrame({
        "npv_attributable_gain_usd_bn": [gain], "ci_low": [low], "ci_high": [high], "level": [level],
        "outlay_rmb_m": [outlay_rmb_m],
        "payback_quarter": [first_quarter_paid_back(table) or "none"],
        "horizon_quarter": [table["quarter_label"][-1]],
    })


def buyout_decomposition(standalone_initial: RunResult, standalone_full: RunResult, regime_full: RunResult,
                         level: float = 0.95) -> pl.DataFrame:
    """Two rows, (i) ownership alone and (ii) the regime change at 100%, each the paired gain in attributable
    NPV (US$ bn) with its CI at `level`."""
    rows = []
    for part, (a, b) in (("ownership", (standalone_initial, standalone_full)),
                         ("regime", (standalone_full, regime_full))):
        gain, low, high = _npv_gain_usd_bn(a, b, level)
        rows.append({"part": part, "npv_attributable_gain_usd_bn": gain, "ci_low": low, "ci_high": high,
                     "level": level})
    return pl.DataFrame(rows)
