"""The marketplace model's tables: each column's unit and description (written as Parquet metadata). Prices
and money are in units of the buyer's valuation v."""

from sim.core.model import Column, TableSpec

_PRICE = "price units (v = 1)"  # the unit of the model's price metrics: the buyer's valuation v is 1

TABLES = (
    TableSpec("daily", "replication and day", {
        "day": Column("day", "day index from t = 0"),
        "mean_posted_price": Column(_PRICE, "mean of the merchants' posted prices (the warm-up series)"),
        "min_posted_price": Column(_PRICE, "lowest posted price"),
        "reservation_price": Column(_PRICE, "human buyers' reservation price"),
        "visits_humans": Column("visits", "merchant visits by human buyers"),
        "visits_agents": Column("visits", "merchant visits (price reads) by AI buying agents"),
        "purchases_humans": Column("purchases", "purchases by human buyers"),
        "purchases_agents": Column("purchases", "purchases by AI buying agents"),
        "paid_humans": Column(_PRICE, "total paid by human buyers"),
        "paid_agents": Column(_PRICE, "total paid by AI buying agents"),
        "search_costs": Column(_PRICE, "search costs buyers incurred"),
        "merchant_profit": Column(_PRICE, "merchants' profit, summed over merchants (net of listing, entry and ad "
                                          "costs when [entry] or [ads] is on, and of agent-access fees when merchants pay them)"),
        "platform_revenue": Column(_PRICE, "the platform's take-rate revenue"),
        "merchants": Column("merchants", "merchants listed that day (with [entry])"),
        "ad_impressions": Column("visits", "human visits shown an advertiser first (with [ads])"),
        "ad_revenue": Column(_PRICE, "the platform's ad revenue (with [ads])"),
        "agent_access_revenue": Column(_PRICE, "agent-access fees paid to the platform (with fees.agent_access_fee_per_visit)"),
        "direct_service_uses": Column("uses", "uses of the platform's direct AI service (with its uptake > 0)"),
        "direct_service_revenue": Column(_PRICE, "what buyers paid the direct AI service (with its uptake > 0)"),
        "contacts": Column("contacts", "customer-service contacts about that day's orders (with [service])"),
        "bot_resolved": Column("contacts", "of them, resolved by the bot (with [service])"),
        "contact_wait_minutes": Column("minutes", "mean wait of that day's human-handled contacts (with [service]; "
                                                  "nan if none)"),
    }),
    TableSpec("equilibrium", "replication", {
        "goods": Column("-", "homogeneous or differentiated goods"),
        "pricing": Column("-", "how merchants price (the scenario's pricing.mode)"),
        "regime": Column("-", "Stahl regime (interior, capped, monopoly, diamond, bertrand) or logit_bertrand"),
        "reservation_price": Column(_PRICE, "Stahl's reservation price of searching buyers (NaN if not Stahl)"),
        "lowest_price": Column(_PRICE, "lowest price in the support of Stahl's price distribution"),
        "mean_price": Column(_PRICE, "Stahl's expected posted price"),
        "mean_min_price": Column(_PRICE, "Stahl's expected lowest of the posted prices"),
    }),
    TableSpec("prices", "replication, day and merchant (with pricing.record_prices = true)", {
        "day": Column("day", "day index from t = 0"),
        "merchant": Column("-", "merchant index"),
        "price": Column(_PRICE, "the merchant's posted price that day"),
    }),
)
