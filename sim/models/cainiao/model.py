"""The Cainiao model's quarterly loop with linear or logit demand, deterministic or with Poisson orders (see
`config.py` for units, demand, regimes and the ownership change).

Each quarter, in this order (subgame-perfect: each firm anticipates the next one's best response):
1. Cainiao sets the transfer price w to AliExpress by its regime: standalone, the w maximising its own profit
   against AliExpress's best response P*(w) (one uniform price: third parties pay w too); infrastructure,
   w = c; cost_plus, w = c (1 + markup). Outside standalone the third-party price w_3 maximises Cainiao's
   third-party profit.
2. AliExpress sets its retail price P*(w) maximising (P - w) Q(P); with a `[promise]`, also which of its orders
   carry the five-day promise, paying Cainiao the promise price on each (`promise.py`; `aliexpress_response`).
3. Capacity: Cainiao buys the volume it will carry when the margin deciding it exceeds the capacity cost c_K
   (standalone: its own margin w - c; otherwise the group's, P - c for group parcels and w_3 - c for third
   parties), and none otherwise (no capacity, no parcels).
With Poisson orders, capacity is bought before orders are known and the prices are set knowing it: steps 1-3
become one choice of prices and integer capacities on the exact expected profit (`capacity.priced_capacity`,
`capacity.standalone_price_and_capacity`); with free capacity (c_K = 0) it is the choice above.
Every price comes from `optimise.maximise` on the firm's profit function; no closed form is used.

The vertically integrated benchmark of the quarter (one firm, cost c + c_K, setting P) is solved the same way;
the ratios to it make double marginalisation visible. Consumer surplus is the area under the demand curve
above the price (`scipy.integrate.quad`; logit: the log-sum over the price coefficient, which is the same
area), third-party merchants' surplus likewise over w_3.

From `cainiao.change.quarter` on, the change's ownership share and regime apply; its outlay is paid at the
start of that quarter. NPV convention: quarter q's attributable profit is discounted by (1 + r)^(-(q + 1) / 4) (paid at its end); in
US$ bn at `cainiao.rmb_per_usd` (RMB m / rate / 1000).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import polars as pl
from scipy.integrate import quad

from sim.core.model import ReplicationOutput
from sim.core.rng import Streams
from sim.kernels.logit import purchase_probability
from sim.models.cainiao.accounting import segment_accounts
from sim.models.cainiao.capacity import priced_capacity, standalone_price_and_capacity
from sim.core.quarters import quarter_index, quarter_label
from sim.models.cainiao.config import CainiaoScenario, PromiseParameters, Regime
from sim.models.cainiao.operations import allocation_of, load_surface, quarter_service
from sim.models.cainiao.optimise import maximise
from sim.models.cainiao.promise import promise_price, promise_worth, promised_share
from sim.theory.io import logit_expected_utility

__all__ = ["METRIC_COLUMNS", "RATIO_COLUMNS", "LinearDemand", "LogitDemand", "GroupDemand", "QuarterOutcome",
           "aliexpress_best_response", "group_demand", "quarter_outcome", "simulate"]


#: metric -> the quarterly column it is the mean of (over the simulated quarters)
METRIC_COLUMNS = {
    "transfer_price_rmb_per_parcel": "transfer_price_rmb_per_parcel",
    "third_party_price_rmb_per_parcel": "third_party_price_rmb_per_parcel",
    "retail_price_rmb_per_order": "retail_price_rmb_per_order",
    "promised_share": "promised_share",
    "group_parcels_m_per_quarter": "group_parcels_m",
    "third_party_parcels_m_per_quarter": "third_party_parcels_m",
    "capacity_m_parcels_per_quarter": "capacity_m_parcels",
    "aliexpress_revenue_rmb_m_per_quarter": "aliexpress_revenue_rmb_m",
    "cainiao_group_revenue_rmb_m_per_quarter": "cainiao_group_revenue_rmb_m",
    "cainiao_third_party_revenue_rmb_m_per_quarter": "cainiao_third_party_revenue_rmb_m",
    "aliexpress_profit_rmb_m_per_quarter": "aliexpress_profit_rmb_m",
    "cainiao_profit_rmb_m_per_quarter": "cainiao_profit_rmb_m",
    "consolidated_profit_rmb_m_per_quarter": "consolidated_profit_rmb_m",
    "attributable_profit_rmb_m_per_quarter": "attributable_profit_rmb_m",
    "minority_profit_rmb_m_per_quarter": "minority_profit_rmb_m",
    "consumer_surplus_rmb_m_per_quarter": "consumer_surplus_rmb_m",
    "third_party_surplus_rmb_m_per_quarter": "third_party_surplus_rmb_m",
}

#: metric -> (numerator, denominator): quarterly columns summed over the quarters (NaN when the denominator is 0)
RATIO_COLUMNS = {
    "output_ratio_to_integrated": ("group_parcels_m", "integrated_group_parcels_m"),
    "chain_profit_ratio_to_integrated": ("consolidated_profit_rmb_m", "integrated_profit_rmb_m"),
    "consumer_surplus_ratio_to_integrated": ("consumer_surplus_rmb_m", "integrated_consumer_surplus_rmb_m"),
}


@dataclass(frozen=True)
class LinearDemand:
    """Q(p) = max(intercept - slope p, 0), million parcels per quarter at price p in RMB."""

    intercept: float
    slope: float

    def __call__(self, price: float) -> float:
        return max(self.intercept - self.slope * price, 0.0)

    @property
    def choke_price(self) -> float:
        """The price at which demand reaches 0 (the upper end of every price search); 0 with no demand."""
        return self.intercept / self.slope if self.intercept > 0.0 else 0.0

    def with_willingness_to_pay(self, extra_rmb: float) -> LinearDemand:
        """This demand with every buyer willing to pay `extra_rmb` more (the line shifted up by that many RMB)."""
        return LinearDemand(self.intercept + self.slope * extra_rmb, self.slope)

    def surplus(self, price: float) -> float:
        """Buyers' surplus at `price`: the integral of Q from `price` to the choke price."""
        if price >= self.choke_price:
            return 0.0
        return float(quad(self, price, self.choke_price, epsabs=0.0, epsrel=1e-13)[0])


#: the price search's upper end under logit demand: delta - alpha P = -LOGIT_SEARCH_UTILITY, a share below 1e-12
LOGIT_SEARCH_UTILITY = 28.0


@dataclass(frozen=True)
class LogitDemand:
    """Q(p) = M s(p), s(p) = e^(delta - alpha p) / (1 + e^(delta - alpha p)): million orders per quarter at price
    p in RMB (see `config.LogitDemandParameters`)."""

    market_size: float
    mean_utility: float
    price_coefficient: float

    def __call__(self, price: float) -> float:
        utility = np.array([self.mean_utility - self.price_coefficient * price])
        return self.market_size * float(purchase_probability(utility)[0])

    @property
    def choke_price(self) -> float:
        """The upper end of every price search: the price at which the share falls below 1e-12."""
        return (self.mean_utility + LOGIT_SEARCH_UTILITY) / self.price_coefficient

    def with_willingness_to_pay(self, extra_rmb: float) -> LogitDemand:
        """This demand with every shopper willing to pay `extra_rmb` more (mean utility up by alpha x that)."""
        return LogitDemand(self.market_size, self.mean_utility + self.price_coefficient * extra_rmb,
                           self.price_coefficient)

    def surplus(self, price: float) -> float:
        """Shoppers' surplus at `price`, RMB million: M x the log-sum over the price coefficient."""
        return self.market_size * logit_expected_utility([self.mean_utility], [price], self.price_coefficient) \
            / self.price_coefficient


GroupDemand = LinearDemand | LogitDemand


def aliexpress_best_response(transfer_price: float, demand: GroupDemand) -> float:
    """The retail price maximising AliExpress's profit (P - w) Q(P), searched on [w, choke price]."""
    if transfer_price >= demand.choke_price:
        return demand.choke_price
    return maximise(lambda price: (price - transfer_price) * demand(price), transfer_price, demand.choke_price)


def aliexpress_response(transfer_price: float, promise_price: float, demand: GroupDemand,
                        promise: PromiseParameters) -> tuple[float, float, GroupDemand]:
    """AliExpress's retail price, the share of its orders it promises and the demand it then faces (shifted up by
    the promise's mean worth S(t), `promise.py`): the threshold t maximising (P*(t) - w - w_p phi(t)) Q_t(P*(t)),
    P*(t) its best price given t. Without a promise: `aliexpress_best_response`, no order promised."""
    if not promise.on:
        return aliexpress_best_response(transfer_price, demand), 0.0, demand
    value_max = promise.value_max_rmb_per_order

    def given(threshold: float) -> tuple[float, float, GroupDemand]:
        per_order = transfer_price + promise_price * promised_share(threshold, value_max)
        moved = demand.with_willingness_to_pay(promise_worth(threshold, value_max))
        return aliexpress_best_response(per_order, moved), per_order, moved

    def profit(threshold: float) -> float:
        retail, per_order, moved = given(threshold)
        return (retail - per_order) * moved(retail)

    threshold = maximise(profit, 0.0, value_max)
    retail, _, moved = given(threshold)
    return retail, promised_share(threshold, value_max), moved


@dataclass(frozen=True)
class QuarterOutcome:
    """One quarter's prices (RMB per parcel), volumes (million parcels) and profits and surpluses (RMB
    million)."""

    transfer_price_rmb_per_parcel: float
    third_party_price_rmb_per_parcel: float
    retail_price_rmb_per_order: float
    promise_price_rmb_per_parcel: float
    promised_share: float
    group_parcels_m: float
    third_party_parcels_m: float
    capacity_m_parcels: float
    consumer_surplus_rmb_m: float
    third_party_surplus_rmb_m: float
    integrated_retail_price_rmb_per_order: float
    integrated_group_parcels_m: float
    integrated_profit_rmb_m: float
    integrated_consumer_surplus_rmb_m: float


def _third_party_price(cost: float, capacity_cost: float, demand: LinearDemand) -> float:
    """Cainiao's third-party price outside standalone: the maximiser of (w_3 - c - c_K) Q_3(w_3)."""
    low = cost + capacity_cost
    if demand.intercept == 0.0 or low >= demand.choke_price:
        return low
    return maximise(lambda price: (price - low) * demand(price), low, demand.choke_price)


def quarter_outcome(config: CainiaoScenario, regime: Regime, group: GroupDemand, third_party: LinearDemand,
                    orders: np.random.Generator | None = None) -> QuarterOutcome:
    """Solve one quarter (see the module doc). With `demand.noise = "poisson"`, `orders` draws the quarter's
    group and third-party orders (in that order) after capacity is bought."""
    cainiao, promise = config.cainiao, config.promise
    cost, capacity_cost = cainiao.marginal_cost_rmb_per_parcel, cainiao.capacity_cost_rmb_per_parcel_quarter
    promise_cost = promise.cost_rmb_per_parcel if promise.on else 0.0  # no promise, nothing sold or carried

    if regime == "standalone":
        def cainiao_profit(price: float) -> float:
            if price - cost <= capacity_cost:
                return 0.0  # no capacity bought, nothing carried
            premium = promise_price(price, cost, promise_cost)
            retail, share, moved = aliexpress_response(price, premium, group, promise)
            group_volume = moved(retail)
            return ((price - cost - capacity_cost) * (group_volume + third_party(price))
                    + (premium - promise_cost) * share * group_volume)

        # the search's upper end: the highest choke price, the group's with every order promised
        group_top = (group.with_willingness_to_pay(promise_worth(0.0, promise.value_max_rmb_per_order)).choke_price
                     if promise.on else group.choke_price)
        top = max(group_top, third_party.choke_price)
        transfer = third_party_price = maximise(cainiao_profit, cost, top)
    else:
        markup = cainiao.transfer_markup if regime == "cost_plus" else 0.0
        transfer = cost * (1.0 + markup)
        third_party_price = _third_party_price(cost, capacity_cost, third_party)
    premium = promise_price(transfer, cost, promise_cost)  # the promise at the transfer's markup over cost
    # the demand AliExpress serves: the group's, shifted up by the promise's worth (no promise: the same)
    retail, share, served = aliexpress_response(transfer, premium, group, promise)

    # the margin on a group parcel that decides its capacity: Cainiao's own standalone, the group's otherwise
    group_margin = (transfer + (premium - promise_cost) * share if regime == "standalone"
                    else retail - promise_cost * share) - cost
    third_party_margin = third_party_price - cost
    if config.demand.noise == "none":
        group_parcels = served(retail) if group_margin > capacity_cost else 0.0
        third_party_parcels = third_party(third_party_price) if third_party_margin > capacity_cost else 0.0
        capacity = group_parcels + third_party_parcels
    else:
        if orders is None:
            raise ValueError("Poisson demand needs a generator for the quarter's orders")
        # prices and capacity chosen together on the exact expected profit (capacity.py), from the demand
        # curve's prices above (their limit with free capacity)
        if regime == "standalone":
            transfer, retail, group_capacity, third_party_capacity = standalone_price_and_capacity(
                cost, capacity_cost, served, served.choke_price, third_party, top, transfer, retail)
            third_party_price = transfer
        else:
            retail, group_capacity = priced_capacity(transfer, cost, capacity_cost, served, served.choke_price,
                                                     retail)
            third_party_price, third_party_capacity = priced_capacity(
                cost, cost, capacity_cost, third_party, third_party.choke_price, third_party_price)
        group_parcels = float(min(group_capacity, orders.poisson(served(retail))))
        third_party_parcels = float(min(third_party_capacity, orders.poisson(third_party(third_party_price))))
        capacity = float(group_capacity + third_party_capacity)

    integrated_cost = cost + capacity_cost
    integrated_retail, integrated_share, integrated_demand = aliexpress_response(integrated_cost, promise_cost,
                                                                                 group, promise)
    integrated_parcels = integrated_demand(integrated_retail)
    return QuarterOutcome(
        transfer_price_rmb_per_parcel=transfer,
        third_party_price_rmb_per_parcel=third_party_price,
        retail_price_rmb_per_order=retail,
        promise_price_rmb_per_parcel=premium,
        promised_share=share,
        group_parcels_m=group_parcels,
        third_party_parcels_m=third_party_parcels,
        capacity_m_parcels=capacity,
        consumer_surplus_rmb_m=served.surplus(retail) if group_parcels > 0.0 else 0.0,
        third_party_surplus_rmb_m=third_party.surplus(third_party_price) if third_party_parcels > 0.0 else 0.0,
        integrated_retail_price_rmb_per_order=integrated_retail,
        integrated_group_parcels_m=integrated_parcels,
        integrated_profit_rmb_m=(integrated_retail - integrated_cost - promise_cost * integrated_share)
        * integrated_parcels,
        integrated_consumer_surplus_rmb_m=integrated_demand.surplus(integrated_retail),
    )


def group_demand(config: CainiaoScenario, scale: float = 1.0) -> GroupDemand:
    """AliExpress's demand of the scenario, its market `scale` times the file's."""
    demand = config.demand
    if demand.form == "logit":
        assert demand.logit is not None  # the config's validator
        return LogitDemand(demand.logit.market_size_m_shoppers * scale, demand.logit.mean_utility,
                           demand.logit.price_coefficient_per_rmb)
    assert demand.group_intercept_m_parcels is not None and demand.group_slope_m_parcels_per_rmb is not None
    return LinearDemand(demand.group_intercept_m_parcels * scale, demand.group_slope_m_parcels_per_rmb * scale)


def simulate(config: CainiaoScenario, streams: Streams) -> ReplicationOutput:
    """One replication: the quarterly loop (`streams["orders"]` draws the orders under Poisson noise; without
    noise nothing is drawn)."""
    demand, cainiao = config.demand, config.cainiao
    change = cainiao.change
    change_at = quarter_index(change.quarter, cainiao.start_quarter) if change is not None else config.quarters
    quarterly_discount = (1.0 + cainiao.discount_rate_per_year) ** 0.25
    operations = config.operations
    surface = load_surface() if operations.mode == "surface" else None
    seen = None  # the service shoppers and merchants saw last quarter (operations.mode = "surface")
    if surface is not None:  # the service the file's demand prices in (config.OperationsParameters)
        reference = quarter_service(surface, "fcfs", operations.reference_load_factor,
                                    operations.initial_group_share, 1.0 - operations.initial_group_share, 1.0)
    rows = []
    for quarter in range(config.quarters):
        regime, share, outlay_rmb_m = cainiao.regime, cainiao.ownership_share, 0.0
        if change is not None and quarter >= change_at:
            regime = change.regime or regime
            share = change.ownership_share or share
            outlay_rmb_m = change.outlay_usd_bn * cainiao.rmb_per_usd * 1_000.0 if quarter == change_at else 0.0
        scale = (1.0 + demand.growth_per_quarter) ** quarter
        group: GroupDemand = group_demand(config, scale)
        third_party = LinearDemand(demand.third_party_intercept_m_parcels * scale * demand.third_party_scale,
                                   demand.third_party_slope_m_parcels_per_rmb * scale * demand.third_party_scale)
        if operations.mode == "surface":
            allocation = allocation_of(regime, operations.allocation)
            if seen is None:  # quarter 0: the service at the stated initial mix, at capacity
                seen = quarter_service(surface, allocation, operations.load_factor_at_capacity,
                                       operations.initial_group_share, 1.0 - operations.initial_group_share, 1.0)
            # demand moves by the value of the service seen above the reference service (the file's demand)
            group = group.with_willingness_to_pay(operations.group_value_of_on_time_rmb_per_order
                                                  * (seen.group.on_time_share - reference.group.on_time_share))
            third_party = third_party.with_willingness_to_pay(
                operations.third_party_value_of_on_time_rmb_per_parcel
                * (seen.third_party.on_time_share - reference.third_party.on_time_share))
        outcome = quarter_outcome(config, regime, group, third_party,
                                  streams["orders"] if demand.noise == "poisson" else None)
        accounts = segment_accounts(
            outcome.retail_price_rmb_per_order, outcome.transfer_price_rmb_per_parcel,
            outcome.third_party_price_rmb_per_parcel, outcome.group_parcels_m, outcome.third_party_parcels_m,
            outcome.capacity_m_parcels, config.cainiao.marginal_cost_rmb_per_parcel,
            config.cainiao.capacity_cost_rmb_per_parcel_quarter, outcome.promised_share * outcome.group_parcels_m,
            outcome.promise_price_rmb_per_parcel, config.promise.cost_rmb_per_parcel if config.promise.on else 0.0)
        row = {"quarter": quarter, "quarter_label": quarter_label(cainiao.start_quarter, quarter), "regime": regime,
               "ownership_share": share, **asdict(outcome), **asdict(accounts)}
        row["aliexpress_profit_rmb_m"] = accounts.aliexpress_profit_rmb_m
        row["cainiao_profit_rmb_m"] = accounts.cainiao_profit_rmb_m
        row["consolidated_profit_rmb_m"] = accounts.consolidated_profit_rmb_m
        row["consolidated_profit_external_rmb_m"] = accounts.consolidated_profit_external_rmb_m
        row["attributable_profit_rmb_m"] = accounts.aliexpress_profit_rmb_m + share * accounts.cainiao_profit_rmb_m
        row["minority_profit_rmb_m"] = (1.0 - share) * accounts.cainiao_profit_rmb_m
        row["buyout_outlay_rmb_m"] = outlay_rmb_m
        row["discount_factor"] = quarterly_discount ** -(quarter + 1)
        if operations.mode == "surface":
            assert seen is not None
            row["allocation"] = allocation
            row["group_on_time_share_seen"] = seen.group.on_time_share
            row["third_party_on_time_share_seen"] = seen.third_party.on_time_share
            if outcome.capacity_m_parcels > 0.0:  # without parcels the service seen stays as it was
                seen = quarter_service(surface, allocation, operations.load_factor_at_capacity,
                                       outcome.group_parcels_m, outcome.third_party_parcels_m,
                                       outcome.capacity_m_parcels)
            row["load_factor"] = seen.load_factor
            for parcel_class in ("group", "third_party"):
                row[f"{parcel_class}_on_time_share"] = getattr(seen, parcel_class).on_time_share
                row[f"{parcel_class}_cost_per_parcel_eur"] = getattr(seen, parcel_class).cost_per_parcel_eur
        rows.append(row)
    table = pl.DataFrame(rows)
    # the outlay is paid at the start of its quarter: discounted by one quarter less than the quarter's profit
    discounted = (table["attributable_profit_rmb_m"] * table["discount_factor"]
                  - table["buyout_outlay_rmb_m"] * table["discount_factor"] * quarterly_discount)
    table = table.with_columns(discounted.cum_sum().alias("cumulative_attributable_cash_discounted_rmb_m"))
    means = table.select(METRIC_COLUMNS.values()).mean().row(0, named=True)
    metrics = {metric: float(means[column]) for metric, column in METRIC_COLUMNS.items()}
    for metric, (numerator, denominator) in RATIO_COLUMNS.items():
        total = float(table[denominator].sum())
        metrics[metric] = float(table[numerator].sum()) / total if total != 0.0 else float("nan")
    gap = (table["consolidated_profit_rmb_m"] - table["consolidated_profit_external_rmb_m"]).abs().to_numpy()
    metrics["consolidation_gap_rmb_m"] = float(gap.max())
    metrics["npv_attributable_rmb_m"] = float((table["attributable_profit_rmb_m"] * table["discount_factor"]).sum())
    metrics["npv_attributable_usd_bn"] = metrics["npv_attributable_rmb_m"] / config.cainiao.rmb_per_usd / 1_000.0
    return ReplicationOutput(metrics=metrics, tables={"quarterly": table})

