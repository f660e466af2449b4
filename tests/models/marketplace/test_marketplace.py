"""The marketplace model: its two ways of running agree bit for bit, features nest, the accounting holds,
hand-worked markets, the logit-Bertrand case against its closed-form markup, bad input. The statistical
checks against Stahl's equilibrium are `sim validate --model marketplace` cases (validation.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.rng import Streams
from sim.core.stats import welch_tost
from sim.core.validation import family_size
from sim.models.marketplace import MODEL
from sim.models.marketplace.config import MarketplaceScenario
from sim.models.marketplace.market import run_market
from sim.models.marketplace.model import replication_output, simulate
from sim.models.marketplace.qlearning import QLearner, state_index
from sim.models.marketplace.validation import VALIDATION_SEED, market_config
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS
from tests.models.marketplace.helpers import assert_key_refused, refusal


def config(merchants=4, agent_share=0.4, search_cost=0.05, days=30.0, visits=300.0, probe=None, market=None,
           buyers=None, **pricing) -> MarketplaceScenario:
    document = market_config(merchants, agent_share, search_cost, days, visits, **pricing)
    if probe is not None:
        document["probe"] = probe
    document["market"].update(market or {})  # type: ignore[attr-defined]
    document["buyers"].update(buyers or {})  # type: ignore[attr-defined]
    return MarketplaceScenario.model_validate(document)


def tables_equal(a, b, skip=()) -> None:
    assert a.metrics.keys() == b.metrics.keys()
    for name in a.metrics:
        assert a.metrics[name] == b.metrics[name] or (math.isnan(a.metrics[name]) and math.isnan(b.metrics[name])), name
    assert a.tables.keys() == b.tables.keys()
    for name in set(a.tables) - set(skip):
        assert a.tables[name].equals(b.tables[name]), name


@pytest.mark.parametrize("case", [
    {},                                                          # equilibrium draws, agents and humans
    {"probe": {"price": 0.08, "reference_price": 0.1}},          # with the deviation probe
    {"mode": "fixed", "fixed_prices": [0.3, 0.5, 0.2, 0.9]},     # fixed prices: humans search
    {"buyers": {"human_consideration_set": 2}, "mode": "fixed", "fixed_prices": [0.9, 0.5, 0.2, 0.3]},
    {"buyers": {"agent_consideration_set": 2}},                  # agents with a position bias
    {"buyers": {"agent_first_proposal_bias": 0.5}},              # agents taking the first proposal
])
def test_processes_and_fast_path_agree_bit_for_bit(case, monkeypatch):
    """The SimPy processes and the run-ahead path (blocks of visits, forced small here so that a run has
    several) give identical tables."""
    import sim.models.marketplace.market as market

    scenario = config(**{"record_prices": True, **case})
    with_processes = replication_output(scenario, run_market(scenario, Streams(5, 1), processes=True))
    monkeypatch.setattr(market, "BLOCK_VISITS", 1000)
    ahead = replication_output(scenario, run_market(scenario, Streams(5, 1), processes=False))
    tables_equal(with_processes, ahead)


def test_same_seed_same_tables_other_seed_other_tables():
    scenario = config()
    tables_equal(simulate(scenario, Streams(3, 2)), simulate(scenario, Streams(3, 2)))
    assert simulate(scenario, Streams(3, 2)).metrics["mean_posted_price"] != \
        simulate(scenario, Streams(4, 2)).metrics["mean_posted_price"]


def test_agent_features_nest():
    """Agent share 0 is the human-only market bit for bit: the agents' own parameters change nothing, and
    drawing buyer types (a share of 1e-300: nobody is an agent) shifts no other draw. The probe changes
    no rival's price."""
    fixed = {"mode": "fixed", "fixed_prices": [0.3, 0.5, 0.2, 0.9]}
    human_only = simulate(config(agent_share=0.0, **fixed), Streams(9, 0))
    tables_equal(human_only, simulate(config(agent_share=0.0, buyers={"agent_search_cost": 0.3,
                                                                      "agent_first_proposal_bias": 0.5,
                                                                      "agent_consideration_set": 1}, **fixed),
                                      Streams(9, 0)))
    # (the `equilibrium` table is Stahl's benchmark for the parameters: "capped" at mu = 1e-300, not "diamond")
    tables_equal(human_only, simulate(config(agent_share=1e-300, **fixed), Streams(9, 0)), skip=("equilibrium",))
    plain = simulate(config(record_prices=True), Streams(9, 0)).tables["prices"]
    probed = simulate(config(record_prices=True, probe={"price": 0.05, "reference_price": 0.1}),
                      Streams(9, 0)).tables["prices"]
    rivals = plain["merchant"] > 0
    assert plain.filter(rivals).equals(probed.filter(rivals))
    assert not plain.equals(probed)


def test_accounting_and_a_hand_worked_market():
    """Every merchant at 0.7 with cost 0.3 and take rate 0.1: everyone buys at the first quote (r >= 0.7),
    each sale leaves (0.9 x 0.7 - 0.3) = 0.33 with the merchant and 0.07 with the platform."""
    scenario = config(mode="fixed", fixed_prices=[0.7], market={"marginal_cost": 0.3, "take_rate": 0.1})
    metrics = simulate(scenario, Streams(1, 0)).metrics
    visits = metrics["visits_per_day"]
    assert metrics["accounting_gap"] <= 1e-9
    assert metrics["mean_price_paid"] == pytest.approx(0.7, rel=1e-12)
    assert metrics["quotes_per_human_visit"] == 1.0 and metrics["purchase_share"] == 1.0
    assert metrics["merchant_profit_per_day"] == pytest.approx(0.33 * visits, rel=1e-12)
    assert metrics["platform_revenue_per_day"] == pytest.approx(0.07 * visits, rel=1e-12)
    # agents read 3 quotes at no cost; humans 1: consumer surplus 1 - 0.7 per visit, welfare v - c all realised
    assert metrics["consumer_surplus_per_visit"] == pytest.approx(0.3, rel=1e-12)
    assert metrics["welfare_share"] == pytest.approx(1.0, rel=1e-12)


def test_humans_search_past_prices_above_their_reservation_price():
    """Prices (0.9, 0.9, 0.9, 0.1), s = 0.05: r solves mean max(r - p, 0) = s -> r = 0.1 + 4 x 0.05 = 0.3,
    so a human who meets a 0.9 first searches on until merchant 3 (cyclic order): from merchant k (k < 3)
    4 - k quotes. Expected quotes (1 + 4 + 3 + 2) / 4 = 2.5."""
    scenario = config(agent_share=0.0, mode="fixed", fixed_prices=[0.9, 0.9, 0.9, 0.1], days=20.0, visits=2000.0)
    metrics = simulate(scenario, Streams(2, 0)).metrics
    assert metrics["human_reservation_price"] == pytest.approx(0.3, rel=1e-12)
    assert metrics["mean_price_paid"] == pytest.approx(0.1, rel=1e-12)
    # binomial-type noise over 40,000 visits: quotes per visit has sd 1.12 / sqrt(40000) = 0.0056; 5 sd
    assert metrics["quotes_per_human_visit"] == pytest.approx(2.5, abs=0.03)


def test_differentiated_goods_price_at_the_logit_markup():
    """Logit-Bertrand with symmetric single-product merchants: p - c = 1 / (alpha (1 - s)) (hand formula),
    s the logit share with an outside option; buyers' purchase share near N s."""
    scenario = config(search_cost=0.0, market={"goods": "differentiated", "quality": 2.0, "price_sensitivity": 3.0,
                                               "marginal_cost": 0.2}, days=20.0, visits=5000.0)
    metrics = simulate(scenario, Streams(1, 0)).metrics
    p = metrics["mean_posted_price"]
    share = math.exp(2.0 - 3.0 * p) / (1.0 + 4.0 * math.exp(2.0 - 3.0 * p))
    assert p - 0.2 == pytest.approx(1.0 / (3.0 * (1.0 - share)), rel=1e-9)
    # 100,000 visits: the purchase share's sd is below 0.0016; 5 sd
    assert metrics["purchase_share"] == pytest.approx(4.0 * share, abs=0.008)
    assert metrics["accounting_gap"] <= 1e-9


def test_best_response_limits_fast():
    """One merchant prices at v; all-human buyers with s > 0 walk prices up to v (Diamond)."""
    monopoly = simulate(config(merchants=1, days=5.0, mode="best_response", initial_price=0.5), Streams(1, 0))
    assert monopoly.tables["daily"]["mean_posted_price"][-1] == 1.0
    diamond = simulate(config(merchants=2, agent_share=0.0, days=40.0, visits=100.0, mode="best_response",
                              initial_price=0.5), Streams(1, 0))
    assert diamond.tables["daily"]["mean_posted_price"][-1] == pytest.approx(1.0)


def test_validation_cases_are_a_family_of_27_with_pilots_at_another_seed():
    """23 Stahl and deviation checks, the contact centre's two Erlang C checks, the agent market's two shares."""
    cases = MODEL.validation_checks()
    assert family_size(cases) == 27
    assert all(case.config.run.seed == VALIDATION_SEED for case in cases)
    assert all(case.pilot is None or case.pilot.seed != VALIDATION_SEED for case in cases)


BAD = [
    ("buyers.agent_share", "1.5"),
    ("buyers.human_search_cost", "-0.1"),
    ("market.merchants", "0"),
    ("market.take_rate", "1.0"),
]


@pytest.mark.parametrize("key, value", BAD)
def test_bad_input_exits_2_naming_file_key_and_value(tmp_path, key, value):
    assert_key_refused(tmp_path, SCENARIOS / "marketplace_today.toml", key, value)


def test_equilibrium_with_differentiated_goods_and_search_costs_is_refused(tmp_path):
    message = refusal(tmp_path, SCENARIOS / "marketplace_today.toml", '[market]\ngoods = "differentiated"\n')
    assert "buyers.human_search_cost" in message and "0.02" in message, message


def test_capped_reservation_price_is_a_regime_not_an_error():
    scenario = config(agent_share=0.2, search_cost=0.5, merchants=5, days=3.0)
    output = simulate(scenario, Streams(1, 0))
    assert output.tables["equilibrium"]["regime"][0] == "capped"
    assert (output.tables["daily"]["reservation_price"] == 1.0).all()


@pytest.mark.parametrize("pricing", [{}, {"mode": "fixed", "fixed_prices": [0.9, 0.5, 0.2, 0.3]},
                                     {"buyers": {"agent_consideration_set": 2, "agent_first_proposal_bias": 0.3}}])
def test_per_visit_fidelity_is_the_batch_fidelity_bit_for_bit_when_prices_hold_all_day(pricing):
    """Equilibrium and fixed prices change only at day boundaries, so every visit of a day meets the same
    prices in both fidelities, and the per-visit implementation's sums equal the kernel's (same seed)."""
    batch = config(record_prices=True, **pricing)
    per_visit = MarketplaceScenario.model_validate({**batch.model_dump(), "fidelity": "visit"})
    tables_equal(simulate(batch, Streams(8, 0)), simulate(per_visit, Streams(8, 0)))


@pytest.mark.slow
def test_fidelities_are_equivalent_with_independent_seeds_under_best_responses():
    """Best responses reprice mid-day, so here the per-visit fidelity's visits meet prices the batch
    fidelity's midday batch does not, and the two are not the same market: with independent seeds (8 batch,
    12 per-visit replications), the 90% Welch interval of visit - batch for the mean posted and paid price
    must lie within 3% of the batch mean (TOST, 5% a side).

    The margin is set from a pilot (20 replications each, seeds 31 and 32): the per-visit fidelity's prices
    are 0.85% (posted) and 0.57% (paid) above the batch fidelity's, with sd 0.0095 against 0.0010 per
    replication (its price episodes vary more); a first try at 1% failed on that genuine gap. False failure
    (true gap as in the pilot): the interval's upper end passes 3% only if the estimate overshoots by about
    3 standard errors, under 0.5%."""
    overrides = ["run.horizon_days=60.0", "run.warmup_days=20.0", "market.merchants=3",
                 "market.visits_per_day=500.0"]
    values = {}
    for fidelity, seed, replications in (("batch", 11, 8), ("visit", 12, 12)):
        scenario = load_scenario(SCENARIOS / "marketplace_ai_both_sides.toml", overrides + [f'fidelity="{fidelity}"'])
        values[fidelity] = [simulate(scenario.config, Streams(seed, k)).metrics for k in range(replications)]
    for metric in ("mean_posted_price", "mean_price_paid"):
        batch = np.array([m[metric] for m in values["batch"]])
        visit = np.array([m[metric] for m in values["visit"]])
        margin = 0.03 * float(batch.mean())
        equivalence = welch_tost(batch, visit, margin, alpha_per_side=0.05)
        assert equivalence.equivalent, (metric, equivalence.interval, margin)


def test_q_learning_update_and_choice_by_hand():
    """Q(s, a) <- (1 - alpha) Q(s, a) + alpha (r + delta max Q(s', .)); greedy once exploration has decayed."""
    learner = QLearner(n_states=4, grid_size=3, learning_rate=0.5, discount=0.9, exploration_decay=1.0)
    learner.q[2] = [0.0, 4.0, 1.0]
    learner.learn(state=1, action=2, reward=1.0, next_state=2)
    assert learner.q[1, 2] == pytest.approx(0.5 * (1.0 + 0.9 * 4.0))
    assert learner.choose(1, explore_uniform=0.5, action_uniform=0.1) == 2      # exp(-1) = 0.37 < 0.5: greedy
    assert learner.choose(1, explore_uniform=0.3, action_uniform=0.1) == 0      # explores: floor(0.1 x 3)
    assert state_index(np.array([2, 0, 1]), 3) == 2 * 9 + 0 + 1


def test_q_learning_merchants_post_grid_prices_reproducibly():
    scenario = config(merchants=2, days=60.0, visits=50.0, mode="qlearning", qlearning_grid=5, record_prices=True)
    first, second = simulate(scenario, Streams(4, 0)), simulate(scenario, Streams(4, 0))
    tables_equal(first, second)
    prices = first.tables["prices"]["price"].to_numpy()
    assert set(np.round(prices, 12)) <= set(np.round(np.linspace(0.0, 1.0, 5), 12))
    assert 0.0 <= first.metrics["profit_gain_delta"] <= 1.0
