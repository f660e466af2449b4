"""GenAI platforms, part 2: platform revenue by source (`[fees]`: agent access, a direct AI service) and the
AI 1.0 contact centre (`[service]`). Off by default and nesting bit for bit, each on its own stream, checked
against hand-worked markets; the contact centre's Erlang C check is a `sim validate` case (too heavy here)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.core.rng import Streams
from sim.models.marketplace.model import simulate
from tests.conftest import SCENARIOS
from tests.models.marketplace.test_ads_and_choice import with_sections
from tests.models.marketplace.test_marketplace import config, tables_equal

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
    table, name = key.split(".")
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "{SCENARIOS / "marketplace_today.toml"}"\n[{table}]\n{name} = {value}\n')
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out"), "--no-progress"])
    assert result.exit_code == 2, result.stdout
    message = " ".join(result.stderr.split())
    assert "Traceback" not in message and "bad.toml" in message and key in message and value.strip('"') in message, message
    assert not (tmp_path / "out").exists()
