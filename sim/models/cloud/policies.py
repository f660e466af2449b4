"""Rivals' price rules that need a demand model: the quarterly best response.

`ignore`, `match` and `partial_match` are schedules applied by `ProviderBook.begin_quarter`. A
`best_response` rival re-prices every quarter: for each workload type w it picks the multiplier m on its
own prices of that type that maximises its profit per chooser against current demand,

    pi_j(m) = (m p_jw - c_jw) s_jw(m p_jw, p_-j) (m p_jw)^e_w,

where s_jw is the static mixed-logit share of a choosing workload (`mixed_logit_shares`, the same kernel
the customers use, over `market.taste_draws` fixed consumer draws), c_jw the rival's current unit cost and
e_w the volume elasticity of the type (0 for traditional workloads). Solved with
`scipy.optimize.minimize_scalar` (bounded, on log m).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar

from sim.kernels.mixed_logit import mixed_logit_price_derivatives, mixed_logit_shares

__all__ = ["NO_OUTSIDE_SHIFT", "kernel_inputs", "static_shares", "static_price_derivatives",
           "best_response_multiplier", "apply_best_responses"]

#: The mixed-logit kernel always has an outside good of utility 0; the cloud market has none ("others" is
#: a provider). Logit shares are invariant to adding a constant to every inside utility except through the
#: outside good, whose share is exp(-(C + u_i,max)) / (...): with every delta raised by C = 200 it is below
#: e^-150 for any utility above -50, i.e. 0 in float64, and the kernel's shares and derivatives are exactly
#: those of the logit without an outside good (the kernel is log-sum-exp safe, so the shift cannot overflow).
NO_OUTSIDE_SHIFT = 200.0


def kernel_inputs(delta, price, alpha, outside_option: bool = False):
    """Arguments for the `sim.kernels.mixed_logit` functions: (delta [+ C], price, zero delivery days,
    alpha, zero gamma)."""
    shift = 0.0 if outside_option else NO_OUTSIDE_SHIFT
    delta = np.ascontiguousarray(np.asarray(delta, dtype=np.float64) + shift)
    price = np.ascontiguousarray(price, dtype=np.float64)
    alpha = np.ascontiguousarray(alpha, dtype=np.float64)
    return delta, price, np.zeros_like(price), alpha, np.zeros_like(alpha)


def static_shares(delta: np.ndarray, price: np.ndarray, alpha: np.ndarray, outside_option: bool = False
                  ) -> np.ndarray:
    """(J,) mixed-logit shares of a choosing workload at prices `price` (no delivery attribute)."""
    return np.asarray(mixed_logit_shares(*kernel_inputs(delta, price, alpha, outside_option)))


def static_price_derivatives(delta: np.ndarray, price: np.ndarray, alpha: np.ndarray,
                             outside_option: bool = False) -> np.ndarray:
    """(J, J) d s_j / d p_k from the kernel."""
    return np.asarray(mixed_logit_price_derivatives(*kernel_inputs(delta, price, alpha, outside_option)))


def best_response_multiplier(j: int, delta: np.ndarray, price: np.ndarray, cost: np.ndarray, alpha: np.ndarray,
                             elasticity: float, floor_factor: float, ceiling: float) -> float:
    """The profit-maximising multiplier on provider j's price given rivals' prices (see module doc)."""
    p_j, c_j = float(price[j]), float(cost[j])
    low = np.log(max(floor_factor * c_j, 1e-6) / p_j)
    high = np.log(max(ceiling / p_j, np.exp(low) * 1.01))

    def negative_profit(log_m: float) -> float:
        trial = price.copy()
        trial[j] = p_j * np.exp(log_m)
        share = static_shares(delta, trial, alpha)[j]
        return -(trial[j] - c_j) * share * trial[j] ** elasticity

    result = minimize_scalar(negative_profit, bounds=(low, high), method="bounded", options={"xatol": 1e-6})
    return float(np.exp(result.x))


def apply_best_responses(book, quarter: int, config, alpha_by_type) -> None:
    """Re-price every `best_response` rival of `book` (a `ProviderBook`) for each workload type, one rival
    after another (each sees the prices already set this quarter), against consumers `alpha_by_type[w]`."""
    if not book.best_responders:
        return
    delta = book.delta(quarter)
    for w, kind in enumerate(("traditional", "genai")):
        elasticity = config.workloads[kind].price_elasticity
        for j in book.best_responders:
            if quarter < book.best_response_from[j]:
                continue
            price, cost = book.type_prices()[:, w], book.type_costs()[:, w]
            ceiling = 5.0 * float(book.start_prices[j] @ book.weights[w])
            m = best_response_multiplier(j, delta[:, w], price, cost, alpha_by_type[w], elasticity,
                                         float(book.floor[j]), ceiling)
            book.apply_type_multiplier(j, w, m)
