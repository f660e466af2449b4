"""Two parcel classes on one network (issue 17): the group's parcels and third-party ones, allocated by
`priority` (group first, non-preemptive) or `fcfs` on the flights and in customs, in both fidelities."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from sim import cli
from sim.core.rng import Streams
from sim.models.logistics.metrics import PARCEL_CLASSES
from sim.models.logistics.model import simulate
from sim.scenario import load_scenario
from tests.models.logistics.helpers import (
    DEFAULT,
    EQUIVALENCE_MARGINS,
    SCENARIOS,
    assert_equivalent,
    cancelled_flights,
    small_config,
)

TWO_CLASSES = {"logistics.third_party.parcels_per_day": 250.0, "logistics.record_parcels": True}


def _tables(out):
    return {name: (t.read() if hasattr(t, "read") else t) for name, t in out.tables.items()}


@pytest.mark.parametrize("fidelity", ["parcel", "batch"])
def test_a_third_party_class_at_zero_demand_gives_the_one_class_tables(fidelity):
    """Keys absent, or present with 0 parcels a day (and priority chosen): the same tables and metrics."""
    runs = [simulate(small_config(fidelity, horizon_days=6.0, **changes), Streams(3, 0)) for changes in (
        {"logistics.record_parcels": True},
        {"logistics.record_parcels": True, "logistics.third_party.parcels_per_day": 0.0,
         "logistics.allocation": "priority"})]
    a, b = (_tables(run) for run in runs)
    assert a.keys() == b.keys() == {"daily", "daily_orders", "delivery_histogram", "parcels"}
    for name in a:
        assert a[name].equals(b[name]), name
    assert runs[0].metrics == runs[1].metrics


@pytest.mark.parametrize("allocation", ["priority", "fcfs"])
def test_two_classes_same_draws_same_parcels_in_both_fidelities(allocation):
    """On the same draws, each parcel boards the same flight, waits the same time in customs and ends the
    same way in both fidelities (the parcel fidelity's priority store and priority resource against the
    batch fidelity's class queues and `multi_server_priority_kernel`)."""
    tables = {}
    for fidelity in ("parcel", "batch"):
        config = small_config(fidelity, horizon_days=8.0, **TWO_CLASSES, **{"logistics.allocation": allocation})
        tables[fidelity] = simulate(config, Streams(8, 0)).tables["parcels"].read().sort("parcel")
    a, b = tables["parcel"], tables["batch"]
    assert a.height == b.height > 2000
    assert a["group"].to_list() == b["group"].to_list() and 0.3 < a["group"].mean() < 0.7
    assert a["outcome"].to_list() == b["outcome"].to_list()
    for column in ("flight_arrival_hours", "customs_arrival_hours", "customs_done_hours"):
        np.testing.assert_array_equal(a[column].to_numpy(), b[column].to_numpy(), err_msg=column)
    np.testing.assert_allclose(a["final_hours"].to_numpy(), b["final_hours"].to_numpy(), atol=1e-6)
    # customs queued: the comparison has teeth
    standard = a.filter(pl.col("standard"))
    assert ((standard["customs_done_hours"] - standard["customs_arrival_hours"]) > 1.0).mean() > 0.1


# The two-class scenario (priority; cancellations, customs queue and all, at its own values) over one week
# without a peak (the one-class test covers the 11.11 peak): orders over days 0 to 6 from Monday 2025-10-06, the
# cohort of days 2 to 6, a 10-day drain.
TWO_CLASS_SCENARIO = "aliexpress_spain_two_classes.toml"
ONE_WEEK = ["run.horizon_days=7.0", "run.warmup_days=2.0", "logistics.drain_days=10"]
#: the control variate: cancelled flights departing on days 5 to 10 (11 to 16 October), the flights that
#: carry the cohort; E[Z] = 6 days x 2 flights x 0.02 = 0.24 from the timetable
WEEK_CANCELLATION_DAYS = (5.0, 11.0)
#: its coefficient per class and metric, fixed from the pilot (800 batch replications, seeds 98 and 99; not this
#: test's seeds): the pilot's covariance of metric and count over the count's variance, to 2 figures
WEEK_BETA = {
    "group": {"on_time_share": -5.2e-05, "p50_delivery_days": 0.027, "p95_delivery_days": 0.0077,
              "cost_per_parcel_eur": 0.0024},
    "third_party": {"on_time_share": -0.0024, "p50_delivery_days": 0.054, "p95_delivery_days": 0.13,
                    "cost_per_parcel_eur": 0.00079},
}
WEEK_REPLICATIONS = {"parcel": (14, 303), "batch": (20, 404)}  # (replications, seed): independent streams


@pytest.mark.slow
def test_fidelities_are_equivalent_per_class_with_independent_seeds():
    """Independent seeds (nothing shared between the fidelities): 14 parcel and 20 batch replications of the
    two-class scenario under `priority` over one week without a peak (`ONE_WEEK`). For each class and each
    metric of `EQUIVALENCE_MARGINS` (from the `classes` table), the replication's value Y is adjusted by a
    control variate with a known mean, Y - beta (Z - E[Z]), Z the cancelled flights departing on days 5 to 10
    (E[Z] = 0.24 from the timetable, beta from a pilot at other seeds, so the adjusted means stay exactly
    unbiased); the 90% Welch interval of the adjusted batch - parcel lies inside the margin (TOST at 5% a
    side). Eight tests in the family.

    Pilot: 800 batch replications, seeds 98 and 99 (the fidelities give the same classes tables replication
    by replication, `test_two_classes_same_draws_same_parcels_in_both_fidelities`, so one pilot serves both
    arms). Per-replication sd, raw (adjusted by the control variate), against the margin: third-party p95
    0.124 (0.105) days against 0.25, third-party on-time share 0.0026 (0.0024) against 0.01, every other
    metric below 0.2 of its margin. The third-party p95 binds and is skewed (median 6.55 days, 99th
    percentile 7.07, maximum 7.43: a cancelled flight pushes the low-priority parcels' tail out by up to a
    day).

    False failures (true difference 0): normal theory gives about 3e-7 for the family (third-party p95 at
    6.8 standard errors of its margin), but the skew makes it far too optimistic: one far replication among
    a few parcel ones moves both their mean and their sd. Resampling the pilot 200,000 times as 14 + 20
    adjusted replications for both fidelities alike and putting them through this test, the family fails
    0.03% of the time (third-party p95 alone), <= 0.001 as the project's rule asks. The parcel arm's count
    binds: 12 + 25 replications fail 0.11% (0.03% on the seed-99 half of the pilot, 0.13% on the seed-98
    half, which is why the design uses both), 13 + 25 0.05%; more batch replications barely help.

    Power (fails when the fidelities truly differ by a margin): >= 0.95 per metric under normality, the level
    of each one-sided test; resampling the pilot (20,000 times per metric and sign) with the batch arm
    shifted by +-margin gives 0.946 to 0.956: >= 0.9 against each margin.

    Cost: about 2.5 s of CPU per parcel replication and 0.3 s per batch one on an idle machine, about 41 s
    in all (measured on a loaded machine, where the one-class test's pytest process took 79 s of CPU against
    its 55 s idle: 3.7 and 0.3 s per replication, this test's pytest process 58.5 s)."""
    adjusted: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for fidelity, (replications, seed) in WEEK_REPLICATIONS.items():
        config = load_scenario(SCENARIOS / TWO_CLASS_SCENARIO, ONE_WEEK + [f'logistics.fidelity="{fidelity}"']).config
        assert config.logistics.allocation == "priority"
        tables = [simulate(config, Streams(seed, k)).tables["classes"] for k in range(replications)]
        cancelled, expected = cancelled_flights(config, seed, replications, WEEK_CANCELLATION_DAYS)
        assert expected == pytest.approx(0.24)
        adjusted[fidelity] = {}
        for name in PARCEL_CLASSES:
            rows = [t.filter(pl.col("parcel_class") == name) for t in tables]
            assert all(row.height == 1 and row["orders"][0] > 3000 for row in rows), name
            adjusted[fidelity][name] = {
                metric: np.array([row[metric][0] for row in rows]) - beta * (cancelled - expected)
                for metric, beta in WEEK_BETA[name].items()}
    assert set(WEEK_BETA["group"]) == set(EQUIVALENCE_MARGINS)
    for name in PARCEL_CLASSES:
        assert_equivalent(adjusted["parcel"][name], adjusted["batch"][name], name)


@pytest.mark.parametrize("fidelity", ["parcel", "batch"])
def test_conservation_per_class_every_day(fidelity):
    """created = delivered + lost + returned + in transit, per class, every day, exactly; in transit counted
    from the stages' holdings, the rest from the finished parcels' records; the classes add up to the whole."""
    config = small_config(fidelity, horizon_days=10.0, **TWO_CLASSES,
                          **{"logistics.allocation": "priority", "logistics.drain_days": 6,
                             "logistics.costs.fixed_eur_per_flight_week": 700.0})
    out = simulate(config, Streams(9, 0))
    daily, by_class = out.tables["daily"], out.tables["daily_classes"]
    for name in ("group", "third_party"):
        d = by_class.filter(pl.col("parcel_class") == name)
        assert d.height == daily.height
        np.testing.assert_array_equal(
            d["created_cumulative"].to_numpy(),
            (d["delivered_cumulative"] + d["lost_cumulative"] + d["returned_cumulative"] + d["in_transit"]).to_numpy())
        assert d["in_transit"].max() > 200 and d["in_transit"][-1] > 0, name
        assert d["lost_cumulative"][-1] > 0 and d["returned_cumulative"][-1] > 0, name
    # the classes' costs per finished parcel average, weighted by finished parcels, to the whole's (each
    # class's own stage costs and compensation, the fixed costs of capacity shared per parcel)
    classes = out.tables["classes"]
    finished = (classes["orders"] - classes["unfinished_orders"]).to_numpy()
    whole = out.metrics["orders"] - out.metrics["unfinished_orders"]
    assert finished.sum() == whole > 1000
    assert float((finished * classes["cost_per_parcel_eur"].to_numpy()).sum()) == pytest.approx(
        whole * out.metrics["cost_per_parcel_eur"], rel=1e-12)
    total = by_class.group_by("day").agg(pl.col("created_cumulative", "in_transit").sum()).sort("day")
    np.testing.assert_array_equal(total["created_cumulative"].to_numpy(), daily["created_cumulative"].to_numpy())
    np.testing.assert_array_equal(total["in_transit"].to_numpy(), daily["in_transit"].to_numpy())


def test_priority_boards_every_group_parcel_no_later():
    """Sample path, common random numbers, demand feedback off: the sortation line is FCFS whatever the
    allocation, so each parcel is sorted at the same moment; under priority a group parcel competes for
    seats only with group parcels sorted before it, so it boards the same flight or an earlier one."""
    landed = {}
    for allocation in ("priority", "fcfs"):
        config = small_config("batch", horizon_days=10.0, **TWO_CLASSES, **{
            "logistics.allocation": allocation, "logistics.demand.feedback": False,
            "logistics.line_haul.cancellation_probability": 0.0})
        parcels = simulate(config, Streams(11, 0)).tables["parcels"].read().sort("parcel")
        landed[allocation] = parcels.filter(pl.col("group") & pl.col("flight_arrival_hours").is_not_nan())
    prio, fcfs = landed["priority"], landed["fcfs"]
    assert prio["parcel"].to_list() == fcfs["parcel"].to_list()
    np.testing.assert_array_equal(prio["sorted_hours"].to_numpy(), fcfs["sorted_hours"].to_numpy())
    earlier = prio["flight_arrival_hours"].to_numpy() - fcfs["flight_arrival_hours"].to_numpy()
    assert (earlier <= 0.0).all()
    assert (earlier < 0.0).mean() > 0.05  # flights were full: priority moved some group parcels forward


@pytest.mark.parametrize(("setting", "fragments"), [
    ("logistics.third_party.parcels_per_day=-5.0", ["logistics.third_party.parcels_per_day", "-5"]),
    ('logistics.allocation="group_first"', ["logistics.allocation", "group_first"]),
])
def test_bad_class_input_exits_2_naming_file_key_and_value(setting, fragments):
    done = CliRunner().invoke(cli.app, ["run", str(DEFAULT), "--reps", "1", "--set", setting])
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output
    for fragment in (DEFAULT.name, *fragments):
        assert fragment in done.output


@pytest.mark.slow
def test_priority_does_not_lower_the_group_on_time_share_paired():
    """The issue's criterion: over paired replications (common random numbers, feedback off), the one-sided
    99.9% lower bound of priority - fcfs in the group's on-time share is >= -0.001 (a priority rule that hurt
    the group in customs or on the flights would push it below). Flights at ~93% load with cancellations: the
    pilot (8 pairs at another seed) gave differences of mean 0.003 and sd 0.0023, so with 16 pairs the bound
    sits near +0.001 and a correct model fails only if the mean falls ~3.5 standard errors below that."""
    from scipy import stats

    differences = []
    for replication in range(16):
        share = {}
        for allocation in ("priority", "fcfs"):
            config = small_config("batch", horizon_days=10.0, **{
                "logistics.third_party.parcels_per_day": 250.0, "logistics.allocation": allocation,
                "logistics.demand.feedback": False, "logistics.line_haul.capacity_parcels": 300})
            classes = simulate(config, Streams(2026, replication)).tables["classes"]
            share[allocation] = classes.filter(pl.col("parcel_class") == "group")["on_time_share"][0]
        differences.append(share["priority"] - share["fcfs"])
    d = np.asarray(differences)
    lower = d.mean() - stats.t.ppf(0.999, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
    assert lower >= -0.001, (lower, d)
