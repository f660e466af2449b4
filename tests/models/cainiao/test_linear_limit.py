"""The Cainiao model in its deterministic linear limit: bad input, nesting of the regimes, the accounting
split, the quarterly loop (the double-marginalisation rows themselves are `sim validate --model cainiao`
cases; one is repeated here so that the suite catches a broken optimiser)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sim import cli
from sim.core.rng import Streams
from sim.models.cainiao.config import CainiaoScenario
from sim.models.cainiao.model import simulate
from sim.models.cainiao.validation import linear_limit_config
from sim.theory.io import double_marginalisation_linear

SCENARIO_TEXT = """
model = "cainiao"
description = "bad-input probe"

[run]
horizon_days = 365.0
warmup_days = 0.0
replications = 1
seed = 1

[cainiao]
regime = "standalone"
ownership_share = 0.637
marginal_cost_rmb_per_parcel = 10.0
discount_rate_per_year = 0.08

[demand]
group_intercept_m_parcels = 100.0
group_slope_m_parcels_per_rmb = 2.0
"""


@pytest.mark.parametrize(("key", "value"), [
    ("cainiao.ownership_share", "0"), ("cainiao.ownership_share", "1.2"), ("cainiao.transfer_markup", "-0.1"),
    ("cainiao.capacity_cost_rmb_per_parcel_quarter", "-1"), ("cainiao.regime", '"profit_centre"'),
    ("cainiao.discount_rate_per_year", "-1"), ("promise.cost_rmb_per_parcel", "-1"),
    ("promise.value_max_rmb_per_order", "-2"),
])
def test_bad_input_exits_2_naming_file_key_and_value(tmp_path, key, value):
    scenario = tmp_path / "probe.toml"
    scenario.write_text(SCENARIO_TEXT)
    out = tmp_path / "out"
    done = CliRunner().invoke(cli.app, ["run", str(scenario), "--out", str(out), "--set", f"{key}={value}"])
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output
    for fragment in ("probe.toml", key, value.strip('"')):
        assert fragment in done.output
    assert not out.exists()


def test_the_file_runs_and_splits_profit_between_alibaba_and_minorities(tmp_path):
    scenario = tmp_path / "probe.toml"
    scenario.write_text(SCENARIO_TEXT)
    config = CainiaoScenario.model_validate(__import__("tomllib").loads(SCENARIO_TEXT))
    metrics = simulate(config, Streams(1, 0)).metrics
    theory = double_marginalisation_linear(50.0, 0.5, 10.0)
    assert metrics["cainiao_profit_rmb_m_per_quarter"] == pytest.approx(theory.upstream_profit, rel=1e-9)
    assert metrics["minority_profit_rmb_m_per_quarter"] == pytest.approx(0.363 * theory.upstream_profit, rel=1e-9)
    assert metrics["attributable_profit_rmb_m_per_quarter"] == pytest.approx(
        theory.downstream_profit + 0.637 * theory.upstream_profit, rel=1e-9)
    # four quarters at 8% a year, each paid at its end: sum_q 1.08^(-(q+1)/4)
    annuity = sum(1.08 ** (-(q + 1) / 4) for q in range(4))
    assert metrics["npv_attributable_rmb_m"] == pytest.approx(
        annuity * metrics["attributable_profit_rmb_m_per_quarter"], rel=1e-12)


@pytest.mark.parametrize(("a", "b", "c"), [(100.0, 2.0, 10.0), (5.0, 0.3, 1.5)])
def test_the_optimiser_finds_double_marginalisation(a, b, c):
    theory = double_marginalisation_linear(a / b, 1.0 / b, c)
    standalone = simulate(linear_limit_config(a, b, c, "standalone"), Streams(1, 0)).metrics
    assert standalone["transfer_price_rmb_per_parcel"] == pytest.approx(theory.wholesale_price, rel=1e-6)
    assert standalone["retail_price_rmb_per_order"] == pytest.approx(theory.retail_price, rel=1e-6)
    assert standalone["output_ratio_to_integrated"] == pytest.approx(0.5, rel=1e-6)
    assert standalone["chain_profit_ratio_to_integrated"] == pytest.approx(0.75, rel=1e-6)
    assert standalone["consumer_surplus_ratio_to_integrated"] == pytest.approx(0.25, rel=1e-6)


def test_cost_plus_at_markup_0_is_infrastructure_table_for_table():
    cost_plus = simulate(linear_limit_config(100.0, 2.0, 10.0, "cost_plus", 0.0, quarters=3,
                                             third_party_intercept=40.0), Streams(1, 0))
    infrastructure = simulate(linear_limit_config(100.0, 2.0, 10.0, "infrastructure", quarters=3,
                                                  third_party_intercept=40.0), Streams(1, 0))
    assert cost_plus.metrics == infrastructure.metrics
    # every column but the regime's name
    assert cost_plus.tables["quarterly"].drop("regime").equals(infrastructure.tables["quarterly"].drop("regime"))


def test_cost_plus_at_the_standalone_markup_is_standalone():
    """No third-party volume: the standalone transfer price read as a markup reproduces standalone."""
    standalone = simulate(linear_limit_config(100.0, 2.0, 10.0, "standalone"), Streams(1, 0)).metrics
    markup = standalone["transfer_price_rmb_per_parcel"] / 10.0 - 1.0
    cost_plus = simulate(linear_limit_config(100.0, 2.0, 10.0, "cost_plus", markup), Streams(1, 0)).metrics
    for name in ("retail_price_rmb_per_order", "group_parcels_m_per_quarter", "consolidated_profit_rmb_m_per_quarter",
                 "cainiao_profit_rmb_m_per_quarter", "consumer_surplus_rmb_m_per_quarter"):
        assert cost_plus[name] == pytest.approx(standalone[name], rel=1e-12), name


def test_a_capacity_cost_above_every_margin_buys_no_capacity_and_ships_nothing():
    config = linear_limit_config(100.0, 2.0, 10.0, "standalone")
    config = config.model_copy(update={"cainiao": config.cainiao.model_copy(
        update={"capacity_cost_rmb_per_parcel_quarter": 45.0})})  # choke 50 - c 10 = 40 < 45
    metrics = simulate(config, Streams(1, 0)).metrics
    assert metrics["group_parcels_m_per_quarter"] == 0.0
    assert metrics["consolidated_profit_rmb_m_per_quarter"] == 0.0


def test_eliminations_two_ways_agree_and_do_not_move_with_the_transfer_price_at_fixed_volumes():
    from sim.models.cainiao.accounting import segment_accounts

    consolidated = []
    for transfer in (10.0, 17.5, 30.0, 49.0):
        accounts = segment_accounts(retail_price=37.5, transfer_price=transfer, third_party_price=22.0,
                                    group_parcels_m=25.0, third_party_parcels_m=14.0, capacity_m_parcels=39.0,
                                    marginal_cost=10.0, capacity_cost=2.0)
        assert accounts.consolidated_profit_rmb_m == pytest.approx(accounts.consolidated_profit_external_rmb_m,
                                                                   abs=1e-9)
        consolidated.append(accounts.consolidated_profit_rmb_m)
    # by hand: 37.5 x 25 + 22 x 14 - 10 x 39 - 2 x 39 = 937.5 + 308 - 390 - 78 = 777.5
    assert consolidated == pytest.approx([777.5] * 4, abs=1e-9)


def test_attributable_and_minority_profit_add_up_to_consolidated_profit_every_quarter():
    config = linear_limit_config(100.0, 2.0, 10.0, "standalone", quarters=4, third_party_intercept=60.0)
    config = config.model_copy(update={"cainiao": config.cainiao.model_copy(update={"ownership_share": 0.637}),
                                       "demand": config.demand.model_copy(update={"growth_per_quarter": 0.05})})
    table = simulate(config, Streams(1, 0)).tables["quarterly"]
    gap = table["attributable_profit_rmb_m"] + table["minority_profit_rmb_m"] - table["consolidated_profit_rmb_m"]
    assert gap.abs().max() < 1e-9
    assert table["group_parcels_m"].is_sorted() and table["group_parcels_m"][3] > table["group_parcels_m"][0]


def test_the_npv_in_us_dollars_is_the_rmb_npv_at_the_stated_rate():
    config = CainiaoScenario.model_validate(__import__("tomllib").loads(SCENARIO_TEXT))
    metrics = simulate(config, Streams(1, 0)).metrics
    assert config.cainiao.rmb_per_usd == 7.10  # docs/sources.md: PBoC central parity, 2024Q1
    assert metrics["npv_attributable_usd_bn"] == pytest.approx(metrics["npv_attributable_rmb_m"] / 7.10 / 1000.0,
                                                               rel=1e-12)


def test_a_third_party_market_scaled_to_zero_is_no_third_party_market():
    """`demand.third_party_scale = 0` (no third-party merchants) gives the table of a zero third-party
    intercept, and scale 2 gives twice the third-party parcels at the same third-party price (the choke price
    a_3 / b_3 is unchanged)."""
    base = linear_limit_config(100.0, 2.0, 10.0, "infrastructure", third_party_intercept=60.0)
    scaled = {s: simulate(base.model_copy(update={"demand": base.demand.model_copy(
        update={"third_party_scale": s})}), Streams(1, 0)).tables["quarterly"] for s in (0.0, 1.0, 2.0)}
    none = simulate(linear_limit_config(100.0, 2.0, 10.0, "infrastructure"), Streams(1, 0)).tables["quarterly"]
    assert scaled[0.0].drop("third_party_price_rmb_per_parcel").equals(none.drop("third_party_price_rmb_per_parcel"))
    assert scaled[2.0]["third_party_parcels_m"][0] == pytest.approx(2.0 * scaled[1.0]["third_party_parcels_m"][0],
                                                                    rel=1e-12)
    assert scaled[2.0]["third_party_price_rmb_per_parcel"][0] == scaled[1.0]["third_party_price_rmb_per_parcel"][0]
