"""Parameter sets where Erlang C and Little's law give the customs queue's answers exactly (the closed forms
are `sim.theory.queueing`), with the pilot that sizes each case's replications (`sim.core.validation`).

Loads stop at utilisation 0.85 so that the designed replications fit the budget of `sim validate` (about 3
minutes on 2 cores): the variance of a queue's time averages grows like 1 / (1 - rho)^2, so at rho 0.9 the
same power would take about twice the parcels.
"""

from __future__ import annotations

from sim.core.validation import Expectation, Pilot, ValidationCase
from sim.models.customs.config import CustomsScenario
from sim.theory import queueing

__all__ = ["validation_cases", "PARAMETER_SETS"]

VALIDATION_SEED = 20261126
PILOT_SEED = 20260417
PILOT_REPLICATIONS = 10
WARMUP_DAYS = 5.0  # many relaxation times of these queues (hours), from an empty office

# (officers, arrivals per hour, service rate per officer per hour, horizon days), each with the pilot's
# standard deviation per replication of every checked metric: `sim.core.validation.run_pilot` at
# PILOT_SEED, replications 0..9, reproduces them.
PARAMETER_SETS: tuple[tuple[int, float, float, float, dict[str, float]], ...] = (
    (1, 7.0, 10.0, 300.0,     # M/M/1, rho = 0.70
     {"mean_wait_hours": 0.010141988470816106, "probability_of_waiting": 0.005872071076730003,
      "p95_wait_hours": 0.043765465501961455, "mean_queue_length": 0.075441242365849,
      "mean_time_in_system_hours": 0.010422150098513178, "littles_law_gap": 0.0005892936687642434}),
    (2, 16.0, 10.0, 400.0,    # M/M/2, rho = 0.80
     {"mean_wait_hours": 0.006964889203575916, "probability_of_waiting": 0.00577407852294549,
      "p95_wait_hours": 0.027466797642078003, "mean_queue_length": 0.11603625585948775,
      "mean_time_in_system_hours": 0.0071639260532828635, "littles_law_gap": 0.00018844122658454704}),
    (4, 34.0, 10.0, 200.0,    # M/M/4, rho = 0.85
     {"mean_wait_hours": 0.0054979808598231, "probability_of_waiting": 0.008859765460984867,
      "p95_wait_hours": 0.022052560865945446, "mean_queue_length": 0.1942182337693754,
      "mean_time_in_system_hours": 0.005702406912411096, "littles_law_gap": 0.00011391841647724001}),
)


def case_config(officers: int, arrivals: float, service_rate: float, horizon_days: float) -> CustomsScenario:
    rho = arrivals / (officers * service_rate)
    return CustomsScenario.model_validate({
        "model": "customs",
        "description": f"M/M/{officers} at utilisation {rho:.2f}",
        "run": {"horizon_days": horizon_days, "warmup_days": WARMUP_DAYS, "replications": PILOT_REPLICATIONS,
                "seed": VALIDATION_SEED},
        "customs": {"arrivals_per_hour": arrivals, "officers": officers, "service_rate_per_hour": service_rate},
    })


def expectations(officers: int, arrivals: float, service_rate: float) -> tuple[Expectation, ...]:
    """What M/M/c theory says of each metric (FCFS, steady state)."""
    queue_length = queueing.mean_queue_length(arrivals, service_rate, officers)
    return (
        Expectation("mean_wait_hours", queueing.mean_wait_in_queue(arrivals, service_rate, officers),
                    "Erlang C: Wq = C/(c mu - lambda)"),
        Expectation("probability_of_waiting", queueing.erlang_c(arrivals, service_rate, officers),
                    "Erlang C: P(wait) = C"),
        Expectation("p95_wait_hours", queueing.wait_quantile(0.95, arrivals, service_rate, officers),
                    "wait quantile ln(C/0.05)/(c mu - lambda)"),
        Expectation("mean_queue_length", queue_length, "Lq = lambda Wq (time-average monitor)"),
        Expectation("mean_time_in_system_hours", queueing.mean_time_in_system(arrivals, service_rate, officers),
                    "W = Wq + 1/mu"),
        Expectation("littles_law_gap", 0.0, "Little: Lq - lambda Wq = 0 (scale Lq)",
                    scale=queue_length),
    )


def validation_cases() -> list[ValidationCase]:
    """The customs checks: one case per parameter set, designed from its pilot."""
    cases = []
    for officers, arrivals, service_rate, horizon_days, pilot_sd in PARAMETER_SETS:
        rho = arrivals / (officers * service_rate)
        cases.append(ValidationCase(f"M/M/{officers} rho={rho:.2f}",
                                    case_config(officers, arrivals, service_rate, horizon_days),
                                    expectations(officers, arrivals, service_rate),
                                    Pilot(PILOT_SEED, PILOT_REPLICATIONS, pilot_sd)))
    return cases
