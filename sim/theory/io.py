"""Industrial organisation: static price equilibria, vertical pricing and the newsvendor quantity.

Four pieces, each a pure function of its arguments (no model state, no random draws):

1. Logit demand. `static_shares` and `static_price_derivatives` are the mixed-logit shares s_j(p) of one
   choosing consumer and their Jacobian D_jk = d s_j / d p_k, computed by `sim.kernels.mixed_logit` (the
   kernel the cloud market's customers use) over fixed simulated price sensitivities alpha_i (one value:
   plain logit). Utility of product j for consumer i is delta_j - alpha_i p_j + logit error; with
   `outside_option` the consumer may also buy nothing (utility 0), otherwise the shares sum to 1.

2. Static Bertrand-Nash equilibrium of multi-product price-setting firms. Firm f sets the prices of its
   products F_f to maximise sum_{k in F_f} (p_k - c_k) s_k(p). The first-order conditions (Berry 1994;
   Nevo 2000, eq. 7; pyblp's notation) are

       s(p) + Delta(p) (p - c) = 0,      Delta_jk = Omega_jk d s_k / d p_j,

   with Omega_jk = 1 when j and k are sold by the same firm (the ownership matrix; the identity for
   single-product firms). So the equilibrium markup is p - c = -Delta(p)^{-1} s(p); `bertrand_equilibrium`
   solves F(p) = p - c + Delta(p)^{-1} s(p) = 0 with `scipy.optimize.root` (Powell hybrid). Special cases
   with closed forms, used by the tests: single-product firms satisfy p_j - c_j = -s_j / (d s_j / d p_j);
   with plain logit (one taste alpha) d s_j / d p_j = -alpha s_j (1 - s_j), so p_j - c_j = 1/(alpha (1 - s_j)).
   `best_response_multiplier` is one firm's unilateral best response (with a volume elasticity), the rule
   the cloud model's `best_response` rivals follow.

3. Double marginalisation (Spengler 1950, "Vertical integration and antitrust policy", Journal of Political
   Economy 58(4), 347-352; Tirole 1988, The Theory of Industrial Organization, ch. 4). An upstream
   supplier with constant unit cost c_u sells at a linear wholesale price w to one downstream firm with
   constant unit cost c_d, which sells to consumers at retail price p. Timing: the supplier sets w, then
   the downstream firm sets p given w (subgame-perfect; no two-part tariffs, no resale price maintenance).
   Each firm adds its own markup, so the retail price exceeds the one a vertically integrated firm (cost
   c_u + c_d) would set. Two demand systems: linear demand (closed form) and binary logit against an
   outside good (solved numerically).

4. The newsvendor (Arrow, Harris & Marschak 1951, "Optimal inventory policy", Econometrica 19(3), 250-272;
   Porteus 2002, Foundations of Stochastic Inventory Theory). One order of q units at unit cost c
   before demand D is known; units sold fetch the price p, units left over the salvage value s
   (s < c < p; no shortage penalty beyond the lost margin). Expected profit
   E[p min(q, D) + s (q - D)^+] - c q is maximised at the critical fractile q* = F^{-1}((p - c)/(p - s)),
   the underage cost p - c over the sum of the underage and overage (c - s) costs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq, minimize_scalar, root

from sim.kernels.mixed_logit import mixed_logit_price_derivatives, mixed_logit_shares

__all__ = [
    "NO_OUTSIDE_SHIFT", "kernel_inputs", "static_shares", "static_price_derivatives", "best_response_multiplier",
    "logit_expected_utility",
    "Equilibrium", "ownership_matrix", "foc_residual", "bertrand_equilibrium", "segmented_logit_bertrand",
    "VerticalChain", "double_marginalisation_linear", "double_marginalisation_logit",
    "critical_fractile", "newsvendor_quantity", "QuantileFunction",
]

FloatArray = NDArray[np.float64]


# --- logit demand -------------------------------------------------------------------------------------------

#: The mixed-logit kernel always has an outside good of utility 0; a market without one (the cloud market:
#: "others" is a provider) is obtained by raising every delta by C. Logit shares are invariant to adding a
#: constant to every inside utility except through the outside good, whose share is
#: exp(-(C + u_i,max)) / (...): with C = 200 it is below e^-150 for any utility above -50, i.e. 0 in float64,
#: and the kernel's shares and derivatives are exactly those of the logit without an outside good (the
#: kernel is log-sum-exp safe, so the shift cannot overflow).
NO_OUTSIDE_SHIFT = 200.0


def kernel_inputs(delta: ArrayLike, price: ArrayLike, alpha: ArrayLike, outside_option: bool = False
                  ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Arguments for the `sim.kernels.mixed_logit` functions: (delta [+ C], price, zero delivery days,
    alpha, zero gamma)."""
    shift = 0.0 if outside_option else NO_OUTSIDE_SHIFT
    utility = np.ascontiguousarray(np.asarray(delta, dtype=np.float64) + shift)
    prices = np.ascontiguousarray(price, dtype=np.float64)
    tastes = np.ascontiguousarray(alpha, dtype=np.float64)
    return utility, prices, np.zeros_like(prices), tastes, np.zeros_like(tastes)


def static_shares(delta: ArrayLike, price: ArrayLike, alpha: ArrayLike, outside_option: bool = False
                  ) -> FloatArray:
    """(J,) mixed-logit shares of a choosing consumer at prices `price` (no delivery attribute): the mean
    over the simulated consumers alpha_i of the logit probabilities of delta_j - alpha_i p_j."""
    return np.asarray(mixed_logit_shares(*kernel_inputs(delta, price, alpha, outside_option)))


def logit_expected_utility(delta: ArrayLike, price: ArrayLike, alpha: float,
                           choice_bonus: ArrayLike | None = None) -> float:
    """A plain-logit consumer's expected utility (utils) with an outside option of utility 0, up to Euler's
    constant: ln(1 + sum_j exp(delta_j - alpha p_j)) (Small & Rosen 1981); consumer surplus is this / alpha
    (price units). With a `choice_bonus` b_j that moves choices but is not experienced (a ranking that favours
    a product: self-preferencing), consumers choose by delta_j + b_j - alpha p_j and the expected experienced
    utility is ln(1 + sum_j exp(delta_j + b_j - alpha p_j)) - sum_j s_j b_j, s_j the choice probabilities
    (the chosen product's utility less the bonus that made it look better; Train 2009, section 3.5)."""
    utility = np.asarray(delta, dtype=np.float64) - alpha * np.asarray(price, dtype=np.float64)
    if choice_bonus is None:
        return math.log1p(float(np.exp(utility).sum()))
    bonus = np.asarray(choice_bonus, dtype=np.float64)
    weights = np.exp(utility + bonus)
    total = 1.0 + float(weights.sum())
    return math.log(total) - float(weights @ bonus) / total


def static_price_derivatives(delta: ArrayLike, price: ArrayLike, alpha: ArrayLike,
                             outside_option: bool = False) -> FloatArray:
    """(J, J) D_jk = d s_j / d p_k from the kernel."""
    return np.asarray(mixed_logit_price_derivatives(*kernel_inputs(delta, price, alpha, outside_option)))


def best_response_multiplier(j: int, delta: FloatArray, price: FloatArray, cost: FloatArray, alpha: FloatArray,
                             elasticity: float, floor_factor: float, ceiling: float) -> float:
    """The multiplier m on firm j's price that maximises its profit per chooser given rivals' prices,

        pi_j(m) = (m p_j - c_j) s_j(m p_j, p_-j) (m p_j)^e,

    with s_j the static share without outside good (`static_shares`) and e a volume elasticity (the number
    of units a chooser buys scales like price^e; 0 for fixed volumes). Searched with
    `scipy.optimize.minimize_scalar` (bounded, on log m) for m p_j in [floor_factor c_j, ceiling]."""
    p_j, c_j = float(price[j]), float(cost[j])
    low = np.log(max(floor_factor * c_j, 1e-6) / p_j)
    high = np.log(max(ceiling / p_j, np.exp(low) * 1.01))

    def negative_profit(log_m: float) -> float:
        trial = price.copy()
        trial[j] = p_j * np.exp(log_m)
        share = static_shares(delta, trial, alpha)[j]
        return float(-(trial[j] - c_j) * share * trial[j] ** elasticity)

    result = minimize_scalar(negative_profit, bounds=(low, high), method="bounded", options={"xatol": 1e-6})
    return float(np.exp(result.x))


# --- Bertrand-Nash equilibrium ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Equilibrium:
    prices: FloatArray
    shares: FloatArray
    markups: FloatArray
    derivatives: FloatArray  # D_jk = d s_j / d p_k at the equilibrium
    max_foc_residual: float
    converged: bool
    message: str


def ownership_matrix(ownership: ArrayLike | None, J: int) -> FloatArray:
    """The (J, J) ownership matrix Omega: `ownership` checked for shape, or the identity (single-product
    firms) when it is None."""
    if ownership is None:
        return np.eye(J)
    omega = np.asarray(ownership, dtype=np.float64)
    if omega.shape != (J, J):
        raise ValueError(f"ownership must be a ({J}, {J}) matrix (got shape {omega.shape})")
    return omega


def foc_residual(prices: ArrayLike, delta: ArrayLike, cost: ArrayLike, alpha: ArrayLike,
                 ownership: ArrayLike | None = None, outside_option: bool = False) -> FloatArray:
    """s(p) + Delta(p) (p - c): zero at a Bertrand-Nash equilibrium."""
    p = np.asarray(prices, dtype=np.float64)
    omega = ownership_matrix(ownership, p.size)
    shares = static_shares(delta, p, alpha, outside_option)
    derivatives = static_price_derivatives(delta, p, alpha, outside_option)
    residual: FloatArray = shares + (omega * derivatives.T) @ (p - np.asarray(cost, dtype=np.float64))
    return residual


def bertrand_equilibrium(delta: ArrayLike, cost: ArrayLike, alpha: ArrayLike, ownership: ArrayLike | None = None,
                         outside_option: bool = False, initial_prices: ArrayLike | None = None,
                         tol: float = 1e-13) -> Equilibrium:
    """Solve the first-order conditions for the equilibrium prices (see the module doc).

    `delta` (J,) mean utilities, `cost` (J,) marginal costs, `alpha` (N,) price sensitivities of the
    simulated consumers (one value: plain logit), `ownership` (J, J) 0/1 (default: single-product firms),
    `outside_option`: whether consumers may buy nothing (the cloud market has none)."""
    utility = np.asarray(delta, dtype=np.float64)
    costs = np.asarray(cost, dtype=np.float64)
    tastes = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
    omega = ownership_matrix(ownership, utility.size)

    def markup(p: FloatArray) -> FloatArray:
        shares = static_shares(utility, p, tastes, outside_option)
        derivatives = static_price_derivatives(utility, p, tastes, outside_option)
        return -np.asarray(np.linalg.solve(omega * derivatives.T, shares), dtype=np.float64)

    def equations(p: FloatArray) -> FloatArray:
        return p - costs - markup(p)

    start = (costs + 1.0 / tastes.mean() if initial_prices is None
             else np.asarray(initial_prices, dtype=np.float64))
    solution = root(equations, start, method="hybr", options={"xtol": tol})
    p = np.asarray(solution.x, dtype=np.float64)
    shares = static_shares(utility, p, tastes, outside_option)
    derivatives = static_price_derivatives(utility, p, tastes, outside_option)
    residual = shares + (omega * derivatives.T) @ (p - costs)
    return Equilibrium(p, shares, p - costs, derivatives, float(np.max(np.abs(residual))),
                       bool(solution.success), str(solution.message))


def segmented_logit_bertrand(delta: ArrayLike, weights: ArrayLike, cost: ArrayLike, alpha: float,
                             tol: float = 1e-13) -> FloatArray:
    """Bertrand-Nash prices (J,) of single-product firms selling to G buyer segments: segment g, a share
    `weights[g]` of buyers, chooses by plain logit with an outside option of utility 0 and utilities
    `delta[g, j]` - alpha p_j (segments differ in their mean utilities, e.g. a switching cost on one group of
    products). With s_gj the segment's shares, s_j = sum_g w_g s_gj and d s_j / d p_j = -alpha sum_g w_g s_gj
    (1 - s_gj), so the first-order conditions are p_j - c_j = s_j / (alpha sum_g w_g s_gj (1 - s_gj)); one
    segment gives the plain-logit markup 1 / (alpha (1 - s_j)). Solved with `scipy.optimize.root` from
    c + 1/alpha; raises RuntimeError if it does not converge."""
    utility = np.atleast_2d(np.asarray(delta, dtype=np.float64))
    share_weights = np.asarray(weights, dtype=np.float64)
    costs = np.asarray(cost, dtype=np.float64)

    def equations(p: FloatArray) -> FloatArray:
        exponent = utility - alpha * p
        top = exponent.max(axis=1, keepdims=True).clip(min=0.0)  # log-sum-exp with the outside good
        expo = np.exp(exponent - top)
        shares = expo / (np.exp(-top) + expo.sum(axis=1, keepdims=True))
        total = share_weights @ shares
        slope = alpha * (share_weights @ (shares * (1.0 - shares)))
        return np.asarray(p - costs - total / slope, dtype=np.float64)

    solution = root(equations, costs + 1.0 / alpha, method="hybr", options={"xtol": tol})
    if not solution.success:
        raise RuntimeError(f"segmented logit-Bertrand prices did not converge: {solution.message}")
    return np.asarray(solution.x, dtype=np.float64)


# --- double marginalisation ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class VerticalChain:
    """Outcome of a supplier -> retailer chain with a linear wholesale price, next to the vertically
    integrated benchmark. Quantities are in the demand's units (units, or market_size x share)."""

    wholesale_price: float      # w, set by the supplier
    retail_price: float         # p, the retailer's best response to w
    quantity: float             # Q(p)
    upstream_profit: float      # (w - c_u) Q
    downstream_profit: float    # (p - w - c_d) Q
    integrated_price: float     # p_I, the price of one firm with unit cost c_u + c_d
    integrated_quantity: float  # Q(p_I)
    integrated_profit: float    # (p_I - c_u - c_d) Q(p_I)

    @property
    def chain_profit(self) -> float:
        """Upstream plus downstream profit; below `integrated_profit` (the integrated firm could set p)."""
        return self.upstream_profit + self.downstream_profit


def double_marginalisation_linear(choke_price: float, slope: float, upstream_cost: float,
                                  downstream_cost: float = 0.0) -> VerticalChain:
    """Double marginalisation with linear demand Q(p) = (A - p) / B, i.e. inverse demand p = A - B Q
    (A = `choke_price`, B = `slope` > 0), unit costs c_u upstream and c_d downstream, c = c_u + c_d < A.

    Retailer, given w: max_p (p - w - c_d) (A - p)/B  ->  p(w) = (A + w + c_d) / 2.
    Supplier: max_w (w - c_u) (A - w - c_d) / (2B)   ->  w* = (A - c_d + c_u) / 2.
    So p* = (3A + c) / 4, Q* = (A - c) / (4B), profits (A - c)^2 / (8B) upstream and (A - c)^2 / (16B)
    downstream, against p_I = (A + c) / 2, Q_I = (A - c) / (2B) and (A - c)^2 / (4B) integrated: the
    retail price is higher, output half and the chain's profit 3/4 of the integrated profit (Spengler 1950;
    Tirole 1988, ch. 4)."""
    if slope <= 0.0:
        raise ValueError(f"slope {slope} must be > 0")
    cost = upstream_cost + downstream_cost
    if cost >= choke_price:
        raise ValueError(f"unit cost {cost} must be below the choke price {choke_price}")
    margin = choke_price - cost
    wholesale = (choke_price - downstream_cost + upstream_cost) / 2.0
    retail = (3.0 * choke_price + cost) / 4.0
    quantity = margin / (4.0 * slope)
    return VerticalChain(
        wholesale_price=wholesale,
        retail_price=retail,
        quantity=quantity,
        upstream_profit=(wholesale - upstream_cost) * quantity,
        downstream_profit=(retail - wholesale - downstream_cost) * quantity,
        integrated_price=(choke_price + cost) / 2.0,
        integrated_quantity=margin / (2.0 * slope),
        integrated_profit=margin**2 / (4.0 * slope),
    )


def _logit_share(delta: float, alpha: float, price: float) -> float:
    """Binary logit s(p) = e^{delta - alpha p} / (1 + e^{delta - alpha p}), overflow-safe."""
    return 0.5 * (1.0 + math.tanh(0.5 * (delta - alpha * price)))


def _logit_monopoly_price(delta: float, alpha: float, unit_cost: float) -> float:
    """The price maximising (p - k) s(p) under binary logit demand: p - k = 1 / (alpha (1 - s)). With
    x = s / (1 - s) = e^{delta - alpha p} this is x e^x = e^{delta - alpha k - 1}, so x = W(e^{delta - alpha k
    - 1}) (Lambert W, evaluated as the Wright omega function of the exponent) and p = k + (1 + x) / alpha."""
    from scipy.special import wrightomega

    x = float(np.real(wrightomega(delta - alpha * unit_cost - 1.0)))
    return unit_cost + (1.0 + x) / alpha


def double_marginalisation_logit(delta: float, alpha: float, upstream_cost: float, downstream_cost: float = 0.0,
                                 market_size: float = 1.0) -> VerticalChain:
    """Double marginalisation with binary logit retail demand Q(p) = M s(p), s(p) = e^{delta - alpha p} /
    (1 + e^{delta - alpha p}): one product against the outside good (utility 0), `delta` its mean utility,
    `alpha` > 0 the price sensitivity, M = `market_size`.

    Retailer, given w: p(w) - w - c_d = 1 / (alpha (1 - s)) (solved with Lambert W, see
    `_logit_monopoly_price`). Along that response dp/dw = 1 - s, so ds/dw = -alpha s (1 - s)^2 and the
    supplier's first-order condition is w - c_u = 1 / (alpha (1 - s(p(w)))^2); its left side rises and its
    right side falls in w, so the root is unique and found by `scipy.optimize.brentq`. The integrated firm
    sets p_I - c_u - c_d = 1 / (alpha (1 - s))."""
    if alpha <= 0.0:
        raise ValueError(f"alpha {alpha} must be > 0")

    def retail(wholesale: float) -> float:
        return _logit_monopoly_price(delta, alpha, wholesale + downstream_cost)

    def supplier_foc(wholesale: float) -> float:
        share = _logit_share(delta, alpha, retail(wholesale))
        return wholesale - upstream_cost - 1.0 / (alpha * (1.0 - share) ** 2)

    # supplier_foc(c_u) < 0, and at c_u + 1/(alpha (1 - s(p(c_u)))^2) it is >= 0 (the right side falls in w)
    high = upstream_cost + 1.0 / (alpha * (1.0 - _logit_share(delta, alpha, retail(upstream_cost))) ** 2)
    wholesale = float(brentq(supplier_foc, upstream_cost, high, xtol=1e-14, rtol=1e-15))
    price = retail(wholesale)
    quantity = market_size * _logit_share(delta, alpha, price)
    integrated = _logit_monopoly_price(delta, alpha, upstream_cost + downstream_cost)
    integrated_quantity = market_size * _logit_share(delta, alpha, integrated)
    return VerticalChain(
        wholesale_price=wholesale,
        retail_price=price,
        quantity=quantity,
        upstream_profit=(wholesale - upstream_cost) * quantity,
        downstream_profit=(price - wholesale - downstream_cost) * quantity,
        integrated_price=integrated,
        integrated_quantity=integrated_quantity,
        integrated_profit=(integrated - upstream_cost - downstream_cost) * integrated_quantity,
    )


# --- newsvendor ---------------------------------------------------------------------------------------------

def critical_fractile(price: float, cost: float, salvage: float = 0.0) -> float:
    """(p - c) / (p - s): the underage cost over underage plus overage cost (requires s < c < p)."""
    if not salvage < cost < price:
        raise ValueError(f"need salvage < cost < price (got {salvage}, {cost}, {price})")
    return (price - cost) / (price - salvage)


@runtime_checkable
class QuantileFunction(Protocol):
    """A distribution with an inverse CDF, such as a frozen `scipy.stats` distribution."""

    def ppf(self, q: float) -> Any: ...


def newsvendor_quantity(price: float, cost: float, salvage: float, demand: QuantileFunction | ArrayLike) -> float:
    """The order quantity q* = F^{-1}((p - c) / (p - s)) maximising expected profit (see the module doc).

    `demand` is a frozen `scipy.stats` distribution (anything with `ppf`: for a discrete one the smallest
    integer q with F(q) >= the fractile) or a 1-d sample of demands, read as its empirical distribution:
    then q* is the smallest sample value with F_n(q) >= the fractile (`numpy.quantile`, method
    "inverted_cdf"), the sample-average-approximation optimum (when F_n equals the fractile exactly on an
    interval every order quantity in it is optimal, and this is its left end)."""
    fractile = critical_fractile(price, cost, salvage)
    if isinstance(demand, QuantileFunction):
        return float(demand.ppf(fractile))
    sample = np.asarray(demand, dtype=np.float64)
    if sample.ndim != 1 or sample.size == 0:
        raise ValueError("a demand sample must be a non-empty 1-d array")
    return float(np.quantile(sample, fractile, method="inverted_cdf"))
