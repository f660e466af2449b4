"""Customs clearance at the destination hub: an M/M/c queue in SimPy, checked against Erlang C."""

from sim.core.model import Metric, Model, WarmupSeries
from sim.models.customs.config import CustomsParameters, CustomsScenario
from sim.models.customs.model import CustomsOffice, poisson_arrival_times, simulate
from sim.models.customs.validation import validation_cases
from sim.models.customs.tables import TABLES

__all__ = ["MODEL", "CustomsOffice", "CustomsParameters", "CustomsScenario", "poisson_arrival_times"]


def _charts(result, directory):
    from sim.models.customs.charts import customs_charts  # charts only: loading the model never imports matplotlib

    return customs_charts(result, directory)


MODEL = Model(
    name="customs",
    tables=TABLES,
    description="Customs clearance at the destination hub as an M/M/c queue",
    config_type=CustomsScenario,
    simulate=simulate,
    metrics=(
        Metric("mean_wait_hours", "hours", "mean wait in queue before an officer starts clearing", key=True),
        Metric("probability_of_waiting", "share", "share of parcels that wait at all", kind="proportion", key=True),
        Metric("p95_wait_hours", "hours", "95th percentile of the wait in queue", kind="quantile"),
        Metric("mean_time_in_system_hours", "hours", "mean wait plus clearance time"),
        Metric("mean_queue_length", "parcels", "time-average number waiting (independent monitor)", key=True),
        Metric("utilisation", "share", "time-average share of officers busy", kind="proportion"),
        Metric("arrival_rate_per_hour", "parcels/hour", "observed arrival rate after warm-up"),
        Metric("littles_law_gap", "parcels", "Lq - lambda W_q measured separately; 0 by Little's law"),
        Metric("parcels_cleared", "parcels", "parcels arriving after warm-up", kind="count"),
    ),
    validation_checks=validation_cases,
    charts=_charts,
    warmup_series=WarmupSeries("hourly", "hour", "mean_queue_length", time_unit_days=1.0 / 24.0),
)
