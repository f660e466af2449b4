"""Comparative statics of Stahl's equilibrium, simulated (s = 0.05, v = 1, interior points): the mean posted
price rises with N (mu = 0.5; N = 2, 5, 10) and falls with mu (N = 5; mu = 0.2, 0.5, 0.8), each adjacent
pair a paired comparison (common random numbers: merchant j's uniforms are the same whatever N or mu) with
a one-sided 99.9% bound excluding 0; the average price paid rises with N too, but the shoppers' (agents')
mean price does not: theory says s (1 - mu) / mu = 0.05 whatever N, and its paired difference stays
within 5% of that.

Design: theory's smallest adjacent gap in E[p] is 0.046 (N 2 -> 5: 0.061 -> 0.107); with 400 days of 50
visits a replication's mean posted price has sd below 0.001 (the validation pilot: 0.00055 at N = 5), so
10 replications give a one-sided 99.9% bound of t(0.999, 9) x sd / sqrt(10) < 0.0013, and the test's power
against the theory's gaps is 1 to many decimals. False failure: at most 0.1% per comparison (8 of them).
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.rng import Streams
from sim.core.stats import paired_comparison
from sim.models.marketplace.config import MarketplaceScenario
from sim.models.marketplace.model import simulate
from sim.models.marketplace.validation import market_config

REPLICATIONS = 10
ONE_SIDED_999 = 0.998  # a two-sided 99.8% interval's bound is a one-sided 99.9% bound


def per_replication(merchants: int, agent_share: float, metric: str) -> np.ndarray:
    config = MarketplaceScenario.model_validate(market_config(merchants, agent_share, 0.05, 400.0, 50.0))
    return np.array([simulate(config, Streams(77, k)).metrics[metric] for k in range(REPLICATIONS)])


@pytest.mark.parametrize("low, high, metric", [
    ((2, 0.5), (5, 0.5), "mean_posted_price"), ((5, 0.5), (10, 0.5), "mean_posted_price"),
    ((5, 0.8), (5, 0.5), "mean_posted_price"), ((5, 0.5), (5, 0.2), "mean_posted_price"),
    ((2, 0.5), (5, 0.5), "mean_price_paid"), ((5, 0.5), (10, 0.5), "mean_price_paid"),
])
def test_price_rises_with_merchants_and_falls_with_agent_share(low, high, metric):
    comparison = paired_comparison(per_replication(*low, metric), per_replication(*high, metric), ONE_SIDED_999)
    assert comparison.difference.low > 0.0, comparison


@pytest.mark.parametrize("low, high", [((2, 0.5), (5, 0.5)), ((5, 0.5), (10, 0.5))])
def test_shoppers_price_does_not_rise_with_merchants(low, high):
    comparison = paired_comparison(per_replication(*low, "mean_price_paid_agents"),
                                   per_replication(*high, "mean_price_paid_agents"), ONE_SIDED_999)
    assert comparison.difference.high < 0.05 * 0.05, comparison
