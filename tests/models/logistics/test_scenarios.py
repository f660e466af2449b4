"""The logistics scenario files: clear errors for bad values, the levers' directions, and calibration checks
(tests named `test_calibration_check_*`: the targets the scenarios were tuned to, so they guard the tuning and
are not evidence that the model is right). Round trips of every scenario file:
tests/core/test_scenario.py::test_resolved_config_round_trips; every file runs:
tests/test_every_scenario_runs.py."""


import pytest

import sim
from sim.scenario import ScenarioError, load_scenario
from tests.models.logistics.helpers import DEFAULT, SCENARIOS

FILES = sorted(SCENARIOS.glob("aliexpress_spain_5day*.toml"))


def test_all_six_scenarios_exist():
    """(Their description lines: tests/core/test_scenario.py::test_every_scenario_file_starts_with_a_description.)"""
    names = {p.stem for p in FILES}
    assert {"aliexpress_spain_5day", "aliexpress_spain_5day_no_promise", "aliexpress_spain_5day_extra_flight",
            "aliexpress_spain_5day_forward_stock", "aliexpress_spain_5day_peak_1111",
            "aliexpress_spain_5day_eu_duty_2026"} <= names


@pytest.mark.parametrize(("override", "key", "fragment"), [
    ("logistics.customs.officers=-2", "logistics.customs.officers", "greater than or equal to 1"),
    ("logistics.line_haul.cancellation_probability=1.5", "logistics.line_haul.cancellation_probability", "1"),
    ("logistics.merchant.choice_mean_hours=2.0", "logistics.merchant", "at least choice_min_hours"),
    ("logistics.origin_hub.shifts_hours=[[0.0, 10.0], [8.0, 16.0]]", "logistics.origin_hub", "overlap"),
    ("logistics.demand.hourly_profile=[1.0, 2.0]", "logistics.demand", "24 values"),
    ("logistics.guarantee.day_count=\"weekly\"", "logistics.guarantee.day_count", "business"),
    ("logistics.last_mile.wave_hours=[14.0, 8.0]", "logistics.last_mile", "increasing"),
    ("logistics.costs.air_freight_eur_per_kilo=3.0", "logistics.costs.air_freight_eur_per_kilo", "unknown key"),
])
def test_bad_values_get_clear_errors(override, key, fragment):
    with pytest.raises(ScenarioError) as info:
        load_scenario(DEFAULT, [override])
    error = info.value
    assert error.key == key
    assert fragment in error.message


def test_warmup_must_be_inside_horizon():
    with pytest.raises(ScenarioError) as info:
        load_scenario(DEFAULT, ["run.warmup_days=40.0"])
    assert "warmup_days" in str(info.value)


def test_calibration_check_five_day_scenario_keeps_its_promise():
    """Calibration check, not validation: the scenario's network was tuned so that the published 5-business-
    day promise (Cainiao, 36Kr 2025) holds; this guards the tuning against later changes to the model. At
    least 90% on time, p95 within 7 business days."""
    result = sim.run(DEFAULT, reps=6, seed=7)
    stats = {row["metric"]: row for row in result.statistics.iter_rows(named=True)}
    assert stats["on_time_share"]["ci_low"] >= 0.90
    assert stats["p95_delivery_business_days"]["ci_high"] <= 7.0
    assert stats["unfinished_orders"]["mean"] == 0.0


def test_calibration_check_no_promise_scenario_takes_fourteen_days_or_more():
    """Calibration check, not validation: the no-promise scenario was tuned to the former 14+ days
    (36Kr/Cainiao 2025); median delivery 14 days or more."""
    result = sim.run(SCENARIOS / "aliexpress_spain_5day_no_promise.toml", reps=6, seed=7)
    stats = {row["metric"]: row for row in result.statistics.iter_rows(named=True)}
    assert stats["p50_delivery_days"]["ci_low"] >= 14.0


def test_levers_move_the_answer_the_right_way():
    """Common random numbers (same seed): forward stock shortens delivery; the EU reform adds EUR 5 an
    item of duty and fees to the cost per parcel (cross-border items) and EUR 3.5 (forward-stocked)."""
    base = sim.run(DEFAULT, reps=4, seed=3)
    forward = sim.run(SCENARIOS / "aliexpress_spain_5day_forward_stock.toml", reps=4, seed=3)
    reform = sim.run(SCENARIOS / "aliexpress_spain_5day_eu_duty_2026.toml", reps=4, seed=3)

    def mean(result, metric):
        return float(result.metric_values(metric).mean())

    assert mean(forward, "p50_delivery_days") < mean(base, "p50_delivery_days")
    delta = mean(reform, "cost_per_parcel_eur") - mean(base, "cost_per_parcel_eur")
    assert delta == pytest.approx(5.0, abs=0.05)


def test_the_two_promise_cost_sweeps_share_one_design_and_seed():
    """The cost of the promise over its cost ranges pairs design point i and replication k of the two sweep
    files: that is only common random numbers if both hold the same design, run seed and replications."""
    from sim.sweeps.spec import read_sweep_file

    promise, promise_design, _ = read_sweep_file(SCENARIOS / "sweeps" / "promise_cost_range.toml")
    economy, economy_design, _ = read_sweep_file(SCENARIOS / "sweeps" / "promise_cost_range_no_promise.toml")
    assert (promise.seed, promise.replications) == (economy.seed, economy.replications)
    assert promise.scenario != economy.scenario
    assert promise_design.describe() == economy_design.describe()
    assert promise_design.table().equals(economy_design.table())
