"""The cloud market as a discrete-event simulation in SimPy.

Processes (thin; the economics lives in `customers`, `providers`, `policies` and the kernels):

* `quarters`: at the start of each quarter (every 91.25 days) apply price changes, rivals' responses and
  best responses, deliver GPU capacity; at its end do the accounts (volume, rationing, revenue, cost,
  learning) and write one row per provider.
* `customer_events` (one per workload type): walks the workloads' own calendar (arrivals, renewals at each
  contract's own dates, exits) and lets them choose through the logit kernel.

Seasonality: every provider's volume in quarter q (and so revenue, GenAI demand and learning) is
multiplied by `market.seasonality` of q's calendar quarter relative to the start quarter's.

Accounts within a quarter are exact in time: the size-time each provider holds is booked from the exact
event times, and prices only change at quarter starts.

Money, and what each figure is: revenue = price x served volume; the contribution = revenue less the
volume-driven unit cost (the learning curve), before operating expenses (sales, R&D, administration) and
before depreciation, so the contribution margin is not comparable with Alibaba Cloud's reported adjusted
EBITA margin (about 9%, docs/sources.md), which is after them; capex is cash spent in the ordering quarter,
and the contribution less capex is what the cumulative sums and the NPV are taken of (a cash-flow view with
no terminal value for capacity still in use after the horizon).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, cast

import numpy as np
import polars as pl
import simpy
from numpy.typing import NDArray

from sim.core.model import ReplicationOutput
from sim.core.rng import Streams
from sim.models.cloud.config import QUARTER_DAYS, WORKLOAD_TYPES, CloudScenario, quarter_label
from sim.kernels.logit import logit_probabilities
from sim.models.cloud.customers import EXIT, Population, choice_utilities, draw_price_sensitivities
from sim.models.cloud.policies import apply_best_responses
from sim.models.cloud.providers import ProviderBook

__all__ = ["CloudMarket", "simulate", "QUARTERLY_SCHEMA", "summary_metrics"]

QUARTERLY_SCHEMA = {
    "quarter": pl.Int64, "quarter_label": pl.String, "provider": pl.String,
    "revenue_rmb_bn_per_quarter": pl.Float64, "genai_revenue_rmb_bn_per_quarter": pl.Float64,
    "revenue_share": pl.Float64, "workload_share": pl.Float64, "traditional_workload_share": pl.Float64,
    "genai_workload_share": pl.Float64, "contribution_rmb_bn_per_quarter": pl.Float64,
    "contribution_margin": pl.Float64, "capex_rmb_bn_per_quarter": pl.Float64,
    "contribution_less_capex_rmb_bn_per_quarter": pl.Float64,
    "cumulative_contribution_less_capex_rmb_bn": pl.Float64, "genai_demand_units": pl.Float64,
    "unmet_demand_units": pl.Float64,
    "locked_in_workloads": pl.Float64, "locked_in_share": pl.Float64, "workloads": pl.Float64,
    "price_compute": pl.Float64, "price_storage": pl.Float64, "price_model_api": pl.Float64,
    "unit_cost_traditional": pl.Float64, "unit_cost_genai": pl.Float64, "gpu_capacity_units": pl.Float64,
}


def locked_in(allocation: NDArray[np.float64], alpha: NDArray[np.float64], kappa: NDArray[np.float64],
              delta: NDArray[np.float64], price: NDArray[np.float64]) -> NDArray[np.float64]:
    """(J,) installed base held by switching costs: for each workload, the volume share it would keep at
    each provider if it re-chose now with its switching cost minus without it,
    sum_i sum_j a_ij max(0, P_ij(kappa_i a_i) - P_ij(0)), in workloads (both from the logit kernel)."""
    with_cost = logit_probabilities(choice_utilities(alpha, delta, price, kappa, allocation), False)
    without = logit_probabilities(choice_utilities(alpha, delta, price), False)
    held: NDArray[np.float64] = (allocation * np.maximum(np.asarray(with_cost) - np.asarray(without), 0.0)).sum(axis=0)
    return held


class CloudMarket:
    """State of one replication: the providers' book, the two workload populations and the accounts."""

    def __init__(self, config: CloudScenario, streams: Streams) -> None:
        self.config = config
        self.book = ProviderBook(config)
        J = self.book.J
        initial_share = np.array([config.providers[n].initial_share for n in self.book.names])
        self.populations = [Population(kind, w, config, streams, J, initial_share)
                            for w, kind in enumerate(WORKLOAD_TYPES)]
        # consumers behind the best responses' static shares (fixed draws: a smooth objective)
        self.br_alpha = [draw_price_sensitivities(streams[f"{kind}.best_response_tastes"],
                                                  config.market.taste_draws, config.workloads[kind])
                         for kind in WORKLOAD_TYPES]
        self.size_time = np.zeros((J, 2))  # size-quarters held this quarter by provider and type
        self.quarter = 0
        self.quarter_end_day = QUARTER_DAYS
        self.cumulative_net = np.zeros(J)  # contribution less capex, summed
        self.rows: list[dict[str, float | str]] = []
        volume0 = np.stack([pop.size[: pop.n0] @ pop.allocation[: pop.n0] for pop in self.populations], axis=1)
        self.book.set_initial_volume(volume0)

    # --- quarter start and end --------------------------------------------------------------------------

    def begin_quarter(self, q: int) -> None:
        self.quarter = q
        self.quarter_end_day = (q + 1) * QUARTER_DAYS
        self.book.begin_quarter(q)
        self._best_responses(q)
        for pop in self.populations:
            active = pop.active
            self.size_time[:, pop.w] = pop.size[active] @ pop.allocation[active]

    def _best_responses(self, q: int) -> None:
        apply_best_responses(self.book, q, self.config, self.br_alpha)

    def end_quarter(self, q: int) -> None:
        book = self.book
        J = book.J
        price, cost = book.type_prices(), book.type_costs()
        config = self.config
        rpw = np.array([config.workloads[k].revenue_per_workload_quarter_rmb_bn for k in WORKLOAD_TYPES])
        elasticity = np.array([config.workloads[k].price_elasticity for k in WORKLOAD_TYPES])
        season = config.market.seasonality.relative(quarter_label(config.market.start_quarter, q),
                                                      config.market.start_quarter)
        demand = season * self.size_time * price ** elasticity[None, :]  # volume units a quarter
        served = demand.copy()
        capacity = book.gpu_capacity
        over = demand[:, 1] > capacity
        served[over, 1] = capacity[over]  # proportional rationing of every GenAI customer of j
        unmet = demand[:, 1] - served[:, 1]
        book.record_genai_demand(demand[:, 1])
        revenue_by_type = rpw[None, :] * price * served
        cost_by_type = rpw[None, :] * cost * served
        revenue = revenue_by_type.sum(axis=1)
        contribution = revenue - cost_by_type.sum(axis=1)
        capex = book.capex_due(q)
        net = contribution - capex
        self.cumulative_net += net
        book.add_volume(served)

        counts = np.zeros((J, 2))  # workloads (a multi-homer counts fractionally)
        locked = np.zeros(J)
        delta = book.delta(q)
        for pop in self.populations:
            active = pop.active
            allocation = pop.allocation[active]
            counts[:, pop.w] = allocation.sum(axis=0)
            if allocation.shape[0]:
                locked += locked_in(allocation, pop.alpha[active], pop.kappa[active], delta[:, pop.w],
                                    price[:, pop.w])
        total_revenue = revenue.sum()
        total_count = counts.sum()
        type_totals = counts.sum(axis=0)
        workloads = counts.sum(axis=1)
        label = quarter_label(config.market.start_quarter, q)
        for j, name in enumerate(book.names):
            self.rows.append({
                "quarter": q, "quarter_label": label, "provider": name,
                "revenue_rmb_bn_per_quarter": revenue[j],
                "genai_revenue_rmb_bn_per_quarter": revenue_by_type[j, 1],
                "revenue_share": revenue[j] / total_revenue if total_revenue > 0 else float("nan"),
                "workload_share": workloads[j] / total_count if total_count > 0 else float("nan"),
                "traditional_workload_share": counts[j, 0] / type_totals[0] if type_totals[0] > 0 else float("nan"),
                "genai_workload_share": counts[j, 1] / type_totals[1] if type_totals[1] > 0 else float("nan"),
                "contribution_rmb_bn_per_quarter": contribution[j],
                "contribution_margin": contribution[j] / revenue[j] if revenue[j] > 0 else float("nan"),
                "capex_rmb_bn_per_quarter": capex[j],
                "contribution_less_capex_rmb_bn_per_quarter": net[j],
                "cumulative_contribution_less_capex_rmb_bn": self.cumulative_net[j],
                "genai_demand_units": demand[j, 1], "unmet_demand_units": unmet[j],
                "locked_in_workloads": locked[j],
                "locked_in_share": locked[j] / workloads[j] if workloads[j] > 0 else 0.0,
                "workloads": workloads[j],
                "price_compute": book.prices[j, 0], "price_storage": book.prices[j, 1],
                "price_model_api": book.prices[j, 2],
                "unit_cost_traditional": cost[j, 0], "unit_cost_genai": cost[j, 1],
                "gpu_capacity_units": capacity[j],
            })

    # --- SimPy processes ---------------------------------------------------------------------------------

    def quarters(self, env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        for q in range(self.config.n_quarters):
            self.begin_quarter(q)
            yield env.timeout((q + 1) * QUARTER_DAYS - env.now)
            self.end_quarter(q)

    def customer_events(self, env: simpy.Environment, pop: Population) -> Generator[simpy.Event, Any, None]:
        review = pop.params.review_probability
        w = pop.w
        for day, who, number, times in pop.events:
            if day > env.now:
                yield env.timeout(day - env.now)
            price = self.book.type_prices()[:, w]
            delta = self.book.delta(self.quarter)[:, w]
            leaving = number == EXIT
            choosing = ~leaving
            # choices first, then exits (a workload's exit follows its choices in the same group)
            for idx, old, new, event_days in (
                    pop.process(who[choosing], number[choosing], times[choosing], delta, price, review),
                    pop.leave(who[leaving], times[leaving])):
                if idx.size:
                    remaining = (self.quarter_end_day - event_days) / QUARTER_DAYS
                    self.size_time[:, w] += ((new - old) * (pop.size[idx] * remaining)[:, None]).sum(axis=0)

    def run(self) -> None:
        env = simpy.Environment()
        env.process(self.quarters(env))
        for pop in self.populations:
            env.process(self.customer_events(env, pop))
        env.run(until=self.config.n_quarters * QUARTER_DAYS + 1e-9)


def alibaba_npv_rmb_bn(table: pl.DataFrame, discount_rate_per_year: float) -> float:
    """Alibaba's contribution less capex, quarter q's discounted (1 + r)^-((q + 1) / 4) to the start of the
    start quarter (each quarter's cash flow at its end)."""
    ali = table.filter(pl.col("provider") == "alibaba").sort("quarter")
    q = ali.get_column("quarter").to_numpy()
    discount = (1.0 + discount_rate_per_year) ** (-(q + 1) / 4.0)
    return float(discount @ ali.get_column("contribution_less_capex_rmb_bn_per_quarter").to_numpy())


def summary_metrics(table: pl.DataFrame, config: CloudScenario,
                    no_cut_table: pl.DataFrame | None = None) -> dict[str, float]:
    """The model's metrics from one replication's quarterly table (Alibaba = provider "alibaba"); the
    gains over the no-cut twin from its table `no_cut_table` (NaN without one: the scenario has no cut)."""
    ali = table.filter(pl.col("provider") == "alibaba").sort("quarter")
    last = ali.row(-1, named=True)
    final = table.filter(pl.col("quarter") == last["quarter"])
    r = config.market.discount_rate_per_year
    npv = alibaba_npv_rmb_bn(table, r)
    share_gain = npv_gain = float("nan")
    if no_cut_table is not None:
        twin_last = no_cut_table.filter(pl.col("provider") == "alibaba").sort("quarter").row(-1, named=True)
        share_gain = last["revenue_share"] - twin_last["revenue_share"]
        npv_gain = npv - alibaba_npv_rmb_bn(no_cut_table, r)
    # a Float64 column sums to a float (polars types `Series.sum` as any Python number, Decimal included)
    total_demand = cast(float, table.get_column("genai_demand_units").sum())
    return {
        "alibaba_share_final": last["revenue_share"],
        "alibaba_workload_share_final": last["workload_share"],
        "alibaba_revenue_final_rmb_bn_per_quarter": last["revenue_rmb_bn_per_quarter"],
        "alibaba_genai_revenue_final_rmb_bn_per_quarter": last["genai_revenue_rmb_bn_per_quarter"],
        "alibaba_contribution_margin_final": last["contribution_margin"],
        "alibaba_cumulative_contribution_less_capex_rmb_bn": last["cumulative_contribution_less_capex_rmb_bn"],
        "alibaba_npv_rmb_bn": npv,
        "alibaba_share_gain_vs_no_cut_final": share_gain,
        "alibaba_npv_gain_vs_no_cut_rmb_bn": npv_gain,
        "alibaba_locked_in_share_final": last["locked_in_share"],
        "market_revenue_final_rmb_bn_per_quarter": float(final.get_column("revenue_rmb_bn_per_quarter").sum()),
        "revenue_hhi_final": float((final.get_column("revenue_share") ** 2).sum()),
        "unmet_demand_share": float(cast(float, table.get_column("unmet_demand_units").sum()) / total_demand)
        if total_demand > 0 else 0.0,
    }


def run_market(config: CloudScenario, streams: Streams) -> pl.DataFrame:
    """One replication's quarterly table."""
    market = CloudMarket(config, streams)
    market.run()
    return pl.DataFrame(market.rows, schema=QUARTERLY_SCHEMA)


def no_cut_twin(config: CloudScenario) -> CloudScenario:
    """The same scenario with its cut at depth 0 (rivals' answer unchanged: best responders still
    best-respond from the cut quarter)."""
    if config.cut is None:
        raise ValueError("the scenario has no cut")
    return config.model_copy(update={"cut": config.cut.model_copy(update={"depth": 0.0})})


def simulate(config: CloudScenario, streams: Streams) -> ReplicationOutput:
    """One replication of the cloud market; with a cut, also its no-cut twin on fresh streams of the same
    seed and replication (common random numbers: the same workloads, tastes and choice uniforms), for the
    paired gains. At depth 0 the twin is the scenario itself and the gains are 0."""
    table = run_market(config, streams)
    twin = None
    if config.cut is not None:
        twin = table if config.cut.depth == 0.0 else run_market(no_cut_twin(config),
                                                                 Streams(streams.seed, streams.replication))
    return ReplicationOutput(metrics=summary_metrics(table, config, twin), tables={"quarterly": table})
