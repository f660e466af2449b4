"""The search-and-choice kernel against its NumPy twin, and against hand-worked visits."""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernels.search import AGENT, AGENT_TAKING_FIRST, HUMAN, PAID, PURCHASES, QUOTES, SEARCH_COSTS, VISITS, search_and_choose, \
    search_and_choose_reference


@pytest.mark.parametrize("tick", [None, 0.1])
@pytest.mark.parametrize("consideration_set, agent_consideration_set", [(1, 7), (3, 2), (7, 7), (7, 1)])
def test_kernel_matches_numpy_twin(tick, consideration_set, agent_consideration_set):
    rng = np.random.default_rng(7)
    for _ in range(20):
        prices = rng.uniform(0.2, 1.2, 7)
        if tick:  # ties on a tick grid
            prices = np.round(prices / tick) * tick
        is_agent = rng.choice(np.array([HUMAN, AGENT, AGENT_TAKING_FIRST], dtype=np.int8), 500, p=[0.6, 0.3, 0.1])
        starts = rng.random(500)
        args = (prices, is_agent, starts, 0.6, 1.0, 0.05, 0.001, consideration_set, agent_consideration_set)
        sales, revenue, totals = search_and_choose(*args)
        sales_ref, revenue_ref, totals_ref = search_and_choose_reference(*args)
        np.testing.assert_array_equal(sales, sales_ref)
        np.testing.assert_allclose(revenue, revenue_ref, rtol=1e-12)
        np.testing.assert_allclose(totals, totals_ref, rtol=1e-12)


def test_hand_worked_visits():
    prices = np.array([0.9, 0.5, 0.7, 1.5])
    starts = np.array([0.0, 0.0, 0.8])  # merchants 0, 0, 3
    is_agent = np.array([False, True, False])
    sales, revenue, totals = search_and_choose(prices, is_agent, starts, 0.6, 1.0, 0.1, 0.0, 4, 4)
    # human from 0: 0.9 > 0.6, quote 2 at merchant 1 (0.5 <= 0.6): buys 0.5 after 2 quotes, cost 0.1
    # agent: all four, cheapest merchant 1 at 0.5
    # human from 3: 1.5, then 0 (0.9), then 1 (0.5): 3 quotes, cost 0.2, buys at merchant 1
    np.testing.assert_array_equal(sales, [0, 3, 0, 0])
    assert revenue[1] == pytest.approx(1.5)
    assert totals[HUMAN, VISITS] == 2 and totals[HUMAN, QUOTES] == 5
    assert totals[HUMAN, SEARCH_COSTS] == pytest.approx(0.3)
    assert totals[AGENT, QUOTES] == 4 and totals[AGENT, PAID] == 0.5 and totals[AGENT, PURCHASES] == 1
    # nobody buys above v
    sales, _, totals = search_and_choose(np.array([1.2, 1.3]), np.array([False, True]), np.array([0.1, 0.6]),
                                         1.0, 1.0, 0.1, 0.0, 2, 2)
    assert sales.sum() == 0 and totals[:, PURCHASES].sum() == 0
    # an agent who considers only the first 2 merchants it meets (from merchant 3: 3 and 0) buys at 0.9, not 0.5
    sales, _, totals = search_and_choose(prices, np.array([True]), np.array([0.8]), 0.6, 1.0, 0.1, 0.02, 4, 2)
    np.testing.assert_array_equal(sales, [1, 0, 0, 0])
    assert totals[AGENT, QUOTES] == 2 and totals[AGENT, SEARCH_COSTS] == pytest.approx(0.02)
    # agents taking the first proposal read one quote: from merchant 3 (1.5 > v) nothing is bought; from
    # merchant 2 the agent buys at 0.7, though merchant 1 asks 0.5
    kinds = np.array([AGENT_TAKING_FIRST, AGENT_TAKING_FIRST], dtype=np.int8)
    sales, _, totals = search_and_choose(prices, kinds, np.array([0.8, 0.5]), 0.6, 1.0, 0.1, 0.02, 4, 4)
    np.testing.assert_array_equal(sales, [0, 0, 1, 0])
    assert totals[AGENT, QUOTES] == 2 and totals[AGENT, PAID] == 0.7 and totals[AGENT, SEARCH_COSTS] == 0.0
