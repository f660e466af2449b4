"""Static Bertrand-Nash equilibrium of multi-product price-setting firms under mixed-logit demand.

Firm f sets the prices of its products F_f to maximise sum_{k in F_f} (p_k - c_k) s_k(p). The first-order
conditions (Berry 1994; Nevo 2000, eq. 7; pyblp's notation) are

    s(p) + Delta(p) (p - c) = 0,      Delta_jk = Omega_jk d s_k / d p_j,

with Omega_jk = 1 when j and k are sold by the same firm (the ownership matrix; the identity for
single-product firms). So the equilibrium markup is p - c = -Delta(p)^{-1} s(p). Shares and the Jacobian
D_jk = d s_j / d p_k come from `sim.kernels.mixed_logit` (the same kernel the market uses); the system is
solved with `scipy.optimize.root` (Powell hybrid) on F(p) = p - c + Delta(p)^{-1} s(p).

Special cases with closed forms, used by the tests: single-product firms satisfy
p_j - c_j = -s_j / (d s_j / d p_j); with plain logit (one taste alpha) d s_j / d p_j = -alpha s_j (1 - s_j),
so p_j - c_j = 1 / (alpha (1 - s_j)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import root

from sim.models.cloud.policies import static_price_derivatives, static_shares

__all__ = ["Equilibrium", "foc_residual", "bertrand_equilibrium"]


@dataclass(frozen=True)
class Equilibrium:
    prices: np.ndarray
    shares: np.ndarray
    markups: np.ndarray
    derivatives: np.ndarray  # D_jk = d s_j / d p_k at the equilibrium
    max_foc_residual: float
    converged: bool
    message: str


def _ownership(ownership, J: int) -> np.ndarray:
    if ownership is None:
        return np.eye(J)
    omega = np.asarray(ownership, dtype=np.float64)
    if omega.shape != (J, J):
        raise ValueError(f"ownership must be a ({J}, {J}) matrix (got shape {omega.shape})")
    return omega


def foc_residual(prices, delta, cost, alpha, ownership=None, outside_option: bool = False) -> np.ndarray:
    """s(p) + Delta(p) (p - c): zero at a Bertrand-Nash equilibrium."""
    p = np.asarray(prices, dtype=np.float64)
    omega = _ownership(ownership, p.size)
    shares = static_shares(delta, p, alpha, outside_option)
    derivatives = static_price_derivatives(delta, p, alpha, outside_option)
    return shares + (omega * derivatives.T) @ (p - np.asarray(cost, dtype=np.float64))


def bertrand_equilibrium(delta, cost, alpha, ownership=None, outside_option: bool = False,
                         initial_prices=None, tol: float = 1e-13) -> Equilibrium:
    """Solve the first-order conditions for the equilibrium prices (see the module doc).

    `delta` (J,) mean utilities, `cost` (J,) marginal costs, `alpha` (N,) price sensitivities of the
    simulated consumers (one value: plain logit), `ownership` (J, J) 0/1 (default: single-product firms),
    `outside_option`: whether consumers may buy nothing (the cloud market has none)."""
    delta = np.asarray(delta, dtype=np.float64)
    cost = np.asarray(cost, dtype=np.float64)
    alpha = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
    omega = _ownership(ownership, delta.size)

    def markup(p):
        shares = static_shares(delta, p, alpha, outside_option)
        derivatives = static_price_derivatives(delta, p, alpha, outside_option)
        return -np.linalg.solve(omega * derivatives.T, shares)

    def equations(p):
        return p - cost - markup(p)

    start = cost + 1.0 / alpha.mean() if initial_prices is None else np.asarray(initial_prices, dtype=np.float64)
    solution = root(equations, start, method="hybr", options={"xtol": tol})
    p = solution.x
    shares = static_shares(delta, p, alpha, outside_option)
    derivatives = static_price_derivatives(delta, p, alpha, outside_option)
    residual = shares + (omega * derivatives.T) @ (p - cost)
    return Equilibrium(p, shares, p - cost, derivatives, float(np.max(np.abs(residual))),
                       bool(solution.success), str(solution.message))
