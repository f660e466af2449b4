"""Cost of each parcel by stage, compensation for late promised parcels, refunds of lost and returned ones.

A parcel pays a stage's cost when it enters the stage: a parcel lost in the air has paid the air freight
but not customs or the last mile; the last mile is paid per attempt. Duties and the EU handling fee are
charged per item (one item per parcel) at customs; forward-stocked items pay them on import into the
Spanish warehouse (with the lower warehouse handling fee).
"""

from __future__ import annotations

import numpy as np

from sim.models.logistics.config import CostParameters, GuaranteeParameters

__all__ = ["COST_STAGES", "parcel_costs", "compensation"]

COST_STAGES = ("merchant_handling", "first_mile", "origin_hub", "air_freight", "destination_hub",
               "customs_duties", "last_mile", "forward_stock")


def parcel_costs(c: CostParameters, forward, weight_kg, lost, refused, attempts) -> np.ndarray:
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


def compensation(g: GuaranteeParameters, late, value_eur) -> np.ndarray:
    """EUR paid for each parcel: the coupon or refund share when `late` (a late promised parcel)."""
    late = np.asarray(late, dtype=bool)
    if g.compensation == "coupon":
        return late * g.coupon_eur
    return late * g.refund_share * np.asarray(value_eur)
