"""The buy-out through `sim compare` (the model's paired report), checked against a hand computation in the
deterministic linear limit."""

from __future__ import annotations

import pytest

BASELINE = """
model = "cainiao"
description = "standalone at 63.7%"

[run]
horizon_days = 1825.0   # 20 quarters, 2021Q1-2025Q4
warmup_days = 0.0
replications = 2
seed = 3

[cainiao]
regime = "standalone"
ownership_share = 0.637
marginal_cost_rmb_per_parcel = 10.0
start_quarter = "2021Q1"

[demand]
group_intercept_m_parcels = 400.0
group_slope_m_parcels_per_rmb = 2.0
"""

BUYOUT = """
model = "cainiao"
description = "bought out and run as infrastructure from 2024Q2"
extends = "baseline.toml"

[cainiao.change]
quarter = "2024Q2"
ownership_share = 1.0
regime = "infrastructure"
outlay_usd_bn = 3.75
"""


def test_the_buyout_pays_back_in_the_quarter_a_hand_computation_gives(tmp_path):
    """a = 400, b = 2, c = 10 (choke price 200). Standalone: w = 105, P = 152.5, Q = 95; Cainiao earns 95 x 95
    = 9,025 and AliExpress 47.5 x 95 = 4,512.5 a quarter, so 4,512.5 + 0.637 x 9,025 = 10,261.425 is
    attributable. Infrastructure at 100%: P = 105, Q = 190, all of it AliExpress's: 95 x 190 = 18,050. Gain
    7,788.575 a quarter from 2024Q2 (7 quarters to 2025Q4), against 3.75 x 7.10 x 1000 = 26,625 paid at its
    start: cumulative 4 x 7,788.575 - 26,625 > 0 > 3 x 7,788.575 - 26,625, so it pays back in 2025Q1. No
    discounting; the NPV gain is 7 x 7,788.575 / 7.10 / 1000 = US$ 7.679 bn."""
    import sim

    (tmp_path / "baseline.toml").write_text(BASELINE)
    (tmp_path / "buyout.toml").write_text(BUYOUT)
    comparison = sim.compare([tmp_path / "baseline.toml", tmp_path / "buyout.toml"], reps=2)
    report = comparison.model_reports()
    assert report["payback_quarter"][0] == "2025Q1"
    assert report["npv_attributable_gain_usd_bn"][0] == pytest.approx(7 * 7788.575 / 7.10 / 1000.0, rel=1e-6)
    assert report["outlay_rmb_m"][0] == pytest.approx(26_625.0, rel=1e-12)
    table = comparison.results["buyout"].frame("quarterly").filter(replication=0)
    assert table.filter(quarter_label="2024Q1")["regime"][0] == "standalone"
    assert table.filter(quarter_label="2024Q2")["ownership_share"][0] == 1.0


def test_a_change_outside_the_horizon_exits_2_naming_the_key(tmp_path):
    from typer.testing import CliRunner

    from sim import cli

    (tmp_path / "baseline.toml").write_text(BASELINE)
    (tmp_path / "late.toml").write_text(BUYOUT.replace('"2024Q2"', '"2027Q1"'))
    done = CliRunner().invoke(cli.app, ["run", str(tmp_path / "late.toml"), "--out", str(tmp_path / "out")])
    assert done.exit_code == 2, done.output
    assert "late.toml" in done.output and "cainiao.change.quarter" in done.output and "2027Q1" in done.output


def test_the_decomposition_into_ownership_and_regime_by_hand(tmp_path):
    """Over 20 quarters, no discounting (numbers of the test above): (i) ownership alone moves 0.363 x 9,025
    a quarter to Alibaba's shareholders, 20 x 3,276.075 / 7,100 = US$ 9.228 bn; (ii) infrastructure at 100%
    against standalone at 100% gains 18,050 - 13,537.5 = 4,512.5 a quarter, US$ 12.711 bn."""
    import sim
    from sim.models.cainiao.buyout import buyout_decomposition

    (tmp_path / "baseline.toml").write_text(BASELINE)
    (tmp_path / "full.toml").write_text('extends = "baseline.toml"\ndescription = "100%"\n'
                                        "[cainiao]\nownership_share = 1.0\n")
    (tmp_path / "infra.toml").write_text('extends = "full.toml"\ndescription = "100%, infrastructure"\n'
                                         '[cainiao]\nregime = "infrastructure"\n')
    results = sim.compare([tmp_path / name for name in ("baseline.toml", "full.toml", "infra.toml")], reps=2).results
    parts = buyout_decomposition(results["baseline"], results["full"], results["infra"])
    assert parts["part"].to_list() == ["ownership", "regime"]
    assert parts["npv_attributable_gain_usd_bn"].to_list() == pytest.approx(
        [20 * 0.363 * 9025 / 7100, 20 * 4512.5 / 7100], rel=1e-6)
