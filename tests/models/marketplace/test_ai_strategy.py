"""The AI-strategy sweep (issue 23): agent share x bot resolution share x model-API price x self-preferencing
over `marketplace_ai_strategy` (the DingTalk agent market with its contact centre)."""

from __future__ import annotations

import itertools

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
