"""Cross-border logistics under a delivery guarantee (China -> Spain), as SimPy processes, in two
fidelities (one process per parcel, or processes moving bags with numba stage kernels).

Modules: config (schema), calendar (Spanish business days), guarantee (the on-time rule and compensation),
network (timetables, stage rules, queue kernels), demand (customers and orders through sim.kernels), parcel /
batch (the two fidelities), costs (per stage, and the cost per parcel),
metrics (the ledger: tables and metrics), charts, counter_rng (per-customer and per-flight substreams).

Tables of a replication:
  daily               one row per day of horizon + drain: orders, deliveries, on-time share, p50/p95 delivery
                      days, late parcels, compensation, cost per parcel by stage, GMV, parcels held by each
                      stage at the end of the day, cumulative created / delivered / lost / returned
  daily_orders        one row per order day of the horizon: how that day's orders fared (warm-up series)
  delivery_histogram  delivered parcels of the counted cohort by delivery time (0.1-day bins)
  parcels             one row per finished parcel with every stage time (when `record_parcels = true`)
"""

from sim.core.model import Metric, Model, WarmupSeries
from sim.models.logistics.config import LogisticsScenario
from sim.models.logistics.costs import FIXED_COST_LINES, STAGE_COST_LABELS
from sim.models.logistics.model import simulate
from sim.models.logistics.tables import TABLES

__all__ = ["MODEL", "LogisticsScenario"]

_STAGE_COST_METRICS = tuple(
    Metric(f"cost_{name}_eur_per_parcel", "EUR/parcel", f"{label} cost per finished parcel", kind="amount")
    for name, label in STAGE_COST_LABELS.items()
) + tuple(
    Metric(f"cost_{name}_eur_per_parcel", "EUR/parcel",
           f"fixed cost of {name.replace('_', ' ')} held in the window per finished parcel", kind="amount")
    for name in FIXED_COST_LINES
)


def _charts(result, directory):
    from sim.models.logistics.charts import logistics_charts  # charts only: loading the model never imports matplotlib

    return logistics_charts(result, directory)


MODEL = Model(
    name="logistics",
    tables=TABLES,
    description="Cross-border parcels China -> Spain under a five-day delivery guarantee",
    config_type=LogisticsScenario,
    # `Model` is not generic in its config type; the spine calls `simulate` with a `config_type` instance
    simulate=simulate,
    metrics=(
        Metric("on_time_share", "share", "promised parcels delivered within the promise (of those delivered)",
               kind="proportion", key=True),
        Metric("on_time_share_lost_as_late", "share",
               "promised parcels delivered within the promise, a lost one counted as a broken promise",
               kind="proportion"),
        Metric("p50_delivery_days", "days", "median calendar days from order to delivery", kind="quantile"),
        Metric("p95_delivery_days", "days", "95th percentile of calendar days from order to delivery",
               kind="quantile", key=True),
        Metric("p50_delivery_business_days", "business days",
               "median Spanish business days from order to delivery", kind="quantile"),
        Metric("p50_promised_delivery_business_days", "business days",
               "median Spanish business days from order to delivery of promised parcels", kind="quantile"),
        Metric("p95_delivery_business_days", "business days",
               "95th percentile of Spanish business days from order to delivery", kind="quantile"),
        Metric("mean_delivery_days", "days", "mean calendar days from order to delivery"),
        Metric("cost_per_parcel_eur", "EUR/parcel",
               "logistics cost (per-parcel and fixed) plus compensation per finished parcel", kind="amount",
               key=True),
        Metric("compensation_cost_eur", "EUR", "coupons and refunds paid for late promised parcels",
               kind="amount"),
        Metric("compensation_eur_per_parcel", "EUR/parcel",
               "coupons and refunds paid for late promised parcels per finished parcel (part of cost_per_parcel_eur)",
               kind="amount"),
        Metric("late_parcels", "parcels", "promised parcels delivered late", kind="count"),
        Metric("refund_cost_eur", "EUR", "item value refunded for lost and returned parcels", kind="amount"),
        Metric("lost_share", "share", "share of finished parcels lost", kind="proportion"),
        Metric("returned_share", "share", "share of finished parcels returned", kind="proportion"),
        Metric("orders", "orders", "orders placed in the window", kind="count"),
        Metric("gmv_eur", "EUR", "value of orders placed in the window", kind="amount"),
        Metric("unfinished_orders", "orders", "orders of the window still in transit at the end of the run",
               kind="count"),
        Metric("repeat_purchase_rate", "share", "share of buyers in the window who ordered again",
               kind="proportion"),
        *_STAGE_COST_METRICS,
    ),
    charts=_charts,
    # the daily table runs on through the drain and has days without deliveries; the warm-up (the pipeline
    # filling up) shows in the delivery time of each day's orders, one row per order day of the horizon
    warmup_series=WarmupSeries("daily_orders", "day", "mean_delivery_days"),
)
