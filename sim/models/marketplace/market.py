"""The marketplace: merchants' repricing as SimPy processes around the batch search-and-choice kernel.

Time: days from t = 0. Day d's visits all happen at t = d + 0.5 (the batch fidelity: one kernel call meets
the day's visits at the prices posted at that moment). Merchants reprice at t = phase + k x repricing_days:
equilibrium pricing posts a fresh draw from Stahl's F at the start of every period (phase 0); best
responses start from a random phase in [0, repricing_days), so merchants move one at a time; Q-learning
merchants (`qlearning.py`) all learn and choose at the start of every period. The per-visit fidelity
(`fidelity = "visit"`) replaces the midday batch by one arrival per visit, at its own moment.

When nothing feeds back into prices (equilibrium and fixed modes) the price paths are known in advance,
and the whole horizon runs as one kernel pass over blocks of days (`run_market`'s fast path, the same
draws in the same order, so the same tables bit for bit as the SimPy processes: tested). Best responses
and Q-learning read the visits, so they run as processes.

Differentiated goods (logit, no search) run as processes too: prices are fixed for the run by the logit-Bertrand
solvers of `sim.theory.io` (with merchant tools' adoption, self-preferencing, direct-to-manufacturer merchants'
lower costs, or, with a rival platform, against the mix of buyer segments), and each day's purchases are
multinomial draws.

Humans' reservation price: in equilibrium mode Stahl's rho (they know F); otherwise the optimal
reservation price against the day's posted prices (`sim.theory.search.reservation_price`), an assumption:
buyers learn the price distribution, not which merchant posts which price.

Random numbers, one named stream per feature, so switching one feature on never shifts another's draws:
"visits" (visits per day), "first_quote" (the merchant each buyer meets first), "buyer_type" (agent or
human; drawn only when agent_share > 0), "merchant_prices" (substream per merchant: equilibrium draws),
"repricing_phase" (substream per merchant), "qlearning" (substream per merchant: exploration),
"visit_times" (per-visit fidelity: arrival moments), "agent_first_proposal" (agents taking the first quote),
"logit_choice" (differentiated goods' purchases), "rival_home" (with a rival platform: humans' home platforms), "direct_service" (uses of the platform's own AI service,
per day), "service_contacts", "service_bot" and "service_handling" (the contact centre, `service.py`), "ads" (human visits shown an advertiser first), "agent_choice" (agents past their attention span whose
choice fails; drawn only when agents read more quotes than the span). Entry and exit (`[entry]`) draw nothing: an entrant's prices
come from its slot's "merchant_prices" substream, so the merchants listed throughout see the same draws.
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy
from numpy.typing import NDArray

from sim.core.rng import Streams
from sim.kernels.sampling import allocate_purchases, draw_shoppers
from sim.kernels.search import AGENT, AGENT_CHOOSING_AT_RANDOM, AGENT_TAKING_FIRST, HUMAN, PAID, PURCHASES, SEARCH_COSTS, \
    VISITS, replayed_profits, search_and_choose, search_days, search_one_visit
from sim.models.marketplace.config import MarketplaceScenario
from sim.models.marketplace.qlearning import QLearner, state_index
from sim.models.marketplace.service import run_contact_centre
from sim.theory import io, search

__all__ = ["MarketDays", "Marketplace", "logit_equilibrium_prices", "logit_profits_per_day", "tool_adopters",
           "merchant_unit_costs", "visit_frequency_multiplier", "logit_mean_price_paid", "rival_segments",
           "rival_equilibrium_prices", "run_market", "BLOCK_VISITS"]

#: visits met at one set of posted prices: (prices, humans' reservation price, buyer kinds, first-quote uniforms)
Segment = tuple[NDArray[np.float64], float, NDArray[np.int8], NDArray[np.float64]]

BLOCK_VISITS = 1 << 21  #: visits per kernel pass of the fast path (bounds its memory: ~20 MB of draws)


@dataclass(frozen=True)
class MarketDays:
    """What each day's visits did: prices posted (D, N), humans' reservation price (D,), units sold and
    revenue per merchant (D, N), totals per buyer type (D, 2, 5; `sim.kernels.search`), consumer surplus
    (D,), and the probe's profit difference (D,; nan without a probe)."""

    prices: NDArray[np.float64]
    reservation_price: NDArray[np.float64]
    sales: NDArray[np.int64]
    revenue: NDArray[np.float64]
    totals: NDArray[np.float64]
    consumer_surplus: NDArray[np.float64]
    probe_profit_difference: NDArray[np.float64]
    #: with entry and exit (`[entry]`): merchants listed (D,) and entry costs paid (D,) each day; prices,
    #: sales and revenue then have a column per merchant slot, prices nan where a slot is not listed
    listed: NDArray[np.int64] | None = None
    entry_costs: NDArray[np.float64] | None = None
    #: with ads (`[ads]`): human visits shown an advertiser first, each day (D,)
    ad_impressions: NDArray[np.int64] | None = None
    #: with a direct AI service (`[fees]`): its uses each day (D,)
    direct_service_uses: NDArray[np.int64] | None = None
    #: with the contact centre (`[service]`): per day of arrival, its counts and sums (D, `service.SERVICE_COLUMNS`)
    service: NDArray[np.float64] | None = None
    #: with merchant tools (`[tools]`): how many merchants use them
    tool_adopters: int | None = None
    #: back to basics (`[basics]`): visits per day relative to `market.visits_per_day`
    frequency_multiplier: float = 1.0
    #: with a rival platform (`[rival]`): the category's purchases on the rival each day (D,)
    rival_purchases: NDArray[np.int64] | None = None

    def after(self, first_day: int) -> "MarketDays":
        return MarketDays(self.prices[first_day:], self.reservation_price[first_day:], self.sales[first_day:],
                          self.revenue[first_day:], self.totals[first_day:], self.consumer_surplus[first_day:],
                          self.probe_profit_difference[first_day:],
                          None if self.listed is None else self.listed[first_day:],
                          None if self.entry_costs is None else self.entry_costs[first_day:],
                          None if self.ad_impressions is None else self.ad_impressions[first_day:],
                          None if self.direct_service_uses is None else self.direct_service_uses[first_day:],
                          None if self.service is None else self.service[first_day:], self.tool_adopters,
                          self.frequency_multiplier,
                          None if self.rival_purchases is None else self.rival_purchases[first_day:])


def merchant_unit_costs(config: MarketplaceScenario) -> NDArray[np.float64]:
    """Each merchant's cost of one unit sold (price units): `config.unit_cost`, less
    `basics.direct_cost_advantage` for the last `basics.direct_merchants` (direct from the manufacturer)."""
    n = config.market.merchants
    costs = np.full(n, config.unit_cost)
    direct = config.basics.direct_merchants
    if direct:
        costs[n - direct:] -= config.basics.direct_cost_advantage
    return costs


def visit_frequency_multiplier(config: MarketplaceScenario, mean_price_paid: float) -> float:
    """Visits per day relative to `market.visits_per_day`: (p / p_ref)^(-e_p) x (d / d_ref)^(-e_d), the
    constant-elasticity rule of `config.Basics` (1 with both elasticities 0)."""
    basics = config.basics
    multiplier = (basics.delivery_days / basics.reference_delivery_days) ** -basics.frequency_delivery_elasticity
    if basics.frequency_price_elasticity > 0.0:
        assert basics.reference_price is not None  # config validation
        multiplier *= (mean_price_paid / basics.reference_price) ** -basics.frequency_price_elasticity
    return multiplier


def logit_mean_price_paid(qualities: NDArray[np.float64], prices: NDArray[np.float64], alpha: float) -> float:
    """The purchase-weighted mean price under logit demand with an outside option: sum s_j p_j / sum s_j."""
    shares = io.static_shares(qualities, prices, [alpha], outside_option=True)
    return float(shares @ prices / shares.sum())


def rival_segments(config: MarketplaceScenario, qualities: NDArray[np.float64]
                   ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """With a rival platform (`[rival]`): the three buyer segments' mean utilities (3, N + N_rival) over this
    platform's goods (`qualities`) then the rival's, and their shares of visits: humans at home here (the
    switching cost on the rival's goods), humans at home on the rival (on this platform's goods), agents
    (multi-homing, no switching cost)."""
    rival, agents = config.rival, config.buyers.agent_share
    theirs = np.full(rival.merchants, config.market.quality if rival.quality is None else rival.quality)
    switching = rival.human_switching_cost
    utilities = np.array([np.concatenate((qualities, theirs - switching)),
                          np.concatenate((qualities - switching, theirs)),
                          np.concatenate((qualities, theirs))])
    weights = np.array([(1.0 - agents) * rival.human_home_share, (1.0 - agents) * (1.0 - rival.human_home_share),
                        agents])
    return utilities, weights


def rival_equilibrium_prices(config: MarketplaceScenario, choice_qualities: NDArray[np.float64]
                             ) -> NDArray[np.float64]:
    """Logit-Bertrand prices (N + N_rival,) of this platform's merchants then the rival's, against the mix
    of `rival_segments` (`sim.theory.io.segmented_logit_bertrand`), at effective costs c / (1 - t) and
    c / (1 - t_rival)."""
    market, rival = config.market, config.rival
    costs = np.concatenate((merchant_unit_costs(config) / (1.0 - market.take_rate),
                            np.full(rival.merchants, config.unit_cost / (1.0 - rival.take_rate))))
    utilities, weights = rival_segments(config, choice_qualities)
    return io.segmented_logit_bertrand(utilities, weights, costs, market.price_sensitivity)


def logit_equilibrium_prices(config: MarketplaceScenario, qualities: NDArray[np.float64] | None = None
                             ) -> NDArray[np.float64]:
    """Logit-Bertrand prices of N single-product merchants with an outside option (the shared solver in
    `sim.theory.io`), at each merchant's effective cost (unit cost) / (1 - t); `qualities`: the utilities
    buyers choose by, per merchant (default: all `market.quality`)."""
    market = config.market
    n = market.merchants
    equilibrium = io.bertrand_equilibrium(np.full(n, market.quality) if qualities is None else qualities,
                                          merchant_unit_costs(config) / (1.0 - market.take_rate),
                                          [market.price_sensitivity], outside_option=True)
    if not equilibrium.converged:
        raise RuntimeError(f"the logit-Bertrand solver did not converge: {equilibrium.message}")
    return equilibrium.prices


def tool_qualities(config: MarketplaceScenario, adopters: int) -> NDArray[np.float64]:
    """Each merchant's mean utility when merchants 0..adopters-1 use the tools."""
    market = config.market
    qualities = np.full(market.merchants, market.quality)
    qualities[:adopters] += config.tools.quality_gain
    return qualities


def choice_bonus(config: MarketplaceScenario) -> NDArray[np.float64] | None:
    """The utils the platform's ranking adds to each merchant's choice utility (`agent_market.self_preferencing`
    on merchant 0, the platform's own agent); None without self-preferencing."""
    if config.agent_market.self_preferencing == 0.0:
        return None
    bonus = np.zeros(config.market.merchants)
    bonus[0] = config.agent_market.self_preferencing
    return bonus


def logit_profits_per_day(config: MarketplaceScenario, adopters: int) -> NDArray[np.float64]:
    """Each merchant's expected profit per day at the logit-Bertrand prices with `adopters` tool users:
    visits per day x share x ((1 - t) p - unit cost), less the tools' cost for the adopters."""
    market = config.market
    qualities = tool_qualities(config, adopters)
    bonus = choice_bonus(config)
    if bonus is not None:
        qualities = qualities + bonus
    prices = logit_equilibrium_prices(config, qualities)
    shares = io.static_shares(qualities, prices, [market.price_sensitivity], outside_option=True)
    profit = market.visits_per_day * shares * ((1.0 - market.take_rate) * prices - merchant_unit_costs(config))
    profit[:adopters] -= config.tools.cost_per_listing_per_day
    return profit


def tool_adopters(config: MarketplaceScenario) -> int:
    """The smallest k at which no adopter gains by dropping the tools (merchant k-1 at k - 1 adopters) and
    no other merchant gains by adopting (merchant k at k + 1 adopters): the rule of `config.Tools`."""
    n = config.market.merchants
    profits = [logit_profits_per_day(config, k) for k in range(n + 1)]
    for k in range(n + 1):
        adopters_stay = k == 0 or profits[k][k - 1] >= profits[k - 1][k - 1]
        others_stay_out = k == n or profits[k][k] >= profits[k + 1][k]
        if adopters_stay and others_stay_out:
            return k
    raise RuntimeError("no adoption equilibrium of the merchant tools")  # symmetric logit: never reached


class Marketplace:
    """One replication's market: the draws, the posted prices, and the day-by-day outcomes."""

    def __init__(self, config: MarketplaceScenario, streams: Streams, days: int):
        self.config, self.streams, self.days = config, streams, days
        market, buyers, pricing = config.market, config.buyers, config.pricing
        n = market.merchants
        self.stahl = (search.stahl_equilibrium(n, buyers.agent_share, buyers.human_search_cost, market.valuation,
                                               market.effective_cost)
                      if market.goods == "homogeneous" else None)
        #: merchant tools (`[tools]`): how many adopt, and each listing's mean utility
        self.adopters = tool_adopters(config) if config.tools.on else None
        self.qualities = tool_qualities(config, self.adopters or 0)
        #: the agent market's self-preferencing: the ranking's bonus, and the utilities buyers choose by
        self.bonus = choice_bonus(config)
        self.choice_qualities = self.qualities if self.bonus is None else self.qualities + self.bonus
        #: the visits best responses replay: per day, its segments of visits met at one set of prices
        self.log: deque[list[Segment]] = deque(maxlen=pricing.observation_days)
        #: a rival platform (`[rival]`): its merchants' prices, and the category's purchases on it each day
        self.rival_prices: NDArray[np.float64] | None = None
        self.rival_purchases_per_day: list[int] = []
        if config.rival.on:
            both = rival_equilibrium_prices(config, self.choice_qualities)
            self.prices, self.rival_prices = both[:n], both[n:]
        else:
            self.prices = self.initial_prices()
        #: back to basics (`[basics]`): visits per day respond to the equilibrium's mean price and to delivery
        self.frequency_multiplier = (visit_frequency_multiplier(
            config, logit_mean_price_paid(self.choice_qualities, self.prices, market.price_sensitivity))
            if config.basics.frequency_on else 1.0)
        self.visits = draw_shoppers(streams["visits"], np.full(days, market.visits_per_day * self.frequency_multiplier),
                                    None)
        #: entry and exit: merchant slots, who is listed, in order of entry (last in, first out), the Stahl
        #: equilibrium at the number listed, and entry costs paid since the last day's visits
        self.entry_on = config.entry.review_days is not None
        self.slots = config.entry.max_merchants if self.entry_on else n
        self.entry_order = list(range(n))
        self.current_stahl = self.stahl
        self.entry_costs_due = 0.0
        self.listed_per_day: list[int] = []
        self.impressions_per_day: list[int] = []
        self.entry_costs_per_day: list[float] = []
        if self.entry_on:
            self.prices = np.full(self.slots, math.nan)
        self.sponsored: NDArray[np.bool_] | None = None
        self.rows: list[tuple[NDArray[np.float64], float, NDArray[np.int64], NDArray[np.float64],
                              NDArray[np.float64], float, float]] = []

    # --- prices ------------------------------------------------------------------------------------------

    def initial_prices(self) -> NDArray[np.float64]:
        market, pricing = self.config.market, self.config.pricing
        n = market.merchants
        if pricing.mode == "fixed":
            assert pricing.fixed_prices is not None  # config validation
            return np.resize(np.asarray(pricing.fixed_prices, dtype=np.float64), n)
        if pricing.mode == "equilibrium" and market.goods == "differentiated":
            tailored = self.adopters is not None or self.bonus is not None
            return logit_equilibrium_prices(self.config, self.choice_qualities if tailored else None)
        if pricing.mode == "best_response":
            return np.full(n, market.valuation if pricing.initial_price is None else pricing.initial_price)
        if pricing.mode == "qlearning":
            return np.full(n, market.valuation)
        return np.full(n, math.nan)  # equilibrium draws: posted at t = 0

    @property
    def equilibrium_draws(self) -> bool:
        return self.config.pricing.mode == "equilibrium" and self.stahl is not None

    def price_path(self, merchant: int) -> NDArray[np.float64]:
        """Merchant `merchant`'s equilibrium prices, one per repricing period over the horizon: draws from
        Stahl's F by inversion of its substream's uniforms."""
        assert self.stahl is not None
        periods = int(math.ceil(self.days / self.config.pricing.repricing_days))
        return search.stahl_quantile(self.streams.substream("merchant_prices", merchant).random(periods), self.stahl)

    def equilibrium_repricing(self, env: simpy.Environment, merchant: int) -> Generator[simpy.Event, Any, None]:
        """Merchant `merchant` posts the next draw of its equilibrium price path at the start of every period."""
        for price in self.price_path(merchant).tolist():
            self.prices[merchant] = price
            yield env.timeout(self.config.pricing.repricing_days)

    def listed_equilibrium_repricing(self, env: simpy.Environment, merchant: int
                                     ) -> Generator[simpy.Event, Any, None]:
        """With entry and exit: merchant slot `merchant` posts, at the start of every period while it is
        listed, the quantile of its substream's uniform for that period under Stahl's F at the number
        listed then (the same uniforms as `price_path`)."""
        for uniform in self.period_uniforms(merchant).tolist():
            if merchant in self.entry_order:
                self.prices[merchant] = self.equilibrium_price(uniform)
            yield env.timeout(self.config.pricing.repricing_days)

    def period_uniforms(self, merchant: int) -> NDArray[np.float64]:
        periods = int(math.ceil(self.days / self.config.pricing.repricing_days))
        return self.streams.substream("merchant_prices", merchant).random(periods)

    def equilibrium_price(self, uniform: float) -> float:
        assert self.current_stahl is not None
        return float(search.stahl_quantile(np.array([uniform]), self.current_stahl)[0])

    def stahl_at(self, merchants: int) -> search.StahlEquilibrium:
        market, buyers = self.config.market, self.config.buyers
        return search.stahl_equilibrium(merchants, buyers.agent_share, buyers.human_search_cost, market.valuation,
                                        market.effective_cost)

    def expected_profit_per_day(self, merchants: int) -> float:
        """A merchant's expected profit per day (net receipts less marginal costs) in Stahl's equilibrium
        with `merchants` listed: (1 - t) x visits per day x profit per buyer at the effective cost."""
        market = self.config.market
        return (1.0 - market.take_rate) * market.visits_per_day * self.stahl_at(merchants).profit_per_buyer

    def entry_and_exit_reviews(self, env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        """Every `entry.review_days`: one exit, if the mean realised profit per merchant-day over the last
        `window_days` days is below the listing cost, or else one entry, if an entrant expects to recover
        its entry cost (the rule of `config.Entry`)."""
        entry = self.config.entry
        assert entry.review_days is not None
        while True:
            yield env.timeout(entry.review_days)
            window = slice(max(0, len(self.rows) - entry.window_days), len(self.rows))
            merchant_days = sum(self.listed_per_day[window])
            if merchant_days == 0:
                continue
            profit = sum(float(self.merchant_profit(row[3], row[2]).sum()) for row in self.rows[window])
            listed = len(self.entry_order)
            if profit / merchant_days < entry.listing_cost_per_day and listed > 1:
                self.prices[self.entry_order.pop()] = math.nan
                self.current_stahl = self.stahl_at(listed - 1)
            elif listed < self.slots and ((self.expected_profit_per_day(listed + 1) - entry.listing_cost_per_day)
                                          * entry.entry_horizon_days > entry.entry_cost):
                newcomer = min(set(range(self.slots)) - set(self.entry_order))
                self.entry_order.append(newcomer)
                self.current_stahl = self.stahl_at(listed + 1)
                period = int(math.floor(env.now / self.config.pricing.repricing_days + 1e-9))
                uniforms = self.period_uniforms(newcomer)
                self.prices[newcomer] = self.equilibrium_price(float(uniforms[min(period, uniforms.size - 1)]))
                self.entry_costs_due += entry.entry_cost

    def best_response_repricing(self, env: simpy.Environment, merchant: int) -> Generator[simpy.Event, Any, None]:
        """Merchant `merchant` sets, every `repricing_days` from a random phase, the grid price that would
        have earned most on the logged visits of the last `observation_days` days (rivals' prices and the
        humans' reservation prices as logged; the lowest such price if several tie)."""
        pricing, market, buyers = self.config.pricing, self.config.market, self.config.buyers
        steps = int(math.floor((market.valuation - market.marginal_cost) / pricing.price_tick + 1e-9))
        candidates = market.marginal_cost + pricing.price_tick * np.arange(steps + 1, dtype=np.float64)
        yield env.timeout(float(self.streams.substream("repricing_phase", merchant).random()) * pricing.repricing_days)
        while True:
            segments = [segment for day in self.log for segment in day if segment[2].size]
            if segments:
                day_prices = np.array([segment[0] for segment in segments])
                reservation = np.array([segment[1] for segment in segments])
                offsets = np.concatenate(([0], np.cumsum([segment[2].size for segment in segments]))).astype(np.int64)
                profits = replayed_profits(candidates, merchant, day_prices, reservation, offsets,
                                           np.concatenate([segment[2] for segment in segments]),
                                           np.concatenate([segment[3] for segment in segments]), market.valuation,
                                           buyers.human_search_cost, buyers.agent_search_cost,
                                           self.consideration_set, self.agent_consideration_set, market.take_rate,
                                           market.marginal_cost)
                self.prices[merchant] = candidates[int(np.argmax(profits))]
            yield env.timeout(pricing.repricing_days)

    def qlearning_repricing(self, env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        """All merchants learn and choose simultaneously at the start of every period (Calvano et al. 2020;
        `qlearning.py`); the reward of a period is a merchant's profit per visit over its days."""
        pricing, market = self.config.pricing, self.config.market
        n, grid_size = market.merchants, pricing.qlearning_grid
        grid = np.linspace(market.marginal_cost, market.valuation, grid_size)
        learners = [QLearner(grid_size ** n, grid_size, pricing.learning_rate, pricing.discount,
                             pricing.exploration_decay) for _ in range(n)]
        generators = [self.streams.substream("qlearning", j) for j in range(n)]
        actions = np.full(n, grid_size - 1, dtype=np.int64)  # everyone starts at v
        state = state_index(actions, grid_size)
        rows_seen = 0
        while True:
            self.prices[:] = grid[actions]
            yield env.timeout(pricing.repricing_days)
            period_rows = self.rows[rows_seen:]
            rows_seen = len(self.rows)
            visits = sum(float(row[4][:, VISITS].sum()) for row in period_rows)
            revenue = sum((row[3] for row in period_rows), np.zeros(n))
            sales = sum((row[2] for row in period_rows), np.zeros(n))
            rewards = self.merchant_profit(revenue, sales) / max(visits, 1.0)
            new_actions = actions.copy()
            next_state = state_index(actions, grid_size)
            for j, learner in enumerate(learners):
                learner.learn(state, int(actions[j]), float(rewards[j]), next_state)
                explore, action = generators[j].random(2)
                new_actions[j] = learner.choose(next_state, float(explore), float(action))
            state, actions = next_state, new_actions

    # --- buyers ------------------------------------------------------------------------------------------

    @property
    def consideration_set(self) -> int:
        size, listed = self.config.buyers.human_consideration_set, len(self.entry_order)
        return listed if size is None else min(size, listed)

    @property
    def agent_consideration_set(self) -> int:
        size, listed = self.config.buyers.agent_consideration_set, len(self.entry_order)
        return listed if size is None else min(size, listed)

    def reservation_price(self, prices: NDArray[np.float64]) -> float:
        if self.equilibrium_draws:
            assert self.current_stahl is not None
            return self.current_stahl.reservation_price
        if self.stahl is None:
            return math.nan  # differentiated goods: no search
        return search.reservation_price(prices, self.config.buyers.human_search_cost, self.config.market.valuation)

    def draw_buyers(self, n_visits: int) -> tuple[NDArray[np.int8], NDArray[np.float64]]:
        """The next `n_visits` buyers' kinds (`sim.kernels.search`: human, agent, agent taking the first quote)
        and first-quote uniforms, drawn in visit order, so one draw of a block equals the day-by-day draws of
        its days. Each feature's stream is drawn only when the feature is on. With ads, the humans shown an
        advertiser first are flagged in `self.sponsored` (read by the caller to count impressions)."""
        buyer_kinds, starts = self.draw_kinds_and_starts(n_visits)
        self.sponsored = None
        ads = self.config.ads
        if ads.advertisers > 0:
            listed = len(self.entry_order)
            advertisers = min(ads.advertisers, listed)
            self.sponsored = (self.streams["ads"].random(n_visits) < ads.reach) & (buyer_kinds == HUMAN)
            # the advertiser floor(u k) from the visit's own first-quote uniform u; the kernel's first merchant
            # is floor(u' N) = that advertiser for u' = (advertiser + 0.5) / N
            chosen = np.floor(starts[self.sponsored] * advertisers)
            starts[self.sponsored] = (chosen + 0.5) / listed
        return buyer_kinds, starts

    def draw_kinds_and_starts(self, n_visits: int) -> tuple[NDArray[np.int8], NDArray[np.float64]]:
        starts = self.streams["first_quote"].random(n_visits)
        buyers = self.config.buyers
        buyer_kinds = np.full(n_visits, HUMAN, dtype=np.int8)
        if buyers.agent_share > 0.0:
            buyer_kinds[self.streams["buyer_type"].random(n_visits) < buyers.agent_share] = AGENT
        if buyers.agent_first_proposal_bias > 0.0:
            takes_first = self.streams["agent_first_proposal"].random(n_visits) < buyers.agent_first_proposal_bias
            buyer_kinds[takes_first & (buyer_kinds == AGENT)] = AGENT_TAKING_FIRST
        span = buyers.agent_attention_span
        quotes = self.agent_consideration_set
        if span is not None and quotes > span:
            # beyond its attention span an agent reading k quotes picks the cheapest with probability span / k
            fails = self.streams["agent_choice"].random(n_visits) >= span / quotes
            buyer_kinds[fails & (buyer_kinds == AGENT)] = AGENT_CHOOSING_AT_RANDOM
        return buyer_kinds, starts

    def visit_days(self, env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        """Each day at d + 0.5: that day's visits, met at the prices posted at that moment."""
        yield env.timeout(0.5)
        for day in range(self.days):
            buyer_kinds, starts = self.draw_buyers(int(self.visits[day]))
            self.count_impressions()
            prices = self.prices.copy()
            if self.rival_prices is not None:
                self.rows.append(self.rival_day(prices, buyer_kinds))
            elif self.stahl is None:
                self.rows.append(self.logit_day(prices, buyer_kinds))
            else:
                probe = self.config.probe
                if probe is not None:
                    prices[0] = probe.price
                reservation = self.reservation_price(prices)
                if self.entry_on:
                    self.rows.append(self.listed_day(prices, reservation, buyer_kinds, starts))
                    yield env.timeout(1.0)
                    continue
                self.log.append([(prices, reservation, buyer_kinds, starts)])
                outcome = search_days(prices[None, :], np.array([reservation]), np.array([0, starts.size]),
                                      buyer_kinds, starts, *self.search_arguments)
                self.rows.append(self.search_row(prices, reservation, outcome, buyer_kinds, starts))
            yield env.timeout(1.0)

    def visit_arrivals(self, env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        """The per-visit fidelity: day d's visits arrive one by one at d + the sorted uniforms of the
        "visit_times" stream (given the day's Poisson count, the epochs of a Poisson process are uniform
        order statistics), each meeting the prices posted at its own moment; a visit's search takes no
        time (assumption). The day's posted prices are recorded at d + 0.5, as in the batch fidelity."""
        buyers, market = self.config.buyers, self.config.market
        arguments = (market.valuation, buyers.human_search_cost, buyers.agent_search_cost, self.consideration_set,
                     self.agent_consideration_set)
        for day in range(self.days):
            n_visits = int(self.visits[day])
            buyer_kinds, starts = self.draw_buyers(n_visits)
            self.count_impressions()
            epochs = (day + np.sort(self.streams["visit_times"].random(n_visits))).tolist()
            sales = np.zeros(market.merchants, dtype=np.int64)
            revenue = np.zeros(market.merchants)
            totals = np.zeros((2, 5))
            segments: list[Segment] = []
            posted: NDArray[np.float64] | None = None
            first = 0
            prices = self.prices.copy()
            reservation = self.reservation_price(prices)
            for i, epoch in enumerate(epochs):
                if posted is None and epoch >= day + 0.5:
                    yield env.timeout(day + 0.5 - env.now)
                    posted = self.prices.copy()
                yield env.timeout(epoch - env.now)
                if not np.array_equal(prices, self.prices):  # a merchant repriced: a new segment of visits
                    segments.append((prices, reservation, buyer_kinds[first:i], starts[first:i]))
                    prices, first = self.prices.copy(), i
                    reservation = self.reservation_price(prices)
                search_one_visit(prices, buyer_kinds[i], starts[i], reservation, *arguments,
                                 sales, revenue, totals)
            segments.append((prices, reservation, buyer_kinds[first:], starts[first:]))
            if posted is None:
                yield env.timeout(day + 0.5 - env.now)
                posted = self.prices.copy()
            self.log.append(segments)
            self.rows.append((posted, self.reservation_price(posted), sales, revenue, totals,
                              float(self.search_surplus(totals)), math.nan))
            yield env.timeout(day + 1.0 - env.now)

    def count_impressions(self) -> None:
        if self.sponsored is not None:
            self.impressions_per_day.append(int(np.count_nonzero(self.sponsored)))

    @property
    def search_arguments(self) -> tuple[float, float, float, int, int]:
        buyers = self.config.buyers
        return (self.config.market.valuation, buyers.human_search_cost, buyers.agent_search_cost,
                self.consideration_set, self.agent_consideration_set)

    def search_row(self, prices, reservation, outcome, buyer_kinds, starts):
        sales, revenue, totals = (array[0] for array in outcome)
        probe = math.nan
        if self.config.probe is not None:
            reference = prices.copy()
            reference[0] = self.config.probe.reference_price
            ref_sales, ref_revenue, _ = search_and_choose(reference, buyer_kinds, starts, reservation,
                                                          *self.search_arguments)
            probe = self.merchant_profit(revenue[0], sales[0]) - self.merchant_profit(ref_revenue[0], ref_sales[0])
        return prices, reservation, sales, revenue, totals, self.search_surplus(totals), probe

    def listed_day(self, prices, reservation, buyer_kinds, starts):
        """A day's visits with entry and exit: the kernel meets the listed merchants (in slot order), its
        sales and revenue go back to their slots."""
        listed = np.sort(np.array(self.entry_order))
        outcome = search_days(prices[listed][None, :], np.array([reservation]), np.array([0, starts.size]),
                              buyer_kinds, starts, *self.search_arguments)
        sales, revenue = np.zeros(self.slots, dtype=np.int64), np.zeros(self.slots)
        sales[listed], revenue[listed] = outcome[0][0], outcome[1][0]
        totals = outcome[2][0]
        self.listed_per_day.append(listed.size)
        self.entry_costs_per_day.append(self.entry_costs_due)
        self.entry_costs_due = 0.0
        return prices, reservation, sales, revenue, totals, self.search_surplus(totals), math.nan

    def merchant_profit(self, revenue, sales):
        market = self.config.market
        return (1.0 - market.take_rate) * revenue - market.marginal_cost * sales

    def search_surplus(self, totals):
        """Consumers' surplus: v per purchase, minus prices and search costs paid (per day for (D, 2, 5))."""
        return (self.config.market.valuation * totals[..., PURCHASES].sum(axis=-1) - totals[..., PAID].sum(axis=-1)
                - totals[..., SEARCH_COSTS].sum(axis=-1))

    def logit_day(self, prices: NDArray[np.float64], buyer_kinds: NDArray[np.int8]):
        """Differentiated goods, no search: every buyer sees every price and chooses by logit (humans and
        agents alike; by the ranking's utilities with self-preferencing); expected consumer surplus per visit
        `sim.theory.io.logit_expected_utility` / alpha: ln(1 + sum_j exp(q_j - alpha p_j)) / alpha without
        self-preferencing (Small & Rosen 1981)."""
        market = self.config.market
        shares = io.static_shares(self.choice_qualities, prices, [market.price_sensitivity],
                                  outside_option=True)
        rng = self.streams["logit_choice"]
        n_agents = int(np.count_nonzero(buyer_kinds))
        visits = {HUMAN: buyer_kinds.size - n_agents, AGENT: n_agents}
        totals = np.zeros((2, 5))
        sales = np.zeros(prices.size, dtype=np.int64)
        for kind in (HUMAN, AGENT):
            bought = allocate_purchases(rng, visits[kind], shares)[:-1]
            totals[kind, VISITS], totals[kind, PURCHASES], totals[kind, PAID] = visits[kind], bought.sum(), bought @ prices
            sales += bought
        inclusive = io.logit_expected_utility(self.qualities, prices, market.price_sensitivity, self.bonus)
        surplus = buyer_kinds.size * inclusive / market.price_sensitivity
        return prices, math.nan, sales, sales * prices, totals, surplus, math.nan

    def rival_day(self, prices: NDArray[np.float64], buyer_kinds: NDArray[np.int8]):
        """A day with a rival platform (`config.Rival`): the humans' home platforms ("rival_home"), then each
        segment's purchases by logit over both platforms' goods ("logit_choice": humans at home here, humans
        at home on the rival, agents); this platform's sales and totals count its own purchases, visits
        count the whole category. Consumer surplus: each segment's `sim.theory.io.logit_expected_utility`
        (the switching cost experienced, the ranking's bonus not) / alpha, per visit."""
        assert self.rival_prices is not None
        market, rival = self.config.market, self.config.rival
        n, alpha = prices.size, market.price_sensitivity
        both = np.concatenate((prices, self.rival_prices))
        chosen, _ = rival_segments(self.config, self.choice_qualities)
        experienced, _ = rival_segments(self.config, self.qualities)
        bonus = None if self.bonus is None else np.concatenate((self.bonus, np.zeros(rival.merchants)))
        n_agents = int(np.count_nonzero(buyer_kinds))
        n_humans = buyer_kinds.size - n_agents
        at_home = int(self.streams["rival_home"].binomial(n_humans, rival.human_home_share))
        rng = self.streams["logit_choice"]
        totals = np.zeros((2, 5))
        sales = np.zeros(n, dtype=np.int64)
        on_rival, surplus = 0, 0.0
        for segment, (kind, visits) in enumerate(((HUMAN, at_home), (HUMAN, n_humans - at_home), (AGENT, n_agents))):
            shares = io.static_shares(chosen[segment], both, [alpha], outside_option=True)
            bought = allocate_purchases(rng, visits, shares)[:-1]
            ours = bought[:n]
            totals[kind, VISITS] += visits
            totals[kind, PURCHASES] += ours.sum()
            totals[kind, PAID] += ours @ prices
            sales += ours
            on_rival += int(bought[n:].sum())
            surplus += visits * io.logit_expected_utility(experienced[segment], both, alpha, bonus) / alpha
        self.rival_purchases_per_day.append(on_rival)
        return prices, math.nan, sales, sales * prices, totals, surplus, math.nan

    def collected(self) -> MarketDays:
        prices, reservation, sales, revenue, totals, surplus, probe = zip(*self.rows)
        days = MarketDays(np.array(prices), np.array(reservation), np.array(sales, dtype=np.int64),
                          np.array(revenue), np.array(totals), np.array(surplus), np.array(probe))
        if self.config.ads.advertisers > 0:
            days = dataclasses.replace(days, ad_impressions=np.array(self.impressions_per_day, dtype=np.int64))
        if self.adopters is not None:
            days = dataclasses.replace(days, tool_adopters=self.adopters)
        if self.rival_prices is not None:
            days = dataclasses.replace(days, rival_purchases=np.array(self.rival_purchases_per_day, dtype=np.int64))
        if self.frequency_multiplier != 1.0:
            days = dataclasses.replace(days, frequency_multiplier=self.frequency_multiplier)
        if not self.entry_on:
            return days
        return dataclasses.replace(days, listed=np.array(self.listed_per_day, dtype=np.int64),
                                   entry_costs=np.array(self.entry_costs_per_day))

    # --- the fast path -----------------------------------------------------------------------------------

    def run_ahead(self) -> MarketDays:
        """Equilibrium or fixed pricing of homogeneous goods: the price paths in advance, then the days in
        blocks of about `BLOCK_VISITS` visits through one kernel call each."""
        n = self.config.market.merchants
        if self.equilibrium_draws:
            period = np.floor((np.arange(self.days) + 0.5) / self.config.pricing.repricing_days).astype(np.int64)
            prices = np.column_stack([self.price_path(j)[period] for j in range(n)])
        else:
            prices = np.tile(self.prices, (self.days, 1))
        probe = self.config.probe
        if probe is not None:
            prices[:, 0] = probe.price
        reservation = np.array([self.reservation_price(p) for p in prices]) if not self.equilibrium_draws \
            else np.full(self.days, self.reservation_price(prices[0]))
        parts = []
        offsets = np.concatenate(([0], np.cumsum(self.visits))).astype(np.int64)
        first = 0
        while first < self.days:
            last = int(np.searchsorted(offsets, offsets[first] + BLOCK_VISITS, side="right")) - 1
            last = min(max(last, first + 1), self.days)
            buyer_kinds, starts = self.draw_buyers(int(offsets[last] - offsets[first]))
            block_offsets = offsets[first:last + 1] - offsets[first]
            if self.sponsored is not None:
                shown = np.concatenate(([0], np.cumsum(self.sponsored)))[block_offsets]
                self.impressions_per_day.extend(np.diff(shown).tolist())
            outcome = search_days(prices[first:last], reservation[first:last], block_offsets, buyer_kinds, starts,
                                  *self.search_arguments)
            difference = np.full(last - first, math.nan)
            if probe is not None:
                reference = prices[first:last].copy()
                reference[:, 0] = probe.reference_price
                ref_sales, ref_revenue, _ = search_days(reference, reservation[first:last], block_offsets, buyer_kinds,
                                                        starts, *self.search_arguments)
                difference = (self.merchant_profit(outcome[1][:, 0], outcome[0][:, 0])
                              - self.merchant_profit(ref_revenue[:, 0], ref_sales[:, 0]))
            parts.append((*outcome, difference))
            first = last
        sales, revenue, totals, difference = (np.concatenate(columns) for columns in zip(*parts))
        impressions = np.array(self.impressions_per_day, dtype=np.int64) if self.config.ads.advertisers > 0 else None
        return MarketDays(prices, reservation, sales, revenue, totals, self.search_surplus(totals), difference,
                          ad_impressions=impressions)


def run_market(config: MarketplaceScenario, streams: Streams, processes: bool | None = None) -> MarketDays:
    """Run the market over the horizon (whole days), at the config's fidelity. `processes`: run the batch
    fidelity's SimPy processes even where the prices are known in advance (None: only where they must, i.e.
    best responses and differentiated goods)."""
    days = max(1, int(math.ceil(config.run.horizon_days - 1e-9)))
    market = Marketplace(config, streams, days)
    pricing = config.pricing
    per_visit = config.fidelity == "visit"
    if processes is None:
        processes = per_visit or pricing.mode in ("best_response", "qlearning") or market.stahl is None
    if not processes and not market.entry_on:
        return with_services(config, streams, market.run_ahead())
    env = simpy.Environment()
    env.process(market.visit_arrivals(env) if per_visit else market.visit_days(env))
    if market.entry_on:
        for merchant in range(market.slots):
            env.process(market.listed_equilibrium_repricing(env, merchant))
        env.process(market.entry_and_exit_reviews(env))
    elif market.equilibrium_draws:
        for merchant in range(config.market.merchants):
            env.process(market.equilibrium_repricing(env, merchant))
    elif pricing.mode == "best_response":
        for merchant in range(config.market.merchants):
            env.process(market.best_response_repricing(env, merchant))
    elif pricing.mode == "qlearning":
        env.process(market.qlearning_repricing(env))
    env.run(until=float(days))
    return with_services(config, streams, market.collected())


def with_services(config: MarketplaceScenario, streams: Streams, days: MarketDays) -> MarketDays:
    """The platform's services around the market's days. The direct AI service: of each day's visits, each
    buys a use with probability `fees.direct_service_uptake` (binomial, "direct_service" stream; drawn only
    when the uptake is > 0). The contact centre (`service.py`), fed by each day's orders, when `[service]` is on."""
    uptake = config.fees.direct_service_uptake
    if uptake > 0.0:
        visits = days.totals[:, :, VISITS].sum(axis=1).astype(np.int64)
        days = dataclasses.replace(days, direct_service_uses=streams["direct_service"].binomial(visits, uptake))
    if config.service.on:
        orders = days.totals[:, :, PURCHASES].sum(axis=1).astype(np.int64)
        days = dataclasses.replace(days, service=run_contact_centre(config.service, orders, streams))
    return days
