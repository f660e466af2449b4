"""Scenario schema of the marketplace model: buyers who search (humans at a cost, AI agents at almost none),
merchants who post prices, a platform that takes a share of every sale.

Units: prices, costs, search costs and money are in price units, the buyers' valuation v setting the scale
(v = 1 is the usual normalisation, an assumption of every scenario that uses it); time in days; shares in
[0, 1]. One visit is one buyer with unit demand.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.core.config import FiniteFloat, NonNegative, Positive, Probability, ScenarioConfig, StrictModel

__all__ = ["Market", "Buyers", "Pricing", "Probe", "Entry", "Ads", "Fees", "Service", "Tools", "AgentMarket", "Basics", "Rival",
           "MarketplaceScenario"]

PricingMode = Literal["equilibrium", "fixed", "best_response", "qlearning"]


class Market(StrictModel):
    """N merchants selling one good (homogeneous: buyers search on price; differentiated: logit demand with
    no search frictions) to `visits_per_day` buyers (Poisson) on a platform that keeps `take_rate` of each
    sale's price."""

    merchants: int = Field(ge=1, le=10_000, description="N, merchants listing the good")
    #: the caps on valuation, search costs and visits are modelling limits far above any scenario (assumption);
    #: they keep every price, surplus and daily Poisson draw finite
    valuation: Positive = Field(le=1_000_000, description="v, each buyer's value of one unit (price units), "
                                                          "at most 1e6")
    marginal_cost: NonNegative = Field(default=0.0,
        description="c, each merchant's cost of one unit sold (price units)")
    visits_per_day: Positive = Field(le=10_000_000, description="buyer visits a day (Poisson mean), at most 1e7")
    take_rate: FiniteFloat = Field(default=0.0, ge=0.0, lt=1.0, description="platform's share of each price")
    goods: Literal["homogeneous", "differentiated"] = "homogeneous"
    #: differentiated goods: utility quality - price_sensitivity x price + logit error, outside option 0
    quality: FiniteFloat = Field(default=0.0, ge=-700.0, le=700.0, description=(
        "differentiated goods: each good's mean utility (utils), in [-700, 700] (exp overflows past 709)"))
    price_sensitivity: Positive = Field(default=1.0, description="differentiated goods: utils lost per price unit")

    @model_validator(mode="after")
    def _cost_below_value(self) -> "Market":
        if self.marginal_cost >= (1.0 - self.take_rate) * self.valuation:
            raise ValueError(f"marginal_cost must be below (1 - take_rate) x valuation = "
                             f"{(1.0 - self.take_rate) * self.valuation:g}: no sale could cover it "
                             f"(got {self.marginal_cost:g})")
        return self

    @property
    def effective_cost(self) -> float:
        """c / (1 - t): the price at which a sale just covers cost and the platform's cut; merchants price
        as if this were their marginal cost, since (1 - t) p - c = (1 - t)(p - c / (1 - t))."""
        return self.marginal_cost / (1.0 - self.take_rate)


class Buyers(StrictModel):
    """A share `agent_share` of visits are AI buyer agents, who read the quotes of the first
    `agent_consideration_set` merchants they meet (None: all of them; fewer is a position bias, Bansal et al.
    2025) at `agent_search_cost` each beyond the first; humans get the first quote free, pay
    `human_search_cost` per further quote, and stop after `human_consideration_set` merchants (None: all)."""

    agent_share: Probability = 0.0
    #: the growth KPIs' denominator (`purchases_per_buyer_year`, `active_buyers`); visits per buyer-day are
    #: visits_per_day / population; None: those KPIs are nan
    population: Positive | None = Field(default=None, le=10_000_000_000,
        description="buyers on the platform (count), at most 1e10")
    human_search_cost: NonNegative = Field(le=1_000_000, description=(
        "s, price units a human pays per quote after the first, at most 1e6"))
    agent_search_cost: NonNegative = Field(default=0.0, le=1_000_000,
        description="price units an agent pays per quote after the first, at most 1e6")
    human_consideration_set: int | None = Field(default=None, ge=1,
        description="merchants a human reads at most (count)")
    agent_consideration_set: int | None = Field(default=None, ge=1,
        description="merchants an agent reads at most (count)")
    #: the share of agents who take the first quote they read (if it is at most v) without reading others: the
    #: first-proposal bias of language-model buyer agents (Bansal et al. 2025, docs/sources.md); 0 in part 1's
    #: scenarios (assumption)
    agent_first_proposal_bias: Probability = Field(default=0.0,
        description="share of agents taking the first acceptable quote")
    #: the form is an assumption: an agent that reads k quotes, more than its span K, picks the cheapest with
    #: probability K / k and otherwise a quote drawn uniformly among those it read (buying if it is <= v);
    #: Bansal et al. 2025 (docs/sources.md) find welfare falls as the consideration set grows; None: never degrades
    agent_attention_span: int | None = Field(default=None, ge=1,
        description="quotes an agent compares reliably (count); beyond it its choice degrades")


class Probe(StrictModel):
    """A deviation probe (the equilibrium check): merchant 0 posts `price` every day while the others follow
    the pricing mode; the same visits are replayed with merchant 0 at `reference_price` (common random
    numbers), and the profit difference per visit is reported."""

    price: NonNegative = Field(description="merchant 0's probe price (price units)")
    reference_price: NonNegative = Field(description="the price it is compared with (price units)")


class Pricing(StrictModel):
    """How merchants set prices. `equilibrium`: homogeneous goods, each merchant redraws its price each day
    from Stahl's (1989) distribution; differentiated goods, the logit-Bertrand prices. `fixed`:
    `fixed_prices`, one per merchant (or one for all). `best_response`: every `repricing_days` (from a
    random phase) a merchant sets the price on the tick grid c, c + tick, ..., <= v that maximises its
    profit on the visits of the last `observation_days` replayed against its candidate price."""

    mode: PricingMode = "equilibrium"
    fixed_prices: list[NonNegative] | None = Field(default=None,
        description="fixed mode: price per merchant (price units)")
    repricing_days: Positive = 1.0
    price_tick: Positive = Field(default=0.01, description="step of the price grid (price units)")
    observation_days: int = Field(default=1, ge=1, le=365)
    initial_price: NonNegative | None = Field(default=None,
        description="best_response: starting price, price units (default v)")
    record_prices: bool = False  # write the `prices` table: every merchant's posted price on every day
    #: qlearning (Calvano et al. 2020; `sim.models.marketplace.qlearning`): prices on `qlearning_grid` points from
    #: c to v, learning rate alpha, discount delta per period, exploration exp(-beta t) (all assumptions;
    #: Calvano's baseline is alpha 0.15, delta 0.95, beta 4e-6 per period with 15 prices)
    qlearning_grid: int = Field(default=15, ge=2, le=101, description="qlearning: prices on the grid (count)")
    learning_rate: FiniteFloat = Field(default=0.15, gt=0.0, le=1.0,
        description="qlearning: alpha, weight of a new reward")
    discount: FiniteFloat = Field(default=0.95, ge=0.0, lt=1.0, description="qlearning: delta, discount per period")
    exploration_decay: Positive = Field(default=2e-4,
        description="qlearning: beta, exploration exp(-beta t) per period")


class Entry(StrictModel):
    """Merchants' entry and exit by profit, reviewed every `review_days` (None, the default: N is fixed at
    `market.merchants`). At a review, with N merchants listed:

    - exit: if the merchants' mean realised profit per merchant-day over the last `window_days` days (net
      receipts minus marginal costs) is below `listing_cost_per_day`, the most recent entrant leaves (last
      in, first out); N never falls below 1;
    - entry, if nobody left: a potential entrant joins when its expected profit per day at N + 1, from
      Stahl's closed form (it knows the equilibrium, as the incumbents do who price by it), less the listing
      cost per day, over `entry_horizon_days` exceeds `entry_cost`; N never exceeds `max_merchants`.

    At most one merchant moves per review (assumption). Merchants price by the equilibrium at the N listed
    when they reprice; an entrant posts its first price on entry. The listing cost (the merchant's own cost
    of keeping a shop, not paid to the platform) and entry costs are counted in merchants' profit. Equilibrium
    pricing of homogeneous goods only. The rule draws no random numbers."""

    review_days: Positive | None = Field(default=None, le=36_500,
        description="days between reviews, at most 36,500 (None: N fixed)")
    listing_cost_per_day: NonNegative = Field(default=0.0, le=1_000_000_000,
        description="each listed merchant's fixed cost, price units per merchant-day, at most 1e9")
    entry_cost: NonNegative = Field(default=0.0, le=1_000_000_000,
        description="one-off cost of entering, price units, at most 1e9")
    entry_horizon_days: Positive = Field(default=365.0, le=36_500,
        description="days over which an entrant expects to recover its entry cost, at most 36,500 (assumption)")
    window_days: int = Field(default=30, ge=1, le=3650, description="days of realised profit an exit review reads")
    max_merchants: int = Field(default=100, ge=1, le=10_000, description="merchants listed at most (count)")


class Ads(StrictModel):
    """Sponsored placement shown to humans (homogeneous goods). The first `advertisers` merchants listed buy
    the ad slot: a share `reach` of human visits (assumption: those who click the ad rather than an organic
    listing) get their first quote from an advertiser (uniform among them) and search on from there in the
    usual order; the rest start where they would have. AI agents ignore ads. Each human visit shown an ad
    first costs its advertiser `price_per_impression`, paid to the platform. Off by default (0 advertisers);
    the "ads" stream is drawn only when on."""

    advertisers: int = Field(default=0, ge=0, le=10_000, description="merchants buying the ad slot (count)")
    reach: Probability = Field(default=1.0, description="share of human visits shown an advertiser first")
    price_per_impression: NonNegative = Field(default=0.0, le=1_000_000_000,
        description="what an advertiser pays the platform per human visit shown its ad first (price units, "
                    "at most 1e9)")


class Fees(StrictModel):
    """The platform's revenue beyond the take rate and ads (GenAI platforms, part 2). Off by default (every
    value 0); the "direct_service" stream is drawn only when `direct_service_uptake` > 0.

    - Agent access: `agent_access_fee_per_visit` (price units) for every AI-agent visit, paid by
      `agent_access_fee_payer`: "buyer" (the agent's principal, on top of any price; a sunk cost of the visit,
      so it moves no choice: consumer surplus falls by it) or "merchants" (a levy on the merchants listed that
      day, shared equally: it does not depend on a merchant's own price, so it moves no price; merchants'
      profit falls by it).
    - A first-party direct AI service beside the marketplace (an assistant sold by the platform itself): each
      visit also buys one use with probability `direct_service_uptake` (assumption: independent of the visit's
      shopping), at `direct_service_price_per_use`, costing the platform `direct_service_cost_per_use`
      (inference). Its value to buyers is not modelled: consumer surplus leaves it out (assumption)."""

    agent_access_fee_per_visit: NonNegative = Field(default=0.0, le=1_000_000,
        description="price units per AI-agent visit, paid to the platform, at most 1e6")
    agent_access_fee_payer: Literal["buyer", "merchants"] = "buyer"
    direct_service_uptake: Probability = Field(default=0.0,
        description="share of visits that also buy one use of the platform's own AI service")
    direct_service_price_per_use: NonNegative = Field(default=0.0, le=1_000_000,
        description="what a buyer pays the platform per use of its direct AI service (price units), at most 1e6")
    direct_service_cost_per_use: NonNegative = Field(default=0.0, le=1_000_000,
        description="the platform's inference cost per use of its direct AI service (price units), at most 1e6")


class Service(StrictModel):
    """AI 1.0 customer service: the contact centre behind the orders. Off by default (no contacts).

    Each order makes at most one contact (assumption: repeat contacts are not modelled), with probability
    `contact_share_per_order` + `extra_contact_share_per_late_order` x `late_delivery_share` (at most 1).
    The late-delivery share is a parameter (a logistics run's output may be written into the scenario; no
    model reads another at run time). Day d's contacts arrive uniformly over [d + 0.5, d + 1.5), after its
    orders at d + 0.5 (so with Poisson orders they form a Poisson process). A bot resolves each contact with
    probability `bot_resolution_share` at `bot_cost_per_contact`; the rest queue first come first served for
    `human_agents` agents (the monitored queue, `sim.core.queue`), exponential handling times of mean
    `handling_minutes`; agents cost `human_agent_cost_per_hour` each, for every hour of the horizon.
    Streams: "service_contacts", "service_bot", "service_handling"."""

    contact_share_per_order: Probability = Field(default=0.0,
        description="contacts per order when no delivery is late (share of orders, at most 1)")
    extra_contact_share_per_late_order: Probability = Field(default=0.0,
        description="extra contacts per late order (share, at most 1)")
    late_delivery_share: Probability = Field(default=0.0, description="share of orders delivered late")
    bot_resolution_share: Probability = Field(default=0.0, description="r, share of contacts the bot resolves")
    bot_cost_per_contact: NonNegative = Field(default=0.0, le=1_000_000,
        description="price units per contact the bot resolves, at most 1e6")
    human_agents: int = Field(default=1, ge=1, le=100_000, description="c, human agents on duty (count)")
    handling_minutes: Positive = Field(default=6.0, le=10_000,
        description="mean handling time of a human-handled contact (minutes, exponential), at most 10,000")
    human_agent_cost_per_hour: NonNegative = Field(default=0.0, le=1_000_000,
        description="price units per agent-hour on duty, at most 1e6")

    @property
    def contact_probability(self) -> float:
        """Contacts per order: the no-late share plus the late orders' extra."""
        return self.contact_share_per_order + self.extra_contact_share_per_late_order * self.late_delivery_share

    @property
    def on(self) -> bool:
        return self.contact_probability > 0.0

    @model_validator(mode="after")
    def _at_most_one_contact(self) -> "Service":
        if self.contact_probability > 1.0:
            raise ValueError(f"contact_share_per_order + extra_contact_share_per_late_order x late_delivery_share "
                             f"must be at most 1: one contact per order at most (got {self.contact_probability:g})")
        return self


class Tools(StrictModel):
    """AI 1.0 merchant tools (differentiated goods, equilibrium pricing): a merchant using them adds
    `quality_gain` utils to its listing's mean utility at `cost_per_listing_per_day` (the merchant's own cost:
    the platform's tools are free, the seed's Double 11 tools; the cost is the merchant's time and content
    work, assumption). Adoption is a Nash equilibrium of a two-stage game, solved once before the run:
    merchants choose whether to adopt, then price by logit-Bertrand; the number adopting is the smallest k at
    which no adopter gains by dropping the tools and no other merchant gains by adopting (profit per day at
    the stage-2 prices). Merchants 0..k-1 adopt. Off by default (gain 0); draws no random numbers."""

    quality_gain: NonNegative = Field(default=0.0, le=700.0, description="utils added to an adopter's listing")
    cost_per_listing_per_day: NonNegative = Field(default=0.0, le=1_000_000_000,
        description="an adopter's cost of the tools, price units per merchant-day, at most 1e9")

    @property
    def on(self) -> bool:
        return self.quality_gain > 0.0


class AgentMarket(StrictModel):
    """The DingTalk agent market (differentiated goods, equilibrium pricing): the goods are AI agents, with no
    shipping; each use costs its seller inference, `api_price_per_million_tokens` x `million_tokens_per_use`
    (price units), on top of `market.marginal_cost` (so the cloud's API price cut can be swept here). Merchant
    0 is the platform's own agent; `self_preferencing` (utils) ranks it up: buyers choose as if its utility
    were that much higher, but do not experience the bonus (consumer surplus by
    `sim.theory.io.logit_expected_utility` with a choice bonus), and merchants price knowing it. Off by
    default (all 0)."""

    api_price_per_million_tokens: NonNegative = Field(default=0.0, le=1_000_000,
        description="the model-API price, price units per million tokens, at most 1e6")
    million_tokens_per_use: NonNegative = Field(default=0.0, le=1_000_000,
        description="tokens one use of an agent consumes (millions), at most 1e6")
    self_preferencing: NonNegative = Field(default=0.0, le=700.0,
        description="utils the platform's ranking adds to its own agent's (merchant 0's) choice utility")

    @property
    def inference_cost_per_use(self) -> float:
        return self.api_price_per_million_tokens * self.million_tokens_per_use

    @property
    def on(self) -> bool:
        return self.inference_cost_per_use > 0.0 or self.self_preferencing > 0.0


class Basics(StrictModel):
    """"Back to basics" (differentiated goods, equilibrium pricing): more merchants (`market.merchants`),
    direct-to-manufacturer merchants with a cost advantage, and purchase frequency that responds to price and
    delivery. Off by default.

    - The last `direct_merchants` merchants sell direct from the manufacturer: their unit cost is
      `direct_cost_advantage` (price units) below the others' (no middleman's margin); merchants price by
      logit-Bertrand with these asymmetric costs.
    - Visits per day are `market.visits_per_day` x (p / `reference_price`)^(-`frequency_price_elasticity`) x
      (`delivery_days` / `reference_delivery_days`)^(-`frequency_delivery_elasticity`), p the mean price paid
      at the equilibrium prices (purchase-share weighted), fixed before the run (constant elasticities:
      assumption; `market.visits_per_day` is the frequency at the reference price and delivery). Elasticities
      0 (the default) leave the visits as they were, draw for draw. Merchant tools' adoption (`[tools]`) is
      decided at `market.visits_per_day` (assumption: it would otherwise depend on itself through prices).

    Growth KPIs need `buyers.population` (buyers on the platform): purchases per buyer-year and active buyers."""

    direct_merchants: int = Field(default=0, ge=0, le=10_000,
        description="merchants selling direct from the manufacturer (count; the last ones listed)")
    direct_cost_advantage: NonNegative = Field(default=0.0, le=1_000_000,
        description="how much lower a direct merchant's unit cost is (price units)")
    frequency_price_elasticity: NonNegative = Field(default=0.0, le=100.0,
        description="elasticity of visits per day to the mean price paid (positive: fewer visits when dearer)")
    reference_price: Positive | None = Field(default=None, le=1_000_000,
        description="the mean price paid at which visits are market.visits_per_day (price units)")
    frequency_delivery_elasticity: NonNegative = Field(default=0.0, le=100.0,
        description="elasticity of visits per day to delivery days (positive: fewer visits when slower)")
    delivery_days: Positive = Field(default=1.0, le=365.0, description="days from order to delivery")
    reference_delivery_days: Positive = Field(default=1.0, le=365.0,
        description="the delivery days at which visits are market.visits_per_day")

    @property
    def frequency_on(self) -> bool:
        return self.frequency_price_elasticity > 0.0 or self.frequency_delivery_elasticity > 0.0

    @property
    def on(self) -> bool:
        return self.direct_merchants > 0 or self.frequency_on


class Rival(StrictModel):
    """A rival platform (JD-like; differentiated goods, equilibrium pricing). `merchants` more merchants sell
    on it, at its take rate `take_rate`, goods of mean utility `quality` (None: `market.quality`) and the
    unit cost of this platform's merchants (`market.marginal_cost`, plus inference in `[agent_market]`).
    `market.visits_per_day` then counts the category's buyers on both platforms.

    - Humans single-home: a share `human_home_share` of human visits have this platform as their home, the
      rest the rival (stream "rival_home", binomial per day); a human buys on one platform per visit and pays
      `human_switching_cost` utils (experienced: it lowers consumer surplus) to buy away from home.
    - AI agents multi-home: they compare every good on both platforms at no cost.
    - Merchants on both platforms price by logit-Bertrand against the mix of the three segments (humans at
      home here, humans at home on the rival, agents; `sim.theory.io.segmented_logit_bertrand`), at their
      effective costs c / (1 - t) and c / (1 - t_rival); self-preferencing (`[agent_market]`) ranks this
      platform's merchant 0 up for every buyer.

    Moat KPIs: the single-homing share (1 - the multi-homing share: agents') and this platform's share of
    the category's purchases; the share lost when the rival cuts `take_rate` by a point is `sim compare`
    against the same scenario with `rival.take_rate` 0.01 lower (common random numbers; the model's paired
    report). Off by default (0 merchants); not combined with `[tools]` or `[basics]` (their equilibria
    ignore the rival)."""

    merchants: int = Field(default=0, ge=0, le=10_000, description="merchants on the rival platform (count)")
    take_rate: FiniteFloat = Field(default=0.0, ge=0.0, lt=1.0, description="the rival's share of each price")
    quality: FiniteFloat | None = Field(default=None, ge=-700.0, le=700.0,
        description="mean utility of a good on the rival (utils; None: market.quality)")
    human_home_share: Probability = Field(default=0.5,
        description="share of human visits whose home platform is this one")
    human_switching_cost: NonNegative = Field(default=0.0, le=700.0,
        description="utils a human pays to buy on the platform that is not its home")

    @property
    def on(self) -> bool:
        return self.merchants > 0


class MarketplaceScenario(ScenarioConfig):
    """`fidelity`: "batch" meets each day's visits at once, at midday, through the numba kernel; "visit" is
    the per-visit SimPy reference (each visit at its own moment, at the prices posted then; homogeneous goods,
    no probe)."""

    market: Market
    buyers: Buyers
    pricing: Pricing = Pricing()
    probe: Probe | None = None
    fidelity: Literal["batch", "visit"] = "batch"
    entry: Entry = Entry()
    ads: Ads = Ads()
    fees: Fees = Fees()
    service: Service = Service()
    tools: Tools = Tools()
    agent_market: AgentMarket = AgentMarket()
    basics: Basics = Basics()
    rival: Rival = Rival()

    @property
    def unit_cost(self) -> float:
        """Each merchant's cost of one unit sold (price units): `market.marginal_cost` plus an agent's inference
        cost per use (`[agent_market]`; 0 without it)."""
        return self.market.marginal_cost + self.agent_market.inference_cost_per_use

    @property
    def effective_cost(self) -> float:
        """unit_cost / (1 - t): the price at which a sale just covers cost and the platform's cut."""
        return self.unit_cost / (1.0 - self.market.take_rate)

    @model_validator(mode="after")
    def _consistent(self) -> "MarketplaceScenario":
        market, pricing = self.market, self.pricing
        if market.goods == "differentiated":
            if pricing.mode == "equilibrium" and self.buyers.human_search_cost > 0.0:
                raise ValueError(
                    f"buyers.human_search_cost must be 0 in equilibrium mode with differentiated goods: no "
                    f"equilibrium with both is solved (got {self.buyers.human_search_cost:g})")
            if pricing.mode in ("best_response", "qlearning"):
                raise ValueError(f"pricing.mode {pricing.mode} is for homogeneous goods (market.goods)")
            if self.probe is not None:
                raise ValueError("probe is for homogeneous goods (market.goods)")
        if pricing.mode == "fixed":
            if pricing.fixed_prices is None:
                raise ValueError("pricing.fixed_prices is required in fixed mode (one price, or one per merchant)")
            if len(pricing.fixed_prices) not in (1, market.merchants):
                raise ValueError(f"pricing.fixed_prices must hold 1 or market.merchants = {market.merchants} prices "
                                 f"(got {len(pricing.fixed_prices)})")
        if self.fidelity == "visit" and (market.goods != "homogeneous" or self.probe is not None):
            raise ValueError("fidelity visit is for homogeneous goods without a probe (market.goods, probe)")
        if pricing.mode == "qlearning" and pricing.qlearning_grid ** (market.merchants + 1) > 10_000_000:
            raise ValueError(f"pricing.qlearning_grid ** (market.merchants + 1) must stay below 10,000,000 (the Q "
                             f"tables' size; got {pricing.qlearning_grid} and {market.merchants} merchants)")
        if self.probe is not None and market.merchants < 2:
            raise ValueError("probe needs market.merchants >= 2 (merchant 0 deviates against rivals)")
        if self.ads.advertisers > 0 and market.goods != "homogeneous":
            raise ValueError(f"ads.advertisers is for homogeneous goods (market.goods; got {self.ads.advertisers})")
        if self.ads.advertisers > market.merchants:
            raise ValueError(f"ads.advertisers must be at most market.merchants = {market.merchants} "
                             f"(got {self.ads.advertisers})")
        if self.tools.on and (market.goods != "differentiated" or pricing.mode != "equilibrium"):
            raise ValueError(f"tools.quality_gain is for differentiated goods in equilibrium mode (market.goods, "
                             f"pricing.mode; got {self.tools.quality_gain:g})")
        if self.agent_market.on:
            if market.goods != "differentiated" or pricing.mode != "equilibrium":
                raise ValueError(f"agent_market (api_price_per_million_tokens x million_tokens_per_use = "
                                 f"{self.agent_market.inference_cost_per_use:g}, agent_market.self_preferencing = "
                                 f"{self.agent_market.self_preferencing:g}) is for differentiated goods in "
                                 f"equilibrium mode (market.goods, pricing.mode)")
            if market.marginal_cost + self.agent_market.inference_cost_per_use >= (1.0 - market.take_rate) * market.valuation:
                raise ValueError(f"agent_market.api_price_per_million_tokens x million_tokens_per_use + "
                                 f"market.marginal_cost must be below (1 - take_rate) x valuation (got inference "
                                 f"cost {self.agent_market.inference_cost_per_use:g})")
        basics = self.basics
        if basics.on and (market.goods != "differentiated" or pricing.mode != "equilibrium"):
            raise ValueError(f"basics (direct_merchants = {basics.direct_merchants}, frequency elasticities "
                             f"{basics.frequency_price_elasticity:g}, {basics.frequency_delivery_elasticity:g}) is "
                             f"for differentiated goods in equilibrium mode (market.goods, pricing.mode)")
        if basics.direct_merchants > market.merchants:
            raise ValueError(f"basics.direct_merchants must be at most market.merchants = {market.merchants} "
                             f"(got {basics.direct_merchants})")
        if basics.direct_merchants > 0 and basics.direct_cost_advantage > self.unit_cost:
            raise ValueError(f"basics.direct_cost_advantage must be at most the unit cost {self.unit_cost:g} "
                             f"(market.marginal_cost + inference): a cost cannot be negative "
                             f"(got {basics.direct_cost_advantage:g})")
        if basics.frequency_price_elasticity > 0.0 and basics.reference_price is None:
            raise ValueError("basics.reference_price is required when basics.frequency_price_elasticity > 0")
        rival = self.rival
        if rival.human_switching_cost > 0.0 and not rival.on:
            raise ValueError(f"rival.human_switching_cost needs a rival platform (rival.merchants > 0; got "
                             f"human_switching_cost {rival.human_switching_cost:g} and no rival merchants)")
        if rival.on:
            if market.goods != "differentiated" or pricing.mode != "equilibrium":
                raise ValueError(f"rival.merchants is for differentiated goods in equilibrium mode (market.goods, "
                                 f"pricing.mode; got {rival.merchants})")
            if self.tools.on or basics.on:
                raise ValueError(f"rival.merchants is not combined with [tools] or [basics] (their equilibria ignore "
                                 f"the rival; got {rival.merchants})")
            if self.unit_cost >= (1.0 - rival.take_rate) * market.valuation:
                raise ValueError(f"rival.take_rate must leave (1 - take_rate) x valuation above the unit cost "
                                 f"{self.unit_cost:g} (got {rival.take_rate:g})")
        if self.entry.review_days is not None:
            if pricing.mode != "equilibrium" or market.goods != "homogeneous" or self.fidelity != "batch" \
                    or self.probe is not None:
                raise ValueError(f"entry.review_days needs equilibrium pricing of homogeneous goods at the batch "
                                 f"fidelity without a probe (got {self.entry.review_days:g})")
            if market.merchants > self.entry.max_merchants:
                raise ValueError(f"entry.max_merchants must be at least market.merchants = {market.merchants} "
                                 f"(got {self.entry.max_merchants})")
        return self
