"""Providers' price lists, unit costs (learning curve) and GPU capacity, quarter by quarter.

`ProviderBook` holds the state every part of the model reads: current list prices by product, unit costs
by workload type, GPU capacity, and the price changes waiting to take effect (own schedules and rivals'
delayed responses to the leader). Best responses are not computed here (see `policies.py`): the book only
applies the multipliers it is handed.

Pass-through of list-price changes: a scheduled change of `factor` on compute or storage moves the price
index, which is the average bill, by 1 - pi (1 - factor) with pi = `market.list_price_pass_through` (1 =
the whole bill moves with the list; a list cut of "100+ products, 500+ specifications" covers part of the
bill). Model-API changes are per-token prices and pass through whole.

Learning curve (Wright 1936): unit cost c_jw(t) = c_jw(0) (V_jw(t) / V_jw(0))^(-b) with
b = -log2(1 - learning_rate), V_jw the cumulative served volume of provider j in workload type w; the
GenAI cost stops at `genai_unit_cost_floor` (the cost of the GPUs and power behind a unit of volume does
not learn away): c_j,genai(t) = max(floor_j, learned cost).

GPU capacity: a provider without `gpu_capacity` has unlimited capacity (infinity here).

The leader's cut under study (`CloudScenario.cut`) is one more scheduled change, tagged with how rivals
answer it (`PriceCut.rival_response`); its no-cut twin is the same book with depth 0.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
from numpy.typing import NDArray

from sim.models.cloud.config import PRODUCTS, WORKLOAD_TYPES, CloudScenario, quarter_index

__all__ = ["ProviderBook", "type_weights"]


def type_weights(config: CloudScenario) -> NDArray[np.float64]:
    """(2, 3) weights of compute/storage/model_api in the traditional and GenAI composite prices."""
    return np.array([[config.workloads[w].weights()[p] for p in PRODUCTS] for w in WORKLOAD_TYPES])


class ProviderBook:
    """Prices, costs and capacity of all providers (index j follows `names`)."""

    def __init__(self, config: CloudScenario) -> None:
        self.config = config
        self.names = list(config.providers)
        self.J = len(self.names)
        self.leader = self.names.index(config.market.leader)
        providers = [config.providers[n] for n in self.names]
        start = config.market.start_quarter
        self.weights = type_weights(config)
        self.prices = np.array([[p.prices.get(k) for k in PRODUCTS] for p in providers], dtype=np.float64)
        self.unit_cost0 = np.array([[p.unit_cost.get(k) for k in PRODUCTS] for p in providers], dtype=np.float64)
        self.learning_b = np.array([[-np.log2(1.0 - min(p.learning_rate, 0.999)),
                                     -np.log2(1.0 - min(p.genai_learning_rate, 0.999))] for p in providers])
        self.quality = np.array([[p.quality, p.genai_quality] for p in providers], dtype=np.float64)
        self.quality_trend = np.array([p.quality_trend_per_year for p in providers], dtype=np.float64)
        self.quality_trend_from = np.array([0 if p.quality_trend_from is None else quarter_index(p.quality_trend_from, start)
                                            for p in providers], dtype=np.float64)
        self.gpu_capacity = np.array([np.inf if p.gpu_capacity is None else p.gpu_capacity for p in providers],
                                     dtype=np.float64)
        self.genai_cost_floor = np.array([p.genai_unit_cost_floor for p in providers], dtype=np.float64)
        # GenAI demand (volume units) and composite GenAI price of the last two quarters (row 0 the last),
        # for capacity-aware best responses (no demand before the first quarter)
        self.genai_demand_history = np.zeros((2, self.J))
        self.genai_price_history = np.ones((2, self.J))
        self.cumulative = np.ones((self.J, 2))  # set by `set_initial_volume`
        self.cumulative0 = np.ones((self.J, 2))
        # quarter -> (provider, product, factor, rivals' answer: None = each by its own `response` rule)
        self.schedule: dict[int, list[tuple[int, int, float, str | None]]] = defaultdict(list)
        self.deliveries: dict[int, NDArray[np.float64]] = defaultdict(lambda: np.zeros(self.J))
        self.capex_cost: dict[int, NDArray[np.float64]] = defaultdict(lambda: np.zeros(self.J))
        pass_through = config.market.list_price_pass_through
        def billed(product: str, factor: float) -> float:
            return factor if product == "model_api" else 1.0 - pass_through * (1.0 - factor)

        for j, p in enumerate(providers):
            for change in p.price_changes:
                self.schedule[quarter_index(change.quarter, start)].append(
                    (j, PRODUCTS.index(change.product), billed(change.product, change.factor), None))
            for order in p.capex:
                q = quarter_index(order.quarter, start)
                self.deliveries[q + p.capacity_lead_quarters][j] += order.gpu_capacity
                self.capex_cost[q][j] += order.cost_rmb_bn
        self.responses = [p.response for p in providers]
        self.delay = [p.response_delay_quarters for p in providers]
        self.match_fraction = [p.match_fraction for p in providers]
        self.floor = np.array([p.price_floor_factor for p in providers])
        self.start_prices = self.prices.copy()
        # a rival best-responds if its rule says so or from `best_response_from`; the leader only from its
        # `best_response_from` (re-optimising its own prices)
        self.best_response_from: list[float] = [
            quarter_index(p.best_response_from, start) if p.best_response_from is not None
            else 0 if (p.response == "best_response" and j != self.leader) else np.inf
            for j, p in enumerate(providers)]
        cut = config.cut
        if cut is not None:
            q = quarter_index(cut.quarter, start)
            answer = None if cut.rival_response == "rules" else "match" if cut.rival_response == "match" else "ignore"
            for product in cut.products:
                self.schedule[q].append((self.leader, PRODUCTS.index(product), billed(product, 1.0 - cut.depth),
                                         answer))
            if cut.rival_response == "best_response":
                for j in range(self.J):
                    if j != self.leader:
                        self.best_response_from[j] = min(self.best_response_from[j], q)
        self.best_responders = [j for j in range(self.J) if np.isfinite(self.best_response_from[j])]

    # --- state read by the market -------------------------------------------------------------------------

    def delta(self, quarter: int) -> NDArray[np.float64]:
        """(J, 2) mean utilities delta_jw at quarter `quarter` (quality plus trend x years since the trend's
        first quarter)."""
        years = np.maximum(quarter - self.quality_trend_from, 0.0) / 4.0
        delta: NDArray[np.float64] = self.quality + (self.quality_trend * years)[:, None]
        return delta

    def type_prices(self) -> NDArray[np.float64]:
        """(J, 2) composite price of each workload type at each provider."""
        prices: NDArray[np.float64] = self.prices @ self.weights.T
        return prices

    def type_costs(self) -> NDArray[np.float64]:
        """(J, 2) composite unit cost, after learning (GenAI no lower than its floor)."""
        multiplier = (self.cumulative / self.cumulative0) ** (-self.learning_b)
        costs: NDArray[np.float64] = (self.unit_cost0 @ self.weights.T) * multiplier
        costs[:, 1] = np.maximum(costs[:, 1], self.genai_cost_floor)
        return costs

    def set_initial_volume(self, volume: NDArray[np.float64]) -> None:
        """Anchor the learning curves: (J, 2) volume a quarter at the start."""
        initial_quarters = np.array([self.config.providers[n].initial_cumulative_quarters for n in self.names])
        genai0 = np.array([self.config.providers[n].initial_genai_cumulative_volume for n in self.names])
        self.cumulative0 = np.column_stack([np.maximum(volume[:, 0] * initial_quarters, 1e-9), genai0])
        self.cumulative = self.cumulative0.copy()

    def add_volume(self, served: NDArray[np.float64]) -> None:
        self.cumulative = self.cumulative + served

    def record_genai_demand(self, demand: NDArray[np.float64]) -> None:
        """Remember this quarter's (J,) GenAI demand and the GenAI prices it was met at."""
        self.genai_demand_history = np.vstack([np.asarray(demand, dtype=np.float64), self.genai_demand_history[0]])
        self.genai_price_history = np.vstack([self.type_prices()[:, 1], self.genai_price_history[0]])

    def capacity_clearing_multiplier(self, j: int, elasticity: float) -> float:
        """The smallest multiplier on provider j's current GenAI price p at which the GenAI demand expected
        this quarter fits its GPU capacity K. Expected demand: last quarter's, grown at last quarter's
        growth net of price, D(p) = D_1 g (p / p_1)^e with g = (D_1 / D_2) (p_2 / p_1)^e (1 without an
        earlier quarter), choosers' shares held; so m = (p_1 / p) (D_1 g / K)^(1 / |e|). 0 when nothing
        binds (no demand yet, unlimited capacity, or e = 0)."""
        (d1, d2), (p1, p2) = self.genai_demand_history[:, j], self.genai_price_history[:, j]
        capacity = float(self.gpu_capacity[j])
        if elasticity >= 0.0 or d1 <= 0.0 or not np.isfinite(capacity):
            return 0.0
        if capacity <= 0.0:
            return np.inf
        growth = d1 / d2 * (p2 / p1) ** elasticity if d2 > 0.0 else 1.0
        now = float(self.type_prices()[j, 1])
        return float(p1 / now * (d1 * growth / capacity) ** (1.0 / -elasticity))

    # --- quarter start -----------------------------------------------------------------------------------

    def begin_quarter(self, quarter: int) -> None:
        """Apply the price changes due this quarter (own schedules first, then rivals' responses to the
        leader's changes: `match` copies the leader's factor, `partial_match` copies `match_fraction` of
        its percentage change, both after `response_delay_quarters`; a change tagged with an answer, the
        cut under study, is answered that way by every rival instead), and deliver ordered GPU capacity."""
        for j, k, factor, answer in self.schedule.pop(quarter, []):
            self.prices[j, k] *= factor
            if j == self.leader:
                for r, rule in enumerate(self.responses):
                    response = rule if answer is None else answer
                    if r == self.leader or response not in ("match", "partial_match"):
                        continue
                    copied = factor if response == "match" else 1.0 - self.match_fraction[r] * (1.0 - factor)
                    due = quarter + self.delay[r]
                    if due == quarter:
                        self.prices[r, k] *= copied
                    else:
                        self.schedule[due].append((r, k, copied, None))
        if quarter in self.deliveries:
            self.gpu_capacity = self.gpu_capacity + self.deliveries.pop(quarter)

    def apply_type_multiplier(self, j: int, w: int, multiplier: float) -> None:
        """Scale provider j's prices of the products that belong to workload type w (those whose weight is
        larger in w than in the other type) by `multiplier`."""
        own = self.weights[w] > self.weights[1 - w]
        self.prices[j, own] *= multiplier

    def capex_due(self, quarter: int) -> NDArray[np.float64]:
        return self.capex_cost.get(quarter, np.zeros(self.J))
