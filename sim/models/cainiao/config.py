"""Scenario schema of the Cainiao model: who sets the transfer price, capacity and retail price, quarter by
quarter, under one of three regimes.

Units: volumes in million parcels per quarter (one AliExpress order = one parcel), prices and unit costs in
RMB per parcel, profits in RMB million per quarter. Time: the model simulates n = round(run.horizon_days /
91.25) whole quarters (QUARTER_DAYS); decisions take effect at the start of a quarter.

Demand (`demand.form = "linear"`, the linear limit): AliExpress's orders Q(P) = max(a - b P, 0)
at retail price P (RMB per order, what the shopper pays for the delivered item net of the goods' cost:
AliExpress's margin is P - transfer price); third-party merchants' parcels Q_3(w_3) = max(a_3 - b_3 w_3, 0) at
Cainiao's third-party price w_3. With `demand.form = "logit"` AliExpress's orders are M s(P), a binary logit
with the price (shipping included) in the shoppers' utility (`LogitDemandParameters`). Both markets grow by `growth_per_quarter` each quarter: intercepts and slopes
(logit: M) scale together (more shoppers and merchants, each with the same demand), so choke prices and the firms' prices
stay put and volumes grow (assumption: no seasonality).

Regimes (`cainiao.regime`): "standalone" (Cainiao maximises its own profit over one uniform price to the group
and third parties, arm's length), "infrastructure" (transfer at Cainiao's marginal cost; Cainiao's third-party
price maximises its third-party profit), "cost_plus" (transfer at marginal cost x (1 + markup); third-party
price as in infrastructure). Capacity: in the deterministic limit Cainiao buys exactly the volume it will
carry, at `capacity_cost_rmb_per_parcel_quarter` per unit, when the margin that decides it (Cainiao's own
standalone, the group's otherwise) exceeds that cost, and none otherwise.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.core.config import FiniteFloat, NonNegative, Positive, ScenarioConfig, StrictModel
from sim.core.quarters import QUARTER_DAYS, check_quarter, quarter_index

__all__ = ["QUARTER_DAYS", "Regime", "OwnershipChange", "CainiaoParameters", "LogitDemandParameters",
           "DemandParameters", "OperationsParameters", "PromiseParameters", "CainiaoScenario"]


Regime = Literal["standalone", "infrastructure", "cost_plus"]


class OwnershipChange(StrictModel):
    """From the start of `quarter`, Alibaba holds `ownership_share` and Cainiao runs under `regime` (each
    unchanged when absent); buying the minority out costs `outlay_usd_bn`, paid at the start of that quarter."""

    quarter: str
    ownership_share: Annotated[FiniteFloat | None, Field(
        gt=0.0, le=1.0, description="Alibaba's share from `quarter` on, in (0, 1]")] = None
    regime: Regime | None = None
    outlay_usd_bn: Annotated[NonNegative, Field(
        le=1_000, description="price paid for the shares bought, US$ bn, in [0, 1000]")] = 0.0

    _quarter = field_validator("quarter")(check_quarter)


class CainiaoParameters(StrictModel):
    """Cainiao's regime, Alibaba's ownership share, its costs and the discount rate."""

    regime: Regime
    ownership_share: Annotated[FiniteFloat, Field(
        gt=0.0, le=1.0, description="Alibaba's share of Cainiao's equity, in (0, 1]")]
    transfer_markup: Annotated[NonNegative, Field(
        le=100.0, description="cost_plus: transfer price = marginal cost x (1 + markup); share, in [0, 100]")] = 0.0
    marginal_cost_rmb_per_parcel: Annotated[Positive, Field(
        le=10_000, description="Cainiao's cost of carrying one parcel China -> destination, RMB, in (0, 1e4]")]
    capacity_cost_rmb_per_parcel_quarter: Annotated[NonNegative, Field(
        le=10_000, description="cost of one parcel of capacity for one quarter (flights, officers, hub shifts), "
                            "RMB, in [0, 1e4]")] = 0.0
    discount_rate_per_year: Annotated[FiniteFloat, Field(
        gt=-1.0, le=10.0, description="annual discount rate of the NPV, in (-1, 10]")] = 0.0
    start_quarter: str = Field(default="2021Q1", description="calendar quarter of quarter 0, YYYYQn")
    change: OwnershipChange | None = None

    _start_quarter = field_validator("start_quarter")(check_quarter)
    # 7.10 CNY per US$: the 2024Q1 average of the PBoC central parity, rounded (docs/sources.md, Cainiao and
    # Cloud tables; the `cny_per_usd` 2024Q1 row of docs/sources/cloud_published.csv), the quarter of the
    # buy-out offer (2024-03-26); grade M (entered from memory, to be checked against the PBoC series)
    rmb_per_usd: Annotated[Positive, Field(
        le=1_000, description="exchange rate for US$ figures (the buy-out offer), RMB per US$, in (0, 1000]")] = 7.10


class LogitDemandParameters(StrictModel):
    """AliExpress's shoppers under `demand.form = "logit"`: each of M shoppers a quarter orders once with
    probability s(P) = e^(delta - alpha P) / (1 + e^(delta - alpha P)) (binary logit against not buying,
    utility 0; `sim.kernels.logit.purchase_probability`), so orders are M s(P); P, the price net of the goods'
    cost, carries the shipping the group pays Cainiao. Shoppers' surplus is M ln(1 + e^(delta - alpha P)) /
    alpha (the log-sum over the price coefficient; `sim.theory.io.logit_expected_utility`)."""

    market_size_m_shoppers: Annotated[Positive, Field(
        le=1_000_000, description="M: shoppers who consider an order, million / quarter, in (0, 1e6]")]
    mean_utility: Annotated[FiniteFloat, Field(
        ge=-50.0, le=50.0, description="delta: an order's mean utility at price 0, utils, in [-50, 50]")]
    price_coefficient_per_rmb: Annotated[Positive, Field(
        le=100.0, description="alpha: utility lost per RMB of price (the shipping-price term), utils / RMB, "
                              "in (0, 100]")]


class DemandParameters(StrictModel):
    """The group's demand (linear or logit) and third parties' linear demand (see the module doc)."""

    #: "linear": AliExpress's orders a - b P; "logit": M s(P) with the `[demand.logit]` parameters
    form: Literal["linear", "logit"] = "linear"
    logit: LogitDemandParameters | None = None
    #: "none": the deterministic limit (capacity = the volume carried); "poisson": each quarter's orders are
    #: Poisson around the demand curve's value, counted in the volume unit (read as parcels in the one-flight
    #: limit), and capacity is bought before they are known, prices and capacity chosen together on the exact
    #: expected profit (`capacity.py`)
    noise: Literal["none", "poisson"] = "none"
    group_intercept_m_parcels: Annotated[Positive | None, Field(
        le=1_000_000, description="a: AliExpress orders at retail price 0, million parcels / quarter, in (0, 1e6] "
                                  "(linear form)")] = None
    group_slope_m_parcels_per_rmb: Annotated[Positive | None, Field(
        le=1_000_000, description="b: orders lost per RMB of retail price, million parcels / quarter / RMB, "
                                  "in (0, 1e6] (linear form)")] = None
    third_party_intercept_m_parcels: Annotated[NonNegative, Field(
        le=1_000_000, description="a_3: third-party parcels at price 0, million parcels / quarter, in [0, 1e6]")] = 0.0
    third_party_slope_m_parcels_per_rmb: Annotated[Positive, Field(
        le=1_000_000, description="b_3: third-party parcels lost per RMB, million parcels / quarter / RMB, "
                            "in (0, 1e6]")] = 1.0
    third_party_scale: Annotated[NonNegative, Field(
        le=100.0, description="third parties' market as a multiple of a_3 and b_3 (more merchants, each with the "
                              "same demand; choke price unchanged), in [0, 100]")] = 1.0
    growth_per_quarter: Annotated[FiniteFloat, Field(
        gt=-1.0, le=1.0, description="growth of both markets' size (intercepts and slopes) per quarter, share, in (-1, 1]")] = 0.0


class OperationsParameters(StrictModel):
    """Service levels from the two-class logistics chain (`operations.py`: the shipped response surface).
    "none" (default): no operations term, the model as without this table. "surface": each quarter, each class's
    on-time share is read from the surface at the load factor u = `load_factor_at_capacity` x parcels carried /
    capacity and the group's share of the parcels, under the regime's allocation (standalone: "fcfs", uniform
    terms; infrastructure and cost_plus: "priority", group parcels first) unless `allocation` fixes one; it raises
    the next quarter's willingness to pay of the group's shoppers and of third-party merchants by `value_of_on_time`
    x (the on-time share seen - the reference share): demand shifted by that many RMB, so at the reference service
    the demand is the file's (the calibrated one). The reference is the service the calibrated demand already
    prices in: the surface's under "fcfs" (the calibrated standalone regime's) at `reference_load_factor` and
    `initial_group_share`. Shoppers and merchants respond to the service they saw last quarter; quarter 0's is
    the surface's at `initial_group_share`, at capacity. Assumption throughout: the lane's utilisation and service
    carry over to Cainiao's network."""

    mode: Literal["none", "surface"] = "none"
    allocation: Literal["by_regime", "priority", "fcfs"] = "by_regime"
    load_factor_at_capacity: Annotated[Positive, Field(
        le=2.0, description="line-haul load factor when Cainiao carries exactly its capacity, share, in (0, 2]; "
                            "0.71: the two-class lane scenario's flights (aliexpress_spain_two_classes.toml, "
                            "assumption)")] = 0.71
    reference_load_factor: Annotated[Positive, Field(
        le=2.0, description="line-haul load factor of the reference service the file's demand prices in, share, "
                            "in (0, 2]; 0.71: the two-class lane scenario's flights, as `load_factor_at_capacity` "
                            "(assumption)")] = 0.71
    initial_group_share: Annotated[FiniteFloat, Field(
        ge=0.0, le=1.0, description="group share of parcels behind quarter 0's service, in [0, 1]; 0.29: the "
                                    "group's ~29% of Cainiao's revenue FY21-23 (Cainiao prospectus 2023-09, "
                                    "docs/sources.md) read as a parcel share (assumption)")] = 0.29
    group_value_of_on_time_rmb_per_order: Annotated[NonNegative, Field(
        le=10_000, description="v: a shopper's willingness to pay per unit of on-time share (all orders on time "
                               "against none), RMB / order, in [0, 1e4]; demand moves by v x (share seen - the "
                               "reference share) (assumption)")] = 0.0
    third_party_value_of_on_time_rmb_per_parcel: Annotated[NonNegative, Field(
        le=10_000, description="v_3: a third-party merchant's willingness to pay per unit of on-time share, "
                               "RMB / parcel, in [0, 1e4]; demand moves by v_3 x (share seen - the reference "
                               "share) (assumption)")] = 0.0


class PromiseParameters(StrictModel):
    """The five-day promise AliExpress may put on its orders (`promise.py`). Off by default (`value_max = 0`: no
    promise, the model as without this table). Each quarter AliExpress chooses, with its price, which orders carry
    the promise: those whose shoppers value it at least at a threshold t, the promise's worth being uniform on
    [0, `value_max_rmb_per_order`] across orders (assumption). Cainiao's extra cost of a promised parcel is
    `cost_rmb_per_parcel`; its promise price carries the transfer price's markup over cost (infrastructure: at
    cost; cost_plus: cost x (1 + markup); standalone: the markup it sets on the transfer price)."""

    value_max_rmb_per_order: Annotated[NonNegative, Field(
        le=10_000, description="V: the promise's worth to the shopper of the order that values it most, RMB / order, "
                               "in [0, 1e4]; 0 = no promise (assumption)")] = 0.0
    cost_rmb_per_parcel: Annotated[NonNegative, Field(
        le=10_000, description="c_p: Cainiao's extra cost of carrying a parcel under the promise (faster line haul, "
                               "compensation for late parcels), RMB / parcel, in [0, 1e4] (assumption)")] = 0.0

    @property
    def on(self) -> bool:
        return self.value_max_rmb_per_order > 0.0


class CainiaoScenario(ScenarioConfig):
    cainiao: CainiaoParameters
    demand: DemandParameters
    operations: OperationsParameters = Field(default_factory=OperationsParameters)
    promise: PromiseParameters = Field(default_factory=PromiseParameters)

    @model_validator(mode="after")
    def _demand_above_cost(self) -> "CainiaoScenario":
        demand = self.demand
        if demand.form == "logit":
            if demand.logit is None:
                raise ValueError('demand.form = "logit" needs a [demand.logit] table (market_size_m_shoppers, '
                                 'mean_utility, price_coefficient_per_rmb)')
            return self
        if demand.group_intercept_m_parcels is None or demand.group_slope_m_parcels_per_rmb is None:
            raise ValueError('demand.form = "linear" needs demand.group_intercept_m_parcels and '
                             'demand.group_slope_m_parcels_per_rmb')
        choke = demand.group_intercept_m_parcels / demand.group_slope_m_parcels_per_rmb
        if choke <= self.cainiao.marginal_cost_rmb_per_parcel:
            raise ValueError(
                f"the group's choke price a / b = {choke:g} RMB must exceed marginal_cost_rmb_per_parcel "
                f"{self.cainiao.marginal_cost_rmb_per_parcel:g} (a > b c): otherwise nothing is ever shipped")
        return self

    @model_validator(mode="after")
    def _promise_deterministic(self) -> "CainiaoScenario":
        if self.promise.on and self.demand.noise != "none":
            raise ValueError(f"promise.value_max_rmb_per_order = {self.promise.value_max_rmb_per_order:g} needs "
                             f'demand.noise = "none", not "{self.demand.noise}": the promise is not modelled with '
                             "Poisson orders")
        return self

    @model_validator(mode="after")
    def _change_inside_the_horizon(self) -> "CainiaoScenario":
        change = self.cainiao.change
        if change is not None and not 0 <= quarter_index(change.quarter, self.cainiao.start_quarter) < self.quarters:
            raise ValueError(f"cainiao.change.quarter {change.quarter} must fall inside the simulated quarters "
                             f"from cainiao.start_quarter {self.cainiao.start_quarter} ({self.quarters} quarters)")
        return self

    @property
    def quarters(self) -> int:
        """Whole quarters simulated (at least one)."""
        return max(1, round(self.run.horizon_days / QUARTER_DAYS))
