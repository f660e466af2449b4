"""The discrete-event cloud market: accounting identities, the direction of a price cut, switching costs
that slow the shift, long-run shares against the kernel's static mixed-logit shares, and scenario errors.

Statistical family of this file: 13 interval statements (the start share, the cut's gain, three switching-
cost statements, five long-run shares, the plain logit's rejection, two elasticity signs), each at level
`LEVEL` = 1 - 0.001 / 13, so a correct model fails the file with probability <= 0.001 (Bonferroni). Design
from pilots at seed 777 (not the tests' seeds), per-replication standard deviation in brackets:
- equality statements (long-run shares = static mixed-logit shares) reject a correct model with
  probability 0.001 / 13 each, and have power >= 0.9 against a 0.01 share error (sd <= 0.0086: 28
  replications, `replications_for_power`);
- directional and equivalence statements (a cut gains share, costs slow the gain, the elasticity's sign,
  the start share within 3 points of Canalys) fail a model that behaves as the pilot did with probability
  <= 0.001 / 13 each: replications set by `replications_for_power(pilot effect, pilot sd, LEVEL,
  power=LEVEL)`, the effect being the pilot's distance from the statement's bound.
The `sim validate` cases are in test_validation_cases.py (their own family)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sim.core.stats import bonferroni_level, paired_comparison, t_interval, t_test_power
from sim.models.cloud.config import quarter_index, quarter_label
from sim.models.cloud.customers import draw_price_sensitivities
from sim.models.cloud.policies import static_shares
from sim.scenario import ScenarioError

from .conftest import per_replication, run, scenario

# A short market (2020Q1-2022Q4) for the behavioural tests: the 2021Q1 cut by Alibaba alone, no learning.
SHORT = ("run.horizon_days=1095.0", "workloads.genai.arrivals_per_quarter=0.0")
CUT = 'providers.alibaba.price_changes=[{quarter="2021Q1", product="compute", factor=0.7}, ' \
      '{quarter="2021Q1", product="storage", factor=0.7}]'
HOLD = "providers.alibaba.price_changes=[]"
IGNORE = ("providers.tencent.response=\"ignore\"",)
LEVEL = bonferroni_level(0.999, 13)  # per statement: the family above


def test_quarter_labels_round_trip():
    assert quarter_index("2024Q1", "2020Q1") == 16
    assert quarter_label("2020Q1", 16) == "2024Q1"
    assert quarter_label("2023Q4", 1) == "2024Q1"


def test_shares_sum_to_one_every_quarter_in_every_scenario():
    for name in ("cloud_status_quo.toml", "cloud_price_cut_2024.toml", "cloud_llm_api_cut.toml"):
        result = run(name, reps=2)
        sums = result.tables["quarterly"].group_by("replication", "quarter").agg(
            pl.col("revenue_share").sum().alias("revenue"), pl.col("workload_share").sum().alias("workloads"))
        assert sums.height == 2 * 32
        np.testing.assert_allclose(sums["revenue"].to_numpy(), 1.0, atol=1e-12)
        np.testing.assert_allclose(sums["workloads"].to_numpy(), 1.0, atol=1e-12)
        quarterly = result.tables["quarterly"]
        assert (quarterly["unmet_demand_units"] >= 0).all()
        assert (quarterly["unmet_demand_units"] <= quarterly["genai_demand_units"] + 1e-9).all()


def test_first_quarter_matches_the_canalys_starting_shares():
    """Q1-2020 workload shares start at the scenario's initial shares (Canalys 44.5 %): initial incumbents
    are drawn from initial_share and a quarter of renewals (review 35%) then moves a few, so Alibaba's
    first-quarter share is within 3 points of 44.5% (equivalence: the whole interval inside). Pilot 0.4376
    (sd 0.0152): 36 replications."""
    result = run("cloud_status_quo.toml", *SHORT, reps=36)
    interval = t_interval(per_replication(result, "traditional_workload_share", quarter=0), LEVEL)
    assert 0.445 - 0.03 < interval.low and interval.high < 0.445 + 0.03, interval


def test_a_cut_with_ignoring_rivals_raises_the_cutters_share():
    """Paired (common random numbers) difference of Alibaba's workload share at the end, cut minus hold,
    above 2 points. Pilot gain 0.054 (sd 0.0052): 8 replications."""
    hold = run("cloud_status_quo.toml", *SHORT, *IGNORE, HOLD)
    cut = run("cloud_status_quo.toml", *SHORT, *IGNORE, CUT)
    difference = paired_comparison(per_replication(hold, "workload_share"), per_replication(cut, "workload_share"),
                                   LEVEL)
    assert difference.difference.low > 0.02, difference
    # before the cut the two runs are the same market, draw for draw
    np.testing.assert_array_equal(per_replication(hold, "workload_share", quarter=3),
                                  per_replication(cut, "workload_share", quarter=3))


@pytest.mark.slow
def test_switching_costs_slow_the_shift_monotonically():
    """Share gained by 2021Q4 (four quarters after the cut) falls as the mean switching cost rises: the
    per-replication gains (cut minus hold, common random numbers) are compared pairwise across costs.
    Pilot: gains 0.035 / 0.030 / 0.019 at costs 0 / 2 / 6; slowdowns 0.0051 (sd 0.0047, needs 59
    replications) and 0.0104 (sd 0.0026, 11); gain at cost 6 0.019 (sd 0.0051, 12): 60 replications."""
    q = quarter_index("2021Q4", "2020Q1")
    gains = []
    for cost in (0.0, 2.0, 6.0):
        kappa = f"workloads.traditional.switching_cost_mean={cost}"
        hold = run("cloud_status_quo.toml", *SHORT, *IGNORE, HOLD, kappa, reps=60)
        cut = run("cloud_status_quo.toml", *SHORT, *IGNORE, CUT, kappa, reps=60)
        gains.append(per_replication(cut, "workload_share", quarter=q)
                     - per_replication(hold, "workload_share", quarter=q))
    assert t_interval(gains[-1], LEVEL).low > 0.0  # even with high switching costs the cut gains some share
    for lower_cost, higher_cost in zip(gains, gains[1:]):
        slowdown = paired_comparison(higher_cost, lower_cost, LEVEL).difference
        assert slowdown.low > 0.0, (slowdown, [g.mean() for g in gains])


@pytest.mark.slow
def test_long_run_shares_converge_to_static_mixed_logit_shares():
    """No switching costs, no learning, no growth, every contract re-chosen each quarter: the workload
    shares after 12 quarters must match the kernel's mixed-logit shares at the same prices, and must not
    match the plain logit at the mean taste (so the test can tell the two apart). Pilot sd per provider
    0.0055-0.0086; the plain logit is 0.019 off at Huawei (21 replications to reject it with probability
    LEVEL): 28 replications."""
    overrides = [
        "run.horizon_days=1095.0", "workloads.genai.arrivals_per_quarter=0.0",
        "workloads.traditional.arrivals_per_quarter=0.0", "workloads.traditional.initial_workloads=3000",
        "workloads.traditional.switching_cost_mean=0.0", "workloads.traditional.review_probability=1.0",
        "workloads.traditional.contract_quarters=1.0", "workloads.traditional.multihome_share=0.0",
        "workloads.traditional.price_sensitivity_sigma=1.0", "workloads.traditional.price_sensitivity_mean=2.0",
        HOLD, *IGNORE,
    ]
    prices = {"alibaba": 1.0, "huawei": 0.8, "tencent": 1.2, "baidu": 0.6, "others": 1.0}
    for name, p in prices.items():
        overrides += [f"providers.{name}.prices.compute={p}", f"providers.{name}.prices.storage={p}",
                      f"providers.{name}.learning_rate=0.0", f"providers.{name}.quality_trend_per_year=0.0"]
    loaded = scenario("cloud_status_quo.toml", *overrides)
    names = list(loaded.config.providers)
    delta = np.array([loaded.config.providers[n].quality for n in names])
    price = np.array([prices[n] for n in names])
    alpha = draw_price_sensitivities(np.random.default_rng(99), 200_000, loaded.config.workloads["traditional"])
    theory = static_shares(delta, price, alpha)
    plain = static_shares(delta, price, np.full(1, 2.0))
    replications = 28
    assert t_test_power(0.01, 0.0086, replications, LEVEL) >= 0.9  # the design (module docstring)
    result = run("cloud_status_quo.toml", *overrides, reps=replications, seed=5)
    plain_rejected = 0
    for j, name in enumerate(names):
        interval = t_interval(per_replication(result, "traditional_workload_share", provider=name), LEVEL)
        assert interval.low <= theory[j] <= interval.high, (name, interval, theory[j])
        plain_rejected += not interval.low <= plain[j] <= interval.high
    assert plain_rejected >= 1  # the simulation can tell mixed from plain logit at these prices


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("providers.alibaba.initial_share=0.9", "initial_share"),
        ("providers.huawei.prices.compute=-1.0", "providers.huawei.prices.compute"),
        ('providers.alibaba.price_changes=[{quarter="2024-01", product="compute", factor=0.5}]',
         "providers.alibaba.price_changes.0.quarter"),
        ('providers.tencent.response="undercut"', "providers.tencent.response"),
        ("workloads.genai.price_elasticity=1.5", "workloads.genai.price_elasticity"),
        ("workloads.traditional.review_probability=1.2", "workloads.traditional.review_probability"),
        ('market.leader="amazon"', "market.leader"),
        ("run.warmup_days=10.0", "run.warmup_days"),
        ("workloads.traditional.exit_probability_per_quarter=0.9", "workloads.traditional.exit_probability_per_quarter"),
        ("market.seasonality.q1=0.1", "market.seasonality.q1"),
        ("market.list_price_pass_through=1.5", "market.list_price_pass_through"),
        ("providers.alibaba.colour=1", "providers.alibaba.colour"),
    ],
)
def test_bad_values_raise_scenario_error_naming_the_key(override, key):
    with pytest.raises(ScenarioError) as error:
        scenario("cloud_status_quo.toml", override)
    assert key in str(error.value)


def test_every_shipped_cloud_scenario_loads_and_extends_the_base():
    from sim.scenario import list_scenarios

    rows = [row for row in list_scenarios(scenario("cloud_status_quo.toml").path.parent) if row[1] == "cloud"]
    assert len(rows) >= 4
    for path, _, description in rows:
        loaded = scenario(path.name)
        assert description and "\n" not in description
        assert loaded.config.n_quarters == 32


def test_gpu_rationing_serves_capacity_and_records_the_rest_as_unmet():
    """Proportional rationing: when GenAI demand at Alibaba exceeds its GPU capacity, served volume equals
    capacity, revenue is price x capacity, and unmet demand = demand - capacity; other providers are not
    rationed."""
    result = run("cloud_llm_api_cut.toml", "run.horizon_days=1825.0", "providers.alibaba.gpu_capacity=50.0",
                 "providers.alibaba.capex=[]", reps=2)
    table = result.tables["quarterly"]
    ali = table.filter((pl.col("provider") == "alibaba") & (pl.col("genai_demand_units") > 50.0))
    assert ali.height > 0
    np.testing.assert_allclose(ali["unmet_demand_units"], ali["genai_demand_units"] - 50.0, rtol=1e-12)
    rpw = scenario("cloud_llm_api_cut.toml").config.workloads["genai"].revenue_per_workload_quarter_rmb_bn
    np.testing.assert_allclose(ali["genai_revenue_rmb_bn_per_quarter"], rpw * ali["price_model_api"] * 50.0,
                               rtol=1e-12)
    others = table.filter(pl.col("provider") != "alibaba")
    assert (others["unmet_demand_units"] == 0.0).all()
    assert result.statistics.filter(pl.col("metric") == "unmet_demand_share")["mean"][0] > 0.0


@pytest.mark.parametrize(("elasticity", "raises"), [(-1.3, True), (-0.5, False)])
def test_elastic_token_demand_lets_a_deep_cut_raise_genai_revenue(elasticity, raises):
    """With |e| > 1 a 97% model-API cut raises Alibaba's GenAI revenue within a year (paired against no
    cut); with |e| < 1 it lowers it. Capacity is ample so rationing plays no part."""
    common = ("run.horizon_days=1916.25", f"workloads.genai.price_elasticity={elasticity}",
              "providers.alibaba.gpu_capacity=1e12", 'providers.others.response="ignore"',
              'providers.baidu.response="ignore"')
    hold = run("cloud_status_quo.toml", *common, reps=8)
    cut = run("cloud_llm_api_cut.toml", *common, reps=8)
    q = quarter_index("2025Q1", "2020Q1")
    change = paired_comparison(per_replication(hold, "genai_revenue_rmb_bn_per_quarter", quarter=q),
                               per_replication(cut, "genai_revenue_rmb_bn_per_quarter", quarter=q), LEVEL).difference
    assert (change.low > 0.0) if raises else (change.high < 0.0), change
