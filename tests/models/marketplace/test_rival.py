"""GenAI platforms, part 2: the rival platform (`[rival]`: humans single-home with a switching cost, agents
multi-home) and the moat KPIs, checked against the segmented logit first-order conditions written out here,
Poisson counts of each platform's purchases at the theory's rates, and the paired report of a one-point cut
in the rival's take rate against the same theory."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.api import run_scenario
from sim.core.rng import Streams
from sim.models.marketplace import MODEL
from sim.models.marketplace.market import Marketplace, run_market
from sim.models.marketplace.model import simulate
from sim.scenario import load_scenario
from sim.theory import io
from tests.conftest import SCENARIOS
from tests.models.marketplace.test_marketplace import tables_equal
from tests.models.marketplace.helpers import assert_key_refused

RIVAL = SCENARIOS / "marketplace_rival_platform.toml"
CUT = SCENARIOS / "marketplace_rival_platform_cut.toml"
#: the scenario's numbers: 10 merchants here, 8 on the rival, quality 3, alpha 10, cost 0.6, agents 0.3,
#: 60% of humans at home here, switching cost 0.5 utils
OURS, THEIRS, QUALITY, ALPHA, COST, AGENTS, HOME, SWITCH = 10, 8, 3.0, 10.0, 0.6, 0.3, 0.6, 0.5


def _segments(switching: float = SWITCH) -> tuple[np.ndarray, np.ndarray]:
    """The three segments' utilities over (ours, theirs) and their weights, written out here."""
    ours, theirs = np.full(OURS, QUALITY), np.full(THEIRS, QUALITY)
    utilities = np.array([np.r_[ours, theirs - switching], np.r_[ours - switching, theirs], np.r_[ours, theirs]])
    return utilities, np.array([(1 - AGENTS) * HOME, (1 - AGENTS) * (1 - HOME), AGENTS])


def _logit(utilities: np.ndarray, prices: np.ndarray) -> np.ndarray:
    weights = np.exp(utilities - ALPHA * prices)
    return weights / (1.0 + weights.sum())


def _mixture_shares(utilities, weights, prices) -> np.ndarray:
    return sum(w * _logit(u, prices) for u, w in zip(utilities, weights))


def test_segmented_solver_is_plain_logit_bertrand_with_one_segment():
    """One segment: `segmented_logit_bertrand` gives `bertrand_equilibrium`'s prices (an independent solver of
    the same FOC through the mixed-logit kernel) to 1e-9, and the closed-form markup 1 / (alpha (1 - s_j))."""
    delta, cost = np.array([1.0, 2.0, 0.5]), np.array([0.2, 0.3, 0.1])
    prices = io.segmented_logit_bertrand(delta[None, :], [1.0], cost, 3.0)
    reference = io.bertrand_equilibrium(delta, cost, [3.0], outside_option=True).prices
    assert np.allclose(prices, reference, rtol=0.0, atol=1e-9)
    shares = np.exp(delta - 3.0 * prices) / (1.0 + np.exp(delta - 3.0 * prices).sum())
    assert np.allclose(prices - cost, 1.0 / (3.0 * (1.0 - shares)), rtol=0.0, atol=1e-9)


def test_rival_market_prices_meet_the_first_order_conditions():
    """At the model's prices (both platforms'), a central finite difference of each merchant's profit
    ((1 - t) p_j - c) s_j(p) in its own price is 0 to 1e-6, s_j the mixture of the three segments' logit
    shares written out here (take 0.05 on both platforms)."""
    scenario = load_scenario(RIVAL, ["run.horizon_days=1.0"]).config
    market = Marketplace(scenario, Streams(1, 0), 1)
    prices = np.r_[market.prices, market.rival_prices]
    utilities, weights = _segments()
    h = 1e-5
    for j in range(OURS + THEIRS):
        up, down = prices.copy(), prices.copy()
        up[j] += h
        down[j] -= h
        slope = ((0.95 * up[j] - COST) * _mixture_shares(utilities, weights, up)[j]
                 - (0.95 * down[j] - COST) * _mixture_shares(utilities, weights, down)[j]) / (2 * h)
        assert abs(slope) < 1e-6
    # humans at home here are more of the market than those at home there: this platform's merchants price higher
    assert prices[0] > prices[-1]


def test_each_platforms_purchases_are_poisson_at_the_theory_rates():
    """Each visit is independently an agent (0.3), else at home here (0.6), so this platform's purchases over
    a year are Poisson with mean 365 x 2000 x sum_g w_g sum_{j here} s_gj (thinning of the Poisson visits),
    and the rival's likewise; shares written out here at the model's prices. Each count lies within 3.48
    standard deviations (two checks, family-wise false-failure rate 0.1%); a 2.5% error in a rate is more
    than 3.48 + 1.28 sd away at these counts (70,000 purchases and more each): power >= 0.9 per check."""
    scenario = load_scenario(RIVAL).config
    days = run_market(scenario, Streams(7, 0))
    rival_prices = Marketplace(scenario, Streams(7, 0), 1).rival_prices
    shares = _mixture_shares(*_segments(), np.r_[days.prices[0], rival_prices])
    visits = 365 * 2000.0
    for observed, rate in ((float(days.sales.sum()), shares[:OURS].sum()),
                           (float(days.rival_purchases.sum()), shares[OURS:].sum())):
        expected = visits * rate
        assert abs(observed - expected) < 3.48 * math.sqrt(expected), (observed, expected)
        assert 0.025 * expected > (3.48 + 1.2816) * math.sqrt(expected)  # the power the docstring states


def test_a_rival_take_rate_cut_costs_share_as_theory_says(tmp_path):
    """The moat: the paired report of the scenario against its twin with the rival's take rate a point lower
    (common random numbers, 4 replications of 365 days). The share lost is the paired mean of the
    replications' differences, and it lies within the two-sided 99.9% paired-t bound of the theory's
    difference (each arm's purchase share from the segmented equilibrium and the shares written out
    here; false-failure rate 0.1%). The effect is positive (the rival's merchants price lower and win share)."""
    results = [run_scenario(load_scenario(path), reps=4, out=tmp_path / path.stem) for path in (RIVAL, CUT)]
    report = MODEL.paired_report(*results).row(0, named=True)
    base = results[0].metric_values("platform_purchase_share").to_numpy()
    cut = results[1].metric_values("platform_purchase_share").to_numpy()
    assert report["platform_purchase_share_lost"] == pytest.approx((base - cut).mean(), rel=1e-12)
    assert report["rival_take_rate_baseline"] == 0.05 and report["rival_take_rate_scenario"] == 0.04
    assert report["single_homing_share_baseline"] == pytest.approx(0.7, abs=0.01)

    def theory_share(rival_take: float) -> float:
        costs = np.r_[np.full(OURS, COST / 0.95), np.full(THEIRS, COST / (1 - rival_take))]
        utilities, weights = _segments()
        prices = io.segmented_logit_bertrand(utilities, weights, costs, ALPHA)
        shares = _mixture_shares(utilities, weights, prices)
        return shares[:OURS].sum() / shares.sum()

    expected = theory_share(0.05) - theory_share(0.04)
    differences = base - cut
    bound = stats.t.ppf(0.9995, 3) * differences.std(ddof=1) / 2.0
    assert expected > 0.0 and report["platform_purchase_share_lost"] > 0.0
    assert abs(differences.mean() - expected) < bound, (differences.mean(), expected, bound)


def test_no_rival_merchants_is_the_market_without_a_rival_bit_for_bit():
    plain = load_scenario(SCENARIOS / "marketplace_dingtalk_agents.toml", ["run.horizon_days=20.0"]).config
    document = plain.model_dump()
    document["rival"] = {"merchants": 0, "take_rate": 0.03, "human_home_share": 0.2}
    tables_equal(simulate(plain, Streams(5, 1)), simulate(type(plain).model_validate(document), Streams(5, 1)))


@pytest.mark.parametrize(("base", "key", "value"), [
    ("marketplace_dingtalk_agents.toml", "rival.human_switching_cost", "0.5"),   # a switching cost, no rival
    ("marketplace_today.toml", "rival.merchants", "3"),                           # homogeneous goods
    ("marketplace_rival_platform.toml", "rival.take_rate", "1.2"),
    ("marketplace_rival_platform.toml", "rival.human_home_share", "-0.1"),
    ("marketplace_rival_platform.toml", "rival.human_switching_cost", "-1"),
])
def test_bad_rival_input_exits_2(tmp_path, base, key, value):
    assert_key_refused(tmp_path, SCENARIOS / base, key, value)
