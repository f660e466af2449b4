"""Logit demand for AliExpress's shoppers: the model's optimiser against the logit double-marginalisation
solution of `sim.theory.io` (Lambert W and a root, an independent implementation), and shoppers' surplus by the
log-sum against the area under the model's own demand curve."""

from __future__ import annotations

import math

import pytest
from scipy.integrate import quad
from typer.testing import CliRunner

from sim import cli
from sim.core.rng import Streams
from sim.models.cainiao.config import CainiaoScenario
from sim.models.cainiao.model import LogitDemand, simulate
from sim.models.cainiao.validation import LOGIT_MARKET_M_SHOPPERS, LOGIT_SETS, logit_limit_config
from sim.theory.io import double_marginalisation_logit

MARKET_M_SHOPPERS = LOGIT_MARKET_M_SHOPPERS


def logit_config(delta: float, alpha: float, c: float, regime: str) -> CainiaoScenario:
    return logit_limit_config(delta, alpha, c, regime)  # type: ignore[arg-type]


@pytest.mark.parametrize(("delta", "alpha", "c"), LOGIT_SETS)
def test_logit_double_marginalisation_matches_the_theory_module(delta, alpha, c):
    """Standalone: the transfer price and AliExpress's price are the supplier's and retailer's first-order
    conditions' solution w - c = 1 / (alpha (1 - s)^2), P - w = 1 / (alpha (1 - s)); infrastructure: P - c =
    1 / (alpha (1 - s)), the integrated price (sim.theory.io.double_marginalisation_logit; relative 1e-6)."""
    theory = double_marginalisation_logit(delta, alpha, c, market_size=MARKET_M_SHOPPERS)
    standalone = simulate(logit_config(delta, alpha, c, "standalone"), Streams(1, 0)).metrics
    infrastructure = simulate(logit_config(delta, alpha, c, "infrastructure"), Streams(1, 0)).metrics
    assert standalone["transfer_price_rmb_per_parcel"] == pytest.approx(theory.wholesale_price, rel=1e-6)
    assert standalone["retail_price_rmb_per_order"] == pytest.approx(theory.retail_price, rel=1e-6)
    assert standalone["group_parcels_m_per_quarter"] == pytest.approx(theory.quantity, rel=1e-6)
    assert infrastructure["retail_price_rmb_per_order"] == pytest.approx(theory.integrated_price, rel=1e-6)
    assert infrastructure["consolidated_profit_rmb_m_per_quarter"] > standalone["consolidated_profit_rmb_m_per_quarter"]
    assert infrastructure["consumer_surplus_rmb_m_per_quarter"] > standalone["consumer_surplus_rmb_m_per_quarter"]


@pytest.mark.parametrize(("delta", "alpha", "c"), LOGIT_SETS)
def test_the_log_sum_is_the_area_under_the_demand_curve(delta, alpha, c):
    """Shoppers' surplus M ln(1 + e^(delta - alpha P)) / alpha equals the integral of the model's orders M s(p)
    from P to infinity (quadrature of the demand curve, relative 1e-8), at P = c and at P = c + 1 / alpha."""
    demand = LogitDemand(MARKET_M_SHOPPERS, delta, alpha)
    for price in (c, c + 1.0 / alpha):
        area = quad(demand, price, math.inf, epsabs=0.0, epsrel=1e-12)[0]
        assert demand.surplus(price) == pytest.approx(area, rel=1e-8)


def test_logit_form_without_its_table_exits_2_naming_the_key(tmp_path):
    scenario = tmp_path / "probe.toml"
    scenario.write_text('model = "cainiao"\ndescription = "probe"\n[run]\nhorizon_days = 91.25\nwarmup_days = 0.0\n'
                        'replications = 1\nseed = 1\n[cainiao]\nregime = "standalone"\nownership_share = 1.0\n'
                        'marginal_cost_rmb_per_parcel = 10.0\n[demand]\nform = "logit"\n')
    done = CliRunner().invoke(cli.app, ["run", str(scenario), "--out", str(tmp_path / "out")])
    assert done.exit_code == 2, done.output
    assert "Traceback" not in done.output and "probe.toml" in done.output and "[demand.logit]" in done.output
    assert not (tmp_path / "out").exists()
