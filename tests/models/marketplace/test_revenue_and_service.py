"""GenAI platforms, part 2: platform revenue by source (`[fees]`: agent access, a direct AI service) and the
AI 1.0 contact centre (`[service]`). Off by default and nesting bit for bit, each on its own stream, checked
against hand-worked markets; the contact centre's Erlang C check is a `sim validate` case (too heavy here)."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from sim.core.rng import Streams
from sim.kernels.search import PURCHASES
from sim.models.marketplace.config import MarketplaceScenario
from sim.models.marketplace.market import run_market
from sim.models.marketplace.service import HUMAN_CONTACTS, WAIT_MINUTES
from sim.models.marketplace.validation import contact_centre_config
from sim.theory import io
from sim.models.marketplace.model import simulate
from tests.conftest import SCENARIOS
from tests.models.marketplace.test_ads_and_choice import with_sections
from tests.models.marketplace.test_marketplace import config, tables_equal
from tests.models.marketplace.helpers import assert_key_refused, refusal

FLAT = {"agent_share": 0.5, "mode": "fixed", "fixed_prices": [0.7], "market": {"take_rate": 0.1}}


def test_revenue_by_source_by_hand():
    """All prices 0.7 <= v (every visit buys at its first quote), take 0.1, one advertiser shown first to every
    human at 0.01, an agent-access levy of 0.02 per agent visit paid by merchants, a direct AI service at 0.05
    per use: each source is its count times its price, merchants' profit is net of ads and the levy, and the
    payers' money equals merchants' net receipts plus the platform's revenue by source (to 1e-9)."""
    scenario = with_sections(config(**FLAT), ads={"advertisers": 1, "price_per_impression": 0.01},
                             fees={"agent_access_fee_per_visit": 0.02, "agent_access_fee_payer": "merchants",
                                   "direct_service_uptake": 0.25, "direct_service_price_per_use": 0.05,
                                   "direct_service_cost_per_use": 0.01})
    output = simulate(scenario, Streams(3, 0))
    daily, metrics = output.tables["daily"], output.metrics
    days = daily.height
    humans, agents = daily["visits_humans"].sum() / days, daily["visits_agents"].sum() / days
    uses = daily["direct_service_uses"].sum() / days
    assert metrics["agent_access_revenue_per_day"] == pytest.approx(0.02 * agents, rel=1e-12)
    assert metrics["ad_revenue_per_day"] == pytest.approx(0.01 * humans, rel=1e-12)
    assert metrics["direct_service_revenue_per_day"] == pytest.approx(0.05 * uses, rel=1e-12)
    assert metrics["direct_service_profit_per_day"] == pytest.approx(0.04 * uses, rel=1e-12)
    assert metrics["platform_total_revenue_per_day"] == pytest.approx(
        0.07 * (humans + agents) + 0.01 * humans + 0.02 * agents + 0.05 * uses, rel=1e-12)
    assert metrics["merchant_profit_per_day"] == pytest.approx(0.63 * (humans + agents) - 0.01 * humans - 0.02 * agents,
                                                               rel=1e-12)
    assert metrics["consumer_surplus_per_visit"] == pytest.approx(0.3, rel=1e-12)  # merchants pay the levy
    assert metrics["accounting_gap"] <= 1e-9
    # ~9,000 visits, each buying a use with probability 0.25: sd 0.0046; 0.023 is 5 sd (false failure 6e-7)
    assert uses / (humans + agents) == pytest.approx(0.25, abs=0.023)


def test_agent_access_fee_paid_by_buyers_lowers_their_surplus_not_merchants_profit():
    """The same market with the buyers paying the 0.02 access fee: consumer surplus per visit is
    0.3 - 0.02 x (agent visits / visits); merchants' profit is 0.63 per visit."""
    scenario = with_sections(config(**FLAT), fees={"agent_access_fee_per_visit": 0.02})
    output = simulate(scenario, Streams(3, 0))
    daily, metrics = output.tables["daily"], output.metrics
    visits, agents = daily["visits_humans"].sum() + daily["visits_agents"].sum(), daily["visits_agents"].sum()
    assert metrics["consumer_surplus_per_visit"] == pytest.approx(0.3 - 0.02 * agents / visits, rel=1e-12)
    assert metrics["merchant_profit_per_day"] == pytest.approx(0.63 * visits / daily.height, rel=1e-12)
    assert metrics["accounting_gap"] <= 1e-9


def test_fees_nest_and_draw_from_their_own_stream():
    """A [fees] table of zeros is the market without it, bit for bit (metrics and tables); with the direct
    service on, every column the market had is unchanged (the "direct_service" stream shifts no draw)."""
    plain = config(mode="equilibrium")
    zeros = with_sections(plain, fees={"agent_access_fee_payer": "merchants", "direct_service_price_per_use": 0.3})
    tables_equal(simulate(plain, Streams(5, 2)), simulate(zeros, Streams(5, 2)))
    on = with_sections(plain, fees={"direct_service_uptake": 0.3, "direct_service_price_per_use": 0.1})
    before, after = simulate(plain, Streams(5, 2)).tables["daily"], simulate(on, Streams(5, 2)).tables["daily"]
    assert after.select(before.columns).equals(before)
    assert set(after.columns) - set(before.columns) == {"direct_service_uses", "direct_service_revenue"}


@pytest.mark.parametrize(("key", "value"), [
    ("fees.agent_access_fee_per_visit", "-0.01"),
    ("fees.direct_service_uptake", "1.5"),
    ("fees.agent_access_fee_payer", '"platform"'),
])
def test_bad_fees_input_exits_2(tmp_path, key, value):
    assert_key_refused(tmp_path, SCENARIOS / "marketplace_today.toml", key, value, shown=value.strip('"'))


SERVICE = {"contact_share_per_order": 0.1, "extra_contact_share_per_late_order": 0.5, "late_delivery_share": 0.2,
           "bot_resolution_share": 0.5, "human_agents": 3, "handling_minutes": 6.0}


def test_service_nests_and_draws_from_its_own_streams():
    """A [service] table with no contacts is the market without it, bit for bit, whatever its other keys; with
    contacts on, every column the market had is unchanged, and its metrics are nan when off."""
    plain = config(mode="equilibrium")
    idle = with_sections(plain, service={**SERVICE, "contact_share_per_order": 0.0, "late_delivery_share": 0.0})
    tables_equal(simulate(plain, Streams(5, 2)), simulate(idle, Streams(5, 2)))
    assert all(simulate(plain, Streams(5, 2)).metrics[name] != simulate(plain, Streams(5, 2)).metrics[name]
               for name in ("contacts_per_order", "contact_wait_minutes", "service_cost_per_contact"))  # nan
    before = simulate(plain, Streams(5, 2)).tables["daily"]
    after = simulate(with_sections(plain, service=SERVICE), Streams(5, 2)).tables["daily"]
    assert after.select(before.columns).equals(before)
    assert set(after.columns) - set(before.columns) == {"contacts", "bot_resolved", "contact_wait_minutes"}


def test_a_bot_resolving_everything_costs_its_price_per_contact_plus_the_agents_hours():
    """r = 1: no contact reaches a human; the cost is 0.05 per contact plus 3 agents x 24 h x 2 per hour a day
    (hand computation from the daily counts)."""
    scenario = with_sections(config(**FLAT), service={**SERVICE, "bot_resolution_share": 1.0,
                                                       "bot_cost_per_contact": 0.05, "human_agent_cost_per_hour": 2.0})
    output = simulate(scenario, Streams(4, 0))
    daily, metrics = output.tables["daily"], output.metrics
    contacts, days = daily["contacts"].sum(), daily.height
    assert daily["bot_resolved"].sum() == contacts > 0
    assert metrics["service_cost_per_contact"] == pytest.approx((0.05 * contacts + 144.0 * days) / contacts, rel=1e-12)
    assert metrics["bot_resolved_share"] == 1.0 and metrics["human_agent_utilisation"] == 0.0
    assert metrics["contact_wait_minutes"] != metrics["contact_wait_minutes"]  # nan: nobody reached a human


def test_enough_agents_means_nobody_waits():
    """r = 0 and 100 agents for ~20 contacts a day of 6 minutes each: every contact meets a free agent
    (at most ~20 in a day, so more than 100 at once is impossible)."""
    scenario = with_sections(config(**FLAT), service={**SERVICE, "bot_resolution_share": 0.0, "human_agents": 100})
    metrics = simulate(scenario, Streams(4, 0)).metrics
    assert metrics["contact_wait_minutes"] == 0.0 and metrics["contact_wait_probability"] == 0.0


@pytest.mark.parametrize(("late_share", "expected"), [(0.0, 0.1), (0.8, 0.5)])
def test_contacts_per_order_rise_with_the_late_delivery_share(late_share, expected):
    """0.1 + 0.5 x late share contacts per order (the scenario's form). ~9,000 orders: sd at most
    sqrt(0.25 / 9000) = 0.0053; the tolerance 0.027 is 5 sd (false-failure rate 6e-7)."""
    scenario = with_sections(config(**FLAT), service={**SERVICE, "late_delivery_share": late_share})
    assert simulate(scenario, Streams(6, 0)).metrics["contacts_per_order"] == pytest.approx(expected, abs=0.027)


@pytest.mark.parametrize(("key", "value"), [
    ("service.bot_resolution_share", "1.5"),
    ("service.bot_cost_per_contact", "-0.1"),
    ("service.human_agent_cost_per_hour", "-2"),
    ("service.human_agents", "0"),
])
def test_bad_service_input_exits_2(tmp_path, key, value):
    test_bad_fees_input_exits_2(tmp_path, key, value)


def test_more_than_one_contact_per_order_exits_2(tmp_path):
    message = refusal(tmp_path, SCENARIOS / "marketplace_today.toml", "[service]\ncontact_share_per_order = 0.8\n"
                      "extra_contact_share_per_late_order = 0.5\nlate_delivery_share = 1.0\n")
    assert "service" in message and "1.3" in message, message


def test_contact_centre_waits_equal_an_independent_first_come_first_served_recursion():
    """The monitored SimPy queue against a second implementation on the same draws (rebuilt from the streams
    `service.py` documents): the c-server first-come-first-served recursion (each contact takes the earliest
    free agent, a heap of free times). Mean waits equal to 1e-12 on ~40 days of a loaded centre."""
    scenario = contact_centre_config(3, 0.8, 30.0, 40.0, 0.0)
    days = run_market(scenario, Streams(8, 1))
    orders = days.totals[:, :, PURCHASES].sum(axis=1).astype(np.int64)
    streams, service = Streams(8, 1), scenario.service
    contacts = streams["service_contacts"].binomial(orders, service.contact_probability)
    day = np.repeat(np.arange(orders.size), contacts)
    arrivals = np.sort(day + 0.5 + streams["service_contacts"].random(day.size))  # days do not overlap
    human = arrivals[streams["service_bot"].random(arrivals.size) >= service.bot_resolution_share]
    handling = streams["service_handling"].exponential(service.handling_minutes / 1440.0, human.size)
    free, waits = [0.0] * service.human_agents, np.empty(human.size)
    for i, (arrival, duration) in enumerate(zip(human.tolist(), handling.tolist())):
        start = max(heapq.heappop(free), arrival)
        waits[i] = start - arrival
        heapq.heappush(free, start + duration)
    simulated = days.service[:, WAIT_MINUTES].sum() / days.service[:, HUMAN_CONTACTS].sum()
    assert waits.mean() * 1440.0 > 1.0  # a loaded centre: the check is not on an idle queue
    assert simulated == pytest.approx(waits.mean() * 1440.0, rel=1e-12)
    assert days.service[:, HUMAN_CONTACTS].sum() == human.size


def test_ad_revenue_falls_as_the_agent_share_rises():
    """A sanity check (issue 23): ads reach humans only, so with all else fixed (same seed, equilibrium
    pricing, one advertiser) ad revenue falls at each step of the agent share 0, 0.3, 0.6, 0.9, while the
    agent-access revenue rises."""
    revenue = []
    for share in (0.0, 0.3, 0.6, 0.9):
        scenario = with_sections(config(agent_share=share), ads={"advertisers": 1, "price_per_impression": 0.01},
                                 fees={"agent_access_fee_per_visit": 0.005})
        metrics = simulate(scenario, Streams(9, 0)).metrics
        revenue.append((metrics["ad_revenue_per_day"], metrics["agent_access_revenue_per_day"]))
    ads, access = zip(*revenue)
    assert all(a > b for a, b in zip(ads, ads[1:])) and all(a < b for a, b in zip(access, access[1:]))


LOGIT = {"search_cost": 0.0, "market": {"goods": "differentiated", "quality": 2.0, "price_sensitivity": 3.0,
                                        "marginal_cost": 0.2}}


def _logit_profits(adopters: int, gain: float, cost: float, merchants: int = 4, visits: float = 300.0) -> np.ndarray:
    """Profit per day of each of `merchants` logit-Bertrand merchants (quality 2, alpha 3, c 0.2, no take)
    when the first `adopters` add `gain` utils at `cost` a day: written here from the solver and the logit
    shares, apart from the model's own function."""
    qualities = np.array([2.0 + gain] * adopters + [2.0] * (merchants - adopters))
    prices = io.bertrand_equilibrium(qualities, np.full(merchants, 0.2), [3.0], outside_option=True).prices
    utility = np.exp(qualities - 3.0 * prices)
    shares = utility / (1.0 + utility.sum())
    return visits * shares * (prices - 0.2) - cost * (np.arange(merchants) < adopters)


@pytest.mark.parametrize(("gain", "cost", "expected"), [(0.5, 0.0, 4), (0.5, 1e6, 0), (0.5, None, None)])
def test_merchants_adopt_tools_when_they_profit(gain, cost, expected):
    """Free tools that raise quality: all 4 merchants adopt; prohibitive ones: none. At a cost between the
    first and the last adopter's gain (taken from the independent profits above), the adopters are an
    equilibrium: no adopter gains by dropping the tools, no other merchant by adopting, and 0 < k < 4."""
    if cost is None:
        first = _logit_profits(1, gain, 0.0)[0] - _logit_profits(0, gain, 0.0)[0]
        last = _logit_profits(4, gain, 0.0)[3] - _logit_profits(3, gain, 0.0)[3]
        cost = 0.5 * (first + last)
    scenario = with_sections(config(**LOGIT), tools={"quality_gain": gain, "cost_per_listing_per_day": cost})
    adopters = int(simulate(scenario, Streams(2, 0)).metrics["tool_adopters"])
    if expected is not None:
        assert adopters == expected
        return
    assert 0 < adopters < 4
    assert _logit_profits(adopters, gain, cost)[adopters - 1] >= _logit_profits(adopters - 1, gain, cost)[adopters - 1]
    assert _logit_profits(adopters, gain, cost)[adopters] >= _logit_profits(adopters + 1, gain, cost)[adopters]


def test_tools_nest_and_refuse_homogeneous_goods(tmp_path):
    """quality_gain 0 is the market without tools bit for bit (whatever the cost); tools with homogeneous goods
    exit 2 naming file, key and value."""
    plain = config(**LOGIT)
    tables_equal(simulate(plain, Streams(5, 2)),
                 simulate(with_sections(plain, tools={"cost_per_listing_per_day": 3.0}), Streams(5, 2)))
    test_bad_fees_input_exits_2(tmp_path, "tools.quality_gain", "0.5")


AGENTS = {"search_cost": 0.0, "agent_share": 1.0,
          "market": {"goods": "differentiated", "quality": 1.0, "price_sensitivity": 4.0, "marginal_cost": 0.0,
                     "take_rate": 0.1}}


def _agent_market(self_preferencing: float, api_price: float = 0.5) -> MarketplaceScenario:
    return with_sections(config(**AGENTS), agent_market={"api_price_per_million_tokens": api_price,
                                                         "million_tokens_per_use": 0.2,
                                                         "self_preferencing": self_preferencing})


@pytest.mark.parametrize("self_preferencing", [0.0, 1.0])
def test_agent_market_prices_meet_the_first_order_conditions(self_preferencing):
    """Inference cost 0.5 x 0.2 = 0.1 per use, take 0.1: effective cost 0.1 / 0.9. At the model's prices each
    merchant's markup is 1 / (alpha (1 - s_j)) (closed form, choice shares with the ranking bonus) to 1e-6,
    and a central finite difference of its profit (1 - t) (p - c_eff) s_j(p) in its own price is 0 (to 1e-6
    of the profit scale), the shares written out here."""
    scenario = _agent_market(self_preferencing)
    prices = run_market(scenario, Streams(1, 0)).prices[0]
    cost, alpha = 0.1 / 0.9, 4.0
    bonus = np.array([self_preferencing, 0.0, 0.0, 0.0])

    def shares(p):
        weights = np.exp(1.0 + bonus - alpha * p)
        return weights / (1.0 + weights.sum())

    assert np.allclose(prices - cost, 1.0 / (alpha * (1.0 - shares(prices))), rtol=0.0, atol=1e-6)
    h = 1e-5
    for j in range(4):
        up, down = prices.copy(), prices.copy()
        up[j] += h
        down[j] -= h
        slope = ((up[j] - cost) * shares(up)[j] - (down[j] - cost) * shares(down)[j]) / (2 * h)
        assert abs(slope) < 1e-6
    if self_preferencing:
        assert prices[0] > prices[1] == pytest.approx(prices[3], abs=1e-9)


def test_self_preferencing_raises_the_platform_agents_share_and_lowers_consumer_surplus():
    """Paired comparison (same seeds: common random numbers) of self-preferencing 0 against 1 util: merchant 0's
    share of sales rises and consumer surplus per visit falls, each by a one-sided 99.9% t bound over 8
    replications (false-failure rate at most 0.1% each, were the effect absent)."""
    from scipy import stats

    share_gain, surplus_loss = [], []
    for replication in range(8):
        outcome = {}
        for bonus in (0.0, 1.0):
            output = simulate(_agent_market(bonus), Streams(11, replication))
            sales = run_market(_agent_market(bonus), Streams(11, replication)).sales.sum(axis=0)
            outcome[bonus] = (sales[0] / sales.sum(), output.metrics["consumer_surplus_per_visit"])
        share_gain.append(outcome[1.0][0] - outcome[0.0][0])
        surplus_loss.append(outcome[0.0][1] - outcome[1.0][1])
    for differences in (np.array(share_gain), np.array(surplus_loss)):
        bound = differences.mean() - stats.t.ppf(0.999, differences.size - 1) * differences.std(ddof=1) / np.sqrt(8)
        assert bound > 0.0 or (differences.std() == 0.0 and differences.mean() > 0.0)


def test_agent_market_nests_and_refuses_bad_input(tmp_path):
    """An [agent_market] of zeros is the market without it, bit for bit; a negative API price, or an agent
    market on homogeneous goods, exits 2 naming file, key and value."""
    plain = config(**LOGIT)
    tables_equal(simulate(plain, Streams(5, 2)), simulate(with_sections(plain, agent_market={}), Streams(5, 2)))
    test_bad_fees_input_exits_2(tmp_path, "agent_market.api_price_per_million_tokens", "-1")
    test_bad_fees_input_exits_2(tmp_path, "agent_market.self_preferencing", "0.5")
