"""The cloud model's table: each column's unit and description (written as Parquet metadata). Prices and unit
costs are indices: 1 = Alibaba's 2020 list price (model_api: 1 = RMB 0.02 per 1k tokens)."""

from sim.core.model import Column, TableSpec

_PRICE_INDEX = "price index"

TABLES = (
    TableSpec("quarterly", "replication, quarter and provider", {
        "quarter": Column("quarter", "quarter index, 0 = the start quarter"),
        "quarter_label": Column("-", "calendar quarter, e.g. 2024Q1"),
        "provider": Column("-", "cloud provider"),
        "revenue_rmb_bn_per_quarter": Column("RMB bn / quarter", "revenue in the quarter"),
        "genai_revenue_rmb_bn_per_quarter": Column("RMB bn / quarter", "GenAI (model API) revenue in the quarter"),
        "revenue_share": Column("share", "the provider's share of the market's revenue"),
        "workload_share": Column("share", "the provider's share of all workloads"),
        "traditional_workload_share": Column("share", "the provider's share of traditional workloads"),
        "genai_workload_share": Column("share", "the provider's share of GenAI workloads"),
        "contribution_rmb_bn_per_quarter": Column(
            "RMB bn / quarter", "revenue less volume-driven cost (before opex and depreciation)"),
        "contribution_margin": Column("share", "contribution over revenue"),
        "capex_rmb_bn_per_quarter": Column("RMB bn / quarter", "GPU capex, cash in the ordering quarter"),
        "contribution_less_capex_rmb_bn_per_quarter": Column("RMB bn / quarter", "contribution less capex"),
        "cumulative_contribution_less_capex_rmb_bn": Column(
            "RMB bn", "contribution less capex summed from the start quarter"),
        "genai_demand_units": Column("GenAI volume units / quarter",
                                     "GenAI demand before rationing (1 = one workload-quarter at model_api price 1)"),
        "unmet_demand_units": Column("GenAI volume units / quarter", "GenAI demand lost to the GPU capacity limit"),
        "locked_in_workloads": Column(
            "workloads", "installed base held by switching costs: volume kept with them less volume kept without"),
        "locked_in_share": Column("share", "locked-in workloads over the provider's workloads"),
        "workloads": Column("workloads", "workloads (simulated customers) served by the provider"),
        "price_compute": Column(_PRICE_INDEX, "compute price (1 = Alibaba's 2020 list price)"),
        "price_storage": Column(_PRICE_INDEX, "storage price (1 = Alibaba's 2020 list price)"),
        "price_model_api": Column(_PRICE_INDEX, "model API price (1 = RMB 0.02 per 1k tokens)"),
        "unit_cost_traditional": Column(_PRICE_INDEX, "volume-driven unit cost of traditional workloads"),
        "unit_cost_genai": Column(_PRICE_INDEX, "volume-driven unit cost of GenAI workloads"),
        "gpu_capacity_units": Column("GenAI volume units / quarter", "GPU capacity in service"),
    }),
)
