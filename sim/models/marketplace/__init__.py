"""A marketplace where buyers search, some of them AI agents: Stahl (1989) search with shoppers, checked
against `sim.theory.search`; logit-Bertrand for differentiated goods (`sim.theory.io`)."""

import polars as pl

from sim.core.model import Metric, Model, WarmupSeries
from sim.core.stats import paired_comparison
from sim.models.marketplace.config import MarketplaceScenario
from sim.models.marketplace.model import simulate
from sim.models.marketplace.validation import validation_cases
from sim.models.marketplace.tables import TABLES

__all__ = ["MODEL", "MarketplaceScenario"]

PRICE = "price units (v = 1)"

def _paired_report(baseline, scenario) -> pl.DataFrame:
    """One row for `sim compare`: the moat, read as the share of the category's purchases this platform
    loses going from the baseline to the scenario (e.g. the rival's take rate a point lower), paired by
    replication (common random numbers), with the rival's take rates and the baseline's single-homing share."""
    comparison = paired_comparison(scenario.metric_values("platform_purchase_share").to_numpy(),
                                   baseline.metric_values("platform_purchase_share").to_numpy())
    take = [result.resolved_scenario.get("rival", {}).get("take_rate", 0.0) for result in (baseline, scenario)]
    return pl.DataFrame({
        "rival_take_rate_baseline": [float(take[0])], "rival_take_rate_scenario": [float(take[1])],
        "platform_purchase_share_baseline": [comparison.mean_b],
        "platform_purchase_share_lost": [comparison.mean_difference],
        "ci_low": [comparison.difference.low], "ci_high": [comparison.difference.high], "level": [0.95],
        "single_homing_share_baseline": [float(baseline.metric_values("single_homing_share").mean())],
    })


MODEL = Model(
    name="marketplace",
    tables=TABLES,
    description="A marketplace where human and AI-agent buyers search merchants' prices (Stahl 1989)",
    config_type=MarketplaceScenario,
    simulate=simulate,
    metrics=(
        Metric("mean_posted_price", PRICE, "mean over merchant-days of the posted price", key=True),
        Metric("mean_price_paid", PRICE, "mean price of a purchase", key=True),
        Metric("mean_price_paid_humans", PRICE, "mean price of a human buyer's purchase (nan if none)"),
        Metric("mean_price_paid_agents", PRICE, "mean price of an AI agent's purchase (nan if none)"),
        Metric("posted_price_sd", PRICE, "within-day standard deviation of posted prices, mean over days"),
        Metric("search_cost_per_purchase", PRICE, "search costs paid by all buyers per purchase"),
        Metric("quotes_per_human_visit", "quotes", "quotes a human reads per visit (first one free)"),
        Metric("purchase_share", "share", "share of visits that end in a purchase", kind="proportion"),
        Metric("consumer_surplus_per_visit", PRICE,
               "v - price - search costs per visit (differentiated: expected logit surplus)", key=True),
        Metric("welfare_share", "share",
               "realised total surplus / full-information optimum (v - c per visit); homogeneous goods only",
               kind="proportion"),
        Metric("merchants", "merchants", "merchants listed, mean over days (fixed unless [entry])",
               kind="count"),
        Metric("merchant_profit_per_day", PRICE, "all merchants' net receipts minus costs per day (and listing, entry and ad costs with [entry], [ads])", key=True),
        Metric("platform_revenue_per_day", PRICE, "take-rate revenue per day"),
        Metric("ad_revenue_per_day", PRICE, "platform revenue from ads per day (0 without [ads])"),
        Metric("agent_access_revenue_per_day", PRICE, "agent-access fees paid to the platform per day (0 without)"),
        Metric("direct_service_revenue_per_day", PRICE,
               "what buyers pay the platform's direct AI service per day (0 without)"),
        Metric("direct_service_profit_per_day", PRICE, "direct AI service revenue less its inference cost per day"),
        Metric("platform_total_revenue_per_day", PRICE,
               "platform revenue from every source per day: take + ads + agent access + direct service", key=True),
        Metric("accounting_gap", "share",
               "|buyer payments + fees paid - (merchant net receipts + platform revenue by source)| / (payments + "
               "fees); 0 by accounting"),
        Metric("tool_adopters", "merchants", "merchants using the AI 1.0 merchant tools (0 without [tools])",
               kind="count"),
        Metric("platform_agent_share", "share",
               "merchant 0's sales per visit (the platform's own agent in [agent_market])", kind="proportion"),
        Metric("contacts_per_order", "contacts", "customer-service contacts per order (nan without [service])"),
        Metric("bot_resolved_share", "share", "share of contacts the bot resolves", kind="proportion"),
        Metric("contact_wait_minutes", "minutes", "mean wait of a human-handled contact for an agent"),
        Metric("contact_wait_probability", "share", "share of human-handled contacts that wait", kind="proportion"),
        Metric("human_agent_utilisation", "share", "human agents' handling time / their time on duty",
               kind="proportion"),
        Metric("service_cost_per_contact", PRICE, "bot costs plus human agents' hours per contact"),
        Metric("service_cost_per_order", PRICE, "bot costs plus human agents' hours per order"),
        Metric("gmv_per_day", PRICE, "gross merchandise value: what buyers pay for goods per day"),
        Metric("purchases_per_buyer_year", "purchases",
               "purchases per buyer per 365 days (nan without buyers.population)"),
        Metric("active_buyers", "buyers",
               "buyers with a purchase in 365 days if each buys at the Poisson rate (nan without buyers.population)"),
        Metric("visit_frequency_multiplier", "ratio",
               "visits per day / market.visits_per_day ([basics]: price and delivery; 1 without)"),
        Metric("direct_merchants", "merchants", "direct-to-manufacturer merchants ([basics]; 0 without)",
               kind="count"),
        Metric("direct_merchant_sales_share", "share", "direct-to-manufacturer merchants' share of units sold",
               kind="proportion"),
        Metric("platform_cost_per_order", PRICE,
               "the platform's operating cost per order: contact centre plus direct AI service inference"),
        Metric("platform_purchase_share", "share",
               "this platform's share of the category's purchases (1 without [rival])", kind="proportion"),
        Metric("rival_purchases_per_day", "purchases", "the category's purchases on the rival platform per day"),
        Metric("single_homing_share", "share",
               "moat: 1 - the multi-homing (agents') share of visits, with a [rival] (nan without)",
               kind="proportion"),
        Metric("human_reservation_price", PRICE, "humans' reservation price, mean over days"),
        Metric("search_saving_at_reservation", PRICE,
               "E[max(r - P, 0)] over posted prices: what one more quote saves a human at r"),
        Metric("probe_profit_difference_per_visit", PRICE,
               "merchant 0's profit at the probe price minus at the reference price, per visit (nan without "
               "a [probe])"),
        Metric("visits_per_day", "visits", "visits per day after warm-up"),
        Metric("profit_gain_delta", "share",
               "Calvano's Delta: merchants' profit between Bertrand (0) and monopoly (1); homogeneous goods"),
    ),
    validation_checks=validation_cases,
    warmup_series=WarmupSeries("daily", "day", "mean_posted_price"),
    paired_report=_paired_report,
)
