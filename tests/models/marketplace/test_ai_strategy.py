"""The AI-strategy sweep (issue 23): agent share x bot resolution share x model-API price x self-preferencing
over `marketplace_ai_strategy` (the DingTalk agent market with its contact centre); and the accounting
identity in every replication of every shipped marketplace scenario."""

from __future__ import annotations

import itertools

import pytest

from sim.core.rng import Streams
from sim.models.marketplace.model import simulate
from sim.scenario import load_scenario
from sim.sweeps.spec import read_sweep_file
from tests.conftest import SCENARIOS

LEVELS = {"buyers.agent_share": [0.2, 0.5, 0.9], "service.bot_resolution_share": [0.3, 0.6, 0.8],
          "agent_market.api_price_per_million_tokens": [0.05, 0.5, 2.0],
          "agent_market.self_preferencing": [0.0, 0.75, 1.5]}


def test_the_sweep_is_the_full_grid_of_the_four_factors_and_every_point_is_a_valid_scenario():
    """3 x 3 x 3 x 3 = 81 points, every combination of the levels written here once, and each point loads
    (the schema's checks pass: the agent market's inference cost stays below (1 - t) v at 2.0 x 0.05)."""
    spec, design, _ = read_sweep_file(SCENARIOS / "sweeps" / "marketplace_ai_strategy.toml")
    table = design.table()
    assert set(LEVELS) <= set(table.columns)
    points = {tuple(row[path] for path in LEVELS) for row in table.iter_rows(named=True)}
    assert table.height == 81 and points == set(itertools.product(*LEVELS.values()))
    for point in points:
        overrides = [f"{path}={value!r}" for path, value in zip(LEVELS, point)]
        config = load_scenario(SCENARIOS / "marketplace_ai_strategy.toml", overrides).config
        assert config.service.on and config.agent_market.on


MARKETPLACE_SCENARIOS = sorted(SCENARIOS.glob("marketplace*.toml"))


@pytest.mark.parametrize("path", MARKETPLACE_SCENARIOS, ids=[p.stem for p in MARKETPLACE_SCENARIOS])
def test_accounting_closes_in_every_replication_of_every_marketplace_scenario(path):
    """In each of 2 replications of 10 days of every shipped marketplace scenario: what buyers and merchants
    pay in equals merchants' net receipts plus the platform's revenue by source (`accounting_gap` < 1e-9), and
    the platform's total revenue is the sum of its sources (to 1e-9 relative)."""
    config = load_scenario(path, ["run.horizon_days=10.0", "run.warmup_days=0.0"]).config
    for replication in range(2):
        metrics = simulate(config, Streams(17, replication)).metrics
        assert metrics["accounting_gap"] < 1e-9, (path.stem, replication, metrics["accounting_gap"])
        sources = sum(metrics[name] for name in ("platform_revenue_per_day", "ad_revenue_per_day",
                                                  "agent_access_revenue_per_day", "direct_service_revenue_per_day"))
        assert metrics["platform_total_revenue_per_day"] == pytest.approx(sources, rel=1e-9, abs=1e-12)
