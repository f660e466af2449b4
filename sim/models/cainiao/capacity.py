"""Capacity bought before the quarter's demand is known: the integer K maximising the exact expected profit

    E[profit](K) = p E[min(K, D)] - c_K K,     D ~ Poisson(lambda),

with p the margin per parcel carried (Cainiao's own margin standalone, the group's as infrastructure), c_K the
cost of one unit of capacity, no salvage value and no shortage cost beyond the lost margin. E[min(K, D)] =
sum_{k < K} P(D > k) is computed exactly from the Poisson survival function; the search runs over every K up
to lambda + 40 sqrt(lambda) + 40, beyond which P(D > K) is below 1e-300 (so with c_K > 0 profit only falls,
and with c_K = 0 nothing is gained). Ties go to the smallest K.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["expected_carried", "capacity_by_expected_profit"]


def expected_carried(capacity: int, mean_demand: float) -> float:
    """E[min(K, D)] for D ~ Poisson(mean_demand): sum_{k < K} P(D > k)."""
    from scipy.stats import poisson  # here, not at import: loading a model never imports scipy.stats

    return float(poisson.sf(np.arange(capacity), mean_demand).sum())


def capacity_by_expected_profit(margin: float, capacity_cost: float, mean_demand: float) -> int:
    """The K >= 0 maximising p E[min(K, D)] - c_K K (see the module doc); 0 when the margin is not positive."""
    if margin <= 0.0 or mean_demand <= 0.0:
        return 0
    from scipy.stats import poisson  # here, not at import: loading a model never imports scipy.stats

    top = int(math.ceil(mean_demand + 40.0 * math.sqrt(mean_demand) + 40.0))
    profit = np.concatenate(([0.0], margin * np.cumsum(poisson.sf(np.arange(top), mean_demand))
                             - capacity_cost * np.arange(1, top + 1)))
    return int(np.argmax(profit))
