"""Customs clearance with two parcel classes (group and third-party), non-preemptive priority or FCFS: an
M/M/c queue with classes in SimPy on the monitored priority queue, checked against Cobham's waits."""

from sim.core.model import Metric, Model
from sim.models.customs_classes.config import CustomsClassesParameters, CustomsClassesScenario
from sim.models.customs_classes.model import simulate
from sim.models.customs_classes.validation import validation_cases

__all__ = ["MODEL", "CustomsClassesParameters", "CustomsClassesScenario"]

MODEL = Model(
    name="customs_classes",
    description="Customs clearance with group and third-party parcels, group first (non-preemptive) or FCFS",
    config_type=CustomsClassesScenario,
    simulate=simulate,
    metrics=(
        Metric("mean_wait_group_hours", "hours", "mean wait in queue of the group's parcels", key=True),
        Metric("mean_wait_third_party_hours", "hours", "mean wait in queue of third-party parcels", key=True),
        Metric("mean_wait_hours", "hours", "mean wait in queue of all parcels"),
        Metric("utilisation", "share", "time-average share of officers busy", kind="proportion"),
        Metric("group_arrival_rate_per_hour", "parcels/hour", "observed group arrival rate after warm-up"),
        Metric("parcels_cleared", "parcels", "parcels arriving after warm-up", kind="count"),
    ),
    validation_checks=validation_cases,
)
