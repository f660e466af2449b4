"""Purchase sampling from the caller's seeded streams.

The Python wrappers own the `numpy.random.Generator` (a named stream of `sim.core.rng.Streams`) and draw
uniforms from it; the numba kernels take those uniforms as arguments and are deterministic, so a result
depends only on (stream, inputs), never on thread count or call order, and common random numbers work.

- Shoppers per period: Poisson with mean mu, or negative binomial with mean mu and variance
  mu + mu**2 / k for dispersion (size) k (Cameron & Trivedi 2013, *Regression Analysis of Count Data*,
  NB2), the gamma-Poisson mixture that models overdispersed arrivals; k -> inf gives the Poisson.
- Splitting n shoppers over J products with shares s_1..s_J and an outside option s_0 = 1 - sum_j s_j:
  shopper m buys product j if C_{j-1} <= U_m < C_j, with C_j = s_1 + ... + s_j (C_0 = 0) and U_m uniform
  on [0, 1); U_m >= C_J means no purchase. Counts are then multinomial(n; s_1, ..., s_J, s_0) (inverse-CDF
  sampling, Devroye 1986, *Non-Uniform Random Variate Generation*, ch. III.2).
- Choosing per shopper with shopper-specific probabilities (a row of `logit_probabilities`): the same
  inverse-CDF rule on each shopper's own row; -1 means the outside option.
- Arrival epochs of a Poisson process: the partial sums E_1 < E_2 < ... of standard exponentials are the
  epochs of a unit-rate Poisson process; scaled by 1/lambda (or passed through the inverse of a cumulative
  rate Lambda(t)) they give a homogeneous (or non-homogeneous) process (Cinlar 1975, *Introduction to
  Stochastic Processes*, ch. 4). The i-th epoch uses the same draws whatever the rate.
- Lognormal draws: X = m exp(sigma Z - sigma^2 / 2) has mean m and log-sd sigma; X = median exp(sigma Z)
  has median `median`, with Z = Phi^{-1}(U) when the draw comes from a uniform.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtri

__all__ = [
    "draw_shoppers",
    "split_purchases",
    "split_purchases_reference",
    "allocate_purchases",
    "choose_products",
    "choose_products_parallel",
    "choose_products_reference",
    "NO_PURCHASE",
    "unit_poisson_epochs",
    "poisson_arrival_times",
    "lognormal_with_mean",
    "lognormal_from_uniforms",
]

NO_PURCHASE = -1
"""The index `choose_products` returns for a shopper who takes the outside option."""


def draw_shoppers(rng: np.random.Generator, mean: float | NDArray[np.float64],
                  dispersion: float | None) -> NDArray[np.int64]:
    """Number of shoppers per period, an int64 array of the shape of `mean`: (T,) for T periods, 0-d for a
    scalar `mean` (so `int(draw_shoppers(rng, 40.0, None))` is one period's count).

    `dispersion=None`: Poisson(mean). A number k > 0: negative binomial with mean `mean` and variance
    mean + mean**2 / k (numpy's `negative_binomial(k, k / (k + mean))`).
    """
    mean = np.asarray(mean, dtype=np.float64)
    if mean.ndim > 1 or not np.all(np.isfinite(mean)) or np.any(mean < 0.0):
        raise ValueError(f"mean must be a finite number >= 0 or a 1-D array of them (got {mean!r})")
    if dispersion is None:
        return np.asarray(rng.poisson(mean), dtype=np.int64)
    if not (np.isfinite(dispersion) and dispersion > 0.0):
        raise ValueError(f"dispersion must be a finite number > 0, or None for Poisson (got {dispersion!r})")
    return np.asarray(rng.negative_binomial(dispersion, dispersion / (dispersion + mean)), dtype=np.int64)


def unit_poisson_epochs(rng: np.random.Generator, total: float) -> NDArray[np.float64]:
    """The epochs E_1 < E_2 < ... < total of a unit-rate Poisson process: partial sums of standard
    exponentials, drawn in blocks of about total + 6 sqrt(total) (so one block almost always suffices)."""
    block = int(total + 6.0 * np.sqrt(total) + 16)
    epochs = np.cumsum(rng.standard_exponential(block))
    while epochs[-1] < total:
        epochs = np.concatenate((epochs, epochs[-1] + np.cumsum(rng.standard_exponential(block))))
    return epochs[epochs < total]


def poisson_arrival_times(rng: np.random.Generator, rate_per_hour: float, horizon_hours: float) -> NDArray[np.float64]:
    """Arrival times (hours) of a Poisson process with rate `rate_per_hour` on [0, horizon): the unit-rate
    epochs below rate x horizon, divided by the rate (the i-th arrival is the same draw whatever the rate)."""
    return unit_poisson_epochs(rng, rate_per_hour * horizon_hours) / rate_per_hour


def lognormal_with_mean(mean: float, log_sd: float, standard_normals: NDArray[np.float64]) -> NDArray[np.float64]:
    """mean x exp(log_sd Z - log_sd^2 / 2) for standard normals Z: lognormal with E[X] = `mean` exactly and
    sd(log X) = `log_sd`."""
    return mean * np.exp(log_sd * standard_normals - 0.5 * log_sd * log_sd)


def lognormal_from_uniforms(median: float, log_sd: float, uniforms: NDArray[np.float64]) -> NDArray[np.float64]:
    """median x exp(log_sd Phi^{-1}(U)) for uniforms U: lognormal with median `median` and sd(log X) =
    `log_sd`, by inversion (monotone in U, so common random numbers stay aligned)."""
    normals: NDArray[np.float64] = ndtri(uniforms)
    return median * np.exp(log_sd * normals)


@njit(cache=True, error_model="numpy")
def split_purchases(uniforms: NDArray[np.float64], shares: NDArray[np.float64]) -> NDArray[np.int64]:
    """Purchases per product from one uniform per shopper: (J + 1,) int64, the last entry no purchase.

    Shopper m buys the product j with C_{j-1} <= uniforms[m] < C_j (C = cumulative `shares`); uniforms at
    or above C_J buy nothing. `shares` must be >= 0 with sum <= 1 (`allocate_purchases` checks).
    """
    cumulative = np.cumsum(shares)
    counts = np.zeros(shares.shape[0] + 1, dtype=np.int64)
    for m in range(uniforms.shape[0]):
        counts[np.searchsorted(cumulative, uniforms[m], side="right")] += 1
    return counts


def _check_shares(shares: NDArray[np.float64], name: str) -> None:
    if not np.all(np.isfinite(shares)) or np.any(shares < 0.0):
        raise ValueError(f"{name} must be finite and >= 0 (got {shares!r})")
    total = shares.sum(axis=-1)
    if np.any(total > 1.0 + 1e-12):
        raise ValueError(f"{name} must sum to at most 1 (the rest is the outside option); got sums up to "
                         f"{np.max(total)!r}")


def allocate_purchases(rng: np.random.Generator, n_shoppers: int, shares: ArrayLike) -> NDArray[np.int64]:
    """Multinomial split of `n_shoppers` over the products with `shares` and the outside option:
    (J + 1,) int64 counts, the last entry no purchase. Draws `n_shoppers` uniforms from `rng`."""
    shares = np.ascontiguousarray(shares, dtype=np.float64)
    if shares.ndim != 1:
        raise ValueError(f"shares must be a 1-D array, one per product (got shape {shares.shape})")
    _check_shares(shares, "shares")
    if int(n_shoppers) != n_shoppers or n_shoppers < 0:
        raise ValueError(f"n_shoppers must be an integer >= 0 (got {n_shoppers!r})")
    return split_purchases(rng.random(int(n_shoppers)), shares)


@njit(cache=True, error_model="numpy")
def _choose(uniform: float, probabilities: NDArray[np.float64], row: int) -> int:
    """Index of the product shopper `row` buys given their uniform draw, or NO_PURCHASE."""
    cumulative = 0.0
    for j in range(probabilities.shape[1]):
        cumulative += probabilities[row, j]
        if uniform < cumulative:
            return j
    return NO_PURCHASE


@njit(cache=True, error_model="numpy")
def choose_products(uniforms: NDArray[np.float64], probabilities: NDArray[np.float64]) -> NDArray[np.int64]:
    """Product chosen by each shopper, (n,) int64, from their uniform and their own probability row of
    the (n, J) `probabilities` (e.g. `logit_probabilities(utilities, True)`); -1 = outside option."""
    choices = np.empty(uniforms.shape[0], dtype=np.int64)
    for row in range(uniforms.shape[0]):
        choices[row] = _choose(uniforms[row], probabilities, row)
    return choices


@njit(cache=True, parallel=True, error_model="numpy")
def choose_products_parallel(uniforms: NDArray[np.float64], probabilities: NDArray[np.float64]) -> NDArray[np.int64]:
    """`choose_products` with the shoppers spread over threads; the same result (the draws are given)."""
    choices = np.empty(uniforms.shape[0], dtype=np.int64)
    for row in prange(uniforms.shape[0]):
        choices[row] = _choose(uniforms[row], probabilities, row)
    return choices


# ---------------------------------------------------------------------------------------------------------
# NumPy references, for the tests only.
# ---------------------------------------------------------------------------------------------------------


def split_purchases_reference(uniforms: ArrayLike, shares: ArrayLike) -> NDArray[np.int64]:
    """NumPy twin of `split_purchases`."""
    shares = np.asarray(shares, dtype=np.float64)
    products = np.searchsorted(np.cumsum(shares), uniforms, side="right")
    return np.bincount(products, minlength=shares.shape[0] + 1).astype(np.int64)


def choose_products_reference(uniforms: ArrayLike, probabilities: ArrayLike) -> NDArray[np.int64]:
    """NumPy twin of `choose_products`: the number of cumulative probabilities <= the uniform."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    chosen = (np.cumsum(probabilities, axis=1) <= np.asarray(uniforms)[:, None]).sum(axis=1)
    return np.where(chosen == probabilities.shape[1], NO_PURCHASE, chosen).astype(np.int64)
