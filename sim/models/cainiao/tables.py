"""The Cainiao model's table: each column's unit and description (written as Parquet metadata)."""

from sim.core.model import Column, TableSpec

_RMB = "RMB / parcel"
_FLOW = "RMB m / quarter"
_VOLUME = "million parcels / quarter"

TABLES = (
    TableSpec("quarterly", "replication and quarter", {
        "quarter": Column("quarter", "quarter index, 0 = the first simulated quarter"),
        "quarter_label": Column("-", "calendar quarter, e.g. 2024Q2 (cainiao.start_quarter is quarter 0)"),
        "regime": Column("-", "Cainiao's regime in the quarter (standalone, infrastructure, cost_plus)"),
        "ownership_share": Column("share", "Alibaba's share of Cainiao in the quarter"),
        "transfer_price_rmb_per_parcel": Column(_RMB, "Cainiao's price to AliExpress"),
        "third_party_price_rmb_per_parcel": Column(_RMB, "Cainiao's price to third-party merchants"),
        "retail_price_rmb_per_order": Column("RMB / order", "AliExpress's price (its margin is this less the "
                                                            "transfer price)"),
        "promise_price_rmb_per_parcel": Column(_RMB, "Cainiao's price per promised parcel on top of the transfer "
                                                     "price (0 without a [promise])"),
        "promised_share": Column("share", "share of AliExpress's orders carrying the five-day promise (0 without a "
                                          "[promise])"),
        "group_parcels_m": Column(_VOLUME, "AliExpress parcels carried"),
        "third_party_parcels_m": Column(_VOLUME, "third-party parcels carried"),
        "capacity_m_parcels": Column(_VOLUME, "capacity bought for the quarter"),
        "aliexpress_profit_rmb_m": Column(_FLOW, "AliExpress's profit: retail price x its parcels less what it pays Cainiao"),
        "cainiao_profit_rmb_m": Column(_FLOW, "Cainiao's profit: margins over marginal cost less capacity cost"),
        "consumer_surplus_rmb_m": Column(_FLOW, "AliExpress shoppers' surplus (area under demand above the price)"),
        "third_party_surplus_rmb_m": Column(_FLOW, "third-party merchants' surplus from shipping"),
        "integrated_retail_price_rmb_per_order": Column(
            "RMB / order", "the retail price of a vertically integrated group (cost = marginal + capacity cost)"),
        "integrated_group_parcels_m": Column(_VOLUME, "AliExpress parcels at the integrated price"),
        "integrated_profit_rmb_m": Column(_FLOW, "the integrated group's profit on AliExpress parcels"),
        "integrated_consumer_surplus_rmb_m": Column(_FLOW, "shoppers' surplus at the integrated price"),
        "aliexpress_revenue_rmb_m": Column(_FLOW, "AliExpress segment revenue: retail price x its parcels"),
        "aliexpress_logistics_cost_rmb_m": Column(_FLOW, "AliExpress segment cost: paid to Cainiao (intra-group)"),
        "cainiao_group_revenue_rmb_m": Column(_FLOW, "Cainiao segment revenue from AliExpress (intra-group)"),
        "cainiao_third_party_revenue_rmb_m": Column(_FLOW, "Cainiao segment revenue from third parties"),
        "cainiao_carriage_cost_rmb_m": Column(_FLOW, "Cainiao's marginal cost x parcels carried"),
        "cainiao_capacity_cost_rmb_m": Column(_FLOW, "Cainiao's capacity cost x capacity bought"),
        "eliminated_revenue_rmb_m": Column(_FLOW, "intra-group revenue eliminated on consolidation"),
        "eliminated_cost_rmb_m": Column(_FLOW, "intra-group cost eliminated on consolidation"),
        "consolidated_profit_rmb_m": Column(_FLOW, "segment profits less the eliminations' net (Cainiao fully "
                                                   "consolidated)"),
        "consolidated_profit_external_rmb_m": Column(_FLOW, "consolidated profit from external flows only"),
        "attributable_profit_rmb_m": Column(_FLOW, "to Alibaba's shareholders: AliExpress + ownership x Cainiao"),
        "minority_profit_rmb_m": Column(_FLOW, "to Cainiao's minority holders: (1 - ownership) x Cainiao"),
        "buyout_outlay_rmb_m": Column("RMB m", "price paid for minority shares, at the start of the change quarter"),
        "cumulative_attributable_cash_discounted_rmb_m": Column(
            "RMB m", "attributable profit less the outlay, discounted, summed from quarter 0 (the payback series)"),
        "discount_factor": Column("-", "(1 + annual rate)^(-(quarter + 1) / 4): the quarter is paid at its end"),
        # with operations.mode = "surface" only (sim.models.cainiao.operations)
        "allocation": Column("-", "flights and customs: priority (group parcels first) or fcfs (surface only)"),
        "load_factor": Column("share", "line-haul load factor the quarter ran at (surface only)"),
        "group_on_time_share": Column("share", "group parcels on time in the quarter, from the surface"),
        "third_party_on_time_share": Column("share", "third-party parcels on time in the quarter, from the surface"),
        "group_cost_per_parcel_eur": Column("EUR / parcel", "group parcels' cost on the logistics lane, from the "
                                                            "surface (not fed into prices)"),
        "third_party_cost_per_parcel_eur": Column("EUR / parcel", "third-party parcels' cost on the logistics lane, "
                                                                  "from the surface (not fed into prices)"),
        "group_on_time_share_seen": Column("share", "last quarter's group on-time share, which set shoppers' "
                                                    "willingness to pay this quarter (surface only)"),
        "third_party_on_time_share_seen": Column("share", "last quarter's third-party on-time share, which set "
                                                          "merchants' willingness to pay this quarter (surface only)"),
    }),
)
