"""Refunds, weekday factors and the repeat-purchase rate against hand computations.

Every check here is exact (no statistical family): scripted orders with fixed item values, a calendar
whose weekdays are known, and hand-built customer histories."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.core.rng import Streams
from sim.models.logistics.demand import Customers
from sim.models.logistics.model import build
from tests.models.logistics.helpers import config_from, default_document, run_scripted, small_config
from tests.models.logistics.test_deterministic import DETERMINISTIC

ITEM_VALUE_EUR = 10.0  # every scripted order's item value (tests/models/logistics/helpers.scripted_demand)
OUTCOME_LOST, OUTCOME_RETURNED = "lost", "returned"  # outcomes as the parcel table names them

# Day 0 = Monday 2025-10-06; the window opens after a one-day warm-up, so day 0's two orders are not
# counted and days 1-3 carry the five orders of the counted cohort.
SCRIPT = {0: [(1.0, True, False), (5.0, True, False)],
          1: [(25.0, True, False), (30.0, False, False)],
          2: [(50.0, True, False)],
          3: [(73.0, False, False), (80.0, True, False)]}
COHORT_ORDERS = 5


def _config(fidelity: str, **changes):
    return config_from(default_document(), **{**DETERMINISTIC, "run.warmup_days": 1.0,
                                              "logistics.fidelity": fidelity, **changes})


@pytest.mark.parametrize("fidelity", ["parcel", "batch"])
@pytest.mark.parametrize("case, changes, lost, returned", [
    ("every parcel lost in the air", {"logistics.line_haul.loss_probability": 1.0}, COHORT_ORDERS, 0),
    ("every parcel inspected and refused", {"logistics.customs.pre_cleared_share": 0.0,
                                            "logistics.customs.inspection_probability": 1.0,
                                            "logistics.customs.refusal_probability": 1.0}, 0, COHORT_ORDERS),
    ("nothing fails", {}, 0, 0)])
def test_refunds_are_the_item_value_of_lost_and_returned_parcels_of_the_cohort(fidelity, case, changes, lost,
                                                                               returned):
    """By hand: 5 counted orders of 10 EUR each; all lost (or all refused at customs and returned) is a
    refund of 50 EUR, nothing failing is 0; day 0's orders (before the window) are never refunded."""
    ledger, _ = run_scripted(_config(fidelity, **changes), SCRIPT)
    metrics = ledger.metrics(float("nan"))
    assert ledger.cohort["lost"] == lost and ledger.cohort["returned"] == returned, case
    assert metrics["refund_cost_eur"] == ITEM_VALUE_EUR * (lost + returned), case


@pytest.mark.parametrize("fidelity", ["parcel", "batch"])
def test_refunds_of_a_random_mix_equal_the_parcel_records(fidelity):
    """Losses and refusals at random (every random mechanism on): the refund is 10 EUR times the number of
    parcels ordered in the window whose recorded outcome is lost or returned, counted here from the parcel
    table; the run must have both outcomes and delivered parcels, so the sum discriminates."""
    config = small_config(fidelity, horizon_days=6.0, **{"logistics.record_parcels": True,
                                                         "logistics.line_haul.loss_probability": 0.2,
                                                         "logistics.customs.refusal_probability": 0.3,
                                                         "logistics.customs.inspection_probability": 0.5})
    script = {day: [(24.0 * day + 0.2 * k, k % 2 == 0, False) for k in range(60)] for day in range(6)}
    ledger, _ = run_scripted(config, script, seed=5)
    parcels = ledger.parcel_table().read()
    window_start_hours, window_end_hours = 24.0 * 2.0, 24.0 * 6.0  # warm-up 2 days, horizon 6 days
    ordered = parcels["order_hours"].to_numpy()
    outcome = parcels["outcome"].to_numpy()
    counted = (ordered >= window_start_hours) & (ordered < window_end_hours)
    failed = counted & np.isin(outcome, [OUTCOME_LOST, OUTCOME_RETURNED])
    assert (counted & (outcome == OUTCOME_LOST)).any() and (counted & (outcome == OUTCOME_RETURNED)).any()
    assert (counted & (outcome == "delivered")).any()
    assert ledger.metrics(float("nan"))["refund_cost_eur"] == pytest.approx(ITEM_VALUE_EUR * failed.sum(),
                                                                          rel=1e-12)


def test_mean_shoppers_follow_the_weekday_factors_from_a_wednesday_start():
    """2025-12-03 is a Wednesday: day d has weekday (2 + d) mod 7 (Monday = 0), and its mean shoppers are
    shoppers_per_day x weekday_factors[that weekday], holidays included (Saturday 6 and Monday 8 December
    are Spanish holidays: they change business days, not demand). No peaks."""
    factors = [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6]
    config = small_config(**{"logistics.calendar.start_date": dt.date(2025, 12, 3), "logistics.demand.peaks": [],
                             "logistics.demand.weekday_factors": factors})
    demand = build(config, Streams(0, 0))[2]
    shoppers = config.logistics.demand.shoppers_per_day
    # Wed Thu Fri Sat Sun Mon Tue, then again
    by_hand = [shoppers * f for f in (1.2, 1.3, 1.4, 1.5, 1.6, 1.0, 1.1) * 2]
    assert [demand.mean_shoppers(day) for day in range(14)] == pytest.approx(by_hand, rel=1e-15)


def test_repeat_purchase_rate_of_a_hand_built_population():
    """Six customers with 0, 1, 2, 3, 0 and 1 orders in the window: four bought, two of them more than
    once, so the rate is 2 / 4; nobody buying gives NaN (no buyers, no rate)."""
    customers = Customers(6)
    assert np.isnan(customers.repeat_purchase_rate())
    customers.orders_in_window[:] = [0, 1, 2, 3, 0, 1]
    assert customers.repeat_purchase_rate() == 0.5


def test_repeat_purchase_rate_counts_the_buyers_of_the_window():
    """The rate after a week of generated orders equals the one counted here from the orders themselves
    (customers with two or more orders placed in [warm-up, horizon), over customers with at least one);
    a small population makes repeats common, so both numerator and denominator are non-trivial."""
    config = small_config(horizon_days=7.0, **{"logistics.demand.customers": 300})
    demand = build(config, Streams(3, 0))[2]
    days = [demand.generate_day(day) for day in range(7)]
    customer = np.concatenate([d.customer for d in days])
    time = np.concatenate([d.time for d in days])
    counted = customer[(time >= 24.0 * 2.0) & (time < 24.0 * 7.0)]  # warm-up 2 days (small_config)
    _, orders_per_buyer = np.unique(counted, return_counts=True)
    by_hand = np.mean(orders_per_buyer >= 2)
    assert 0.0 < by_hand < 1.0
    assert demand.customers.repeat_purchase_rate() == pytest.approx(by_hand, rel=1e-15)
