"""Parameter sets where Erlang C and Little's law give the customs queue's answers exactly (the closed forms
are `sim.theory.queueing`)."""

from __future__ import annotations

from sim.core.validation import Expectation, ValidationCase
from sim.models.customs.config import CustomsScenario
from sim.theory import queueing

__all__ = ["validation_cases"]

# (officers, arrivals per hour, service rate per officer per hour, horizon days, replications):
# 100,000-200,000 parcels a replication, enough that each family-wise (Bonferroni) CI half-width is under
# 5% of Wq.
PARAMETER_SETS = (
    (1, 7.0, 10.0, 600.0, 8),     # M/M/1,  rho = 0.70
    (2, 16.0, 10.0, 520.0, 8),    # M/M/2,  rho = 0.80
    (4, 36.0, 10.0, 232.0, 28),   # M/M/4,  rho = 0.90: waits are strongly autocorrelated, so 28 replications
)


def validation_cases(scale: float = 1.0) -> list[ValidationCase]:
    """The customs checks; `scale` shrinks the horizons for quick smoke runs (tests use 1.0)."""
    cases = []
    for officers, arrivals, service_rate, horizon_days, replications in PARAMETER_SETS:
        rho = arrivals / (officers * service_rate)
        config = CustomsScenario.model_validate(
            {
                "model": "customs",
                "description": f"M/M/{officers} at utilisation {rho:.2f}",
                "run": {"horizon_days": horizon_days * scale, "warmup_days": 5.0 * scale,
                        "replications": replications, "seed": 20261126},
                "customs": {"arrivals_per_hour": arrivals, "officers": officers,
                            "service_rate_per_hour": service_rate},
            }
        )
        expectations = (
            Expectation("mean_wait_hours", queueing.mean_wait_in_queue(arrivals, service_rate, officers),
                        "Erlang C: Wq = C(c,a)/(c mu - lambda)"),
            Expectation("probability_of_waiting", queueing.erlang_c(arrivals, service_rate, officers),
                        "Erlang C: P(wait) = C(c,a)"),
            Expectation("mean_queue_length", queueing.mean_queue_length(arrivals, service_rate, officers),
                        "Lq = lambda Wq (time-integrated queue vs theory)"),
            Expectation("mean_time_in_system_hours", queueing.mean_time_in_system(arrivals, service_rate, officers),
                        "W = Wq + 1/mu"),
            Expectation("littles_law_gap", 0.0, "Little's law: Lq - lambda_obs Wq_obs = 0"),
        )
        cases.append(ValidationCase(f"customs M/M/{officers} rho={rho:.2f}", config, expectations))
    return cases
