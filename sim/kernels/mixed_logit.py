"""Random-coefficients (mixed) logit demand over N simulated consumers and J products.

Model (Berry, Levinsohn & Pakes 1995; Train 2009, ch. 6; pyblp's notation). Consumer i's utility from
product j is

    u_ij = delta_j - alpha_i * p_j - gamma_i * d_j + eps_ij,

with mean utility delta_j, price p_j, delivery days d_j, the consumer's price and delivery-time
disutilities alpha_i and gamma_i (drawn by `draw_consumer_tastes`), eps_ij i.i.d. Gumbel, and an outside
good of utility 0. Given the tastes, choice probabilities are logit (`sim.kernels.logit`), and market
shares are their mean over the simulated consumers:

    s_ij = exp(u_ij) / (1 + sum_k exp(u_ik)),        s_j = (1/N) sum_i s_ij.

Price derivatives and elasticities (Nevo 2000, J. Econ. Manag. Strategy 9(4), appendix):

    D_jk = d s_j / d p_k = -(1/N) sum_i alpha_i s_ij (1[j = k] - s_ik),       E_jk = (p_k / s_j) D_jk.

The diagonal is evaluated with 1 - s_ij = s_i0 + sum_{k != j} s_ik (outside good plus the other products),
a sum of positive terms, so an own derivative stays accurate when a share is close to 1 (the textbook
difference sum_i alpha_i s_ij s_ij - sum_i alpha_i s_ij would cancel). E_jk is as accurate as D_jk and s_j:
where either underflows below the normal range (about 2e-308, e.g. a product no consumer would buy) the
ratio has few significant bits.

The kernels are a composition: utility matrix (`mixed_logit_utilities`) -> logit rows
(`sim.kernels.logit`) -> mean over consumers. For speed the numba kernels fuse the three per block of
consumers, so that the (N, J) matrices never exist, but they call the same logit block as
`logit_probabilities`, and the tests prove the fused kernels equal the NumPy references, which are written
as exactly that composition. Per-block sums are added in block order, so `_parallel` results are bit for
bit those of the serial kernels, whatever the thread count.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numpy.typing import ArrayLike, NDArray

from sim.kernels.logit import (
    _BLOCK_ROWS,
    _TASK_BLOCKS,
    _exponentiate_block,
    logit_probabilities_reference,
    outside_probabilities_reference,
)
from sim.kernels.sampling import lognormal_with_mean

__all__ = [
    "mixed_logit_utilities",
    "mixed_logit_utilities_reference",
    "mixed_logit_shares",
    "mixed_logit_shares_parallel",
    "mixed_logit_shares_reference",
    "mixed_logit_price_derivatives",
    "mixed_logit_price_derivatives_parallel",
    "mixed_logit_price_derivatives_reference",
    "mixed_logit_elasticities",
    "mixed_logit_elasticities_parallel",
    "mixed_logit_elasticities_reference",
    "draw_consumer_tastes",
]


@njit(cache=True, error_model="numpy")
def _utility(delta_j: float, price_j: float, delivery_days_j: float, alpha_i: float, gamma_i: float) -> float:
    """u_ij without the Gumbel error: delta_j - alpha_i p_j - gamma_i d_j."""
    return delta_j - alpha_i * price_j - gamma_i * delivery_days_j


@njit(cache=True, error_model="numpy")
def _check_lengths(
    delta: NDArray[np.float64], price: NDArray[np.float64], delivery_days: NDArray[np.float64],
    alpha: NDArray[np.float64], gamma: NDArray[np.float64],
) -> None:
    if price.shape[0] != delta.shape[0] or delivery_days.shape[0] != delta.shape[0]:
        raise ValueError("mixed logit: price and delivery_days must have the length of delta (one per product)")
    if gamma.shape[0] != alpha.shape[0]:
        raise ValueError("mixed logit: gamma must have the length of alpha (one per consumer)")
    if alpha.shape[0] == 0:
        raise ValueError("mixed logit: at least one simulated consumer is needed (alpha is empty)")


@njit(cache=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _dot(x: NDArray[np.float64], y: NDArray[np.float64]) -> float:
    """sum_i x[i] y[i]; reassociation lets LLVM vectorise the reduction (partial sums per vector lane)."""
    total = 0.0
    for i in range(x.shape[0]):
        total += x[i] * y[i]
    return total


@njit(cache=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _sum(x: NDArray[np.float64]) -> float:
    """sum_i x[i], vectorised like `_dot`."""
    total = 0.0
    for i in range(x.shape[0]):
        total += x[i]
    return total


@njit(cache=True, error_model="numpy")
def _block_sums(
    delta: NDArray[np.float64], price: NDArray[np.float64], delivery_days: NDArray[np.float64],
    alpha: NDArray[np.float64], gamma: NDArray[np.float64], first_block: int, stop_block: int,
    share_sums: NDArray[np.float64], cross_sums: NDArray[np.float64],
) -> None:
    """For each block b of `_BLOCK_ROWS` consumers in [first_block, stop_block):

    share_sums[b, j] = sum_i s_ij and, if `cross_sums` is not empty (derivatives wanted),
    cross_sums[b, j, k] = sum_i alpha_i s_ij s_ik for k < J and cross_sums[b, j, J] = sum_i alpha_i s_ij s_i0.
    """
    n_consumers = alpha.shape[0]
    n_products = delta.shape[0]
    with_derivatives = cross_sums.size > 0
    utilities = np.empty(n_products * _BLOCK_ROWS)
    weights = np.empty(n_products * _BLOCK_ROWS)
    row_shift = np.empty(_BLOCK_ROWS)
    outside_weight = np.empty(_BLOCK_ROWS)
    inverse_denominator = np.empty(_BLOCK_ROWS)
    for block in range(first_block, stop_block):
        start = block * _BLOCK_ROWS
        n_rows = min(_BLOCK_ROWS, n_consumers - start)
        alpha_block = alpha[start:start + n_rows]
        gamma_block = gamma[start:start + n_rows]
        inverse = inverse_denominator[:n_rows]
        for j in range(n_products):
            delta_j, price_j, delivery_days_j = delta[j], price[j], delivery_days[j]
            utilities_j = utilities[j * n_rows:(j + 1) * n_rows]
            for i in range(n_rows):
                utilities_j[i] = _utility(delta_j, price_j, delivery_days_j, alpha_block[i], gamma_block[i])
        _exponentiate_block(utilities, weights, n_rows, n_products, True, row_shift, outside_weight,
                            inverse_denominator)
        if not with_derivatives:
            for j in range(n_products):
                share_sums[block, j] = _dot(weights[j * n_rows:(j + 1) * n_rows], inverse)
            continue
        # in place: weights become the shares s_ij, utilities become alpha_i s_ij, outside weights s_i0
        outside_share = outside_weight[:n_rows]
        for i in range(n_rows):
            outside_share[i] *= inverse[i]
        for j in range(n_products):
            shares_j = weights[j * n_rows:(j + 1) * n_rows]
            alpha_weighted_j = utilities[j * n_rows:(j + 1) * n_rows]
            for i in range(n_rows):
                shares_j[i] *= inverse[i]
                alpha_weighted_j[i] = alpha_block[i] * shares_j[i]
        for j in range(n_products):
            alpha_weighted_j = utilities[j * n_rows:(j + 1) * n_rows]
            share_sums[block, j] = _sum(weights[j * n_rows:(j + 1) * n_rows])
            for k in range(n_products):
                cross_sums[block, j, k] = _dot(alpha_weighted_j, weights[k * n_rows:(k + 1) * n_rows])
            cross_sums[block, j, n_products] = _dot(alpha_weighted_j, outside_share)


@njit(cache=True, error_model="numpy")
def _n_blocks(n_consumers: int) -> int:
    return (n_consumers + _BLOCK_ROWS - 1) // _BLOCK_ROWS


@njit(cache=True, error_model="numpy")
def _shares_from_sums(share_sums: NDArray[np.float64], n_consumers: int) -> NDArray[np.float64]:
    """Mean over consumers from the per-block sums, added in block order (the same in every variant)."""
    shares = np.zeros(share_sums.shape[1])
    for block in range(share_sums.shape[0]):
        for j in range(share_sums.shape[1]):
            shares[j] += share_sums[block, j]
    return shares / n_consumers


@njit(cache=True, error_model="numpy")
def _derivatives_from_sums(cross_sums: NDArray[np.float64], n_consumers: int) -> NDArray[np.float64]:
    """D from the per-block sums (added in block order): D_jk = M_jk / N for k != j and
    D_jj = -(M_j0 + sum_{k != j} M_jk) / N, with M_jk = sum_i alpha_i s_ij s_ik and M_j0 its outside column."""
    n_products = cross_sums.shape[1]
    totals = np.zeros((n_products, n_products + 1))
    for block in range(cross_sums.shape[0]):
        for j in range(n_products):
            for k in range(n_products + 1):
                totals[j, k] += cross_sums[block, j, k]
    derivatives = np.empty((n_products, n_products))
    for j in range(n_products):
        own = totals[j, n_products]
        for k in range(n_products):
            if k != j:
                derivatives[j, k] = totals[j, k] / n_consumers
                own += totals[j, k]
        derivatives[j, j] = -own / n_consumers
    return derivatives


@njit(cache=True, error_model="numpy")
def mixed_logit_utilities(
    delta: NDArray[np.float64], price: NDArray[np.float64], delivery_days: NDArray[np.float64],
    alpha: NDArray[np.float64], gamma: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The (N, J) utility matrix u_ij = delta_j - alpha_i p_j - gamma_i d_j (no Gumbel error).

    For models that change it before the logit step (e.g. an incumbent bonus), then call
    `logit_probabilities(utilities, True)` and average the rows.
    """
    _check_lengths(delta, price, delivery_days, alpha, gamma)
    utilities = np.empty((alpha.shape[0], delta.shape[0]))
    for i in range(alpha.shape[0]):
        for j in range(delta.shape[0]):
            utilities[i, j] = _utility(delta[j], price[j], delivery_days[j], alpha[i], gamma[i])
    return utilities


@njit(cache=True, error_model="numpy")
def mixed_logit_shares(
    delta: NDArray[np.float64], price: NDArray[np.float64], delivery_days: NDArray[np.float64],
    alpha: NDArray[np.float64], gamma: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Market shares s_j = mean_i s_ij, (J,), with the outside good taking 1 - sum_j s_j."""
    _check_lengths(delta, price, delivery_days, alpha, gamma)
    n_blocks = _n_blocks(alpha.shape[0])
    share_sums = np.empty((n_blocks, delta.shape[0]))
    _block_sums(delta, price, delivery_days, alpha, gamma, 0, n_blocks, share_sums, np.empty((0, 0, 0)))
    return _shares_from_sums(share_sums, alpha.shape[0])


@njit(cache=True, parallel=True, error_model="numpy")
def mixed_logit_shares_parallel(
    delta: NDArray[np.float64], price: NDArray[np.float64], delivery_days: NDArray[np.float64],
    alpha: NDArray[np.float64], gamma: NDArray[np.float64],
) -> NDArray[np.float64]:
    """`mixed_logit_shares` with the consumers spread over threads; bit-for-bit the same result."""
    _check_lengths(delta, price, delivery_days, alpha, gamma)
    n_blocks = _n_blocks(alpha.shape[0])
    share_sums = np.empty((n_blocks, delta.shape[0]))
    no_cross_sums = np.empty((0, 0, 0))
    n_tasks = (n_blocks + _TASK_BLOCKS - 1) // _TASK_BLOCKS
    for task in prange(n_tasks):
        first_block = task * _TASK_BLOCKS
        _block_sums(delta, price, delivery_days, alpha, gamma, first_block,
                    min(first_block + _TASK_BLOCKS, n_blocks), share_sums, no_cross_sums)
    return _shares_from_sums(share_sums, alpha.shape[0])


@njit(cache=True, error_model="numpy")
def _shares_and_derivatives(
    delta: NDArray[np.float64], price: NDArray[np.float64], delivery_days: NDArray[np.float64],
    alpha: NDArray[np.float64], gamma: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    _check_lengths(delta, price, delivery_days, alpha, gamma)
    n_blocks = _n_blocks(alpha.shape[0])
    n_products = delta.shape[0]
    share_sums = np.empty((n_blocks, n_products))
    cross_sums = np.empty((n_blocks, n_products, n_products + 1))
    _block_sums(delta, price, delivery_days, alpha, gamma, 0, n_blocks, share_sums, cross_sums)
    return (_shares_from_sums(share_sums, alpha.shape[0]),
            _derivatives_from_sums(cross_sums, alpha.shape[0]))


@njit(cache=True, parallel=True, error_model="numpy")
def _shares_and_derivatives_parallel(
    delta: NDArray[np.float64], price: NDArray[np.float64], delivery_days: NDArray[np.float64],
    alpha: NDArray[np.float64], gamma: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    _check_lengths(delta, price, delivery_days, alpha, gamma)
    n_blocks = _n_blocks(alpha.shape[0])
    n_products = delta.shape[0]
    share_sums = np.empty((n_blocks, n_products))
    cross_sums = np.empty((n_blocks, n_products, n_products + 1))
    n_tasks = (n_blocks + _TASK_BLOCKS - 1) // _TASK_BLOCKS
    for task in prange(n_tasks):
        first_block = task * _TASK_BLOCKS
        _block_sums(delta, price, delivery_days, alpha, gamma, first_block,
                    min(first_block + _TASK_BLOCKS, n_blocks), share_sums, cross_sums)
    return (_shares_from_sums(share_sums, alpha.shape[0]),
            _derivatives_from_sums(cross_sums, alpha.shape[0]))


@njit(cache=True, error_model="numpy")
def _elasticities(
    shares: NDArray[np.float64], derivatives: NDArray[np.float64], price: NDArray[np.float64],
) -> NDArray[np.float64]:
    """E_jk = D_jk p_k / s_j."""
    elasticities = np.empty(derivatives.shape)
    for j in range(derivatives.shape[0]):
        for k in range(derivatives.shape[1]):
            elasticities[j, k] = derivatives[j, k] * price[k] / shares[j]
    return elasticities


@njit(cache=True, error_model="numpy")
def mixed_logit_price_derivatives(
    delta: NDArray[np.float64], price: NDArray[np.float64], delivery_days: NDArray[np.float64],
    alpha: NDArray[np.float64], gamma: NDArray[np.float64],
) -> NDArray[np.float64]:
    """(J, J) matrix D_jk = d s_j / d p_k = -(1/N) sum_i alpha_i s_ij (1[j = k] - s_ik)."""
    return _shares_and_derivatives(delta, price, delivery_days, alpha, gamma)[1]


@njit(cache=True, error_model="numpy")
def mixed_logit_price_derivatives_parallel(
    delta: NDArray[np.float64], price: NDArray[np.float64], delivery_days: NDArray[np.float64],
    alpha: NDArray[np.float64], gamma: NDArray[np.float64],
) -> NDArray[np.float64]:
    """`mixed_logit_price_derivatives` with the consumers spread over threads; bit-for-bit the same result.

    (The consumer loop runs in the `parallel=True` kernel it calls; this wrapper only picks the output.)
    """
    return _shares_and_derivatives_parallel(delta, price, delivery_days, alpha, gamma)[1]


@njit(cache=True, error_model="numpy")
def mixed_logit_elasticities(
    delta: NDArray[np.float64], price: NDArray[np.float64], delivery_days: NDArray[np.float64],
    alpha: NDArray[np.float64], gamma: NDArray[np.float64],
) -> NDArray[np.float64]:
    """(J, J) matrix of price elasticities E_jk = (p_k / s_j) d s_j / d p_k (own on the diagonal)."""
    shares, derivatives = _shares_and_derivatives(delta, price, delivery_days, alpha, gamma)
    return _elasticities(shares, derivatives, price)


@njit(cache=True, error_model="numpy")
def mixed_logit_elasticities_parallel(
    delta: NDArray[np.float64], price: NDArray[np.float64], delivery_days: NDArray[np.float64],
    alpha: NDArray[np.float64], gamma: NDArray[np.float64],
) -> NDArray[np.float64]:
    """`mixed_logit_elasticities` with the consumers spread over threads; bit-for-bit the same result.

    (The consumer loop runs in the `parallel=True` kernel it calls.)
    """
    shares, derivatives = _shares_and_derivatives_parallel(delta, price, delivery_days, alpha, gamma)
    return _elasticities(shares, derivatives, price)


def draw_consumer_tastes(
    rng: np.random.Generator,
    n: int,
    price_mean: float,
    price_sigma: float,
    delivery_mean: float,
    delivery_sigma: float,
    distribution: str = "lognormal",
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Draw the tastes (alpha_i, gamma_i) of n simulated consumers from `rng`: two (n,) float64 arrays.

    alpha_i is the disutility of one unit of price, gamma_i of one day of delivery; they are independent.

    - "lognormal": alpha_i = price_mean * exp(price_sigma * z_i - price_sigma**2 / 2), z_i ~ N(0, 1), so
      E[alpha] = price_mean exactly and price_sigma is the standard deviation of log(alpha); all tastes
      are positive (every consumer dislikes price and delay). Likewise gamma with the delivery arguments.
    - "normal": alpha_i = price_mean + price_sigma * z_i (price_sigma is the standard deviation); a draw
      may be negative (a consumer who likes a higher price), as in pyblp's normal random coefficients.

    Draw order is fixed: one `rng.standard_normal((2, n))` call, row 0 for alpha and row 1 for gamma.
    """
    if distribution not in ("lognormal", "normal"):
        raise ValueError(f"distribution must be 'lognormal' or 'normal' (got {distribution!r})")
    if int(n) != n or n < 1:
        raise ValueError(f"n must be a positive integer (got {n!r})")
    for name, value in (("price_sigma", price_sigma), ("delivery_sigma", delivery_sigma)):
        if not (np.isfinite(value) and value >= 0.0):
            raise ValueError(f"{name} must be a finite number >= 0 (got {value!r})")
    for name, value in (("price_mean", price_mean), ("delivery_mean", delivery_mean)):
        if not np.isfinite(value) or (distribution == "lognormal" and value <= 0.0):
            allowed = "> 0 for a lognormal" if distribution == "lognormal" else "finite"
            raise ValueError(f"{name} must be {allowed} (got {value!r})")
    z = rng.standard_normal((2, int(n)))
    if distribution == "lognormal":
        alpha = lognormal_with_mean(price_mean, price_sigma, z[0])
        gamma = lognormal_with_mean(delivery_mean, delivery_sigma, z[1])
    else:
        alpha = price_mean + price_sigma * z[0]
        gamma = delivery_mean + delivery_sigma * z[1]
    return alpha, gamma


# ---------------------------------------------------------------------------------------------------------
# NumPy references: the module docstring's formulas as the plain composition utility matrix -> logit rows
# -> mean (vectorised as pyblp does, not tuned). For the tests and the benchmark only.
# ---------------------------------------------------------------------------------------------------------


def mixed_logit_utilities_reference(delta: ArrayLike, price: ArrayLike, delivery_days: ArrayLike, alpha: ArrayLike,
                                    gamma: ArrayLike) -> NDArray[np.float64]:
    """NumPy twin of `mixed_logit_utilities`."""
    utilities: NDArray[np.float64] = (np.asarray(delta)[None, :]
                                      - np.asarray(alpha)[:, None] * np.asarray(price)[None, :]
                                      - np.asarray(gamma)[:, None] * np.asarray(delivery_days)[None, :])
    return utilities


def mixed_logit_shares_reference(delta: ArrayLike, price: ArrayLike, delivery_days: ArrayLike, alpha: ArrayLike,
                                 gamma: ArrayLike) -> NDArray[np.float64]:
    """NumPy twin of `mixed_logit_shares`."""
    utilities = mixed_logit_utilities_reference(delta, price, delivery_days, alpha, gamma)
    shares: NDArray[np.float64] = logit_probabilities_reference(utilities, True).mean(axis=0)
    return shares


def mixed_logit_price_derivatives_reference(
    delta: ArrayLike, price: ArrayLike, delivery_days: ArrayLike, alpha: ArrayLike, gamma: ArrayLike,
) -> NDArray[np.float64]:
    """NumPy twin of `mixed_logit_price_derivatives` (diagonal from 1 - s_ij = s_i0 + sum_{k != j} s_ik)."""
    utilities = mixed_logit_utilities_reference(delta, price, delivery_days, alpha, gamma)
    shares = logit_probabilities_reference(utilities, True)
    alpha_shares = np.asarray(alpha)[:, None] * shares
    cross = alpha_shares.T @ shares / shares.shape[0]
    own = alpha_shares.T @ outside_probabilities_reference(utilities) / shares.shape[0]
    off_diagonal = cross - np.diag(np.diag(cross))
    derivatives: NDArray[np.float64] = off_diagonal - np.diag(own + off_diagonal.sum(axis=1))
    return derivatives


def mixed_logit_elasticities_reference(delta: ArrayLike, price: ArrayLike, delivery_days: ArrayLike, alpha: ArrayLike,
                                       gamma: ArrayLike) -> NDArray[np.float64]:
    """NumPy twin of `mixed_logit_elasticities`."""
    derivatives = mixed_logit_price_derivatives_reference(delta, price, delivery_days, alpha, gamma)
    shares = mixed_logit_shares_reference(delta, price, delivery_days, alpha, gamma)
    elasticities: NDArray[np.float64] = derivatives * np.asarray(price)[None, :] / shares[:, None]
    return elasticities
