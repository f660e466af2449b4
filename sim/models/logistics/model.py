"""One replication of the logistics model: build the timetables, the customers and the ledger, run the
chosen fidelity, and turn the ledger into metrics and tables.

Orders are placed over [0, horizon); the network then keeps running for `drain_days` so that (almost)
every parcel finishes. Metrics cover the cohort of orders placed in [warm-up, horizon).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.core.model import ReplicationOutput
from sim.core.rng import Streams
from sim.models.logistics.config import LogisticsScenario
from sim.models.logistics.demand import Demand
from sim.models.logistics.metrics import Ledger
from sim.models.logistics.network import Network

if TYPE_CHECKING:
    import polars as pl

    from sim.core.spool import TableSpool

__all__ = ["simulate", "build"]


def build(config: LogisticsScenario, streams: Streams) -> tuple[Network, Ledger, Demand, int, int]:
    p = config.logistics
    horizon_days = int(math.ceil(config.run.horizon_days))
    n_days = horizon_days + p.drain_days
    net = Network(p, n_days, streams.entropy("network.flights"))
    window = (float(config.run.warmup_days) * 24.0, config.run.horizon_days * 24.0)
    ledger = Ledger(p, net.calendar, n_days, window)
    demand = Demand(p, streams, net.calendar, window)
    return net, ledger, demand, horizon_days, n_days


def simulate(config: LogisticsScenario, streams: Streams) -> ReplicationOutput:
    p = config.logistics
    net, ledger, demand, horizon_days, n_days = build(config, streams)
    end_hours = 24.0 * n_days
    if p.fidelity == "parcel":
        from sim.models.logistics.parcel import run_parcel_fidelity

        run_parcel_fidelity(net, demand, ledger, streams["network.parcel"], horizon_days, end_hours)
    else:
        from sim.models.logistics.batch import run_batch_fidelity

        run_batch_fidelity(net, demand, ledger, streams["network.parcel"], horizon_days, end_hours)
    metrics = ledger.metrics(demand.customers.repeat_purchase_rate())
    tables: dict[str, pl.DataFrame | TableSpool] = {
        "daily": ledger.daily_table(), "daily_orders": ledger.order_day_table(horizon_days),
        "delivery_histogram": ledger.delivery_histogram_table()}
    classes, daily_classes = ledger.class_table(), ledger.class_daily_table()
    if classes is not None and daily_classes is not None:
        tables["classes"] = classes
        tables["daily_classes"] = daily_classes
    parcels = ledger.parcel_table()
    if parcels is not None:
        tables["parcels"] = parcels
    return ReplicationOutput(metrics=metrics, tables=tables)
