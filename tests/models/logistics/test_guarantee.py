"""The guarantee rule (`sim.models.logistics.guarantee`): its boundary, its day counts and its compensation
against hand-counted calendars, and one home for it (patching the rule or the cost per parcel changes both
fidelities and the charts).

Calendar used by hand: 2025-10-06 is a Monday and day 0 of the clock (t in hours from its midnight)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sim.models.logistics import guarantee as guarantee_module
from sim.models.logistics.calendar import SpainCalendar
from sim.models.logistics.config import GuaranteeParameters
from sim.models.logistics.guarantee import GuaranteeRule

MONDAY = dt.date(2025, 10, 6)
MINUTE = 1.0 / 60.0


def rule(holidays=(), **guarantee) -> GuaranteeRule:
    return GuaranteeRule(GuaranteeParameters(**guarantee), SpainCalendar(MONDAY, 60, holidays))


def both_ways(r: GuaranteeRule, order: float, delivered: float) -> bool:
    """The vector and the scalar form must agree; returns the verdict."""
    vector = bool(r.on_time(np.array([order]), np.array([delivered]))[0])
    assert r.on_time_scalar(order, delivered) == vector
    return vector


def test_exactly_five_business_days_is_on_time_and_one_minute_more_is_late():
    r = rule(promised_days=5)
    order = 10.0                       # Monday 10:00
    due = 7 * 24.0 + 10.0              # next Monday 10:00: 14 h + 4 x 24 h + 10 h = 120 business hours
    assert both_ways(r, order, due)
    assert not both_ways(r, order, due + MINUTE)


def test_a_weekend_does_not_count_as_business_days():
    r = rule(promised_days=1)
    friday_noon, monday_noon = 4 * 24.0 + 12.0, 7 * 24.0 + 12.0
    calendar_days, business_days, on_time = r.delivery_days(np.array([friday_noon]), np.array([monday_noon]))
    assert calendar_days[0] == pytest.approx(3.0)
    assert business_days[0] == pytest.approx(1.0)  # Friday 12 h + Monday 12 h
    assert on_time[0]


def test_a_listed_holiday_does_not_count():
    tuesday_noon, thursday_noon = 1 * 24.0 + 12.0, 3 * 24.0 + 12.0
    plain = rule(promised_days=1)
    with_holiday = rule(holidays=[dt.date(2025, 10, 8)], promised_days=1)  # the Wednesday
    assert plain.delivery_days(np.array([tuesday_noon]), np.array([thursday_noon]))[1][0] == pytest.approx(2.0)
    assert with_holiday.delivery_days(np.array([tuesday_noon]), np.array([thursday_noon]))[1][0] == \
        pytest.approx(1.0)
    assert not both_ways(plain, tuesday_noon, thursday_noon)
    assert both_ways(with_holiday, tuesday_noon, thursday_noon)


def test_calendar_days_count_the_weekend_and_business_days_do_not():
    friday_noon = 4 * 24.0 + 12.0
    wednesday_noon = friday_noon + 5 * 24.0  # 5 calendar days, 3 business days (Fri 12 h, Mon, Tue, Wed 12 h)
    calendar_rule = rule(promised_days=5, day_count="calendar")
    assert both_ways(calendar_rule, friday_noon, wednesday_noon)
    assert not both_ways(calendar_rule, friday_noon, wednesday_noon + MINUTE)
    business_rule = rule(promised_days=3)
    assert both_ways(business_rule, friday_noon, wednesday_noon)
    assert not both_ways(business_rule, friday_noon, wednesday_noon + MINUTE)


def test_without_a_promise_the_kpi_days_are_the_target_and_every_parcel_counts():
    r = rule(promised_days=0, kpi_days=2)
    assert r.target_days == 2
    assert not r.is_promised(np.array([True, False])).any()
    assert r.counts_for_on_time_share(np.array([False, False])).all()
    assert r.compensation_per_late_parcel_eur(10.0) == 0.0
    assert guarantee_module.describe(r.params) == "no promise (KPI 2 business days)"


def test_the_promise_applies_to_choice_items_or_to_all():
    choice = np.array([True, False, True])
    assert rule(applies_to="choice").is_promised(choice).tolist() == [True, False, True]
    assert rule(applies_to="all").is_promised(choice).tolist() == [True, True, True]


def test_coupon_and_refund_compensation():
    late = np.array([True, False, True])
    value = np.array([10.0, 20.0, 3.0])
    coupon = rule(compensation="coupon", coupon_eur=0.92)
    assert coupon.compensation_eur(late, value).tolist() == [0.92, 0.0, 0.92]
    refund = rule(compensation="refund", refund_share=0.5)
    assert refund.compensation_eur(late, value).tolist() == [5.0, 0.0, 1.5]
    assert refund.compensation_per_late_parcel_eur(7.0) == 3.5


def test_scalar_and_vector_business_hours_agree_on_a_grid():
    calendar = SpainCalendar(MONDAY, 20, [dt.date(2025, 10, 13)])
    grid = np.concatenate((np.arange(0.0, 24.0 * 22, 0.25), [23.999999, 24.0, 24.000001, 24.0 * 20]))
    vector = calendar.business_hours(grid)
    scalar = np.array([calendar.business_hours_scalar(float(t)) for t in grid])
    np.testing.assert_array_equal(vector, scalar)
    # by hand: Monday 0-24 h counts, Saturday does not, the Monday holiday (day 7) does not
    assert calendar.business_hours(24.0) == 24.0
    assert calendar.business_hours(6 * 24.0) - calendar.business_hours(5 * 24.0) == 0.0
    assert calendar.business_hours(8 * 24.0) - calendar.business_hours(7 * 24.0) == 0.0


def test_the_peak_multiplier_scales_mean_shoppers_on_its_days_only():
    from sim.core.rng import Streams
    from sim.models.logistics.model import build
    from tests.models.logistics.helpers import small_config

    config = small_config(**{"logistics.demand.peaks": [{"date": dt.date(2025, 10, 8), "multiplier": 3.0,
                                                         "days": 2}],
                             "logistics.demand.weekday_factors": [1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6]})
    demand = build(config, Streams(0, 0))[2]
    shoppers = config.logistics.demand.shoppers_per_day
    # 2025-10-06 is a Monday: day 2 (Wednesday) and day 3 (Thursday) are the peak
    expected = [shoppers * f for f in (1.0, 1.1, 1.2 * 3.0, 1.3 * 3.0, 1.4)]
    assert [demand.mean_shoppers(day) for day in range(5)] == pytest.approx(expected, rel=1e-15)


# --- one home: patching the rule or the cost per parcel changes every reader ------------------------------

def _run(fidelity: str):
    from sim.core.runner import simulate_replication
    from sim.models.logistics import MODEL
    from tests.models.logistics.helpers import small_config

    return simulate_replication(MODEL, small_config(fidelity, horizon_days=8.0), 0).metrics


@pytest.mark.parametrize("fidelity", ["parcel", "batch"])
def test_patching_the_on_time_rule_changes_both_fidelities(fidelity, monkeypatch):
    before = _run(fidelity)
    assert before["on_time_share"] > 0.3
    monkeypatch.setattr(guarantee_module, "is_on_time", lambda elapsed, target: np.zeros_like(elapsed, bool)
                        if isinstance(elapsed, np.ndarray) else False)
    after = _run(fidelity)
    assert after["on_time_share"] == 0.0
    assert after["late_parcels"] > before["late_parcels"]


@pytest.mark.parametrize("fidelity", ["parcel", "batch"])
def test_patching_the_cost_per_parcel_changes_both_fidelities(fidelity, monkeypatch):
    from sim.models.logistics import costs

    before = _run(fidelity)
    monkeypatch.setattr(costs, "cost_per_parcel_eur",
                        lambda cost, compensation, finished: np.full_like(np.asarray(finished, float), 123.0))
    assert _run(fidelity)["cost_per_parcel_eur"] == 123.0
    assert before["cost_per_parcel_eur"] != 123.0


def test_patching_the_target_moves_the_chart(tmp_path, monkeypatch):
    import sim
    from sim.models.logistics import MODEL
    from tests.models.logistics.helpers import DEFAULT

    result = sim.run(DEFAULT, reps=2, seed=1, overrides=["run.horizon_days=8.0", "run.warmup_days=2.0"])
    first = [p.read_bytes() for p in MODEL.charts(result, tmp_path / "a")]
    again = [p.read_bytes() for p in MODEL.charts(result, tmp_path / "b")]
    assert first == again  # the charts are deterministic, so a change below is the patch's
    monkeypatch.setattr(guarantee_module, "target_days", lambda g: 9)
    patched = [p.read_bytes() for p in MODEL.charts(result, tmp_path / "c")]
    assert patched[1] != first[1]  # the delivery-time distribution draws the target


# --- the "order_date_end" convention: by the end of the D-th day after the order date ---------------------

def test_calendar_days_by_the_end_of_the_fifth_day_after_the_order_date():
    r = rule(promised_days=5, day_count="calendar", counted_from="order_date_end")
    order = 10.0                        # Monday 10:00; the fifth day after is Saturday, day 5
    end_of_saturday = 6 * 24.0          # 24:00 of day 5
    assert r.deadline_hours(np.array([order]))[0] == end_of_saturday
    assert both_ways(r, order, end_of_saturday)
    assert not both_ways(r, order, end_of_saturday + MINUTE)
    # an order at 23:30 has the same deadline: half an hour of its own day, against 14 h for the 10:00 order
    assert r.deadline_hours(np.array([23.5]))[0] == end_of_saturday
    # the same delivery is late under the order-moment reading (due Saturday 10:00)
    moment = rule(promised_days=5, day_count="calendar")
    assert not both_ways(moment, order, end_of_saturday - MINUTE)
    assert both_ways(moment, order, 5 * 24.0 + 10.0)


def test_business_days_by_the_end_of_the_fifth_business_day_after_the_order_date():
    r = rule(promised_days=5, counted_from="order_date_end")
    # Monday 10:00: Tue, Wed, Thu, Fri, Mon -> end of next Monday (day 7)
    assert r.deadline_hours(np.array([10.0]))[0] == 8 * 24.0
    assert both_ways(r, 10.0, 8 * 24.0)
    assert not both_ways(r, 10.0, 8 * 24.0 + MINUTE)
    # Friday 16:00 (day 4) and Saturday 09:00 (day 5): Mon..Fri -> end of Friday, day 11
    assert r.deadline_hours(np.array([4 * 24.0 + 16.0, 5 * 24.0 + 9.0])).tolist() == [12 * 24.0, 12 * 24.0]
    # a Saturday delivery after a Friday deadline is late, although no business day has passed since
    assert not both_ways(r, 4 * 24.0 + 16.0, 12 * 24.0 + 10.0)
    # a holiday on Wednesday 2025-10-08 (day 2) pushes the Monday order's deadline to Tuesday, day 8
    with_holiday = rule(holidays=[dt.date(2025, 10, 8)], promised_days=5, counted_from="order_date_end")
    assert with_holiday.deadline_hours(np.array([10.0]))[0] == 9 * 24.0


def test_a_promise_in_business_days_as_shoppers_read_it_by_hand():
    """Order moments uniform over four whole weeks (hour midpoints), no holidays. By hand: a window of 120
    hours from a uniform moment covers business time 120 x 5/7 h = 25/7 days; to the end of the fifth
    calendar day after the order date it is 25/7 for the five whole days plus 5/7 x 1/2 for the rest of the
    order day = 55/14; five business days to the end of the fifth business day: 5 + 5/14 = 75/14."""
    hours = np.arange(24 * 28) + 0.5
    weights = np.ones(hours.size)
    assert rule(promised_days=5).shoppers_business_days(hours, weights) == 5.0
    assert rule(promised_days=5, day_count="calendar").shoppers_business_days(hours, weights) == \
        pytest.approx(25 / 7, rel=1e-12)
    assert rule(promised_days=5, day_count="calendar", counted_from="order_date_end").shoppers_business_days(
        hours, weights) == pytest.approx(55 / 14, rel=1e-12)
    assert rule(promised_days=5, counted_from="order_date_end").shoppers_business_days(hours, weights) == \
        pytest.approx(75 / 14, rel=1e-12)
    assert rule(promised_days=0).shoppers_business_days(hours, weights) == 0.0
    assert guarantee_module.describe(GuaranteeParameters(counted_from="order_date_end")) == \
        "promise: 5 business days (by the end of the day)"
