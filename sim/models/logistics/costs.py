"""Cost of each parcel by stage, and the cost per finished parcel (logistics cost plus compensation).

A parcel pays a stage's cost when it enters the stage: a parcel lost in the air has paid the air freight
but not customs or the last mile; the last mile is paid per attempt. Duties and the EU handling fee are
charged per item (one item per parcel) at customs; forward-stocked items pay them on import into the
Spanish warehouse (with the lower warehouse handling fee). Compensation of late promised parcels is the
guarantee's (`sim.models.logistics.guarantee`); refunds of lost and returned items are reported apart and
are not part of the cost per parcel.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.models.logistics.config import CostParameters

__all__ = ["COST_STAGES", "parcel_costs", "cost_per_parcel_eur"]

COST_STAGES = ("merchant_handling", "first_mile", "origin_hub", "air_freight", "destination_hub",
               "customs_duties", "last_mile", "forward_stock")


def parcel_costs(c: CostParameters, forward: ArrayLike, weight_kg: NDArray[np.float64], lost: ArrayLike,
                 refused: ArrayLike, attempts: ArrayLike) -> NDArray[np.float64]:
    """(n, len(COST_STAGES)) EUR per parcel and stage."""
    forward = np.asarray(forward, dtype=bool)
    cross = ~forward
    landed = cross & ~np.asarray(lost, dtype=bool)
    n = forward.size
    out = np.zeros((n, len(COST_STAGES)))
    out[:, 0] = cross * c.merchant_handling_eur
    out[:, 1] = cross * c.first_mile_eur
    out[:, 2] = cross * c.origin_hub_eur
    out[:, 3] = cross * c.air_freight_eur_per_kg * weight_kg
    out[:, 4] = landed * c.destination_hub_eur
    out[:, 5] = landed * (c.customs_clearance_eur + c.duty_per_item_eur + c.handling_fee_per_item_eur)
    out[:, 6] = np.asarray(attempts) * c.last_mile_eur_per_attempt
    out[:, 7] = forward * (c.forward_inbound_eur_per_kg * weight_kg + c.forward_warehouse_eur
                           + c.stock_holding_eur_per_item + c.duty_per_item_eur
                           + c.warehouse_handling_fee_per_item_eur)
    return out


def cost_per_parcel_eur(logistics_cost_eur: ArrayLike, compensation_eur: ArrayLike,
                        finished_parcels: ArrayLike) -> NDArray[np.float64]:
    """EUR per finished parcel: (logistics cost of every stage + compensation paid) / finished parcels (a
    parcel is finished when delivered, lost or returned). NaN where no parcel finished. Works on one period
    or on arrays of periods."""
    total = np.asarray(logistics_cost_eur, dtype=np.float64) + np.asarray(compensation_eur, dtype=np.float64)
    finished = np.asarray(finished_parcels, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_parcel: NDArray[np.float64] = np.where(finished > 0, total / finished, np.nan)
        return per_parcel
