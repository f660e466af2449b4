"""Search and choice of a day's buyers in a homogeneous-good market: the marketplace's hot loop.

Each visit is one buyer with unit demand at valuation v, facing the N merchants' posted prices (fixed for
the day). `start_uniforms[i]` picks the first merchant floor(u N) (uniform); merchants are then met in the
cyclic order start, start + 1, ... (an assumption: with exchangeable prices any fixed order gives the same
distribution of what a buyer sees; only the first quote's merchant is random).

- A human searches sequentially with recall (Stahl 1989): the first quote is free, each further quote
  costs `human_search_cost`; they stop as soon as the lowest price seen is at most their reservation price,
  or after `consideration_set` merchants, and buy at the lowest price seen if it is at most v.
- `buyer_kinds[i]` (int8): HUMAN, AGENT, or AGENT_TAKING_FIRST, an agent who reads only its first quote
  and buys there if it is at most v (the first-proposal bias).
- An AI agent reads the first `agent_consideration_set` quotes of its cyclic order (all N unless limited:
  a position bias, merchants met late are never read) at `agent_search_cost` each beyond the first, and buys
  the cheapest if it is at most v; ties go to the first in its cyclic order.
- AGENT_CHOOSING_AT_RANDOM: an agent who reads as many quotes (and pays for them) but whose choice fails:
  it buys at a quote drawn uniformly from those it read, if at most v. Its first quote's merchant is already
  uniform and independent of the prices, so it buys at its first quote (the same distribution of outcomes).

Totals per buyer type (row 0 humans, row 1 agents): visits, purchases, amount paid, quotes read, search
costs paid. Per merchant: units sold and revenue. Deterministic given the inputs (draws come in as
arguments); `search_and_choose_reference` is the NumPy twin for tests and the benchmark.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["HUMAN", "AGENT", "AGENT_TAKING_FIRST", "AGENT_CHOOSING_AT_RANDOM", "VISITS", "PURCHASES", "PAID", "QUOTES", "SEARCH_COSTS",
           "search_one_visit", "search_and_choose", "search_and_choose_reference", "replayed_profits", "search_days"]

HUMAN, AGENT = 0, 1  #: rows of the totals, and the buyer kinds of `buyer_kinds`
AGENT_TAKING_FIRST = 2  #: a buyer kind: an agent who takes the first quote it reads (first-proposal bias)
AGENT_CHOOSING_AT_RANDOM = 3  #: a buyer kind: an agent who reads its quotes but picks one at random
VISITS, PURCHASES, PAID, QUOTES, SEARCH_COSTS = 0, 1, 2, 3, 4  #: columns of the totals


@njit(cache=True, error_model="numpy")
def search_one_visit(prices: NDArray[np.float64], buyer_kind: int, start_uniform: float, reservation_price: float,
                     valuation: float, human_search_cost: float, agent_search_cost: float, consideration_set: int,
                     agent_consideration_set: int, sales: NDArray[np.int64], revenue: NDArray[np.float64],
                     totals: NDArray[np.float64]) -> None:
    """One buyer's search and choice (see the module doc), added to `sales` (N,), `revenue` (N,) and `totals`
    (2, 5) in place: the one choice rule, called visit by visit by `search_and_choose` (the batch kernel) and
    by the marketplace's per-visit fidelity, so that the same visits give the same sums bit for bit."""
    n_merchants = prices.shape[0]
    start = min(int(start_uniform * n_merchants), n_merchants - 1)
    best = start
    if buyer_kind != HUMAN:
        kind = AGENT
        quotes = 1 if buyer_kind == AGENT_TAKING_FIRST else min(agent_consideration_set, n_merchants)
        for k in range(1, quotes):
            j = (start + k) % n_merchants
            if prices[j] < prices[best]:
                best = j
        if buyer_kind == AGENT_CHOOSING_AT_RANDOM:
            best = start
        cost = agent_search_cost * (quotes - 1)
    else:
        kind, quotes = HUMAN, 1
        while prices[best] > reservation_price and quotes < consideration_set:
            j = (start + quotes) % n_merchants
            quotes += 1
            if prices[j] < prices[best]:
                best = j
        cost = human_search_cost * (quotes - 1)
    totals[kind, VISITS] += 1.0
    totals[kind, QUOTES] += quotes
    totals[kind, SEARCH_COSTS] += cost
    if prices[best] <= valuation:
        sales[best] += 1
        revenue[best] += prices[best]
        totals[kind, PURCHASES] += 1.0
        totals[kind, PAID] += prices[best]


@njit(cache=True, error_model="numpy")
def search_and_choose(prices: NDArray[np.float64], buyer_kinds: NDArray[np.int8], start_uniforms: NDArray[np.float64],
                      reservation_price: float, valuation: float, human_search_cost: float,
                      agent_search_cost: float, consideration_set: int, agent_consideration_set: int
                      ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """(units sold (N,), revenue (N,), totals (2, 5)) of one day's visits, each by `search_one_visit`."""
    n_merchants = prices.shape[0]
    sales = np.zeros(n_merchants, dtype=np.int64)
    revenue = np.zeros(n_merchants, dtype=np.float64)
    totals = np.zeros((2, 5), dtype=np.float64)
    for i in range(start_uniforms.shape[0]):
        search_one_visit(prices, buyer_kinds[i], start_uniforms[i], reservation_price, valuation, human_search_cost,
                         agent_search_cost, consideration_set, agent_consideration_set, sales, revenue, totals)
    return sales, revenue, totals


def search_and_choose_reference(prices: NDArray[np.float64], buyer_kinds: NDArray[np.int8],
                                start_uniforms: NDArray[np.float64], reservation_price: float, valuation: float,
                                human_search_cost: float, agent_search_cost: float, consideration_set: int,
                                agent_consideration_set: int
                                ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """NumPy twin of `search_and_choose`, vectorised over visits (same results up to summation order)."""
    prices = np.asarray(prices, dtype=np.float64)
    n_merchants, n_visits = prices.shape[0], start_uniforms.shape[0]
    start = np.minimum((start_uniforms * n_merchants).astype(np.int64), n_merchants - 1)
    order = (start[:, None] + np.arange(n_merchants)[None, :]) % n_merchants     # (n, N) merchants in search order
    seen = prices[order]
    running_min = np.minimum.accumulate(seen, axis=1)
    # humans: quotes = 1 + the first k with running_min[k] <= r, at most the consideration set
    satisfied = running_min <= reservation_price
    first_satisfied = np.where(satisfied.any(axis=1), satisfied.argmax(axis=1), n_merchants - 1)
    human_quotes = np.minimum(first_satisfied + 1, consideration_set)
    agents = buyer_kinds != HUMAN
    quotes = np.where(buyer_kinds == AGENT_TAKING_FIRST, 1,
                      np.where(agents, min(agent_consideration_set, n_merchants), human_quotes))
    read = np.arange(n_merchants)[None, :] < quotes[:, None]
    position = np.where(read, seen, np.inf).argmin(axis=1)          # first occurrence of the lowest price read
    position[buyer_kinds == AGENT_CHOOSING_AT_RANDOM] = 0
    chosen = order[np.arange(n_visits), position]
    paid = prices[chosen]
    buys = paid <= valuation
    costs = np.where(agents, agent_search_cost * (quotes - 1), human_search_cost * (quotes - 1))
    sales = np.bincount(chosen[buys], minlength=n_merchants).astype(np.int64)
    revenue = np.bincount(chosen[buys], weights=paid[buys], minlength=n_merchants).astype(np.float64)
    totals = np.zeros((2, 5))
    for kind, members in ((HUMAN, ~agents), (AGENT, agents)):
        totals[kind] = (members.sum(), (buys & members).sum(), paid[buys & members].sum(), quotes[members].sum(),
                        costs[members].sum())
    return sales, revenue, totals


@njit(cache=True, error_model="numpy")
def replayed_profits(candidates: NDArray[np.float64], merchant: int, day_prices: NDArray[np.float64],
                     day_reservation: NDArray[np.float64], day_offsets: NDArray[np.int64], buyer_kinds: NDArray[np.int8],
                     start_uniforms: NDArray[np.float64], valuation: float, human_search_cost: float,
                     agent_search_cost: float, consideration_set: int, agent_consideration_set: int,
                     take_rate: float, marginal_cost: float
                     ) -> NDArray[np.float64]:
    """Profit `merchant` would have made at each candidate price on logged visits: day k's visits are
    `buyer_kinds` and `start_uniforms` [day_offsets[k], day_offsets[k + 1]), met at `day_prices[k]` (rivals'
    prices as logged) with the humans' reservation price `day_reservation[k]` held as logged."""
    profits = np.zeros(candidates.shape[0])
    prices = np.empty(day_prices.shape[1])
    for g in range(candidates.shape[0]):
        for k in range(day_prices.shape[0]):
            prices[:] = day_prices[k]
            prices[merchant] = candidates[g]
            lo, hi = day_offsets[k], day_offsets[k + 1]
            sales, revenue, _ = search_and_choose(prices, buyer_kinds[lo:hi], start_uniforms[lo:hi], day_reservation[k],
                                                  valuation, human_search_cost, agent_search_cost, consideration_set,
                                                  agent_consideration_set)
            profits[g] += (1.0 - take_rate) * revenue[merchant] - marginal_cost * sales[merchant]
    return profits


@njit(cache=True, error_model="numpy")
def search_days(day_prices: NDArray[np.float64], day_reservation: NDArray[np.float64], day_offsets: NDArray[np.int64],
                buyer_kinds: NDArray[np.int8], start_uniforms: NDArray[np.float64], valuation: float,
                human_search_cost: float, agent_search_cost: float, consideration_set: int,
                agent_consideration_set: int) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """`search_and_choose` for many days at once: day k's visits are [day_offsets[k], day_offsets[k + 1]) of
    `buyer_kinds` and `start_uniforms`, met at `day_prices[k]` with reservation price `day_reservation[k]`.
    Returns sales (D, N), revenue (D, N) and totals (D, 2, 5)."""
    n_days, n_merchants = day_prices.shape
    sales = np.zeros((n_days, n_merchants), dtype=np.int64)
    revenue = np.zeros((n_days, n_merchants))
    totals = np.zeros((n_days, 2, 5))
    for k in range(n_days):
        lo, hi = day_offsets[k], day_offsets[k + 1]
        sales[k], revenue[k], totals[k] = search_and_choose(
            day_prices[k], buyer_kinds[lo:hi], start_uniforms[lo:hi], day_reservation[k], valuation, human_search_cost,
            agent_search_cost, consideration_set, agent_consideration_set)
    return sales, revenue, totals
