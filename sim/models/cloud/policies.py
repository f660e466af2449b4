"""Rivals' price rules that need a demand model: the quarterly best response.

`ignore`, `match` and `partial_match` are schedules applied by `ProviderBook.begin_quarter`. A
best-responding provider (a rival with `response = "best_response"` or from its `best_response_from`, the
leader only from its `best_response_from`) re-prices every quarter: for each workload type w it picks the
multiplier m on its own prices of that type that maximises its profit per chooser against current demand,

    pi_j(m) = (m p_jw - c_jw) s_jw(m p_jw, p_-j) (m p_jw)^e_w,

where s_jw is the static mixed-logit share of a choosing workload (`mixed_logit_shares`, the same kernel
the customers use, over `market.taste_draws` fixed consumer draws), c_jw the provider's current unit cost
and e_w the volume elasticity of the type (0 for traditional workloads). Solved with
`scipy.optimize.minimize_scalar` (bounded, on log m). The rule is static (one period, new choosers): it
does not weigh the installed base a price keeps or loses in later quarters.

GPU capacity: a provider does not price GenAI below the price at which the GenAI demand it expects this
quarter (last quarter's, grown at last quarter's growth net of price and moved along the volume
elasticity) would exceed its capacity (`ProviderBook.capacity_clearing_multiplier`): with
finite capacity, selling more than K is not possible, so the capacity-constrained optimum of a profit
concave in price is the larger of the unconstrained one and the clearing price. Shares are held at their
current level in that step (an approximation: a higher price also loses choosers, so the clearing price
is slightly overstated).

The static shares, their price derivatives and the one-firm best response are pure functions in
`sim.theory.io`, re-exported here under their old import paths; `apply_best_responses` applies them to the
model's `ProviderBook`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.models.cloud.config import WORKLOAD_TYPES, CloudScenario
from sim.theory.io import (
    NO_OUTSIDE_SHIFT,
    best_response_multiplier,
    kernel_inputs,
    static_price_derivatives,
    static_shares,
)

if TYPE_CHECKING:
    from sim.models.cloud.providers import ProviderBook

__all__ = ["NO_OUTSIDE_SHIFT", "kernel_inputs", "static_shares", "static_price_derivatives",
           "best_response_multiplier", "apply_best_responses"]


def apply_best_responses(book: ProviderBook, quarter: int, config: CloudScenario,
                         alpha_by_type: Sequence[NDArray[np.float64]]) -> None:
    """Re-price every best-responding provider of `book` (a `ProviderBook`) for each workload type, one after
    another (each sees the prices already set this quarter), against consumers `alpha_by_type[w]`; GenAI
    prices no lower than the capacity-clearing price."""
    if not book.best_responders:
        return
    delta = book.delta(quarter)
    for w, kind in enumerate(WORKLOAD_TYPES):
        elasticity = config.workloads[kind].price_elasticity
        for j in book.best_responders:
            if quarter < book.best_response_from[j]:
                continue
            price, cost = book.type_prices()[:, w], book.type_costs()[:, w]
            ceiling = 5.0 * float(book.start_prices[j] @ book.weights[w])
            m = best_response_multiplier(j, delta[:, w], price, cost, alpha_by_type[w], elasticity,
                                         float(book.floor[j]), ceiling)
            if kind == "genai":
                m = max(m, book.capacity_clearing_multiplier(j, elasticity))
            book.apply_type_multiplier(j, w, m)
