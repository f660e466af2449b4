"""Capacity bought before Poisson orders are known (the newsvendor with exact Poisson expectations)."""

from __future__ import annotations

import pytest
from scipy.stats import poisson

from sim.core.rng import Streams
from sim.models.cainiao.capacity import capacity_by_expected_profit, expected_carried
from sim.models.cainiao.model import simulate
from sim.models.cainiao.validation import newsvendor_config


@pytest.mark.parametrize(("mean", "capacity_cost", "margin"), [
    (3.0, 1.0, 4.0), (8.25, 3.0, 19.5), (40.0, 9.0, 10.0), (120.0, 0.5, 7.0), (0.7, 2.0, 3.0)])
def test_the_capacity_is_the_poisson_critical_fractile(mean, capacity_cost, margin):
    assert capacity_by_expected_profit(margin, capacity_cost, mean) == poisson.ppf(1.0 - capacity_cost / margin, mean)


@pytest.mark.parametrize(("capacity_cost", "margin"), [(4.0, 4.0), (5.0, 4.0)])
def test_no_capacity_when_it_costs_at_least_the_margin(capacity_cost, margin):
    assert capacity_by_expected_profit(margin, capacity_cost, 10.0) == 0


def test_expected_carried_by_hand():
    """E[min(2, D)], D ~ Poisson(1): 0 x e^-1 + 1 x e^-1 + 2 x (1 - 2 e^-1) = 2 - 3 e^-1."""
    assert expected_carried(2, 1.0) == pytest.approx(2.0 - 3.0 * 0.36787944117144233, rel=1e-14)


def test_poisson_runs_repeat_bit_for_bit_and_never_carry_more_than_the_capacity():
    config = newsvendor_config(40.0, 1.0, 4.0, 3.0, "infrastructure")
    config = config.model_copy(update={"run": config.run.model_copy(update={"horizon_days": 8 * 91.25})})
    first, again = simulate(config, Streams(5, 1)), simulate(config, Streams(5, 1))
    assert first.tables["quarterly"].equals(again.tables["quarterly"])
    table = first.tables["quarterly"]
    assert (table["group_parcels_m"] <= table["capacity_m_parcels"]).all()
    assert table["group_parcels_m"].n_unique() > 1  # orders are drawn


def test_cost_plus_at_markup_0_is_infrastructure_under_poisson_orders_on_the_same_seed():
    tables = []
    for regime in ("infrastructure", "cost_plus"):
        config = newsvendor_config(40.0, 1.0, 4.0, 3.0, regime)
        config = config.model_copy(update={"run": config.run.model_copy(update={"horizon_days": 4 * 91.25})})
        tables.append(simulate(config, Streams(5, 0)).tables["quarterly"].drop("regime"))  # all but its name
    assert tables[0].equals(tables[1])
