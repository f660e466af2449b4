"""The two fidelities give one answer (equivalence within margins), and with feedback off a capacity change
leaves the order stream identical (common random numbers).

Statistical family of this file: only the slow TOST test (independent seeds, a control variate with a known
mean; its own docstring states its false-failure rate and power from a resampling pilot). Every other test is exact for its seed: the fidelities draw
the same numbers parcel by parcel, so their paired differences are 0, not small."""

import numpy as np
import pytest

import sim
from sim.core.rng import Streams
from sim.core.runner import run_model
from sim.models.logistics import MODEL
from sim.models.logistics.model import simulate
from sim.scenario import load_scenario
from tests.models.logistics.helpers import EQUIVALENCE_MARGINS, assert_equivalent, cancelled_flights, small_config


def test_parcel_and_batch_fidelities_give_the_same_metrics_replication_by_replication():
    """Same seeds, both fidelities: every replication's metrics coincide (to 1e-9 relative), which is stronger
    than equivalence within `EQUIVALENCE_MARGINS` and cannot fail by chance. The small scenario switches every
    random mechanism on (cancellations, losses, customs queue, inspections, refusals, failed attempts, forward
    stock) and a tight flight capacity, so offloading is frequent.

    This replaced a paired 95% interval inside each margin (12 replications, four metrics): its differences
    were exactly 0, so it was a deterministic check dressed as a statistical one. The statistical evidence
    that the fidelities agree with nothing shared between them is the slow TOST test below."""
    results = {}
    for fidelity in ("parcel", "batch"):
        config = small_config(fidelity, horizon_days=10.0)
        results[fidelity] = run_model(MODEL, config, scenario_name=fidelity, replications=4, seed=2024)
    for metric in EQUIVALENCE_MARGINS:
        a = results["parcel"].metric_values(metric).to_numpy()
        b = results["batch"].metric_values(metric).to_numpy()
        assert np.all(np.isfinite(a)), metric
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12, err_msg=metric)
    # the scenario is not degenerate: promises are broken and the metrics vary across replications
    on_time = results["parcel"].metric_values("on_time_share").to_numpy()
    assert 0.3 < on_time.mean() < 0.995
    assert np.unique(results["parcel"].metric_values("p95_delivery_days").to_numpy()).size > 1


# The peak scenario shortened: the same 11.11 peak (3x on 11 Nov, 1.5x the two days after) seen from a window
# of 9 order days (5 to 14 from Monday 2025-11-03) instead of 21, and a 20-day drain (every parcel finishes).
PEAK = "aliexpress_spain_5day_peak_1111.toml"
SHORT_PEAK = ["run.horizon_days=14.0", "run.warmup_days=5.0", "logistics.drain_days=20",
              "logistics.calendar.start_date=2025-11-03"]
#: the control variate: cancelled flights departing on days 8 to 15 (11 to 18 November), where a cancellation
#: moves the window's delivery times most (in the pilot, +0.3 to +0.7 days on p50 each)
CANCELLATION_DAYS = (8.0, 16.0)
#: its coefficient per metric, fixed from the pilot (400 batch replications, seed 99; not this test's seeds,
#: so the adjusted mean is exactly unbiased): the pilot's covariance of metric and count over the count's variance
BETA = {"on_time_share": -0.0022, "p50_delivery_days": 0.388, "p95_delivery_days": 0.213,
        "cost_per_parcel_eur": 0.0026}
REPLICATIONS = {"parcel": (30, 101), "batch": (80, 202)}  # (replications, seed): independent streams


@pytest.mark.slow
def test_fidelities_are_equivalent_with_independent_seeds_through_the_peak():
    """Independent seeds (no pairing, so nothing shared between the fidelities can hide a difference): 30
    parcel and 80 batch replications of the shortened peak scenario. Each replication's metric Y is adjusted
    by a control variate with a known mean, Y - beta (Z - E[Z]), Z the replication's cancelled flights on
    days 8 to 15 (E[Z] = 16 x 0.02 from the timetable, beta fixed from a pilot at another seed, so both
    adjusted means stay exactly unbiased); for each metric of `MARGINS` the 90% Welch interval of the
    adjusted batch - parcel lies inside the margin (TOST at 5% a side).

    Power (fails when the fidelities truly differ by a margin): >= 0.95 per metric under normality, the
    level of each one-sided test; resampling the pilot with one arm shifted by +-margin gives 0.94 to 0.96
    per metric and sign (on-time share, skewed, 0.937): >= 0.9 against each margin.

    False failures (true difference 0): the fidelities give the same metrics replication by replication
    (the exact test above), so one pilot serves both arms: 400 batch replications of this configuration
    (seed 99). The control variate cuts the per-replication sd of p50 from 0.304 to 0.204 days, of p95 from
    0.165 to 0.109, of the on-time share from 0.0018 to 0.0012 (cost 0.0099 EUR, unchanged). Resampled
    200,000 times as 30 + 80 adjusted values for both fidelities alike and put through this test: the family
    of four metrics fails 0.01% of the time (p50 alone; normal approximation: the p50 threshold is 4.1
    standard errors, two-sided 5e-5), <= 0.001 as the project's rule asks. The former design (45 + 120
    unadjusted replications) failed 0.37% of the time by the same resampling (its docstring said 0.36%), and
    its pytest process took 79 s of CPU against 55 s now (the two run side by side; 1.5 s per parcel
    replication, 0.14 s per batch one)."""
    from tests.models.logistics.helpers import SCENARIOS

    adjusted = {}
    for fidelity, (replications, seed) in REPLICATIONS.items():
        overrides = SHORT_PEAK + [f'logistics.fidelity="{fidelity}"']
        result = sim.run(SCENARIOS / PEAK, reps=replications, seed=seed, overrides=overrides)
        config = load_scenario(SCENARIOS / PEAK, overrides).config
        # E[Z] by hand: 2 flights a day, every weekday, 8 days: 16 x 0.02 = 0.32
        cancelled, expected = cancelled_flights(config, seed, replications, CANCELLATION_DAYS)
        assert expected == pytest.approx(0.32)
        adjusted[fidelity] = {metric: result.metric_values(metric).to_numpy() - beta * (cancelled - expected)
                              for metric, beta in BETA.items()}
    assert_equivalent(adjusted["parcel"], adjusted["batch"])


def test_fidelities_agree_parcel_by_parcel():
    """Stronger than equivalence on a small run: both fidelities draw the same per-parcel numbers, so each
    parcel's outcome and delivery time coincide."""
    tables = {}
    for fidelity in ("parcel", "batch"):
        config = small_config(fidelity, horizon_days=6.0, **{"logistics.record_parcels": True})
        tables[fidelity] = simulate(config, Streams(8, 0)).tables["parcels"].read().sort("parcel")
    a, b = tables["parcel"], tables["batch"]
    assert a.height == b.height > 1000
    assert a["outcome"].to_list() == b["outcome"].to_list()
    np.testing.assert_allclose(a["final_hours"].to_numpy(), b["final_hours"].to_numpy(), atol=1e-6)


def test_capacity_change_leaves_order_stream_unchanged_without_feedback():
    orders = {}
    for name, changes in {
        "base": {},
        "extra_flight": {"logistics.line_haul.departure_hours": [2.0, 14.0, 20.0]},
        "more_officers": {"logistics.customs.officers": 5},
    }.items():
        config = small_config("batch", horizon_days=10.0, **{"logistics.record_parcels": True,
                                                             "logistics.demand.feedback": False}, **changes)
        orders[name] = simulate(config, Streams(3, 0)).tables["parcels"].read().sort("parcel")
    base = orders["base"].select("parcel", "customer", "order_hours", "value_eur", "choice", "forward")
    for name in ("extra_flight", "more_officers"):
        other = orders[name].select(base.columns)
        assert base.equals(other), name
    # ... while the network did change what happened to the parcels
    assert not np.allclose(orders["base"]["final_hours"].to_numpy(), orders["extra_flight"]["final_hours"].to_numpy(),
                           equal_nan=True)


def test_feedback_changes_orders_through_customer_histories():
    """With feedback on, late deliveries lower the purchase probability of the customers who suffered them:
    a network that breaks promises (tight flights) gets fewer orders than the same stream without feedback."""
    counts = {}
    for feedback in (False, True):
        config = small_config("batch", horizon_days=30.0, **{
            "logistics.demand.feedback": feedback, "logistics.demand.customers": 800,
            "logistics.demand.utility_per_late_delivery": -1.0,
            "logistics.line_haul.capacity_parcels": 75})
        out = simulate(config, Streams(1, 0))
        counts[feedback] = (out.metrics["orders"], out.metrics["on_time_share"])
    # about 40% of promises are broken; each late parcel costs its customer about half their purchase
    # probability, so orders fall by well over 5% ...
    assert counts[True][0] < 0.95 * counts[False][0]
    # ... and the lower demand relieves the flights: the promise is kept more often
    assert counts[True][1] > counts[False][1]


def test_adding_a_flight_keeps_the_other_flights_cancellations():
    from sim.models.logistics.network import Network

    key = Streams(5, 0).entropy("network.flights")
    base = small_config("batch", **{"logistics.line_haul.cancellation_probability": 0.3})
    extra = small_config("batch", **{"logistics.line_haul.cancellation_probability": 0.3,
                                     "logistics.line_haul.departure_hours": [2.0, 14.0, 20.0]})
    a = Network(base.logistics, 60, key)
    b = Network(extra.logistics, 60, key)
    common = np.isin(b.departures, a.departures)
    np.testing.assert_array_equal(b.cancelled[common], a.cancelled)
    assert 0.2 < a.cancelled.mean() < 0.4
