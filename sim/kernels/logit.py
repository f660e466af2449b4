"""Multinomial logit choice probabilities: the one copy of the logit formula that every demand model uses.

Model (McFadden 1974; Train 2009, *Discrete Choice Methods with Simulation*, ch. 3). Consumer (row) i
chooses among J products with utilities U_ij = u_ij + eps_ij, eps i.i.d. type-I extreme value (Gumbel).
With an outside good of utility u_i0 = 0 (`outside_option=True`):

    s_ij = exp(u_ij) / (1 + sum_k exp(u_ik)),        s_i0 = 1 / (1 + sum_k exp(u_ik)),

and without it s_ij = exp(u_ij) / sum_k exp(u_ik), so each row sums to 1 - s_i0 (to 1 without the outside
good). Computed by log-sum-exp: with m_i = max(0, max_k u_ik) (max_k u_ik without the outside good),

    s_ij = exp(u_ij - m_i) / (exp(-m_i) + sum_k exp(u_ik - m_i)).

Every exponent is <= 0 (no overflow, whatever the size of the utilities) and the largest term is exactly 1
(the denominator never underflows to 0). With the outside good the kernels first try m_i = 0, which is as
accurate whenever nothing overflows, and shift only the rows that need it (`_exponentiate_block`).
A utility of -inf is allowed and means "not available" (probability 0); +inf or NaN make the row NaN.
Without the outside option a row needs one finite utility.

Binary case (J = 1 with the outside good): `purchase_probability(v) = exp(v) / (1 + exp(v))`, evaluated
as 1 / (1 + exp(-v)) for v >= 0 and exp(v) / (1 + exp(v)) for v < 0 (no overflow for any v).

Kernels are numba `@njit(cache=True)`, with `error_model="numpy"` (a division by zero gives inf/NaN as in
NumPy instead of raising, which lets the loops vectorise) and the vectorisable `fast_exp` (<= 1 ulp).
Inner loops index slice views with the bare loop counter (`weights_j[i]`, not `weights[j * n + i]`):
numba's wraparound handling of a computed, possibly negative index stops LLVM from vectorising the loop
(measured: 5x slower). Rows are processed in blocks of `_BLOCK_ROWS` consumers transposed to
product-major order, so the inner loops run over consumers and vectorise. The `_parallel` twins split the
rows into fixed tasks of `_TASK_BLOCKS` blocks, so their results are bit for bit those of the serial
kernels for any thread count.
The `*_reference` functions at the end are plain NumPy, for the tests and the benchmark only.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange
from numpy.typing import ArrayLike, NDArray

from sim.kernels.fast_exp import fast_exp

__all__ = [
    "logit_probabilities",
    "logit_probabilities_parallel",
    "logit_probabilities_reference",
    "outside_probabilities",
    "outside_probabilities_parallel",
    "outside_probabilities_reference",
    "purchase_probability",
    "purchase_probability_parallel",
    "purchase_probability_reference",
]

_BLOCK_ROWS = 256  # consumers per block: a block's (J, 256) scratch stays in the L1/L2 cache
_TASK_BLOCKS = 16  # blocks per parallel task: scratch is allocated once per task, not per block


@njit(cache=True, error_model="numpy")
def _row_max(utilities: NDArray[np.float64], n_rows: int, n_products: int, initial: float,
             row_shift: NDArray[np.float64]) -> None:
    """row_shift[i] = max(initial, max_j u_ij) (NaN utilities are skipped)."""
    for i in range(n_rows):
        row_shift[i] = initial
    for j in range(n_products):
        utilities_j = utilities[j * n_rows:(j + 1) * n_rows]
        for i in range(n_rows):
            utility = utilities_j[i]
            row_shift[i] = utility if utility > row_shift[i] else row_shift[i]


@njit(cache=True, error_model="numpy")
def _add_shifted_weights(utilities: NDArray[np.float64], weights: NDArray[np.float64], n_rows: int, n_products: int,
                         row_shift: NDArray[np.float64], denominator: NDArray[np.float64]) -> None:
    """weights[j * n_rows + i] = exp(u_ij - m_i), added to denominator[i], for the shifts m_i in row_shift."""
    for j in range(n_products):
        utilities_j = utilities[j * n_rows:(j + 1) * n_rows]
        weights_j = weights[j * n_rows:(j + 1) * n_rows]
        for i in range(n_rows):
            weight = fast_exp(utilities_j[i] - row_shift[i])
            weights_j[i] = weight
            denominator[i] += weight


@njit(cache=True, error_model="numpy")
def _exponentiate_block(utilities: NDArray[np.float64], weights: NDArray[np.float64], n_rows: int, n_products: int,
                        outside_option: bool, row_shift: NDArray[np.float64], outside_weight: NDArray[np.float64],
                        inverse_denominator: NDArray[np.float64]) -> None:
    """The logit formula for one block of rows, product-major: utilities[j * n_rows + i] = u_ij.

    On exit weights[j * n_rows + i] = exp(u_ij - m_i), outside_weight[i] = exp(-m_i) (0 without the outside
    good) and inverse_denominator[i] = 1 / (outside_weight[i] + sum_j weights[j * n_rows + i]), so that
    s_ij = weights[j * n_rows + i] * inverse_denominator[i] and s_i0 = outside_weight[i] * inverse_denominator[i].

    Shift m_i: without the outside good, max_j u_ij. With it, first m_i = 0 for every row (the common
    case: the denominator 1 + sum_j exp(u_ij) >= 1 cannot underflow, and a shift could only make the
    numerators smaller, so nothing is lost and a pass is saved); rows whose denominator overflowed
    (a utility above about 709) are then redone with m_i = max(0, max_j u_ij). The other rows get m_i = 0
    again, which recomputes exactly the same numbers, so each row's result depends on that row only.
    """
    denominator = inverse_denominator
    if outside_option:
        for i in range(n_rows):
            row_shift[i] = 0.0
            outside_weight[i] = 1.0
            denominator[i] = 1.0
        _add_shifted_weights(utilities, weights, n_rows, n_products, row_shift, denominator)
        n_overflowed = 0
        for i in range(n_rows):
            n_overflowed += 0 if denominator[i] < np.inf else 1
        if n_overflowed > 0:
            _row_max(utilities, n_rows, n_products, 0.0, row_shift)
            for i in range(n_rows):
                row_shift[i] = 0.0 if denominator[i] < np.inf else row_shift[i]
                outside_weight[i] = fast_exp(-row_shift[i])
                denominator[i] = outside_weight[i]
            _add_shifted_weights(utilities, weights, n_rows, n_products, row_shift, denominator)
    else:
        _row_max(utilities, n_rows, n_products, -np.inf, row_shift)
        for i in range(n_rows):
            outside_weight[i] = 0.0
            denominator[i] = 0.0
        _add_shifted_weights(utilities, weights, n_rows, n_products, row_shift, denominator)
    for i in range(n_rows):
        inverse_denominator[i] = 1.0 / denominator[i]


@njit(cache=True, error_model="numpy")
def _logit_rows(utilities: NDArray[np.float64], outside_option: bool, first_row: int, stop_row: int,
                probabilities: NDArray[np.float64], outside: NDArray[np.float64]) -> None:
    """Rows first_row..stop_row-1: probabilities[i, :] = s_i1..s_iJ and outside[i] = s_i0 (if outside.size)."""
    n_products = utilities.shape[1]
    block_utilities = np.empty(n_products * _BLOCK_ROWS)
    weights = np.empty(n_products * _BLOCK_ROWS)
    row_shift = np.empty(_BLOCK_ROWS)
    outside_weight = np.empty(_BLOCK_ROWS)
    inverse_denominator = np.empty(_BLOCK_ROWS)
    for start in range(first_row, stop_row, _BLOCK_ROWS):
        n_rows = min(_BLOCK_ROWS, stop_row - start)
        rows = utilities[start:start + n_rows]
        for i in range(n_rows):
            for j in range(n_products):
                block_utilities[j * n_rows + i] = rows[i, j]
        _exponentiate_block(block_utilities, weights, n_rows, n_products, outside_option, row_shift,
                            outside_weight, inverse_denominator)
        if probabilities.size > 0:
            block_probabilities = probabilities[start:start + n_rows]
            for i in range(n_rows):
                for j in range(n_products):
                    block_probabilities[i, j] = weights[j * n_rows + i] * inverse_denominator[i]
        if outside.size > 0:
            block_outside = outside[start:start + n_rows]
            for i in range(n_rows):
                block_outside[i] = outside_weight[i] * inverse_denominator[i]


@njit(cache=True, error_model="numpy")
def _n_tasks(n_rows: int) -> int:
    task_rows = _BLOCK_ROWS * _TASK_BLOCKS
    return (n_rows + task_rows - 1) // task_rows


@njit(cache=True, error_model="numpy")
def logit_probabilities(utilities: NDArray[np.float64], outside_option: bool) -> NDArray[np.float64]:
    """Row-wise logit choice probabilities s_ij of an (N, J) utility matrix (module docstring formula).

    `outside_option=True` adds an outside good of utility 0: each row then sums to 1 - s_i0
    (see `outside_probabilities`). Returns a new (N, J) float64 array.
    """
    probabilities = np.empty(utilities.shape)
    _logit_rows(utilities, outside_option, 0, utilities.shape[0], probabilities, np.empty(0))
    return probabilities


@njit(cache=True, parallel=True, error_model="numpy")
def logit_probabilities_parallel(utilities: NDArray[np.float64], outside_option: bool) -> NDArray[np.float64]:
    """`logit_probabilities` with the rows spread over threads; bit-for-bit the same result."""
    n_rows = utilities.shape[0]
    probabilities = np.empty(utilities.shape)
    task_rows = _BLOCK_ROWS * _TASK_BLOCKS
    no_outside = np.empty(0)
    for task in prange(_n_tasks(n_rows)):
        first_row = task * task_rows
        _logit_rows(utilities, outside_option, first_row, min(first_row + task_rows, n_rows), probabilities, no_outside)
    return probabilities


@njit(cache=True, error_model="numpy")
def outside_probabilities(utilities: NDArray[np.float64]) -> NDArray[np.float64]:
    """Probability s_i0 = 1 / (1 + sum_k exp(u_ik)) of the outside good (utility 0) per row: (N,) array.

    Together with `logit_probabilities(utilities, True)` each row sums to 1.
    """
    outside = np.empty(utilities.shape[0])
    _logit_rows(utilities, True, 0, utilities.shape[0], np.empty((0, 0)), outside)
    return outside


@njit(cache=True, parallel=True, error_model="numpy")
def outside_probabilities_parallel(utilities: NDArray[np.float64]) -> NDArray[np.float64]:
    """`outside_probabilities` with the rows spread over threads; bit-for-bit the same result."""
    n_rows = utilities.shape[0]
    outside = np.empty(n_rows)
    task_rows = _BLOCK_ROWS * _TASK_BLOCKS
    no_probabilities = np.empty((0, 0))
    for task in prange(_n_tasks(n_rows)):
        first_row = task * task_rows
        _logit_rows(utilities, True, first_row, min(first_row + task_rows, n_rows), no_probabilities, outside)
    return outside


@njit(cache=True, error_model="numpy")
def _binary_logit(utility: float) -> float:
    """exp(v) / (1 + exp(v)) without overflow: only exp(-|v|) <= 1 is ever computed."""
    weight = fast_exp(-abs(utility))
    return 1.0 / (1.0 + weight) if utility >= 0.0 else weight / (1.0 + weight)


@njit(cache=True, error_model="numpy")
def purchase_probability(utility: NDArray[np.float64]) -> NDArray[np.float64]:
    """Binary logit purchase probability exp(v) / (1 + exp(v)) per customer: (N,) -> (N,).

    The J = 1 case of `logit_probabilities` with the outside option (no purchase has utility 0).
    """
    probability = np.empty(utility.shape[0])
    for i in range(utility.shape[0]):
        probability[i] = _binary_logit(utility[i])
    return probability


@njit(cache=True, parallel=True, error_model="numpy")
def purchase_probability_parallel(utility: NDArray[np.float64]) -> NDArray[np.float64]:
    """`purchase_probability` with the customers spread over threads; the same result."""
    probability = np.empty(utility.shape[0])
    for i in prange(utility.shape[0]):
        probability[i] = _binary_logit(utility[i])
    return probability


# ---------------------------------------------------------------------------------------------------------
# NumPy references: the module docstring's formulas written the obvious vectorised way.
# For the tests and the benchmark only; models call the kernels above.
# ---------------------------------------------------------------------------------------------------------


def logit_probabilities_reference(utilities: ArrayLike, outside_option: bool) -> NDArray[np.float64]:
    """NumPy twin of `logit_probabilities` (log-sum-exp with np.exp)."""
    utilities = np.asarray(utilities, dtype=np.float64)
    row_max = utilities.max(axis=1, keepdims=True)
    if outside_option:
        row_max = np.maximum(row_max, 0.0)
    weights = np.exp(utilities - row_max)
    denominator = weights.sum(axis=1, keepdims=True)
    if outside_option:
        denominator = denominator + np.exp(-row_max)
    probabilities: NDArray[np.float64] = weights / denominator
    return probabilities


def outside_probabilities_reference(utilities: ArrayLike) -> NDArray[np.float64]:
    """NumPy twin of `outside_probabilities`."""
    utilities = np.asarray(utilities, dtype=np.float64)
    row_max = np.maximum(utilities.max(axis=1), 0.0)
    outside: NDArray[np.float64] = np.exp(-row_max) / (np.exp(-row_max)
                                                       + np.exp(utilities - row_max[:, None]).sum(axis=1))
    return outside


def purchase_probability_reference(utility: ArrayLike) -> NDArray[np.float64]:
    """NumPy twin of `purchase_probability`."""
    utility = np.asarray(utility, dtype=np.float64)
    weight = np.exp(-np.abs(utility))
    probability: NDArray[np.float64] = np.where(utility >= 0.0, 1.0 / (1.0 + weight), weight / (1.0 + weight))
    return probability
