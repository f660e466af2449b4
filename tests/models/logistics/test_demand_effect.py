"""The promise's demand effect reads delivery times the model itself produces, in business days.

* R (`reference_days`) is the no-promise network's business-day median, where that network keeps the
  source's "14+ days" as a calendar-day median in [14, 16]; E (`expected_days`) is the promise network's
  business-day median for promised parcels. Both are fixed in the scenario file; these tests rerun the
  networks with another seed (6 replications). Tolerance 0.5 business days against a standard error of the
  mean of about 0.03-0.1 days (10-replication runs): a false failure needs a 5-sigma excursion.
* The Cui et al. term acts on E - P, only for items that carry the promise (item type drawn before the buy
  decision), and a calendar promise reaches the kernel in business days.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.core.rng import Streams
from sim.kernels.delivery_response import CUI_SALES_CHANGE_PROMISE_SLOWER
from sim.models.logistics.model import build
from sim.scenario import load_scenario
from tests.models.logistics.helpers import DEFAULT, SCENARIOS, config_from, default_document

NO_PROMISE = SCENARIOS / "aliexpress_spain_5day_no_promise.toml"


def _mean(result, metric: str) -> float:
    return float(np.mean(result.metric_values(metric).to_numpy()))


def test_reference_days_are_the_no_promise_networks_business_day_median():
    reference_days = load_scenario(DEFAULT).config.logistics.demand.reference_days
    result = sim.run(NO_PROMISE, reps=6, seed=11)
    assert 14.0 <= _mean(result, "p50_delivery_days") <= 16.0          # the source's "14+ days"
    assert abs(reference_days - _mean(result, "p50_delivery_business_days")) <= 0.5


def test_expected_days_are_the_promise_networks_business_day_median():
    expected_days = load_scenario(DEFAULT).config.logistics.demand.expected_days
    assert expected_days is not None
    result = sim.run(DEFAULT, reps=6, seed=11)
    assert abs(expected_days - _mean(result, "p50_promised_delivery_business_days")) <= 0.5


def _orders(days: int = 40, **changes) -> tuple[int, int]:
    """(promised orders, unpromised orders) over `days` days, feedback off: the order stream alone."""
    config = config_from(default_document(), **{"logistics.demand.feedback": False, **changes})
    demand = build(config, Streams(2024, 0))[2]
    promised = unpromised = 0
    for day in range(days):
        orders = demand.generate_day(day)
        promised += int(orders.promised.sum())
        unpromised += int((~orders.promised).sum())
    return promised, unpromised


def test_the_cui_term_changes_orders_when_expected_days_differ_from_the_promise():
    """E = R = 3 business days (the speed term is 0). A promise of 3 days (E = P) against 5 days (2 days
    slower than expected): Cui et al. (2024) give -0.51% sales a day slower, so promised orders fall by
    1 - (1 - 0.0051)^2 = 1.02% (the logit compounds per day; the exact logit value differs by < 0.01
    points). Common random numbers: unpromised orders are identical. About 12,000 promised orders a 40-day
    run, so the 1.02% is some 120 switching orders; the tolerance of +-30% is about 3.5 standard errors."""
    common = {"logistics.demand.reference_days": 3.0, "logistics.demand.expected_days": 3.0}
    as_expected = _orders(**common, **{"logistics.guarantee.promised_days": 3})
    slower = _orders(**common, **{"logistics.guarantee.promised_days": 5})
    assert slower[1] == as_expected[1]
    change = slower[0] / as_expected[0] - 1.0
    by_hand = (1.0 + CUI_SALES_CHANGE_PROMISE_SLOWER) ** 2 - 1.0
    assert change == pytest.approx(by_hand, rel=0.3)


def _unpromised_without_promise(days: int) -> int:
    """Orders of direct (non-Choice) items when nothing is promised."""
    config = config_from(default_document(), **{"logistics.demand.feedback": False,
                                                "logistics.guarantee.promised_days": 0})
    demand = build(config, Streams(2024, 0))[2]
    return sum(int((~demand.generate_day(day).choice).sum()) for day in range(days))


def test_the_uplift_reaches_only_items_that_carry_the_promise():
    """Item type is drawn before the buy decision: the orders of unpromised (direct) items are the same
    with the promise and without it, while promised items sell more (E = 2.6 against R = 10.5)."""
    with_promise = _orders(days=10)
    without = _orders(days=10, **{"logistics.guarantee.promised_days": 0})
    assert without[0] == 0                    # no item carries a missing promise
    direct = _orders(days=10, **{"logistics.guarantee.applies_to": "all", "logistics.demand.choice_share": 0.0})
    assert direct[1] == 0 and direct[0] > 0   # applies_to = "all": every item carries it
    # unpromised items: the same orders whether or not other items carry the promise (common random numbers)
    assert with_promise[1] == _unpromised_without_promise(days=10)
    # the choice share among visits is 0.85; among orders it rises with the promise (and only then)
    share = with_promise[0] / sum(with_promise)
    assert share > 0.85 + 0.005


def test_a_calendar_promise_reaches_the_shoppers_in_business_days():
    """Five calendar days from a uniform order moment cover 25/7 = 3.57 business days (by hand, whole weeks
    without holidays); the scenario's weekday and hour weights and its holidays move that by little."""
    def business_days(**changes):
        config = config_from(default_document(), **changes)
        return build(config, Streams(0, 0))[2].promised_business_days

    assert business_days() == 5.0
    calendar = business_days(**{"logistics.guarantee.day_count": "calendar"})
    assert calendar == pytest.approx(25 / 7, abs=0.15)
    assert not math.isclose(calendar, 5.0)
