"""Scenario schema of the cloud-market model (issue 7: cloud pricing vs market share).

Time: the simulation clock runs in days from t = 0 at the start of `market.start_quarter`; one quarter is
QUARTER_DAYS = 91.25 days and the model simulates n = round(run.horizon_days / 91.25) whole quarters.
Prices are dimensionless indices (1.0 = Alibaba Cloud's 2020 list price of the product; for `model_api`
1.0 = RMB 0.02 per 1k tokens, the list price Qwen-Long's 97% cut of 2024-05 started from); money is in
RMB bn. Price changes, capex deliveries and rival responses take effect at the start of a quarter, named
"YYYYQn".

Providers are tables keyed by name (`[providers.alibaba]`), so a variant scenario that `extends` the base
overrides one provider's key without repeating the others.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.core.config import FiniteFloat, NonNegative, Positive, Probability, ScenarioConfig, StrictModel
from sim.core.quarters import QUARTER_DAYS, QUARTER_PATTERN, check_quarter, quarter_index, quarter_label

__all__ = [
    "QUARTER_DAYS",
    "PRODUCTS",
    "WORKLOAD_TYPES",
    "quarter_index",
    "quarter_label",
    "PriceChange",
    "PriceCut",
    "CapacityOrder",
    "ProductPrices",
    "ProductMix",
    "Provider",
    "WorkloadType",
    "Seasonality",
    "Market",
    "CloudScenario",
]

PRODUCTS = ("compute", "storage", "model_api")
WORKLOAD_TYPES: tuple[Literal["traditional", "genai"], ...] = ("traditional", "genai")
Product = Literal["compute", "storage", "model_api"]
_check_quarter = check_quarter


class PriceChange(StrictModel):
    """From the start of `quarter`, the list price of `product` is multiplied by `factor` (0.45 = a 55% cut)."""

    quarter: str
    product: Literal["compute", "storage", "model_api"]
    factor: FiniteFloat = Field(gt=0.0, le=10.0, description="multiplier of the list price (0.45 = a 55% cut)")

    _quarter = field_validator("quarter")(_check_quarter)


class PriceCut(StrictModel):
    """One list-price cut by the leader, the question of the cut-depth sweep: from the start of `quarter` the
    leader's list price of each of `products` is multiplied by 1 - `depth` (passed through to the bill like
    any scheduled change, see `Market.list_price_pass_through`), on top of its `price_changes`.

    `rival_response` says how every other provider answers this cut: "rules" = by its own `response` rule;
    "ignore" = not at all; "match" = copies the cut after its `response_delay_quarters`; "best_response" =
    from `quarter` on, re-prices every quarter to its static best response (`policies.py`) whatever its rule.
    Its other rules (responses to the leader's `price_changes`) are unchanged.

    A scenario with a cut also runs its no-cut twin (the same scenario with depth 0, the same streams:
    common random numbers) in every replication and reports the paired gains
    `alibaba_share_gain_vs_no_cut_final` and `alibaba_npv_gain_vs_no_cut_rmb_bn`."""

    quarter: str
    depth: FiniteFloat = Field(ge=0.0, lt=1.0, description="fraction off the list price: 0.5 = a 50% cut")
    products: list[Product] = Field(default_factory=lambda: list[Product](["compute", "storage"]), min_length=1)
    rival_response: Literal["rules", "ignore", "match", "best_response"] = "rules"

    _quarter = field_validator("quarter")(_check_quarter)


class CapacityOrder(StrictModel):
    """GPU capex ordered in `quarter`, adding `gpu_capacity` (volume units, see `Provider.gpu_capacity`)
    once `Provider.capacity_lead_quarters` have passed. `cost_rmb_bn` is cash spent in the ordering
    quarter: the model books capex as spend, not depreciation, so a cash-flow NPV (no terminal value:
    capacity still in use after the horizon is not credited)."""

    quarter: str
    gpu_capacity: NonNegative = Field(description="GenAI volume units a quarter, added after the lead time")
    cost_rmb_bn: NonNegative = 0.0  # RMB bn, spent in the ordering quarter (deducted from the contribution)

    _quarter = field_validator("quarter")(_check_quarter)


class ProductPrices(StrictModel):
    """One number per product: compute, storage, model API tokens."""

    # the cap (assumption): a hundred times the index's base keeps revenue and every utility finite
    compute: Positive = Field(le=100.0, description="price-index units (1 = Alibaba's 2020 list price), at most 100")
    storage: Positive = Field(le=100.0, description="price-index units (1 = Alibaba's 2020 list price), at most 100")
    model_api: Positive = Field(le=100.0, description="price-index units (1 = RMB 0.02 per 1k tokens), at most 100")

    def get(self, product: str) -> float:
        return float(getattr(self, product))


class ProductMix(StrictModel):
    """Weights of the products in a workload type's composite price (normalised to sum to 1)."""

    compute: NonNegative = Field(description="weight in the composite price (weights normalised to sum to 1)")
    storage: NonNegative = Field(description="weight in the composite price (weights normalised to sum to 1)")
    model_api: NonNegative = Field(description="weight in the composite price (weights normalised to sum to 1)")

    def get(self, product: str) -> float:
        return float(getattr(self, product))

    @model_validator(mode="after")
    def _positive_total(self) -> "ProductMix":
        if self.compute + self.storage + self.model_api <= 0.0:
            raise ValueError("mix weights must not all be 0")
        return self


class Provider(StrictModel):
    """A cloud provider. Utility of workload i of type w at provider j (McFadden 1974; Berry, Levinsohn &
    Pakes 1995):

        u_ij = delta_jw(t) - alpha_i p_jw(t) + kappa_i a_ij + eps_ij,   eps_ij ~ Gumbel i.i.d.

    with delta_jw(t) = quality (w = traditional) or genai_quality (w = genai), plus quality_trend_per_year
    times years since the start (or since `quality_trend_from`, none before it: a trend with a break); p_jw the workload type's composite price; kappa_i the switching cost and
    a_ij the share of i's volume now at j (the incumbent bonus)."""

    initial_share: Probability  # share of the installed traditional workloads at the start quarter
    quality: FiniteFloat = Field(description="utility units: delta_j of traditional workloads")
    genai_quality: FiniteFloat = Field(description="utility units: delta_j of GenAI workloads")
    quality_trend_per_year: FiniteFloat = 0.0
    quality_trend_from: str | None = None  # the quarter the trend starts from (None: the start quarter)
    prices: ProductPrices
    # initial volume-driven unit cost in price-index units (contribution margin = 1 - cost / price)
    unit_cost: ProductPrices
    learning_rate: Probability = Field(default=0.0, description="fraction of unit cost lost per doubling of volume")
    # traditional unit cost falls by this fraction per doubling of cumulative volume
    genai_learning_rate: Probability = Field(default=0.0, description="fraction of unit cost lost per doubling")
    # the same for GenAI (model API) unit cost
    # the GenAI learning curve stops here: composite GenAI unit cost never falls below this (price-index
    # units, model_api 1.0 = RMB 0.02 per 1k tokens); 0 = no floor
    genai_unit_cost_floor: NonNegative = Field(default=0.0, description="price-index units; 0 = no floor")
    initial_cumulative_quarters: Positive = Field(default=8.0, le=400.0, description=(
        "cumulative volume at t=0, in quarters of initial volume, at most 400 (a century: assumption)"))
    initial_genai_cumulative_volume: Positive = Field(default=100.0, description="GenAI volume units")
    # GenAI volume units behind the initial GenAI cost
    # GenAI volume units a quarter (1 = one average GenAI workload-quarter at model_api price 1) before any
    # capex delivery; absent (None) = unlimited
    gpu_capacity: NonNegative | None = Field(default=None, description="GenAI volume units a quarter; absent = "
                                                                       "unlimited")
    capacity_lead_quarters: int = Field(default=4, ge=0, le=40)
    capex: list[CapacityOrder] = Field(default_factory=list)
    price_changes: list[PriceChange] = Field(default_factory=list)
    response: Literal["ignore", "match", "partial_match", "best_response"] = "ignore"
    response_delay_quarters: int = Field(default=1, ge=0, le=40)
    match_fraction: Probability = Field(default=1.0, description="fraction of the leader's percentage cut")
    # partial_match: share of the leader's percentage cut that is copied
    price_floor_factor: Positive = Field(default=0.05, description="multiple of unit cost")
    # best_response searches prices in [floor x cost, 5 x start price]
    # first quarter the provider re-prices to its static best response each quarter, whatever `response`
    # is (its `response` rule applies before); None: from the start if response = "best_response", never
    # otherwise. Set on the leader, it makes the leader re-optimise its own prices ("cut and re-optimise")
    best_response_from: str | None = None

    _from = field_validator("best_response_from", "quality_trend_from")(
        lambda v: v if v is None else _check_quarter(v))


class WorkloadType(StrictModel):
    """A kind of workload. Sizes are heavy-tailed (Pareto with shape `size_pareto_shape` > 1, mean 1);
    price sensitivity alpha_i is lognormal with mean `price_sensitivity_mean` and log-sd
    `price_sensitivity_sigma` (via the kernel's `draw_consumer_tastes`); switching cost kappa_i is
    lognormal with mean `switching_cost_mean` (utility units) and log-sd `switching_cost_sigma`.

    Volume a quarter of workload i at provider j is size_i (p_j / 1)^price_elasticity (price_elasticity = 0
    for traditional workloads; GenAI token demand is elastic) times the market's seasonal factor of the
    calendar quarter (`Market.seasonality`). Revenue = revenue_per_workload_quarter_rmb_bn x price x volume.

    Exits: a workload leaves the market (is decommissioned, or its company moves it on-premises or
    abroad) after an exponential lifetime with rate lambda = -ln(1 - exit_probability_per_quarter), i.e.
    with probability exit_probability_per_quarter within any quarter it is alive; its volume stops at that
    instant and it never renews. 0 (the default) = no exits, the model's original behaviour."""

    mix: ProductMix | None = None  # weights of compute/storage/model_api in the composite price
    initial_workloads: int = Field(ge=0, le=200_000)
    arrivals_per_quarter: NonNegative = Field(le=200_000, description=(
        "new workloads a quarter at `arrivals_start_quarter`, at most 200000 (as initial_workloads: assumption)"))
    arrivals_start_quarter: str | None = None  # None: from the start quarter
    arrivals_growth_per_year: FiniteFloat = Field(ge=-0.9, le=20.0)  # continuous growth rate of the arrival rate
    revenue_per_workload_quarter_rmb_bn: Positive = Field(le=100.0, description=(
        "RMB bn per workload-quarter at price 1, at most 100 (assumption: no one workload pays more)"))
    price_elasticity: FiniteFloat = Field(default=0.0, le=0.0, ge=-5.0, description="d ln volume / d ln price")
    # the caps (assumption): far above any calibration, they keep each utility delta - alpha p + kappa finite
    price_sensitivity_mean: Positive = Field(le=100.0, description="utility units per unit of price index "
                                                                  "(mean alpha_i), at most 100")
    price_sensitivity_sigma: NonNegative = Field(default=0.5, le=3.0, description="sd of log alpha_i, at most 3")
    switching_cost_mean: NonNegative = Field(default=0.0, le=100.0, description="utility units (mean kappa_i), "
                                                                                "at most 100")
    switching_cost_sigma: NonNegative = Field(default=0.5, le=3.0, description="sd of log kappa_i, at most 3")
    contract_quarters: FiniteFloat = Field(default=4.0, ge=0.1, le=40.0)  # renewal interval; first renewal uniform over one interval
    review_probability: Probability = 0.3  # churn at renewal: chance a renewing workload re-chooses at all
    multihome_share: Probability = 0.0  # share of workloads that split volume across providers
    size_pareto_shape: FiniteFloat = Field(default=2.5, gt=1.0, le=100.0, description="Pareto shape of sizes (mean 1)")
    # per-quarter probability that a live workload leaves the market (1 / mean lifetime in quarters, about)
    exit_probability_per_quarter: FiniteFloat = Field(default=0.0, ge=0.0, le=0.5)

    _start = field_validator("arrivals_start_quarter")(lambda v: v if v is None else _check_quarter(v))

    def weights(self) -> dict[str, float]:
        mix = self.mix
        if mix is None:
            raise ValueError("mix is required")
        total = mix.compute + mix.storage + mix.model_api
        return {p: mix.get(p) / total for p in PRODUCTS}


class Seasonality(StrictModel):
    """Usage factor of each calendar quarter, multiplying every workload's volume (and so revenue and
    served GenAI demand) at every provider alike: shares are unaffected. Factors are relative to the start
    quarter's, whose level the scenario's scale (`initial_workloads`, `revenue_per_workload_quarter_rmb_bn`)
    is anchored to: volume in quarter q is multiplied by s(q) / s(start). 1.0 everywhere (the default) = no
    seasonality. The Chinese New Year falls in Q1; Alibaba Cloud's March quarters dip (RMB 28.1bn
    Dec-2023 to 25.6bn Mar-2024)."""

    q1: FiniteFloat = Field(default=1.0, ge=0.5, le=1.5, description="volume factor, relative")
    q2: FiniteFloat = Field(default=1.0, ge=0.5, le=1.5, description="volume factor, relative")
    q3: FiniteFloat = Field(default=1.0, ge=0.5, le=1.5, description="volume factor, relative")
    q4: FiniteFloat = Field(default=1.0, ge=0.5, le=1.5, description="volume factor, relative")

    def factor(self, label: str) -> float:
        """The factor of the quarter labelled `label` ("2024Q1" -> q1)."""
        m = QUARTER_PATTERN.match(label)
        if m is None:
            raise ValueError(f"quarters are written YYYYQn (got {label!r})")
        return float(getattr(self, f"q{m.group(2)}"))

    def relative(self, label: str, start: str) -> float:
        """s(label) / s(start): the multiplier on volume in quarter `label` of a market starting at `start`."""
        return self.factor(label) / self.factor(start)


class Market(StrictModel):
    """Market-wide settings. Multi-homing rule: a multi-homing workload splits its volume across providers
    in proportion to its own choice probabilities (so its shares sum to 1). Rationing rule: when a
    provider's GenAI demand exceeds its GPU capacity, every GenAI customer of that provider is served the
    same fraction capacity / demand (proportional rationing); the rest is recorded as unmet demand and lost
    (no spill-over to rivals)."""

    start_quarter: str = "2020Q1"
    leader: str = "alibaba"
    discount_rate_per_year: NonNegative = 0.08  # assumption: for the NPV of the quarterly contribution less capex
    taste_draws: int = Field(default=400, ge=10, le=100_000)  # consumers behind the static kernel shares
    seasonality: Seasonality = Seasonality()  # usage factor by calendar quarter (1 = none)
    # share of a scheduled compute/storage list-price change that reaches the average bill (the price
    # index); 1 = the whole bill moves with the list (the original behaviour). See providers.py.
    list_price_pass_through: Probability = Field(default=1.0, description="share of a list-price change")

    _start = field_validator("start_quarter")(_check_quarter)


class CloudScenario(ScenarioConfig):
    market: Market = Market()
    providers: dict[str, Provider]
    workloads: dict[Literal["traditional", "genai"], WorkloadType]
    cut: PriceCut | None = None  # the leader's cut under study (the cut-depth sweep), with its no-cut twin

    @property
    def n_quarters(self) -> int:
        return max(1, int(round(self.run.horizon_days / QUARTER_DAYS)))

    @model_validator(mode="after")
    def _consistent(self) -> "CloudScenario":
        names = list(self.providers)
        if len(names) < 2:
            raise ValueError(f"providers needs at least two providers (got {names})")
        if "alibaba" not in self.providers:
            raise ValueError(f"providers must include alibaba (the model's metrics are about it; got {names})")
        if self.market.leader not in self.providers:
            raise ValueError(f"market.leader must name a provider, one of {names} (got {self.market.leader!r})")
        total = sum(p.initial_share for p in self.providers.values())
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"providers.*.initial_share must sum to 1 (got {total:.6f})")
        if set(self.workloads) != set(WORKLOAD_TYPES):
            raise ValueError(f"workloads needs the tables {list(WORKLOAD_TYPES)} (got {sorted(self.workloads)})")
        for kind, workload in self.workloads.items():
            if workload.mix is None:
                raise ValueError(f"workloads.{kind}.mix is required")
        if self.run.warmup_days not in (0, 0.0):
            raise ValueError("run.warmup_days must be 0 for the cloud model: it starts from the observed "
                             f"{self.market.start_quarter} market, so there is no warm-up to delete")
        return self
