"""The logistics model's tables: each column's unit and description (written as Parquet metadata). Clock
times are hours from the start of the run; delivery times are days from the order (calendar or business)."""

from sim.core.model import Column, TableSpec
from sim.models.logistics.costs import FIXED_COST_LINES
from sim.models.logistics.network import STAGES

_COUNTS = {
    "orders": Column("orders", "orders placed that day"),
    "delivered": Column("parcels", "parcels delivered that day"),
    "on_time_share": Column("share", "of promised parcels delivered that day, the share delivered on time"),
}
_CUMULATIVE = {
    "created_cumulative": Column("parcels", "parcels created up to the end of the day"),
    "delivered_cumulative": Column("parcels", "parcels delivered up to the end of the day"),
    "lost_cumulative": Column("parcels", "parcels lost up to the end of the day"),
    "returned_cumulative": Column("parcels", "parcels returned up to the end of the day"),
}
_DAY = Column("day", "calendar day index from the start of the run")

TABLES = (
    TableSpec("daily", "replication and calendar day (horizon, then the drain)", {
        "day": _DAY,
        "date": Column("-", "calendar date"),
        **_COUNTS,
        "p50_delivery_days": Column("days", "median delivery time of parcels delivered that day (calendar days)"),
        "p95_delivery_days": Column("days", "95th percentile delivery time of parcels delivered that day"),
        "late_parcels": Column("parcels", "promised parcels delivered late that day"),
        "lost": Column("parcels", "parcels lost that day"),
        "returned": Column("parcels", "parcels returned that day"),
        "compensation_eur": Column("EUR", "late-delivery compensation paid that day"),
        "gmv_eur": Column("EUR", "value of the orders placed that day"),
        **{f"cost_per_parcel_{stage}_eur": Column("EUR / parcel", f"{stage} stage cost per parcel finished that day")
           for stage in STAGES},
        **{f"cost_per_parcel_{line}_eur": Column(
            "EUR / parcel", f"fixed cost of capacity ({line}) per parcel finished that day (order horizon only)")
           for line in FIXED_COST_LINES},
        "cost_per_parcel_eur": Column("EUR / parcel", "all stage and fixed costs and compensation per parcel "
                                                      "finished that day"),
        **{f"held_{stage}": Column("parcels", f"parcels the {stage} stage holds at the end of the day")
           for stage in STAGES},
        "in_transit": Column("parcels", "parcels held by all stages at the end of the day"),
        **_CUMULATIVE,
    }),
    TableSpec("daily_orders", "replication and order day (the warm-up series)", {
        "day": Column("day", "order day index from the start of the run"),
        "orders": Column("orders", "orders placed that day (the cohort)"),
        "delivered": Column("parcels", "parcels of the cohort delivered by the end of the run"),
        "on_time_share": Column("share", "of the cohort's promised parcels delivered, the share on time"),
        "mean_delivery_days": Column("days", "mean delivery time of the cohort's delivered parcels"),
        "in_transit": Column("parcels", "parcels held by all stages at the end of the day (every cohort)"),
    }),
    TableSpec("delivery_histogram", "replication and 0.1-day bin", {
        "days_from": Column("days", "lower edge of the delivery-time bin"),
        "parcels_calendar_days": Column("parcels", "counted parcels delivered in the bin, in calendar days"),
        "parcels_business_days": Column("parcels", "counted parcels delivered in the bin, in business days"),
    }),
    TableSpec("classes", "replication and parcel class (with third-party parcels)", {
        "parcel_class": Column("-", "group or third_party"),
        "orders": Column("orders", "orders of the counted cohort"),
        "on_time_share": Column("share", "share of the class's promised parcels delivered on time"),
        "p50_delivery_days": Column("days", "median delivery time (calendar days)"),
        "p95_delivery_days": Column("days", "95th percentile delivery time (calendar days)"),
        "mean_delivery_days": Column("days", "mean delivery time (calendar days)"),
        "compensation_eur_per_parcel": Column("EUR / parcel", "late-delivery compensation per parcel"),
        "lost_share": Column("share", "share of the class's parcels lost"),
        "returned_share": Column("share", "share of the class's parcels returned"),
        "unfinished_orders": Column("orders", "orders of the cohort still in transit at the end of the run"),
        "cost_per_parcel_eur": Column("EUR / parcel", "the class's stage costs and compensation plus the fixed "
                                                      "costs of capacity, per finished parcel"),
    }),
    TableSpec("daily_classes", "replication, day and parcel class (with third-party parcels)", {
        "day": _DAY,
        "parcel_class": Column("-", "group or third_party"),
        **_COUNTS,
        **_CUMULATIVE,
        "in_transit": Column("parcels", "parcels of the class held by all stages at the end of the day"),
    }),
    TableSpec("parcels", "parcel, in the order parcels finish (with logistics.record_parcels = true; spooled)", {
        "parcel": Column("-", "parcel index"),
        "customer": Column("-", "customer index"),
        "order_hours": Column("h", "order time (hours from the start)"),
        "ready_hours": Column("h", "time the merchant hands the parcel over (NaN if skipped)"),
        "hub_arrival_hours": Column("h", "arrival at the origin hub (NaN if skipped)"),
        "sorted_hours": Column("h", "sorted at the origin hub (NaN if skipped)"),
        "flight_arrival_hours": Column("h", "line-haul flight arrival in Spain (NaN if skipped)"),
        "customs_arrival_hours": Column("h", "arrival at customs (NaN if skipped)"),
        "customs_done_hours": Column("h", "customs cleared (NaN if skipped)"),
        "final_hours": Column("h", "delivered, lost or returned"),
        "outcome": Column("-", "how the parcel ended: delivered, lost or returned (enum)"),
        "attempts": Column("attempts", "last-mile delivery attempts"),
        "choice": Column("-", "true for a Choice item (consolidated Cainiao stock)"),
        "forward": Column("-", "true if shipped from forward stock in Spain"),
        "promised": Column("-", "true if under the delivery promise"),
        "standard": Column("-", "true if not pre-cleared (standard customs)"),
        "refused": Column("-", "true if the customer refused it"),
        "value_eur": Column("EUR", "the order's value"),
        "weight_kg": Column("kg", "the parcel's weight"),
        "group": Column("-", "true for the group's parcels, false for third-party ones (with third-party parcels)"),
        "delivery_days": Column("days", "order to delivery, calendar days (NaN if not delivered)"),
        "delivery_business_days": Column("business days", "order to delivery, business days (NaN if not delivered)"),
        "on_time": Column("-", "true if delivered within the promise"),
    }),
)
