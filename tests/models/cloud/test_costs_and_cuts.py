"""What the money figures are and the cut under study: capex booked as the announced programme, the GenAI
learning curve stopped at its floor, capacity absent = unlimited, the cut's rival answers, its no-cut twin
(paired gains), the leader re-optimising, and capacity-aware best responses."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sim.core.rng import Streams
from sim.models.cloud.config import quarter_index
from sim.models.cloud.market import CloudMarket, run_market
from sim.models.cloud.providers import ProviderBook

from .conftest import per_replication, run, scenario

SHORT = ("run.horizon_days=1916.25",)  # 2020Q1-2025Q1


def test_capex_books_the_announced_programme_as_cash_in_its_quarters():
    """docs/sources.md (H): RMB 380bn over three years from 2025; the status quo spends it 2025Q1-2027Q4, plus
    the 2024Q1 order, and contribution less capex is contribution minus capex every quarter."""
    result = run("cloud_status_quo.toml", reps=1)
    ali = result.tables["quarterly"].filter(pl.col("provider") == "alibaba").sort("quarter")
    in_programme = ali.filter(pl.col("quarter_label").str.slice(0, 4).is_in(["2025", "2026", "2027"]))
    assert in_programme["capex_rmb_bn_per_quarter"].sum() == pytest.approx(380.0, abs=0.1)
    assert ali.filter(pl.col("quarter_label") == "2024Q1")["capex_rmb_bn_per_quarter"][0] > 0.0
    np.testing.assert_allclose(ali["contribution_less_capex_rmb_bn_per_quarter"],
                               ali["contribution_rmb_bn_per_quarter"] - ali["capex_rmb_bn_per_quarter"], rtol=1e-12)
    np.testing.assert_allclose(ali["cumulative_contribution_less_capex_rmb_bn"],
                               np.cumsum(ali["contribution_less_capex_rmb_bn_per_quarter"].to_numpy()), rtol=1e-12)
    for name in ("cloud_price_cut_2024.toml", "cloud_llm_api_cut.toml", "cloud_rivals_best_respond.toml",
                 "cloud_cut_and_reoptimise.toml", "cloud_cut_depth.toml", "cloud_calibrated.toml"):
        config = scenario(name).config
        assert sum(order.cost_rmb_bn for order in config.providers["alibaba"].capex) > 380.0, name
        assert all(p.gpu_capacity is not None and p.genai_unit_cost_floor > 0.0 for p in config.providers.values())


def test_genai_unit_cost_follows_wright_then_stops_at_its_floor():
    """Hand computation of Wright's law on the book: c = c0 (V / V0)^(-b), b = -log2(1 - 0.4); a floor above
    it binds, one below it does not; the traditional cost has no floor."""
    config = scenario("cloud_status_quo.toml", "providers.alibaba.genai_unit_cost_floor=0.1").config
    book = ProviderBook(config)
    book.set_initial_volume(np.ones((book.J, 2)))
    j = book.names.index("alibaba")
    book.add_volume(np.full((book.J, 2), 7.0))  # V / V0 = 8 for GenAI (V0 = 100): 1.07
    learned = 0.5 * (107.0 / 100.0) ** np.log2(1.0 - 0.4)
    assert book.type_costs()[j, 1] == pytest.approx(learned, rel=1e-12)
    book.add_volume(np.full((book.J, 2), 10_000.0))  # learned cost 0.5 x 101.07^-0.737 = 0.017 < 0.1
    assert book.type_costs()[j, 1] == 0.1
    # Huawei keeps the scenario's floor 0.015, below its learned 0.5 x 101.07^-0.737 = 0.0167
    assert book.type_costs()[book.names.index("huawei"), 1] == pytest.approx(0.0167, abs=5e-5)
    # traditional: no floor, V / V0 = (8 + 7 + 10000) / 8, cost 0.7 x 1252^-0.322 = 0.070
    assert book.type_costs()[j, 0] == pytest.approx(0.7 * (10_015.0 / 8.0) ** np.log2(0.8), rel=1e-12)


def test_a_provider_without_gpu_capacity_is_never_rationed():
    """Absent key = unlimited capacity; a finite one rations (served = capacity)."""
    config = scenario("cloud_llm_api_cut.toml", *SHORT).config
    document = config.model_dump(mode="python")
    del document["providers"]["alibaba"]["gpu_capacity"]
    document["providers"]["alibaba"]["capex"] = []
    unlimited = type(config).model_validate(document)
    assert unlimited.providers["alibaba"].gpu_capacity is None
    assert np.isinf(ProviderBook(unlimited).gpu_capacity[0])
    table = run_market(unlimited, Streams(3, 0)).filter(pl.col("provider") == "alibaba")
    assert (table["unmet_demand_units"] == 0.0).all() and table["genai_demand_units"].max() > 8000.0
    capped = run_market(config, Streams(3, 0)).filter(pl.col("provider") == "alibaba")
    assert capped["unmet_demand_units"].max() > 0.0


@pytest.mark.parametrize("answer", ["ignore", "match", "rules"])
def test_the_cut_is_answered_as_its_rival_response_says(answer):
    """A 40% cut of compute and storage in 2024Q1 (pass-through 1): Alibaba's compute index is 0.8 x 0.6
    (after the 2023 cut); under ignore no rival's price moves in 2024Q1, under match every rival's moves by 0.6
    after its delay (Huawei 1 quarter, the rest 0), under rules Huawei ignores and Tencent copies 0.8 of it."""
    config = scenario("cloud_cut_depth.toml", *SHORT, "cut.depth=0.4", f'cut.rival_response="{answer}"').config
    table = run_market(config, Streams(5, 0))

    def price(provider: str, label: str) -> float:
        return table.filter((pl.col("provider") == provider) & (pl.col("quarter_label") == label))["price_compute"][0]

    assert price("alibaba", "2024Q1") == pytest.approx(0.8 * 0.6)
    tencent_before = price("tencent", "2023Q4")
    expected_tencent = {"ignore": 1.0, "match": 0.6, "rules": 1.0 - 0.8 * 0.4}[answer]
    assert price("tencent", "2024Q1") == pytest.approx(tencent_before * expected_tencent)
    assert price("huawei", "2024Q1") == pytest.approx(1.0)
    assert price("huawei", "2024Q2") == pytest.approx(0.6 if answer == "match" else 1.0)


def test_the_no_cut_twin_gives_paired_gains_and_zero_at_depth_zero():
    """The gains equal the scenario's metrics minus those of the same scenario at depth 0 run separately
    with the same seed (an independent run through the runner); at depth 0 they are exactly 0; without a
    cut they are NaN."""
    cut = run("cloud_cut_depth.toml", *SHORT, "cut.depth=0.3", reps=3, seed=9)
    none = run("cloud_cut_depth.toml", *SHORT, "cut.depth=0.0", reps=3, seed=9)
    gain = per_replication(cut, "revenue_share") - per_replication(none, "revenue_share")
    np.testing.assert_allclose(cut.metric_values("alibaba_share_gain_vs_no_cut_final").to_numpy(), gain,
                               rtol=1e-12, atol=1e-15)
    npv = cut.metric_values("alibaba_npv_rmb_bn").to_numpy() - none.metric_values("alibaba_npv_rmb_bn").to_numpy()
    np.testing.assert_allclose(cut.metric_values("alibaba_npv_gain_vs_no_cut_rmb_bn").to_numpy(), npv, rtol=1e-10)
    assert abs(npv).min() > 1.0  # the cut changes the NPV: the check above is not 0 = 0
    for metric in ("alibaba_share_gain_vs_no_cut_final", "alibaba_npv_gain_vs_no_cut_rmb_bn"):
        assert (none.metric_values(metric) == 0.0).all()
        assert run("cloud_status_quo.toml", *SHORT, reps=2).metric_values(metric).is_nan().all()


def test_the_leader_reoptimises_its_own_prices_only_from_its_quarter():
    """Cut and hold vs cut and re-optimise: identical to 2024Q2, then Alibaba's compute price moves away from
    the held 0.8 x 0.78 to a level at which its per-chooser profit is at a maximum (checked by a grid)."""
    hold = run_market(scenario("cloud_price_cut_2024.toml", *SHORT).config, Streams(2, 0))
    market = CloudMarket(scenario("cloud_cut_and_reoptimise.toml", *SHORT).config, Streams(2, 0))
    market.run()
    moved = pl.DataFrame(market.rows)
    q = quarter_index("2024Q3", "2020Q1")

    def compute(table: pl.DataFrame, quarter: int) -> float:
        return table.filter((pl.col("provider") == "alibaba") & (pl.col("quarter") == quarter))["price_compute"][0]

    assert compute(moved, q - 1) == compute(hold, q - 1) == pytest.approx(0.8 * 0.78)
    assert abs(compute(moved, q) - 0.8 * 0.78) > 1e-3
    assert compute(hold, q) == pytest.approx(0.8 * 0.78)


def test_best_responses_do_not_price_genai_below_the_capacity_clearing_price():
    """Hand computation of the clearing multiplier: last demand 2D at price p1 = current price, previous
    demand D at the same price (growth 2), capacity K = D, e = -1.3: m = (2 x 2)^(1/1.3)."""
    book = ProviderBook(scenario("cloud_status_quo.toml").config)
    j = book.names.index("tencent")
    demand = np.zeros(book.J)
    demand[j] = 8000.0
    book.record_genai_demand(demand)
    demand[j] = 16000.0
    book.record_genai_demand(demand)
    assert book.capacity_clearing_multiplier(j, -1.3) == pytest.approx(4.0 ** (1 / 1.3), rel=1e-12)
    assert book.capacity_clearing_multiplier(j, 0.0) == 0.0
    result = run("cloud_rivals_best_respond.toml", reps=1)
    rivals = result.tables["quarterly"].filter(pl.col("provider").is_in(["huawei", "tencent", "baidu"]))
    # rationing is a lag of one quarter's forecast error at most: under 5% of demand over the horizon
    assert rivals["unmet_demand_units"].sum() < 0.05 * rivals["genai_demand_units"].sum()
