"""Parameter sets where Cobham's non-preemptive priority waits give the two-class office's answers exactly
(the closed forms are `sim.theory.queueing`), with the pilot that sizes each case's replications
(`sim.core.validation`): the mean wait of each class (Cobham 1954), and work conservation, the
lambda-weighted mean wait of both classes equal to the FCFS Erlang C wait.

Design: the issue asked for about 1.5M third-party parcels at c = 3, rho = 0.8; the pilot's standard
deviations per replication put the design (power 0.9 against a 5% error per class at the Bonferroni level of
the family) at a few replications of 100 days, about 0.3M third-party parcels per case, so both cases fit
in about a minute of SimPy on 2 cores.
"""

from __future__ import annotations

from sim.core.validation import Expectation, Pilot, ValidationCase
from sim.models.customs_classes.config import CustomsClassesScenario
from sim.theory import queueing

__all__ = ["validation_cases", "PARAMETER_SETS"]

VALIDATION_SEED = 20261201
PILOT_SEED = 20261202
PILOT_REPLICATIONS = 10
WARMUP_DAYS = 5.0  # many relaxation times of these queues (hours), from an empty office

# (officers, group arrivals per hour, third-party arrivals per hour, service rate per officer per hour,
# horizon days), each with the pilot's standard deviation per replication of every checked metric:
# `sim.core.validation.run_pilot` at PILOT_SEED, replications 0..9, reproduces them.
PARAMETER_SETS: tuple[tuple[int, float, float, float, float, dict[str, float]], ...] = (
    (2, 7.0, 7.0, 10.0, 100.0,     # rho = 0.70
     {"mean_wait_group_hours": 0.0009688614027566706, "mean_wait_third_party_hours": 0.007115577093931341,
      "mean_wait_hours": 0.004026237191458972}),
    (3, 12.0, 12.0, 10.0, 100.0,   # rho = 0.80
     {"mean_wait_group_hours": 0.000833015853470553, "mean_wait_third_party_hours": 0.009102764164285133,
      "mean_wait_hours": 0.0047154057528966085}),
)


def case_config(officers: int, group: float, third_party: float, service_rate: float,
                horizon_days: float) -> CustomsClassesScenario:
    rho = (group + third_party) / (officers * service_rate)
    return CustomsClassesScenario.model_validate({
        "model": "customs_classes",
        "description": f"two-class M/M/{officers} with priority at utilisation {rho:.2f}",
        "run": {"horizon_days": horizon_days, "warmup_days": WARMUP_DAYS, "replications": PILOT_REPLICATIONS,
                "seed": VALIDATION_SEED},
        "customs_classes": {"group_arrivals_per_hour": group, "third_party_arrivals_per_hour": third_party,
                            "officers": officers, "service_rate_per_hour": service_rate,
                            "allocation": "priority"},
    })


def expectations(officers: int, group: float, third_party: float, service_rate: float) -> tuple[Expectation, ...]:
    """What non-preemptive priority theory says of each metric (steady state)."""
    w_group, w_third = queueing.priority_waits_in_queue([group, third_party], service_rate, officers)
    return (
        Expectation("mean_wait_group_hours", w_group, "Cobham: W_1 = W_0 / (1 - sigma_1)"),
        Expectation("mean_wait_third_party_hours", w_third, "Cobham: W_2 = W_0 / ((1 - sigma_1)(1 - sigma_2))"),
        Expectation("mean_wait_hours", queueing.mean_wait_in_queue(group + third_party, service_rate, officers),
                    "work conservation: lambda-weighted W_k = Erlang C Wq"),
    )


def validation_cases() -> list[ValidationCase]:
    """The two-class checks: one case per parameter set, designed from its pilot."""
    cases = []
    for officers, group, third_party, service_rate, horizon_days, pilot_sd in PARAMETER_SETS:
        rho = (group + third_party) / (officers * service_rate)
        cases.append(ValidationCase(f"two-class M/M/{officers} priority rho={rho:.2f}",
                                    case_config(officers, group, third_party, service_rate, horizon_days),
                                    expectations(officers, group, third_party, service_rate),
                                    Pilot(PILOT_SEED, PILOT_REPLICATIONS, pilot_sd)))
    return cases
