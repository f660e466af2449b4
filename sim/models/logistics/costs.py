"""Cost of each parcel by stage, the fixed costs of capacity by day, and the cost per finished parcel
(logistics cost plus compensation).

Per parcel. A parcel pays a stage's cost when it enters the stage: a parcel lost in the air has paid the
air freight but not customs or the last mile; the last mile is paid per attempt. The line haul is priced by
how the air capacity is bought (`line_haul.service`): dedicated flights at `air_freight_eur_per_kg`, or
space on consolidated economy air via a transit hub at `consolidated_air_eur_per_kg` plus `transit_hub_eur`
a parcel (both in the line_haul stage), with the road feeder from the European gateway to Spain,
`road_feeder_eur` a landed parcel, in the destination_hub stage. The last mile costs
`last_mile_eur_per_attempt` with an express carrier and `postal_last_mile_eur_per_attempt` on the postal
round (`last_mile.service`). Duties and the EU handling fee are
charged per item (one item per parcel) at customs on parcels released into the EU: a parcel refused at
customs pays the clearance (its declaration was processed) but no duty or fee. Forward-stocked items pay
them on import into the Spanish warehouse (with the lower warehouse handling fee).

Fixed costs of capacity (`FIXED_COST_LINES`), charged by day whatever the volume: each scheduled departure
of a dedicated line haul costs `fixed_eur_per_flight_week` (a flight-week: one weekly departure slot for one
week, flown or cancelled; consolidated space is bought per kg and has none), each customs officer costs
`fixed_eur_per_officer_shift` for each of `OFFICER_SHIFTS_PER_DAY` shifts a day (the office is staffed around
the clock, assumption), and each origin-hub shift costs `fixed_eur_per_hub_shift`. All three are 0 unless a
scenario sets them, and at 0 every table is what it was without them.

Compensation of late promised parcels is the guarantee's (`sim.models.logistics.guarantee`); refunds of lost
and returned items are reported apart and are not part of the cost per parcel.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.models.logistics.config import CostParameters, LogisticsParameters
from sim.models.logistics.network import STAGES

__all__ = ["STAGE_COST_LABELS", "FIXED_COST_LINES", "OFFICER_SHIFTS_PER_DAY", "parcel_costs", "fixed_costs_by_day",
           "cost_per_parcel_eur"]

#: what each stage of the chain (`network.STAGES`, the same names as the time and holding tables) charges
STAGE_COST_LABELS = {
    "merchant": "merchant handling",
    "first_mile": "first mile",
    "origin_hub": "origin hub",
    "line_haul": "line haul (air freight, and the transit hub when consolidated)",
    "destination_hub": "destination hub (and the road feeder when consolidated)",
    "customs": "customs clearance, duties and fees",
    "last_mile": "last mile (per attempt)",
    "forward_warehouse": "forward stock (inbound freight, warehouse, holding, duty)",
}
FIXED_COST_LINES = ("flight_weeks", "officer_shifts", "hub_shifts")
OFFICER_SHIFTS_PER_DAY = 3  # assumption: 8-hour shifts, around the clock


def parcel_costs(p: LogisticsParameters, forward: ArrayLike, weight_kg: NDArray[np.float64], lost: ArrayLike,
                 refused: ArrayLike, attempts: ArrayLike) -> NDArray[np.float64]:
    """(n, len(STAGES)) EUR per parcel and stage, in the order of `network.STAGES`."""
    c: CostParameters = p.costs
    forward = np.asarray(forward, dtype=bool)
    cross = ~forward
    landed = cross & ~np.asarray(lost, dtype=bool)
    released = landed & ~np.asarray(refused, dtype=bool)
    consolidated = p.line_haul.service == "consolidated"
    air_per_kg = c.consolidated_air_eur_per_kg if consolidated else c.air_freight_eur_per_kg
    n = forward.size
    out = np.zeros((n, len(STAGES)))
    out[:, 0] = cross * c.merchant_handling_eur
    out[:, 1] = cross * c.first_mile_eur
    out[:, 2] = cross * c.origin_hub_eur
    out[:, 3] = cross * (air_per_kg * weight_kg + (c.transit_hub_eur if consolidated else 0.0))
    out[:, 4] = landed * (c.destination_hub_eur + (c.road_feeder_eur if consolidated else 0.0))
    out[:, 5] = landed * c.customs_clearance_eur + released * (c.duty_per_item_eur + c.handling_fee_per_item_eur)
    per_attempt = c.postal_last_mile_eur_per_attempt if p.last_mile.service == "postal" else c.last_mile_eur_per_attempt
    out[:, 6] = np.asarray(attempts) * per_attempt
    out[:, 7] = forward * (c.forward_inbound_eur_per_kg * weight_kg + c.forward_warehouse_eur
                           + c.stock_holding_eur_per_item + c.duty_per_item_eur
                           + c.warehouse_handling_fee_per_item_eur)
    return out


def fixed_costs_by_day(p: LogisticsParameters, weekday: ArrayLike) -> NDArray[np.float64]:
    """(n_days, len(FIXED_COST_LINES)) EUR of capacity held on each day, `weekday` (0 = Monday) per day."""
    c = p.costs
    weekday = np.asarray(weekday)
    out = np.zeros((weekday.size, len(FIXED_COST_LINES)))
    if p.line_haul.service == "dedicated":
        flies = np.isin(weekday, np.asarray(p.line_haul.weekdays))
        out[:, 0] = flies * len(p.line_haul.departure_hours) * c.fixed_eur_per_flight_week
    out[:, 1] = p.customs.officers * OFFICER_SHIFTS_PER_DAY * c.fixed_eur_per_officer_shift
    out[:, 2] = len(p.origin_hub.shifts_hours) * c.fixed_eur_per_hub_shift
    return out


def cost_per_parcel_eur(logistics_cost_eur: ArrayLike, compensation_eur: ArrayLike,
                        finished_parcels: ArrayLike) -> NDArray[np.float64]:
    """EUR per finished parcel: (logistics cost of every stage and fixed line + compensation paid) / finished
    parcels (a parcel is finished when delivered, lost or returned). NaN where no parcel finished. Works on
    one period or on arrays of periods."""
    total = np.asarray(logistics_cost_eur, dtype=np.float64) + np.asarray(compensation_eur, dtype=np.float64)
    finished = np.asarray(finished_parcels, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_parcel: NDArray[np.float64] = np.where(finished > 0, total / finished, np.nan)
        return per_parcel
