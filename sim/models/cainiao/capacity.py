"""Capacity bought before the quarter's demand is known, and the prices set knowing it.

The newsvendor step: the integer K maximising the exact expected profit at a given price,

    E[profit](K) = p E[min(K, D)] - c_K K,     D ~ Poisson(lambda),

with p the margin per parcel carried (Cainiao's own margin standalone, the group's as infrastructure), c_K the
cost of one unit of capacity, no salvage value and no shortage cost beyond the lost margin. The search runs over
every K up to lambda + 40 sqrt(lambda) + 40, beyond which P(D > K) is below 1e-300 (so with c_K > 0 profit only
falls, and with c_K = 0 nothing is gained). Ties go to the smallest K.

The joint step (`price_and_capacity`): capacity and price chosen together on the exact expected profit. For a
fixed integer K the expected profit is smooth in the price (E[min(K, D)] = lambda F(K - 1) + K (1 - F(K)), F
the Poisson distribution function, is smooth in lambda), so the price given K is `optimise.maximise`'s; the
value of K (the expected profit at that price) is searched over the integers from the newsvendor answer at the
demand curve's price, assumed single-peaked in K (checked against a brute-force grid over (price, K) in
tests/models/cainiao/test_joint_capacity.py). When capacity binds, the price rises above the demand curve's
optimum: fewer orders are turned away.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from sim.models.cainiao.optimise import maximise

__all__ = ["expected_carried", "capacity_by_expected_profit", "best_capacity", "price_and_capacity",
           "retail_price_given_capacity", "priced_capacity", "standalone_price_and_capacity"]


def expected_carried(capacity: int, mean_demand: float) -> float:
    """E[min(K, D)] for D ~ Poisson(mean_demand): lambda P(D <= K - 1) + K P(D > K)."""
    from scipy.special import pdtr, pdtrc  # here, not at import: loading a model never imports scipy.special

    if capacity <= 0 or mean_demand <= 0.0:
        return 0.0
    return float(mean_demand * pdtr(capacity - 1, mean_demand) + capacity * pdtrc(capacity, mean_demand))


def capacity_by_expected_profit(margin: float, capacity_cost: float, mean_demand: float) -> int:
    """The K >= 0 maximising p E[min(K, D)] - c_K K at a given price (see the module doc); 0 when the margin is
    not positive."""
    if margin <= 0.0 or mean_demand <= 0.0:
        return 0
    from scipy.stats import poisson  # here, not at import: loading a model never imports scipy.stats

    top = int(math.ceil(mean_demand + 40.0 * math.sqrt(mean_demand) + 40.0))
    profit = np.concatenate(([0.0], margin * np.cumsum(poisson.sf(np.arange(top), mean_demand))
                             - capacity_cost * np.arange(1, top + 1)))
    return int(np.argmax(profit))


def best_capacity(value: Callable[[int], float], start: int) -> int:
    """The integer K >= 0 maximising `value` (assumed single-peaked): from `start`, steps doubling in the
    rising direction until the value falls, then a ternary search of the bracket; ties go to the smallest K."""
    seen: dict[int, float] = {}

    def at(capacity: int) -> float:
        if capacity not in seen:
            seen[capacity] = value(capacity)
        return seen[capacity]

    start = max(0, start)
    if at(start + 1) > at(start):
        direction = 1
    elif start > 0 and at(start - 1) >= at(start):
        direction = -1
    else:
        return start
    previous, current, step = start, start + direction, 2
    while True:
        following = max(0, current + direction * step)
        if following == current or at(following) <= at(current):
            break
        previous, current, step = current, following, 2 * step
    low, high = sorted((previous, following))
    while high - low > 2:
        third = (high - low) // 3
        if at(low + third) < at(high - third):
            low = low + third + 1
        else:
            high = high - third
    return max(range(low, high + 1), key=lambda capacity: (at(capacity), -capacity))


def price_and_capacity(price_given: Callable[[int], float], value: Callable[[float, int], float],
                       start: int) -> tuple[float, int]:
    """(price, K): K maximising `value(price_given(K), K)` over integers K >= 0 (`best_capacity` from `start`),
    where `price_given(K)` is the price the pricing firm sets knowing capacity K and `value` the expected profit
    of the firm buying capacity."""
    prices: dict[int, float] = {}

    def price(capacity: int) -> float:
        if capacity not in prices:
            prices[capacity] = price_given(capacity)
        return prices[capacity]

    capacity = best_capacity(lambda k: value(price(k), k), start)
    return price(capacity), capacity


def retail_price_given_capacity(transfer_price: float, capacity: int, demand: Callable[[float], float],
                                choke_price: float) -> float:
    """AliExpress's price knowing the group's capacity K: the P in [w, choke price] maximising
    (P - w) E[min(K, D(P))]."""
    return maximise(lambda price: (price - transfer_price) * expected_carried(capacity, demand(price)),
                    transfer_price, choke_price)


def priced_capacity(pricer_cost: float, cost: float, capacity_cost: float, demand: Callable[[float], float],
                    choke_price: float, curve_price: float) -> tuple[float, int]:
    """(price, K) outside standalone: the pricing firm, paying `pricer_cost` a parcel, sets the price knowing K
    (maximising (P - pricer_cost) E[min(K, D(P))] on [pricer_cost, choke price]); the group buys the K
    maximising (P - c) E[min(K, D(P))] - c_K K at that price. For the group's parcels the pricer is AliExpress
    at the transfer price; for third parties, Cainiao at its marginal cost (then both objectives are the
    group's). `curve_price` is the demand curve's optimum with capacity costed per expected parcel: the search
    starts from the newsvendor answer there, and it is the price kept when no capacity is bought (nothing is
    carried, so the price earns nothing either way). With free capacity (c_K = 0) capacity is ample, the price
    is the demand curve's and K the newsvendor's (the limit the joint choice reduces to)."""
    start = capacity_by_expected_profit(curve_price - cost, capacity_cost, demand(curve_price))
    if capacity_cost == 0.0 or pricer_cost >= choke_price:
        return curve_price, start
    price, capacity = price_and_capacity(
        lambda k: retail_price_given_capacity(pricer_cost, k, demand, choke_price),
        lambda price, k: (price - cost) * expected_carried(k, demand(price)) - capacity_cost * k, start)
    return (price, capacity) if capacity > 0 else (curve_price, 0)


#: coordinate rounds of the standalone search over (K_group, K_third_party) before it stops (each round a
#: `best_capacity` search per coordinate; it stops earlier when neither moves)
STANDALONE_ROUNDS = 20


def standalone_price_and_capacity(cost: float, capacity_cost: float, group: Callable[[float], float],
                                  group_choke: float, third_party: Callable[[float], float], top: float,
                                  curve_transfer: float, curve_retail: float) -> tuple[float, float, int, int]:
    """(w, P, K_group, K_third_party) standalone: Cainiao sets one price w to the group and third parties and
    buys capacity K_g for group parcels and K_3 for third parties' to maximise its expected profit
    (w - c) (E[min(K_g, D_g(P))] + E[min(K_3, D_3(w))]) - c_K (K_g + K_3), anticipating AliExpress's price
    P = `retail_price_given_capacity`(w, K_g). For each (K_g, K_3), w is `optimise.maximise`'s on [c, top]; the
    capacities by coordinate ascent (`best_capacity` in each in turn, from the newsvendor answers at the demand
    curve's prices `curve_transfer`, `curve_retail`). With c_K = 0 the demand curve's prices and the newsvendor
    capacities (ample capacity)."""
    margin = curve_transfer - cost
    start = (capacity_by_expected_profit(margin, capacity_cost, group(curve_retail)),
             capacity_by_expected_profit(margin, capacity_cost, third_party(curve_transfer)))
    if capacity_cost == 0.0:
        return curve_transfer, curve_retail, *start
    retail_at: dict[tuple[float, int], float] = {}

    def retail(transfer: float, group_capacity: int) -> float:
        if (transfer, group_capacity) not in retail_at:
            retail_at[transfer, group_capacity] = (
                retail_price_given_capacity(transfer, group_capacity, group, group_choke)
                if group_capacity > 0 and transfer < group_choke else group_choke)
        return retail_at[transfer, group_capacity]

    def revenue_margin(transfer: float, capacities: tuple[int, int]) -> float:
        carried = expected_carried(capacities[1], third_party(transfer))
        if capacities[0] > 0 and transfer < group_choke:
            carried += expected_carried(capacities[0], group(retail(transfer, capacities[0])))
        return (transfer - cost) * carried

    transfers: dict[tuple[int, int], float] = {}

    def transfer_given(capacities: tuple[int, int]) -> float:
        if capacities not in transfers:
            transfers[capacities] = maximise(lambda w: revenue_margin(w, capacities), cost, top)
        return transfers[capacities]

    def value(capacities: tuple[int, int]) -> float:
        return revenue_margin(transfer_given(capacities), capacities) - capacity_cost * sum(capacities)

    def best_group(third_capacity: int, from_group: int) -> int:
        return best_capacity(lambda k: value((k, third_capacity)), from_group)

    def best_third(group_capacity: int, from_third: int) -> int:
        return best_capacity(lambda k: value((group_capacity, k)), from_third)

    capacities = start
    for _ in range(STANDALONE_ROUNDS):
        group_capacity = best_group(capacities[1], capacities[0])
        third_capacity = best_third(group_capacity, capacities[1])
        if (group_capacity, third_capacity) == capacities:
            break
        capacities = (group_capacity, third_capacity)
    if capacities == (0, 0):
        return curve_transfer, curve_retail, 0, 0
    transfer = transfer_given(capacities)
    return transfer, retail(transfer, capacities[0]) if capacities[0] > 0 else curve_retail, *capacities
