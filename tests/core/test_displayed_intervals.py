"""A metric's kind clips the interval a reader sees to the range its values can take, while the stored
statistics keep the raw Student-t interval."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest
from rich.console import Console

from sim.cli import _clipped_to_metric_ranges, statistics_table
from sim.core.model import Metric
from sim.core.stats import summarise_metrics

SHARE = Metric("on_time_share", "share", "promised parcels delivered on time", kind="proportion")
COUNT = Metric("late_parcels", "parcels", "promised parcels delivered late", kind="count")
WAIT = Metric("mean_wait_hours", "hours", "mean wait")
REFUNDS = Metric("refund_cost_eur", "EUR", "item value refunded", kind="amount")


def test_kind_sets_the_range():
    assert SHARE.bounds == (0.0, 1.0)
    assert COUNT.bounds == REFUNDS.bounds == (0.0, math.inf)
    assert WAIT.bounds == Metric("p95", "hours", "", kind="quantile").bounds == (-math.inf, math.inf)


def test_clip_keeps_bounds_inside_the_range_and_nan_undefined():
    assert SHARE.clip(0.9952, 1.0028) == (0.9952, 1.0)
    assert COUNT.clip(-3.5, 12.0) == (0.0, 12.0)
    assert WAIT.clip(-0.2, 0.4) == (-0.2, 0.4)
    assert REFUNDS.clip(-12.5, 40.0) == (0.0, 40.0)  # a cost paid on rare parcels: its t interval may cross 0
    low, high = SHARE.clip(math.nan, math.nan)
    assert math.isnan(low) and math.isnan(high)
    low, high = COUNT.clip(np.array([-1.0, 2.0]), np.array([3.0, np.nan]))
    assert low.tolist() == [0.0, 2.0] and high[0] == 3.0 and np.isnan(high[1])


def per_replication() -> pl.DataFrame:
    """A share with mean 0.999 and a wide interval, a count whose interval crosses 0, and a mean wait."""
    values = {"on_time_share": [1.0, 1.0, 0.997], "late_parcels": [0.0, 0.0, 3.0], "mean_wait_hours": [1.0, 2.0, 3.0]}
    return pl.DataFrame({"replication": [0, 1, 2] * 3, "metric": [m for m in values for _ in range(3)],
                         "value": [v for vs in values.values() for v in vs]})


def statistics() -> pl.DataFrame:
    kinds = pl.DataFrame({"metric": [m.name for m in (SHARE, COUNT, WAIT)], "unit": [m.unit for m in (SHARE, COUNT, WAIT)],
                          "kind": [m.kind for m in (SHARE, COUNT, WAIT)]})
    return summarise_metrics(per_replication()).join(kinds, on="metric", how="left", maintain_order="left")


def test_the_stored_statistics_keep_the_raw_interval():
    rows = {row["metric"]: row for row in statistics().iter_rows(named=True)}
    assert rows["on_time_share"]["mean"] == pytest.approx(0.999)
    assert rows["on_time_share"]["ci_high"] > 1.0  # 0.999 + 4.302653 * 0.001732 / sqrt(3) = 1.0033
    assert rows["late_parcels"]["ci_low"] < 0.0  # 1 - 4.302653 * 1.732051 / sqrt(3) = -3.3027


def test_run_summary_table_shows_clipped_bounds():
    result = SimpleNamespace(statistics=statistics(), scenario_name="test", model_name="logistics")
    console = Console(record=True, width=200)
    console.print(statistics_table(result))
    lines = {line.split()[1]: line for line in console.export_text().splitlines() if line.startswith("│")}
    assert "[0.9947, 1.0000]" in lines["on_time_share"]
    assert "[0, 5.3027]" in lines["late_parcels"]
    assert "[-0.4841, 4.4841]" in lines["mean_wait_hours"]  # a mean is not clipped


def test_sweep_table_shows_clipped_bounds():
    summary = pl.DataFrame({"point": [0, 0, 1, 1], "metric": ["on_time_share", "late_parcels"] * 2,
                            "mean": [0.999, 1.0, 0.98, 5.0], "ci_low": [0.9955, -3.3, 0.97, 2.0],
                            "ci_high": [1.0033, 5.3, 0.99, math.nan]})
    shown = _clipped_to_metric_ranges(summary, (SHARE, COUNT, WAIT))
    assert shown.get_column("ci_low").to_list() == [0.9955, 0.0, 0.97, 2.0]
    assert shown.get_column("ci_high").to_list()[:3] == [1.0, 5.3, 0.99]
    assert math.isnan(shown.get_column("ci_high")[3])
    assert shown.get_column("mean").to_list() == summary.get_column("mean").to_list()


def test_every_money_total_the_logistics_model_reports_is_an_amount():
    """Costs paid and order values cannot be negative: every logistics metric in EUR or EUR/parcel is an
    `amount`, so its displayed interval stops at 0 (the refund and compensation intervals of `make run`
    reached below 0 on short runs)."""
    from sim.models.logistics import MODEL

    money = [m for m in MODEL.metrics if m.unit in ("EUR", "EUR/parcel")]
    assert {"refund_cost_eur", "compensation_cost_eur", "cost_per_parcel_eur", "gmv_eur"} <= {m.name for m in money}
    assert all(m.kind == "amount" for m in money), [m.name for m in money if m.kind != "amount"]
