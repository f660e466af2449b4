"""The customs M/M/c queue against Erlang C and Little's law, and its theory functions."""

import math

import pytest

from sim.core.validation import run_validation
from sim.models.customs import MODEL, theory


def test_erlang_c_closed_forms():
    # M/M/1: P(wait) = rho, Wq = rho / (mu - lambda)
    assert theory.erlang_c(7.0, 10.0, 1) == pytest.approx(0.7, rel=1e-12)
    assert theory.mean_wait_in_queue(7.0, 10.0, 1) == pytest.approx(0.7 / 3.0, rel=1e-12)
    # M/M/2 with a = 1.6: C = 2 rho^2 / (1 + rho) with rho = 0.8 (Gross & Harris eq. 2.31 special case)
    assert theory.erlang_c(16.0, 10.0, 2) == pytest.approx(2 * 0.8**2 / 1.8, rel=1e-12)
    # the wait quantile inverts P(Wq > t) = C exp(-(c mu - lambda) t)
    t = theory.wait_quantile(0.95, 36.0, 10.0, 4)
    assert theory.erlang_c(36.0, 10.0, 4) * math.exp(-(40.0 - 36.0) * t) == pytest.approx(0.05, rel=1e-12)


@pytest.mark.slow
def test_simulated_queue_matches_erlang_c_and_littles_law():
    """Three parameter sets up to utilisation 0.85, Bonferroni over the model's 18 checks at family level
    99.9% (a correct model fails this test with probability <= 0.001), each designed for power >= 0.9
    against a 5% error (0.01 for P(wait), 0.02 Lq for Little's-law gap) at that level; on a 2-process pool."""
    from sim.sweeps.executors import process_pool

    with process_pool(2) as pool:
        report = run_validation(MODEL, MODEL.validation_checks(), family_level=0.999, executor=pool)
    assert report.height == 18
    failures = report.filter(~report["passed"])
    assert failures.height == 0, failures
    assert (report["design_power"] >= 0.9).all(), report
    assert report["level_per_check"][0] == pytest.approx(1 - 0.001 / 18)
