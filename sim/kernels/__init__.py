"""Numba demand kernels: the hot core every model's demand goes through, one copy of each formula.

- `logit`: row-wise multinomial logit probabilities (log-sum-exp stable), outside-good and binary
  purchase probabilities.
- `mixed_logit`: random-coefficients logit shares, price derivatives and elasticities over simulated
  consumers, and the draw of their tastes.
- `delivery_response`: the utility shift from delivery promises, speed and the customer's delivery history,
  calibrated to published sales effects.
- `sampling`: shoppers per period and purchase sampling from given uniforms.
- `fast_exp`: a vectorisable exp (<= 1 ulp) for the kernels' inner loops.

Each kernel is `@njit(cache=True)` and deterministic (random draws come in as arguments); `*_parallel`
twins give the same results for any thread count; `*_reference` twins are plain NumPy for tests and
`bench/kernels.py` only. This package imports nothing else from `sim`.

Compiled code is cached in `__pycache__` beside each module. Numba checks only the calling module's source
when it loads a cache, so after editing a helper that other modules call (`fast_exp`, the logit block),
delete `sim/kernels/__pycache__` (or set `NUMBA_CACHE_DIR` to a fresh directory).
"""

from sim.kernels.delivery_response import DeliveryResponse, delivery_utility, sales_change
from sim.kernels.fast_exp import fast_exp
from sim.kernels.logit import (
    logit_probabilities,
    logit_probabilities_parallel,
    outside_probabilities,
    outside_probabilities_parallel,
    purchase_probability,
    purchase_probability_parallel,
)
from sim.kernels.mixed_logit import (
    draw_consumer_tastes,
    mixed_logit_elasticities,
    mixed_logit_elasticities_parallel,
    mixed_logit_price_derivatives,
    mixed_logit_price_derivatives_parallel,
    mixed_logit_shares,
    mixed_logit_shares_parallel,
    mixed_logit_utilities,
)
from sim.kernels.sampling import (
    NO_PURCHASE,
    allocate_purchases,
    choose_products,
    choose_products_parallel,
    draw_shoppers,
    split_purchases,
)

__all__ = [
    "DeliveryResponse",
    "delivery_utility",
    "sales_change",
    "fast_exp",
    "logit_probabilities",
    "logit_probabilities_parallel",
    "outside_probabilities",
    "outside_probabilities_parallel",
    "purchase_probability",
    "purchase_probability_parallel",
    "draw_consumer_tastes",
    "mixed_logit_elasticities",
    "mixed_logit_elasticities_parallel",
    "mixed_logit_price_derivatives",
    "mixed_logit_price_derivatives_parallel",
    "mixed_logit_shares",
    "mixed_logit_shares_parallel",
    "mixed_logit_utilities",
    "NO_PURCHASE",
    "allocate_purchases",
    "choose_products",
    "choose_products_parallel",
    "draw_shoppers",
    "split_purchases",
]
