"""Cloud-market quantities with no test before, each against a hand computation: NPV discounting, the
revenue HHI, the locked-in installed base, and the learning curve at a non-zero rate (Wright 1936 closed
form: unit cost x (1 - rate) per doubling of cumulative volume)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from sim.models.cloud.market import QUARTERLY_SCHEMA, alibaba_npv_rmb_bn, locked_in, summary_metrics
from sim.models.cloud.providers import ProviderBook

from .conftest import scenario

PROVIDERS = ("alibaba", "huawei", "tencent", "baidu", "others")


def _table(final_revenue_shares: list[float], contribution_by_quarter: list[float]) -> pl.DataFrame:
    """A quarterly table with zeros everywhere except quarter, provider, the final quarter's revenue shares
    and Alibaba's contribution less capex."""
    rows = []
    last = len(contribution_by_quarter) - 1
    for q, contribution in enumerate(contribution_by_quarter):
        for j, name in enumerate(PROVIDERS):
            row: dict[str, object] = {column: 0.0 for column in QUARTERLY_SCHEMA}
            row.update({"quarter": q, "quarter_label": f"q{q}", "provider": name,
                        "revenue_share": final_revenue_shares[j] if q == last else 0.2,
                        "contribution_less_capex_rmb_bn_per_quarter": contribution if name == "alibaba" else 99.0})
            rows.append(row)
    return pl.DataFrame(rows, schema=QUARTERLY_SCHEMA)


def test_npv_discounts_each_quarter_at_its_end():
    """r = 21% a year: quarter 1 ends half a year in (factor 1/1.1), quarter 3 a year in (1/1.21); cash flows
    110 and 121 are each worth 100 today, quarters 0 and 2 carry nothing, and other providers do not count."""
    table = _table([0.2] * 5, [0.0, 110.0, 0.0, 121.0])
    assert alibaba_npv_rmb_bn(table, 0.21) == pytest.approx(200.0, rel=1e-12)
    assert alibaba_npv_rmb_bn(table, 0.0) == pytest.approx(231.0, rel=1e-12)


def test_summary_metrics_hhi_and_npv_from_a_hand_table():
    """Final revenue shares 40/30/15/10/5 %: HHI = 0.16 + 0.09 + 0.0225 + 0.01 + 0.0025 = 0.285; the NPV
    metric at the scenario's discount rate is the hand discount of the cash flows."""
    config = scenario("cloud_status_quo.toml").config
    table = _table([0.40, 0.30, 0.15, 0.10, 0.05], [10.0, 10.0, 10.0, 10.0])
    metrics = summary_metrics(table, config)
    assert metrics["revenue_hhi_final"] == pytest.approx(0.285, rel=1e-12)
    r = config.market.discount_rate_per_year
    assert metrics["alibaba_npv_rmb_bn"] == pytest.approx(sum(10.0 / (1 + r) ** ((q + 1) / 4) for q in range(4)),
                                                         rel=1e-12)


def test_locked_in_base_by_hand():
    """Two providers of equal quality and price, price sensitivity 1. A workload single-homed at provider 0
    with switching cost ln 3 re-chooses 0 with probability 3/4 instead of 1/2: 1/4 of it is locked in. A
    workload split half and half has the same bonus at both, so nothing holds it."""
    allocation = np.array([[1.0, 0.0], [0.5, 0.5]])
    held = locked_in(allocation, alpha=np.array([1.0, 1.0]), kappa=np.array([math.log(3.0)] * 2),
                     delta=np.zeros(2), price=np.ones(2))
    np.testing.assert_allclose(held, [0.25, 0.0], atol=1e-12)


@pytest.mark.parametrize("rate", [0.1, 0.2])
def test_learning_curve_cuts_unit_cost_by_the_rate_per_doubling(rate):
    """Wright's law: each doubling of cumulative volume multiplies the unit cost by 1 - rate; after k
    doublings the cost is c0 (1 - rate)^k (here k = 1 and 3), and a provider without learning keeps c0."""
    loaded = scenario("cloud_status_quo.toml", f"providers.alibaba.learning_rate={rate}",
                      "providers.huawei.learning_rate=0.0")
    book = ProviderBook(loaded.config)
    book.set_initial_volume(np.full((book.J, 2), 5.0))
    c0 = book.type_costs()[:, 0].copy()
    alibaba, huawei = book.names.index("alibaba"), book.names.index("huawei")
    for doublings in (1, 3):
        served = np.zeros((book.J, 2))
        served[:, 0] = book.cumulative0[:, 0] * (2 ** doublings) - book.cumulative[:, 0]
        book.add_volume(served)
        costs = book.type_costs()[:, 0]
        assert costs[alibaba] == pytest.approx(c0[alibaba] * (1 - rate) ** doublings, rel=1e-12)
        assert costs[huawei] == pytest.approx(c0[huawei], rel=1e-12)
