"""One replication of the marketplace: run the market (`market.py`), then its metrics and tables.

Statistics cover days d >= run.warmup_days (day d's visits happen at d + 0.5)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from sim.core.model import ReplicationOutput
from sim.core.rng import Streams
from sim.kernels.search import AGENT, HUMAN, PAID, PURCHASES, QUOTES, SEARCH_COSTS, VISITS
from sim.models.marketplace.config import MarketplaceScenario
from sim.models.marketplace.market import MarketDays, merchant_unit_costs, run_market
from sim.models.marketplace import service as contact_centre
from sim.theory import search

__all__ = ["simulate", "replication_output"]


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator > 0 else math.nan


def simulate(config: MarketplaceScenario, streams: Streams) -> ReplicationOutput:
    """One replication of the marketplace."""
    return replication_output(config, run_market(config, streams))


def replication_output(config: MarketplaceScenario, days: MarketDays) -> ReplicationOutput:
    """Metrics (after the warm-up) and tables of a market's days."""
    params = config.market
    first_counted = int(math.ceil(float(config.run.warmup_days)))
    tables = {"daily": _daily_table(config, days)}
    stahl = (search.stahl_equilibrium(params.merchants, config.buyers.agent_share, config.buyers.human_search_cost,
                                      params.valuation, params.effective_cost)
             if params.goods == "homogeneous" else None)
    tables["equilibrium"] = pl.DataFrame({
        "goods": [params.goods], "pricing": [config.pricing.mode],
        "regime": [stahl.regime if stahl is not None else "logit_bertrand"],
        "reservation_price": [stahl.reservation_price if stahl is not None else math.nan],
        "lowest_price": [stahl.lowest_price if stahl is not None else math.nan],
        "mean_price": [stahl.mean_price if stahl is not None else math.nan],
        "mean_min_price": [stahl.mean_min_price if stahl is not None else math.nan],
    })
    if config.pricing.record_prices:
        n_days, n = days.prices.shape
        tables["prices"] = pl.DataFrame({
            "day": np.repeat(np.arange(n_days, dtype=np.int64), n),
            "merchant": np.tile(np.arange(n, dtype=np.int64), n_days),
            "price": days.prices.reshape(-1),
        })
        if days.listed is not None:  # entry and exit: only the merchants listed that day
            tables["prices"] = tables["prices"].filter(pl.col("price").is_not_nan())
    return ReplicationOutput(metrics=_metrics(config, days.after(first_counted)), tables=tables)


def _metrics(config: MarketplaceScenario, days: MarketDays) -> dict[str, float]:
    params = config.market
    take = params.take_rate
    totals = days.totals.sum(axis=0)
    revenue, sales = days.revenue.sum(axis=0), days.sales.sum(axis=0)
    n_days = days.prices.shape[0]
    visits, purchases = totals[:, VISITS].sum(), totals[:, PURCHASES].sum()
    payments, search_costs = totals[:, PAID].sum(), totals[:, SEARCH_COSTS].sum()
    # accounting: what buyers paid (summed by buyer type, in the kernel) against what merchants and the
    # platform received (summed by merchant)
    net_receipts = float(np.sum((1.0 - take) * revenue))
    platform_revenue = float(np.sum(take * revenue))
    # inference cost too, in [agent_market]; direct merchants' lower costs in [basics]
    cost_of_sales = (float(sales @ merchant_unit_costs(config)) if config.basics.direct_merchants
                     else config.unit_cost * float(sales.sum()))
    merchant_profit = net_receipts - cost_of_sales
    homogeneous = params.goods == "homogeneous"
    operating_profit = merchant_profit  # before listing, entry and ad costs
    merchants = float(params.merchants)
    mean, sd = np.mean, np.std
    if days.listed is not None and days.entry_costs is not None:  # entry and exit (`[entry]`)
        merchant_profit -= (config.entry.listing_cost_per_day * float(days.listed.sum())
                            + float(days.entry_costs.sum()))
        merchants = float(days.listed.mean()) if n_days else math.nan
        mean, sd = np.nanmean, np.nanstd  # prices are nan in the slots not listed
    ad_revenue = 0.0
    if days.ad_impressions is not None:  # ads (`[ads]`): advertisers pay the platform per impression
        ad_revenue = config.ads.price_per_impression * float(days.ad_impressions.sum())
        merchant_profit -= ad_revenue
    # revenue by source beyond take and ads (`[fees]`): agent access (paid by buyers or merchants) and the
    # platform's direct AI service (paid by buyers)
    fees = config.fees
    access_revenue = fees.agent_access_fee_per_visit * float(totals[AGENT, VISITS])
    buyer_access_fees = access_revenue if fees.agent_access_fee_payer == "buyer" else 0.0
    merchant_access_fees = access_revenue - buyer_access_fees
    merchant_profit -= merchant_access_fees
    adopters = float(days.tool_adopters or 0)
    if days.tool_adopters is not None:  # merchant tools (`[tools]`): the adopters' cost
        merchant_profit -= config.tools.cost_per_listing_per_day * adopters * n_days
    uses = float(days.direct_service_uses.sum()) if days.direct_service_uses is not None else 0.0
    direct_revenue = fees.direct_service_price_per_use * uses
    # the payers' side: buyers' prices and fees, merchants' fees (ads, access levy), each from its own counts
    paid_in = payments + (buyer_access_fees + direct_revenue) + (ad_revenue + merchant_access_fees)
    platform_total = platform_revenue + ad_revenue + access_revenue + direct_revenue
    attainable = (params.valuation - params.marginal_cost) * visits
    realised = (params.valuation - params.marginal_cost) * purchases - search_costs
    posted, reservation = days.prices, days.reservation_price
    saving = mean(np.maximum(reservation[:, None] - posted, 0.0), axis=1) if homogeneous else np.full(n_days,
                                                                                                      math.nan)
    return (_service_metrics(config, days, purchases) | _growth_metrics(config, days, purchases, payments, uses)
            | _moat_metrics(days, purchases, visits, float(totals[AGENT, VISITS])) | {
        "mean_posted_price": float(mean(posted)) if n_days else math.nan,
        "mean_price_paid": _ratio(payments, purchases),
        "mean_price_paid_humans": _ratio(totals[HUMAN, PAID], totals[HUMAN, PURCHASES]),
        "mean_price_paid_agents": _ratio(totals[AGENT, PAID], totals[AGENT, PURCHASES]),
        "posted_price_sd": float(sd(posted, axis=1).mean()) if n_days else math.nan,
        "search_cost_per_purchase": _ratio(search_costs, purchases),
        "quotes_per_human_visit": _ratio(totals[HUMAN, QUOTES], totals[HUMAN, VISITS]),
        "purchase_share": _ratio(purchases, visits),
        "consumer_surplus_per_visit": _ratio(float(days.consumer_surplus.sum()) - buyer_access_fees, visits),
        "welfare_share": _ratio(realised, attainable) if homogeneous else math.nan,
        "merchants": merchants,
        "merchant_profit_per_day": _ratio(merchant_profit, n_days),
        "platform_revenue_per_day": _ratio(platform_revenue, n_days),
        "ad_revenue_per_day": _ratio(ad_revenue, n_days),
        "tool_adopters": adopters,
        "platform_agent_share": _ratio(float(sales[0]), visits),
        "agent_access_revenue_per_day": _ratio(access_revenue, n_days),
        "direct_service_revenue_per_day": _ratio(direct_revenue, n_days),
        "direct_service_profit_per_day": _ratio(direct_revenue - fees.direct_service_cost_per_use * uses, n_days),
        "platform_total_revenue_per_day": _ratio(platform_total, n_days),
        "accounting_gap": _ratio(abs(paid_in - (net_receipts + platform_total)), paid_in) if paid_in else 0.0,
        "human_reservation_price": float(reservation.mean()) if n_days else math.nan,
        "search_saving_at_reservation": float(saving.mean()) if n_days else math.nan,
        "probe_profit_difference_per_visit": (_ratio(float(days.probe_profit_difference.sum()), visits)
                                              if config.probe else math.nan),
        "visits_per_day": _ratio(visits, n_days),
        # Calvano et al.'s (2020) Delta: (profit - Bertrand profit) / (monopoly profit - Bertrand profit), per
        # visit; in the homogeneous market Bertrand earns 0 and a monopoly (1 - t) v - c on every visit
        "profit_gain_delta": (_ratio(operating_profit, visits * ((1.0 - take) * params.valuation - params.marginal_cost))
                              if homogeneous else math.nan),
    })


def _moat_metrics(days: MarketDays, purchases: float, visits: float, agent_visits: float) -> dict[str, float]:
    """The moat goal's KPIs with a rival platform (`[rival]`): this platform's share of the category's
    purchases, and the single-homing share, 1 - the multi-homing (agents') share of visits; without a rival
    the platform has the whole category (share 1) and nobody has another platform to multi-home on (nan)."""
    if days.rival_purchases is None:
        return {"platform_purchase_share": 1.0 if purchases > 0 else math.nan, "rival_purchases_per_day": 0.0,
                "single_homing_share": math.nan}
    on_rival = float(days.rival_purchases.sum())
    return {"platform_purchase_share": _ratio(purchases, purchases + on_rival),
            "rival_purchases_per_day": _ratio(on_rival, days.rival_purchases.size),
            "single_homing_share": 1.0 - _ratio(agent_visits, visits)}


def _growth_metrics(config: MarketplaceScenario, days: MarketDays, purchases: float, payments: float,
                    direct_service_uses: float) -> dict[str, float]:
    """KPIs of the growth goal (active buyers, purchase frequency, GMV, merchants by tier) and the platform's
    operating cost per order. Active buyers: of `buyers.population` identical buyers whose purchases are
    Poisson at the simulated rate, those buying at least once in 365 days, N (1 - exp(-365 x purchases per
    buyer-day)) (assumption: no heterogeneity across buyers)."""
    n_days = days.prices.shape[0]
    population = config.buyers.population
    per_buyer_day = _ratio(purchases, n_days * population) if population is not None else math.nan
    direct = config.basics.direct_merchants
    sales = days.sales.sum(axis=0)
    cost = _service_cost(config, days) + config.fees.direct_service_cost_per_use * direct_service_uses
    return {
        "gmv_per_day": _ratio(payments, n_days),
        "purchases_per_buyer_year": 365.0 * per_buyer_day,
        "active_buyers": (population * -math.expm1(-365.0 * per_buyer_day)
                          if population is not None and not math.isnan(per_buyer_day) else math.nan),
        "visit_frequency_multiplier": days.frequency_multiplier,
        "direct_merchants": float(direct),
        "direct_merchant_sales_share": _ratio(float(sales[sales.size - direct:].sum()) if direct else 0.0,
                                              float(sales.sum())),
        "platform_cost_per_order": _ratio(cost, purchases),
    }


def _service_cost(config: MarketplaceScenario, days: MarketDays) -> float:
    """The contact centre's cost over the days counted: the bot's per contact it resolves plus every human
    agent's hours (0 without `[service]`)."""
    if days.service is None:
        return 0.0
    service = config.service
    return (service.bot_cost_per_contact * days.service.sum(axis=0)[contact_centre.BOT_RESOLVED]
            + service.human_agent_cost_per_hour * 24.0 * service.human_agents * days.service.shape[0])


def _service_metrics(config: MarketplaceScenario, days: MarketDays, orders: float) -> dict[str, float]:
    """The contact centre's KPIs over the days counted (contacts counted by the day they arrived for; nan
    without `[service]`). Cost: the bot's per contact plus every human agent's hours over those days."""
    names = ("contacts_per_order", "bot_resolved_share", "contact_wait_minutes", "contact_wait_probability",
             "human_agent_utilisation", "service_cost_per_contact", "service_cost_per_order")
    if days.service is None:
        return dict.fromkeys(names, math.nan)
    service, table = config.service, days.service.sum(axis=0)
    n_days = days.service.shape[0]
    contacts, humans = table[contact_centre.CONTACTS], table[contact_centre.HUMAN_CONTACTS]
    cost = _service_cost(config, days)
    return {
        "contacts_per_order": _ratio(contacts, orders),
        "bot_resolved_share": _ratio(table[contact_centre.BOT_RESOLVED], contacts),
        "contact_wait_minutes": _ratio(table[contact_centre.WAIT_MINUTES], humans),
        "contact_wait_probability": _ratio(table[contact_centre.WAITED], humans),
        "human_agent_utilisation": _ratio(table[contact_centre.HANDLING_MINUTES],
                                          contact_centre.MINUTES_PER_DAY * service.human_agents * n_days),
        "service_cost_per_contact": _ratio(cost, contacts),
        "service_cost_per_order": _ratio(cost, orders),
    }


def _daily_table(config: MarketplaceScenario, days: MarketDays) -> pl.DataFrame:
    take, cost = config.market.take_rate, config.unit_cost
    totals = days.totals
    cost_of_sales = (days.sales @ merchant_unit_costs(config) if config.basics.direct_merchants
                     else cost * days.sales.sum(axis=1))
    listed = days.listed is not None and days.entry_costs is not None
    mean, low = (np.nanmean, np.nanmin) if listed else (np.mean, np.min)
    table = pl.DataFrame({
        "day": np.arange(days.prices.shape[0], dtype=np.int64),
        "mean_posted_price": mean(days.prices, axis=1),
        "min_posted_price": low(days.prices, axis=1),
        "reservation_price": days.reservation_price,
        "visits_humans": totals[:, HUMAN, VISITS], "visits_agents": totals[:, AGENT, VISITS],
        "purchases_humans": totals[:, HUMAN, PURCHASES], "purchases_agents": totals[:, AGENT, PURCHASES],
        "paid_humans": totals[:, HUMAN, PAID], "paid_agents": totals[:, AGENT, PAID],
        "search_costs": totals[:, :, SEARCH_COSTS].sum(axis=1),
        "merchant_profit": (1.0 - take) * days.revenue.sum(axis=1) - cost_of_sales,
        "platform_revenue": take * days.revenue.sum(axis=1),
    })
    if days.listed is not None and days.entry_costs is not None:  # entry and exit: net of fixed costs
        table = table.with_columns(
            merchants=pl.Series(days.listed),
            merchant_profit=pl.col("merchant_profit") - config.entry.listing_cost_per_day * pl.Series(days.listed)
            - pl.Series(days.entry_costs))
    if days.ad_impressions is not None:
        ad_revenue = config.ads.price_per_impression * days.ad_impressions
        table = table.with_columns(ad_impressions=pl.Series(days.ad_impressions), ad_revenue=pl.Series(ad_revenue),
                                   merchant_profit=pl.col("merchant_profit") - pl.Series(ad_revenue))
    fees = config.fees
    if fees.agent_access_fee_per_visit > 0.0:
        access = fees.agent_access_fee_per_visit * totals[:, AGENT, VISITS]
        table = table.with_columns(agent_access_revenue=pl.Series(access))
        if fees.agent_access_fee_payer == "merchants":
            table = table.with_columns(merchant_profit=pl.col("merchant_profit") - pl.Series(access))
    if days.direct_service_uses is not None:
        table = table.with_columns(
            direct_service_uses=pl.Series(days.direct_service_uses),
            direct_service_revenue=pl.Series(fees.direct_service_price_per_use * days.direct_service_uses))
    if days.tool_adopters is not None:
        table = table.with_columns(merchant_profit=pl.col("merchant_profit")
                                   - config.tools.cost_per_listing_per_day * days.tool_adopters)
    if days.service is not None:
        service = days.service
        humans = service[:, contact_centre.HUMAN_CONTACTS]
        with np.errstate(invalid="ignore", divide="ignore"):
            wait = np.where(humans > 0, service[:, contact_centre.WAIT_MINUTES] / humans, math.nan)
        table = table.with_columns(contacts=pl.Series(service[:, contact_centre.CONTACTS]),
                                   bot_resolved=pl.Series(service[:, contact_centre.BOT_RESOLVED]),
                                   contact_wait_minutes=pl.Series(wait))
    return table
