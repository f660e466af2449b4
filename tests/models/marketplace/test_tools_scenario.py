"""The AI 1.0 merchant-tools scenario (`marketplace_ai_1_0_tools.toml`) against an independent solution of
the adopt-then-price game: symmetric logit-Bertrand with an outside good, solved here by root-finding on
the first-order condition p = c / (1 - t) + 1 / (alpha (1 - s)) (not the model's solver)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import optimize

from sim.models.marketplace.market import logit_profits_per_day, tool_adopters
from sim.scenario import load_scenario

SCENARIO = Path(__file__).resolve().parents[3] / "scenarios" / "marketplace_ai_1_0_tools.toml"


def shares(qualities: np.ndarray, prices: np.ndarray, alpha: float) -> np.ndarray:
    weights = np.exp(qualities - alpha * prices)
    return weights / (1.0 + weights.sum())


def equilibrium(qualities: np.ndarray, alpha: float, unit_cost: float, take_rate: float) -> np.ndarray:
    """Prices meeting every merchant's first-order condition, by scipy's root finder from the cost."""
    def residual(prices: np.ndarray) -> np.ndarray:
        return prices - unit_cost / (1.0 - take_rate) - 1.0 / (alpha * (1.0 - shares(qualities, prices, alpha)))
    solution = optimize.root(residual, np.full(qualities.size, unit_cost / (1.0 - take_rate) + 1.0 / alpha), tol=1e-13)
    assert solution.success
    return solution.x


def profits(config, qualities: np.ndarray, tool_cost: np.ndarray) -> np.ndarray:
    market = config.market
    prices = equilibrium(qualities, market.price_sensitivity, market.marginal_cost, market.take_rate)
    margin = (1.0 - market.take_rate) * prices - market.marginal_cost
    return market.visits_per_day * shares(qualities, prices, market.price_sensitivity) * margin - tool_cost


def test_every_merchant_adopts_and_each_earns_less_than_if_none_did():
    """The scenario's comment: all 20 adopt (no adopter gains by dropping the tools: checked with one
    deviator at the asymmetric equilibrium), and each earns less than in the market without tools (2.007 a
    day against 1.926): a prisoners' dilemma the platform's free tools set up."""
    config = load_scenario(SCENARIO).config
    n, gain, cost = config.market.merchants, config.tools.quality_gain, config.tools.cost_per_listing_per_day
    base = np.full(n, config.market.quality)
    none = profits(config, base, np.zeros(n))
    every = profits(config, base + gain, np.full(n, cost))
    deviator = profits(config, np.r_[base[:1], base[1:] + gain], np.r_[0.0, np.full(n - 1, cost)])
    assert tool_adopters(config) == n
    assert deviator[0] < every[0]  # dropping the tools does not pay: all adopting is a Nash equilibrium
    assert every[0] < none[0]
    assert (round(none[0], 3), round(every[0], 3)) == (2.007, 1.926)  # the numbers the comment quotes
    np.testing.assert_allclose(logit_profits_per_day(config, n), every, rtol=1e-9)
    np.testing.assert_allclose(logit_profits_per_day(config, 0), none + 0.0, rtol=1e-9)


@pytest.mark.parametrize("cost, adopters", [(0.5, 20), (0.7, 0)])
def test_adoption_follows_the_tools_cost(cost, adopters):
    """Cheaper tools: all adopt; dearer than the gain in margin they bring a lone adopter: none."""
    config = load_scenario(SCENARIO).config
    config = config.model_copy(update={"tools": config.tools.model_copy(update={"cost_per_listing_per_day": cost})})
    n, gain = config.market.merchants, config.tools.quality_gain
    base = np.full(n, config.market.quality)
    lone = profits(config, np.r_[base[:1] + gain, base[1:]], np.r_[cost, np.zeros(n - 1)])
    none = profits(config, base, np.zeros(n))
    assert (lone[0] > none[0]) == (adopters > 0)  # a first adopter gains exactly when the model says some adopt
    assert tool_adopters(config) == adopters
