"""Segment P&Ls of one quarter, intra-group eliminations and consolidated profit computed two ways.

Segments: AliExpress (revenue P x Q: its retail margin over the goods' cost, the model's retail price; cost: the
transfer price w x Q paid to Cainiao, and the promise price w_p on each promised parcel) and Cainiao (revenue
w x Q + w_p x promised from the group and w_3 x Q_3 from third parties; costs: c per parcel carried, c_p per
promised parcel and c_K per parcel of capacity). The intra-group sale w x Q is revenue of
one segment and cost of the other; consolidation eliminates both. Consolidated profit is then
(i) the segments' profits less the eliminations' net (intra-group revenue - intra-group cost, 0 by
construction) and (ii) the external flows only, P Q + w_3 Q_3 - c (Q + Q_3) - c_K K. Neither depends on w at
fixed volumes. All flows in RMB million per quarter.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SegmentAccounts", "segment_accounts"]


@dataclass(frozen=True)
class SegmentAccounts:
    aliexpress_revenue_rmb_m: float
    aliexpress_logistics_cost_rmb_m: float        # intra-group: paid to Cainiao
    cainiao_group_revenue_rmb_m: float            # intra-group: received from AliExpress
    cainiao_third_party_revenue_rmb_m: float
    cainiao_carriage_cost_rmb_m: float
    cainiao_capacity_cost_rmb_m: float
    eliminated_revenue_rmb_m: float
    eliminated_cost_rmb_m: float

    @property
    def aliexpress_profit_rmb_m(self) -> float:
        return self.aliexpress_revenue_rmb_m - self.aliexpress_logistics_cost_rmb_m

    @property
    def cainiao_profit_rmb_m(self) -> float:
        return (self.cainiao_group_revenue_rmb_m + self.cainiao_third_party_revenue_rmb_m
                - self.cainiao_carriage_cost_rmb_m - self.cainiao_capacity_cost_rmb_m)

    @property
    def consolidated_profit_rmb_m(self) -> float:
        """Way (i): segment profits less the eliminations' net."""
        return (self.aliexpress_profit_rmb_m + self.cainiao_profit_rmb_m
                - (self.eliminated_revenue_rmb_m - self.eliminated_cost_rmb_m))

    @property
    def consolidated_profit_external_rmb_m(self) -> float:
        """Way (ii): flows with parties outside the group only."""
        return (self.aliexpress_revenue_rmb_m + self.cainiao_third_party_revenue_rmb_m
                - self.cainiao_carriage_cost_rmb_m - self.cainiao_capacity_cost_rmb_m)


def segment_accounts(retail_price: float, transfer_price: float, third_party_price: float, group_parcels_m: float,
                     third_party_parcels_m: float, capacity_m_parcels: float, marginal_cost: float,
                     capacity_cost: float, promised_parcels_m: float = 0.0, promise_price: float = 0.0,
                     promise_cost: float = 0.0) -> SegmentAccounts:
    """The quarter's accounts from prices (RMB per parcel) and volumes (million parcels); a promised parcel also
    pays the promise price to Cainiao (intra-group) and costs Cainiao the promise's cost."""
    intra_group = transfer_price * group_parcels_m + promise_price * promised_parcels_m
    return SegmentAccounts(
        aliexpress_revenue_rmb_m=retail_price * group_parcels_m,
        aliexpress_logistics_cost_rmb_m=intra_group,
        cainiao_group_revenue_rmb_m=intra_group,
        cainiao_third_party_revenue_rmb_m=third_party_price * third_party_parcels_m,
        cainiao_carriage_cost_rmb_m=marginal_cost * (group_parcels_m + third_party_parcels_m)
        + promise_cost * promised_parcels_m,
        cainiao_capacity_cost_rmb_m=capacity_cost * capacity_m_parcels,
        eliminated_revenue_rmb_m=intra_group,
        eliminated_cost_rmb_m=intra_group,
    )
