"""When infrastructure wins: at 100% ownership, with ample capacity and no third-party volume, the group earns
more with Cainiao run as infrastructure than as a standalone profit centre, with Poisson orders."""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.core.rng import Streams
from sim.models.cainiao.model import simulate
from sim.models.cainiao.validation import linear_limit_config

A, B, C = 400.0, 2.0, 10.0  # orders a - b P per quarter (parcels), Cainiao's marginal cost c (RMB per parcel)
QUARTERS, REPLICATIONS, SEED = 4, 10, 11


def _mean_consolidated_profit(regime: str, replication: int) -> float:
    config = linear_limit_config(A, B, C, regime, quarters=QUARTERS)  # 100% owned, no third parties, c_K = 0
    config = config.model_copy(update={"demand": config.demand.model_copy(update={"noise": "poisson"})})
    table = simulate(config, Streams(SEED, replication)).tables["quarterly"]
    return float(table["consolidated_profit_rmb_m"].mean())


def test_infrastructure_beats_standalone_at_full_ownership_with_ample_capacity():
    """Theory (Spengler's double marginalisation; hand computation): standalone, w = (a + bc) / 2b = 105 and
    P = (3a + bc) / 4b = 152.5, so the group earns (P - c) E[orders] = 142.5 x 95 = 13,537.5 a quarter;
    infrastructure, P = (a + bc) / 2b = 105 and it earns 95 x 190 = 18,050. The expected gain is (a - bc)^2 /
    16b = 4,512.5 a quarter (capacity cost 0, so capacity is ample: orders beyond it have probability below
    1e-16).

    Paired by replication (same seed) over 10 replications of 4 quarters: the one-sided 99.9% lower bound on
    the mean gain must be above 0, and the two-sided 99.9% interval must contain 4,512.5 (false-failure rate
    0.1%). Power: were the two regimes' orders independent, the gain's standard deviation per replication
    would be about sqrt(95^2 x 190 + 142.5^2 x 95) / 2 = 955, a standard error of 302 over 10, and the lower
    bound would sit near 4,512.5 - 4.30 x 302 = 3,214: it falls below 0 only if the mean gain is below about
    1,300, so a model that lost the double marginalisation (a gain of 0) fails with probability above 0.999.
    The same seed draws both regimes' orders from the same stream (common random numbers), which brings the
    standard error down to about 16 here, only sharpening both checks."""
    gains = np.array([_mean_consolidated_profit("infrastructure", r) - _mean_consolidated_profit("standalone", r)
                      for r in range(REPLICATIONS)])
    mean, error = gains.mean(), gains.std(ddof=1) / np.sqrt(REPLICATIONS)
    one_sided = stats.t.ppf(0.999, REPLICATIONS - 1)
    two_sided = stats.t.ppf(0.9995, REPLICATIONS - 1)
    assert mean - one_sided * error > 0.0
    expected = (A - B * C) ** 2 / (16.0 * B)
    assert expected == 4512.5
    assert abs(mean - expected) <= two_sided * error


def _deterministic_profit(regime: str, capacity_cost: float, third_party_intercept: float = 0.0) -> float:
    config = linear_limit_config(A, B, C, regime, third_party_intercept=third_party_intercept)
    config = config.model_copy(update={"cainiao": config.cainiao.model_copy(
        update={"capacity_cost_rmb_per_parcel_quarter": capacity_cost})})
    return simulate(config, Streams(SEED, 0)).metrics["consolidated_profit_rmb_m_per_quarter"]


def test_infrastructure_loses_when_capacity_costs_more_than_a_third_of_the_margin():
    """Deterministic, 100% owned, no third parties, capacity cost c_K per parcel. Infrastructure transfers at
    c (capacity is Cainiao's cost, not in the transfer price), so AliExpress prices at P = (A + c)/2 and the
    group earns b (x/2 - c_K) x/2, x = A - c = a/b - c = 190; standalone prices at w = (A + c + c_K)/2 and the
    chain earns 3 b (x - c_K)^2 / 16. By hand, the gain of infrastructure is (b/16)(x - 3 c_K)(x + c_K): positive
    below c_K = x/3 = 63.33, negative between x/3 and x/2 (above x/2 infrastructure buys no capacity). The
    model's gain must equal it at c_K = 0, 30, 60, 70, 90 (relative 1e-6) and change sign at x/3."""
    x = A / B - C
    for capacity_cost in (0.0, 30.0, 60.0, 70.0, 90.0):
        gain = _deterministic_profit("infrastructure", capacity_cost) - _deterministic_profit("standalone", capacity_cost)
        expected = B / 16.0 * (x - 3.0 * capacity_cost) * (x + capacity_cost)
        assert abs(gain - expected) <= 1e-6 * abs(expected)
        assert (gain > 0) == (capacity_cost < x / 3.0)
