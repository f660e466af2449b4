"""Merchants' entry and exit by profit (`[entry]`): off by default and nesting bit for bit; with free entry
the number listed settles at the zero-profit number of Stahl's market (`sim.theory.search`)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.core.rng import Streams
from sim.models.marketplace.config import MarketplaceScenario
from sim.models.marketplace.market import run_market
from sim.models.marketplace.model import simulate
from sim.theory import search
from tests.conftest import SCENARIOS
from tests.models.marketplace.test_marketplace import config
from tests.models.marketplace.helpers import refusal


def with_entry(scenario: MarketplaceScenario, **entry) -> MarketplaceScenario:
    document = scenario.model_dump()
    document["entry"] = entry
    return MarketplaceScenario.model_validate(document)


def test_zero_profit_number_by_hand():
    """Capped regime (mu = 0.3, s = 0.5 > (v - c) b J for every N here): profit per buyer (1 - mu)(v - c)/N
    = 0.7/N, so at a fixed cost of 0.2 per buyer N* = 3 (0.233 > 0.2 >= 0.175); profit per merchant falls
    with N in the interior too (the monotonicity `zero_profit_merchants` relies on)."""
    assert search.zero_profit_merchants(0.2, 0.3, 0.5, 1.0) == 3
    assert search.zero_profit_merchants(0.8, 0.3, 0.5, 1.0) == 1   # even a duopolist would not cover it
    assert search.zero_profit_merchants(0.0, 0.3, 0.5, 1.0, max_merchants=7) == 7
    for mu in (0.01, 0.2, 0.5, 0.9):
        profits = [search.stahl_equilibrium(n, mu, 0.01, 1.0).profit_per_buyer for n in range(2, 300)]
        assert np.all(np.diff(profits) < 0.0), mu


def test_entry_that_cannot_move_is_the_fixed_market_and_entry_shifts_no_buyer_draws():
    """Reviews with nobody able to move (no listing cost, no room to enter) give the fixed-N market's tables
    bit for bit; with merchants entering, the buyers' draws (visits, buyer types) are unchanged."""
    fixed = config(merchants=4, days=40.0)
    frozen = simulate(with_entry(fixed, review_days=5.0, max_merchants=4), Streams(9, 0))
    plain = simulate(fixed, Streams(9, 0))
    for name, value in plain.metrics.items():
        assert value == frozen.metrics[name] or (math.isnan(value) and math.isnan(frozen.metrics[name])), name
    assert plain.tables["daily"].equals(frozen.tables["daily"].drop("merchants"))
    moving = simulate(with_entry(fixed, review_days=5.0, max_merchants=9), Streams(9, 0))
    assert moving.metrics["merchants"] > 4.0
    columns = ["visits_humans", "visits_agents"]
    assert plain.tables["daily"].select(columns).equals(moving.tables["daily"].select(columns))


def exit_error_bound(mu: float, s: float, merchants: int, visits: float, window_days: int) -> float:
    """An upper bound on the sd of the mean realised profit per merchant-day over a window at N merchants
    (c = 0, no take rate, prices redrawn daily so days are independent). A day's total profit P given the
    day's prices has mean V m, m = (1 - mu) mean_j p_j + mu min_j p_j, and Poisson variance V E[X^2] <= V rho^2;
    sd(m) <= (1 - mu) sd(p)/sqrt(N) + mu sd(min) <= rho ((1 - mu)/(2 sqrt N) + mu/2) (Minkowski; a variable on
    [p_lo, rho] has sd <= rho/2). So sd(P) <= V rho (...) + sqrt(V) rho, divided by N sqrt(window)."""
    rho = search.stahl_equilibrium(merchants, mu, s, 1.0).reservation_price
    day = visits * rho * ((1.0 - mu) / (2.0 * math.sqrt(merchants)) + mu / 2.0) + math.sqrt(visits) * rho
    return day / (merchants * math.sqrt(window_days))


@pytest.mark.parametrize("mu, s, start, expected", [
    (0.3, 0.5, 1, 3),     # capped regime, merchants enter one by one
    (0.2, 0.05, 1, 3),    # interior regime
    (0.3, 0.5, 6, 3),     # capped, too many merchants at the start: they leave
])
def test_free_entry_settles_at_the_zero_profit_number(mu, s, start, expected):
    """Listing cost L = 1.02 x the equilibrium profit per day at N* + 1, so the theory's N* (largest N with
    profit > L) is the only rest point: an entrant to N* + 1 expects less than L (entry reads the closed form:
    no noise), and at N* the realised mean profit per merchant-day over the 150-day window falls below L only
    if it misses its mean by (profit(N*) - L) >= 4.5 bound sds (`exit_error_bound`; a normal tail, the
    window pooling ~10^5 visits): at most 3.4e-6 a review, < 2e-4 over the run's reviews, the test's
    false-failure rate. Checked over the last 200 of 700 days (reviews every 10 days)."""
    visits, window, days = 1000.0, 150, 700.0
    cost = 1.02 * visits * search.stahl_equilibrium(expected + 1, mu, s, 1.0).profit_per_buyer
    assert search.zero_profit_merchants(cost / visits, mu, s, 1.0) == expected
    margin = visits * search.stahl_equilibrium(expected, mu, s, 1.0).profit_per_buyer - cost
    assert margin >= 4.5 * exit_error_bound(mu, s, expected, visits, window)
    scenario = with_entry(config(merchants=start, agent_share=mu, search_cost=s, days=days, visits=visits),
                          review_days=10.0, listing_cost_per_day=cost, window_days=window, max_merchants=8)
    listed = run_market(scenario, Streams(3, 0)).listed
    assert listed is not None
    assert np.all(listed[-200:] == expected), np.bincount(listed[-200:])


def test_listing_and_entry_costs_are_merchants_costs():
    """A monopolist that may not be joined (max_merchants 1) pays L a day: profit per day falls by exactly L.
    An entrant pays the entry cost once: merchant profit falls by it."""
    monopoly = config(merchants=1, days=20.0)
    base = simulate(with_entry(monopoly, review_days=5.0, max_merchants=1), Streams(1, 0)).metrics
    charged = simulate(with_entry(monopoly, review_days=5.0, max_merchants=1, listing_cost_per_day=3.0),
                       Streams(1, 0)).metrics
    assert charged["merchant_profit_per_day"] == pytest.approx(base["merchant_profit_per_day"] - 3.0, rel=1e-12)
    two = config(merchants=1, days=8.0, agent_share=0.3, search_cost=0.5)
    free = simulate(with_entry(two, review_days=5.0, max_merchants=2), Streams(1, 0)).metrics
    paid = simulate(with_entry(two, review_days=5.0, max_merchants=2, entry_cost=4.0), Streams(1, 0)).metrics
    assert free["merchants"] == paid["merchants"] == pytest.approx((5 * 1 + 3 * 2) / 8)
    assert paid["merchant_profit_per_day"] == pytest.approx(free["merchant_profit_per_day"] - 4.0 / 8, rel=1e-12)


@pytest.mark.parametrize("key, value, extra", [
    ("entry.listing_cost_per_day", "-1.0", "review_days = 5.0\n"),
    ("entry.review_days", "5.0", ""),  # the scenario's pricing is fixed below: entry needs equilibrium pricing
])
def test_bad_entry_input_exits_2(tmp_path, key, value, extra):
    name = key.split(".")[1]
    pricing = '[pricing]\nmode = "fixed"\nfixed_prices = [0.8]\n' if name == "review_days" else ""
    message = refusal(tmp_path, SCENARIOS / "marketplace_today.toml", f"{pricing}[entry]\n{extra}{name} = {value}\n")
    assert key in message and value.rstrip("0") in message, message
