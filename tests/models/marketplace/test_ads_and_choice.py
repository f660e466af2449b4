"""Ads shown to humans (`[ads]`) and agents' choice degrading beyond a consideration-set size: off by default
and nesting bit for bit, each on its own stream, checked against hand-worked markets."""

from __future__ import annotations


import numpy as np
import pytest

from sim.core.rng import Streams
from sim.models.marketplace.config import MarketplaceScenario
from sim.models.marketplace.market import run_market
from sim.models.marketplace.model import replication_output, simulate
from tests.conftest import SCENARIOS
from tests.models.marketplace.test_marketplace import config, tables_equal
from tests.models.marketplace.helpers import assert_key_refused

AGENT_COLUMNS = ["visits_agents", "purchases_agents", "paid_agents"]


def with_sections(scenario: MarketplaceScenario, **sections) -> MarketplaceScenario:
    document = scenario.model_dump()
    document.update(sections)
    return MarketplaceScenario.model_validate(document)


def test_one_advertiser_reaching_every_human_sells_to_every_human():
    """All prices 0.7 (no human searches past the first quote), no agents, one advertiser shown first to every
    human: merchant 0 sells every unit, pays 0.01 per visit, which is the platform's ad revenue; the
    buyers' payments still equal merchants' receipts plus take revenue."""
    scenario = with_sections(config(agent_share=0.0, mode="fixed", fixed_prices=[0.7], market={"take_rate": 0.1}),
                             ads={"advertisers": 1, "price_per_impression": 0.01})
    days = run_market(scenario, Streams(1, 0))
    assert days.ad_impressions is not None
    assert days.sales[:, 1:].sum() == 0 and days.sales[:, 0].sum() == days.ad_impressions.sum() > 0
    metrics = replication_output(scenario, days).metrics
    visits = metrics["visits_per_day"]
    assert metrics["ad_revenue_per_day"] == pytest.approx(0.01 * visits, rel=1e-12)
    assert metrics["merchant_profit_per_day"] == pytest.approx((0.9 * 0.7 - 0.01) * visits, rel=1e-12)
    assert metrics["platform_revenue_per_day"] == pytest.approx(0.07 * visits, rel=1e-12)
    assert metrics["accounting_gap"] <= 1e-9


def test_ad_reach_moves_the_humans_first_quote_by_its_share():
    """Equal prices, 4 merchants, one advertiser reaching half of the humans: it sells to 1/2 + 1/2 x 1/4 =
    0.625 of them (hand computation). ~9,000 visits: sd sqrt(0.625 x 0.375 / 9000) = 0.0051; the tolerance
    0.026 is 5 sd (false-failure rate 6e-7)."""
    scenario = with_sections(config(agent_share=0.0, mode="fixed", fixed_prices=[0.7]),
                             ads={"advertisers": 1, "reach": 0.5})
    sales = run_market(scenario, Streams(2, 0)).sales.sum(axis=0)
    assert sales[0] / sales.sum() == pytest.approx(0.625, abs=0.026)
    assert np.all(np.abs(sales[1:] / sales.sum() - 0.125) < 0.02)


def test_ads_nest_agents_ignore_them_and_both_fidelities_agree():
    """0 advertisers is the market without ads bit for bit whatever the other ad keys; with ads, agents'
    outcomes (fixed prices) are unchanged: the "ads" stream shifts no other draw. The run-ahead path and the
    SimPy processes give the same tables with ads."""
    fixed = config(agent_share=0.4, mode="fixed", fixed_prices=[0.3, 0.5, 0.2, 0.9])
    plain = simulate(fixed, Streams(9, 0))
    tables_equal(plain, simulate(with_sections(fixed, ads={"advertisers": 0, "reach": 0.3,
                                                            "price_per_impression": 0.2}), Streams(9, 0)))
    advertised = with_sections(fixed, ads={"advertisers": 2, "reach": 0.8, "price_per_impression": 0.01})
    with_ads = simulate(advertised, Streams(9, 0))
    assert plain.tables["daily"].select(AGENT_COLUMNS).equals(with_ads.tables["daily"].select(AGENT_COLUMNS))
    assert not plain.tables["daily"]["paid_humans"].equals(with_ads.tables["daily"]["paid_humans"])
    assert with_ads.metrics["ad_revenue_per_day"] > 0.0 == plain.metrics["ad_revenue_per_day"]
    equilibrium = with_sections(config(record_prices=True), ads={"advertisers": 1, "price_per_impression": 0.01})
    tables_equal(replication_output(equilibrium, run_market(equilibrium, Streams(5, 1), processes=True)),
                 replication_output(equilibrium, run_market(equilibrium, Streams(5, 1), processes=False)))


@pytest.mark.parametrize("key, value", [("ads.advertisers", "11"), ("ads.reach", "1.5"),
                                        ("buyers.agent_attention_span", "0")])
def test_bad_ads_and_attention_input_exits_2(tmp_path, key, value):
    assert_key_refused(tmp_path, SCENARIOS / "marketplace_today.toml", key, value)


def agents_only(**buyers) -> MarketplaceScenario:
    return config(agent_share=1.0, mode="fixed", fixed_prices=[0.2, 0.4, 0.6, 0.8], buyers=buyers)


def test_agents_past_their_attention_span_choose_worse_by_the_stated_form():
    """Agents read all 4 quotes (0.2, 0.4, 0.6, 0.8) with a span of 2: the cheapest with probability 2/4,
    otherwise a uniform pick, so they pay 0.5 x 0.2 + 0.5 x 0.5 = 0.35 on average (hand computation). Price
    paid: E[p^2] = 0.5 x 0.04 + 0.5 x 0.3 = 0.17, sd sqrt(0.17 - 0.35^2) = 0.218 a purchase; ~9,000
    purchases give sd 0.0023, and the tolerance 0.0115 is 5 sd (false-failure rate 6e-7). A span of 4 or
    more changes nothing, bit for bit."""
    degraded = simulate(agents_only(agent_attention_span=2), Streams(4, 0)).metrics
    assert degraded["mean_price_paid_agents"] == pytest.approx(0.35, abs=0.0115)
    plain = simulate(agents_only(), Streams(4, 0))
    assert plain.metrics["mean_price_paid_agents"] == pytest.approx(0.2, rel=1e-12)
    tables_equal(plain, simulate(agents_only(agent_attention_span=4), Streams(4, 0)))


def test_choice_noise_shifts_no_other_draw_and_both_fidelities_agree():
    """The "agent_choice" stream moves agents only: humans' outcomes are unchanged (fixed prices); the
    SimPy processes and the run-ahead path agree with it on, and with ads and entry on together."""
    fixed = config(agent_share=0.4, mode="fixed", fixed_prices=[0.3, 0.5, 0.2, 0.9])
    plain = simulate(fixed, Streams(9, 0))
    noisy = simulate(config(agent_share=0.4, mode="fixed", fixed_prices=[0.3, 0.5, 0.2, 0.9],
                            buyers={"agent_attention_span": 1}), Streams(9, 0))
    human = ["visits_humans", "purchases_humans", "paid_humans"]
    assert plain.tables["daily"].select(human).equals(noisy.tables["daily"].select(human))
    assert noisy.metrics["mean_price_paid_agents"] > plain.metrics["mean_price_paid_agents"]
    scenario = config(record_prices=True, buyers={"agent_attention_span": 2})
    tables_equal(replication_output(scenario, run_market(scenario, Streams(5, 1), processes=True)),
                 replication_output(scenario, run_market(scenario, Streams(5, 1), processes=False)))
    everything = with_sections(scenario, ads={"advertisers": 1, "reach": 0.5},
                               entry={"review_days": 5.0, "max_merchants": 6})
    with_all = simulate(everything, Streams(5, 1))
    assert with_all.metrics["merchants"] > 4.0
    only_entry = simulate(with_sections(config(record_prices=True), entry={"review_days": 5.0, "max_merchants": 6}),
                          Streams(5, 1))
    assert with_all.tables["daily"]["merchants"].equals(only_entry.tables["daily"]["merchants"])


def test_per_visit_fidelity_is_the_batch_fidelity_with_ads_and_attention_span():
    """The per-visit SimPy reference (its own implementation of search and choice) gives the batch tables bit
    for bit with ads and a degraded choice on, prices holding all day (equilibrium mode)."""
    batch = with_sections(config(record_prices=True, buyers={"agent_attention_span": 2}),
                          ads={"advertisers": 2, "reach": 0.6, "price_per_impression": 0.01})
    per_visit = MarketplaceScenario.model_validate({**batch.model_dump(), "fidelity": "visit"})
    tables_equal(simulate(batch, Streams(8, 0)), simulate(per_visit, Streams(8, 0)))
