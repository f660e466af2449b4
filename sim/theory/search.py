"""Consumer search: Stahl's (1989) equilibrium of a homogeneous-good market with shoppers and searchers.

Stahl, D. O. (1989), "Oligopolistic pricing with sequential consumer search", American Economic Review
79(4), 700-712. Assumptions: N >= 2 merchants sell an identical good at constant marginal cost c; each
buyer wants one unit, worth v. A share mu of buyers (shoppers; in the marketplace, AI agents) see every
price at no cost and buy the cheapest. The rest (searchers; humans) get their first quote free from a
merchant drawn uniformly, and pay s for each further quote (sequential search with recall, no discounting).
In the symmetric equilibrium merchants mix over prices with the CDF F, and searchers buy at the first
merchant whose price is at most their reservation price rho, which they never see exceeded, so they buy at
the first quote. With prices measured above cost (x = p - c, valuation v - c), b = mu / (1 - mu) and

    I   = int_0^1 dy / (1 + b N y^(N-1))            = 2F1(1, 1/(N-1); 1 + 1/(N-1); -b N)
    rho = c + min(s / (1 - I), v - c)                the searchers' reservation price
    F(p) = 1 - [(1 - mu)(rho - p) / (N mu (p - c))]^(1/(N-1))   on [p_lo, rho],
    p_lo = c + (1 - mu)(rho - c) / (N mu + 1 - mu)
    E[p] = c + (rho - c) I                           mean posted price (what a searcher pays)
    E[min of N] = c + (rho - c)(1 - I) / b           what a shopper pays; = c + s (1 - mu)/mu in the interior
    profit per buyer and merchant = (rho - c)(1 - mu) / N     (the price rho sells only to first-visit searchers)

The inverse of F is p = c + (rho - c) / (1 + b N (1 - u)^(N-1)) for u in [0, 1): `stahl_quantile`, the sampler.
A searcher at rho gains E[max(rho - P, 0)] = (rho - c)(1 - I) from one more quote: exactly s in the
interior ("interior" regime), less than s when rho is capped at v ("capped": searchers would like to
search at a higher price but nobody buys above v).

Limits, each its own regime: N = 1 is a monopoly (price v); mu = 0 is Diamond's (1971) paradox (every
price v, whatever s > 0); mu = 1, or s = 0, is Bertrand (every price c).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import hyp2f1

__all__ = ["Regime", "StahlEquilibrium", "stahl_integral", "stahl_shortfall_ratio", "stahl_equilibrium", "stahl_quantile", "stahl_cdf",
           "deviation_profit", "search_saving", "reservation_price"]

Regime = Literal["interior", "capped", "monopoly", "diamond", "bertrand"]
FloatArray = NDArray[np.float64]


def _hyp_1_beta(beta: float, z: float) -> float:
    """2F1(1, beta; beta + 1; z) for z <= 0; for z < -1 (outside the series' disc) through Pfaff's
    transformation, 2F1(1, beta; beta + 1; z) = 2F1(1, 1; beta + 1; z / (z - 1)) / (1 - z)."""
    if z < -1.0:
        return float(hyp2f1(1.0, 1.0, 1.0 + beta, z / (z - 1.0)) / (1.0 - z))
    return float(hyp2f1(1.0, beta, 1.0 + beta, z))


def _check(n_merchants: int, shopper_share: float) -> None:
    if n_merchants < 2:
        raise ValueError(f"the Stahl integral needs N >= 2 merchants (got {n_merchants})")
    if not 0.0 <= shopper_share < 1.0:
        raise ValueError(f"the shopper share must lie in [0, 1) (got {shopper_share})")


def stahl_integral(n_merchants: int, shopper_share: float) -> float:
    """I = int_0^1 dy / (1 + b N y^(N-1)) with b = mu / (1 - mu), by the Gauss hypergeometric function
    (substitute t = y^(N-1), a = 1/(N-1)): I = 2F1(1, a; 1 + a; -bN). N >= 2 and 0 <= mu < 1."""
    _check(n_merchants, shopper_share)
    b = shopper_share / (1.0 - shopper_share)
    return _hyp_1_beta(1.0 / (n_merchants - 1), -b * n_merchants)


def stahl_shortfall_ratio(n_merchants: int, shopper_share: float) -> float:
    """J = (1 - I) / b = N int_0^1 y^(N-1) / (1 + b N y^(N-1)) dy = 2F1(1, 1 + a; 2 + a; -bN), a = 1/(N-1):
    1 - I computed without cancellation (1 - I = b J), which matters as mu -> 0 (J -> 1)."""
    _check(n_merchants, shopper_share)
    b = shopper_share / (1.0 - shopper_share)
    return _hyp_1_beta(1.0 + 1.0 / (n_merchants - 1), -b * n_merchants)


@dataclass(frozen=True)
class StahlEquilibrium:
    """The equilibrium of one market (prices in the valuation's currency units; see the module doc)."""

    n_merchants: int
    shopper_share: float
    search_cost: float
    valuation: float
    marginal_cost: float
    regime: Regime
    integral: float              # I (nan in the monopoly, Diamond and Bertrand regimes)
    reservation_price: float     # rho
    lowest_price: float          # p_lo, the bottom of the support
    mean_price: float            # E[p], the mean posted price
    mean_min_price: float        # E[min of N prices], what a shopper pays
    profit_per_buyer: float      # each merchant's expected profit per arriving buyer

    @property
    def b(self) -> float:
        return self.shopper_share / (1.0 - self.shopper_share) if self.shopper_share < 1.0 else math.inf

    @property
    def degenerate(self) -> bool:
        """Whether every merchant posts one price (a pure-strategy limit)."""
        return self.regime in ("monopoly", "diamond", "bertrand")


def stahl_equilibrium(n_merchants: int, shopper_share: float, search_cost: float, valuation: float,
                      marginal_cost: float = 0.0) -> StahlEquilibrium:
    """Stahl's equilibrium (module doc) for N merchants, shopper share mu, search cost s per quote after the
    first, valuation v and marginal cost c < v."""
    n, mu, s, v, c = int(n_merchants), float(shopper_share), float(search_cost), float(valuation), float(marginal_cost)
    if n < 1 or not 0.0 <= mu <= 1.0 or s < 0.0 or not c < v:
        raise ValueError(f"need N >= 1, 0 <= mu <= 1, s >= 0 and c < v (got N={n}, mu={mu}, s={s}, v={v}, c={c})")
    nan = math.nan
    if n == 1:
        return StahlEquilibrium(n, mu, s, v, c, "monopoly", nan, v, v, v, v, v - c)
    if mu == 1.0 or s == 0.0:
        return StahlEquilibrium(n, mu, s, v, c, "bertrand", nan, c, c, c, c, 0.0)
    if mu == 0.0:
        return StahlEquilibrium(n, mu, s, v, c, "diamond", nan, v, v, v, v, (v - c) / n)
    integral = stahl_integral(n, mu)
    b = mu / (1.0 - mu)
    shortfall = stahl_shortfall_ratio(n, mu)  # (1 - I) / b
    regime: Regime = "interior"
    if s >= (v - c) * b * shortfall:  # s / (1 - I) >= v - c, written without dividing by 1 - I
        margin, regime = v - c, "capped"
    else:
        margin = s / (b * shortfall)
    return StahlEquilibrium(
        n, mu, s, v, c, regime, integral,
        reservation_price=c + margin,
        lowest_price=c + (1.0 - mu) * margin / (n * mu + 1.0 - mu),
        mean_price=c + margin * integral,
        mean_min_price=c + margin * shortfall,
        profit_per_buyer=margin * (1.0 - mu) / n,
    )


def stahl_quantile(uniforms: ArrayLike, equilibrium: StahlEquilibrium) -> FloatArray:
    """F^{-1}(u) = c + (rho - c) / (1 + b N (1 - u)^(N-1)) for u in [0, 1): equilibrium price draws from
    uniforms (monotone in u, so common random numbers stay aligned). A degenerate regime gives its one price."""
    u = np.asarray(uniforms, dtype=np.float64)
    eq = equilibrium
    if eq.degenerate:
        return np.full(u.shape, eq.reservation_price)
    margin = eq.reservation_price - eq.marginal_cost
    prices: FloatArray = eq.marginal_cost + margin / (1.0 + eq.b * eq.n_merchants * (1.0 - u) ** (eq.n_merchants - 1))
    return prices


def stahl_cdf(prices: ArrayLike, equilibrium: StahlEquilibrium) -> FloatArray:
    """F(p) = 1 - [(1 - mu)(rho - p) / (N mu (p - c))]^(1/(N-1)), 0 below p_lo and 1 from rho on (a step
    at the one price of a degenerate regime)."""
    p = np.asarray(prices, dtype=np.float64)
    eq = equilibrium
    if eq.degenerate:
        return np.where(p >= eq.reservation_price, 1.0, 0.0)
    n, mu, c, rho = eq.n_merchants, eq.shopper_share, eq.marginal_cost, eq.reservation_price
    inside = np.clip(p, eq.lowest_price, rho)
    ratio = (1.0 - mu) * (rho - inside) / (n * mu * (inside - c))
    cdf: FloatArray = np.where(p < eq.lowest_price, 0.0,
                               np.where(p >= rho, 1.0, 1.0 - np.clip(ratio, 0.0, 1.0) ** (1.0 / (n - 1))))
    return cdf


def deviation_profit(price: float, equilibrium: StahlEquilibrium) -> float:
    """Expected profit per arriving buyer of one merchant posting `price` while its N - 1 rivals draw from F
    and searchers keep their reservation price rho: (p - c)[(1 - mu)/N + mu (1 - F(p))^(N-1)] for p <= rho
    (it sells to its first-visit searchers and, when cheapest, to the shoppers); 0 above rho (searchers
    move on and find a price <= rho). Equal to `profit_per_buyer` everywhere on [p_lo, rho]."""
    eq = equilibrium
    if price > eq.reservation_price:
        return 0.0
    rivals_above = 1.0 - float(stahl_cdf(price, eq))
    n, mu = eq.n_merchants, eq.shopper_share
    return (price - eq.marginal_cost) * ((1.0 - mu) / n + mu * rivals_above ** (n - 1))


def search_saving(reservation_price: float, prices: ArrayLike) -> float:
    """E[max(r - P, 0)] over the price sample `prices`: what one more quote saves a searcher holding r."""
    p = np.asarray(prices, dtype=np.float64)
    return float(np.mean(np.maximum(reservation_price - p, 0.0)))


def reservation_price(posted_prices: ArrayLike, search_cost: float, valuation: float) -> float:
    """The reservation price r of a searcher who treats each further quote as a draw (with replacement)
    from `posted_prices`: the r with mean_j max(r - p_j, 0) = s (Weitzman 1979; McCall 1970), capped at v.
    With the k lowest prices below r, r = (s N + p_(1) + ... + p_(k)) / k. Used when prices are not Stahl's
    equilibrium (fixed and adaptive pricing); in equilibrium it returns rho for F's own prices."""
    p = np.sort(np.asarray(posted_prices, dtype=np.float64))
    n = p.size
    partial = np.cumsum(p)
    for k in range(1, n + 1):
        r = (search_cost * n + partial[k - 1]) / k
        if k == n or r <= p[k]:
            return float(min(r, valuation))
    raise AssertionError("unreachable: k = n always returns")
