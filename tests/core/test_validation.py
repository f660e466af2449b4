"""`sim validate`'s case runner and command: designed replications, per-model families, deterministic rows,
and a failing case that fails (exit 1).

The test bed is the Ishigami model with noise: y = f(x) + noise_sd Z, so E[y] = f(x) exactly (the closed form
`sim.models.ishigami.theory.ishigami`) and y_exact = f(x) in every replication.

Statistical tests here: `test_a_correct_case_passes` fails falsely with probability <= 0.001 (the case is
run at family level 0.999); `test_an_error_the_design_targets_is_caught` misses with probability <= 0.1
at the design (power 0.9 at its Bonferroni level) and is run at 5 independent seeds, failing only when
all 5 miss (probability <= 1e-5): and its seeds are fixed, so the outcome is reproducible.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from sim import cli, scenario
from sim.core.stats import bonferroni_level, t_critical, t_test_power
from sim.core.validation import (DESIGN_POWER, IDENTITY_TOLERANCE, Expectation, Pilot, ValidationCase,
                                 case_replications, run_validation)
from sim.models.ishigami import MODEL as ISHIGAMI
from sim.models.ishigami import IshigamiScenario, ishigami

POINT = {"x1": 1.0, "x2": 0.5, "x3": -2.0}
EXACT = float(ishigami(POINT["x1"], POINT["x2"], POINT["x3"], 7.0, 0.1))
NOISE_SD = 0.4


def noisy(seed: int, noise_sd: float = NOISE_SD) -> IshigamiScenario:
    return IshigamiScenario.model_validate({
        "model": "ishigami", "description": "Ishigami with noise",
        "run": {"horizon_days": 1.0, "warmup_days": 0.0, "replications": 2, "seed": seed},
        "ishigami": {**POINT, "noise_sd": noise_sd}})


def case(analytic: float = EXACT, seed: int = 11, exact_value: float = EXACT, name: str = "noisy") -> ValidationCase:
    # the pilot's sd is the noise sd itself (known here, so the design is exact)
    return ValidationCase(name, noisy(seed), (
        Expectation("y", analytic, "Ishigami closed form"),
        Expectation("y_exact", exact_value, "Ishigami closed form, no noise", tolerance=IDENTITY_TOLERANCE),
    ), Pilot(seed + 1, 10, {"y": NOISE_SD}))


def test_the_design_reaches_the_target_power_and_no_more_than_needed():
    level = bonferroni_level(0.95, 3)
    n = case_replications(ISHIGAMI, case(), level)
    error = 0.05 * abs(EXACT)
    assert t_test_power(error, NOISE_SD, n, level) >= DESIGN_POWER > t_test_power(error, NOISE_SD, n - 1, level)
    # the normal approximation, which the t test needs a little more than
    from sim.core.stats import z_critical
    assert n >= ((z_critical(level) + z_critical(0.9, sides=1)) * NOISE_SD / error) ** 2


def test_t_test_power_matches_a_monte_carlo_of_the_t_test():
    """Independent value: the rejection rate of the t test on 200,000 simulated samples. Binomial SE
    <= 0.0011, tolerance 5 SE (false failure < 1e-6); the normal-theory power would be off by > 0.02."""
    rng = np.random.default_rng(20260417)
    n, level, error, sd = 6, 0.99, 1.5, 1.0
    samples = rng.normal(error, sd, size=(200_000, n))
    t = samples.mean(axis=1) / (samples.std(axis=1, ddof=1) / math.sqrt(n))
    rejected = float(np.mean(np.abs(t) > t_critical(level, n - 1)))
    assert t_test_power(error, sd, n, level) == pytest.approx(rejected, abs=5 * math.sqrt(0.25 / 200_000))
    # far tails, where scipy's noncentral t returns NaN: the power is a number, and near 1
    assert 0.99998 < t_test_power(8.0 / math.sqrt(23), 1.0, 23, 1 - 0.05 / 18) <= 1.0


def test_a_correct_case_passes_and_its_rows_say_what_they_are():
    report = run_validation(ISHIGAMI, [case()], family_level=0.999)
    assert report["passed"].all(), report
    stochastic = report.row(by_predicate=pl.col("check") == "stochastic", named=True)
    deterministic = report.row(by_predicate=pl.col("check") == "deterministic", named=True)
    assert stochastic["checks_in_family"] == 1 and stochastic["level_per_check"] == pytest.approx(0.999)
    assert stochastic["design_power"] >= DESIGN_POWER
    assert 0.0 < stochastic["realised_power"] < 1.0
    assert deterministic["max_deviation"] <= IDENTITY_TOLERANCE and math.isnan(deterministic["design_power"])


def test_the_family_is_the_models_stochastic_checks_only():
    report = run_validation(ISHIGAMI, [case(name="a"), case(seed=21, name="b")], quick=True)
    assert set(report["checks_in_family"]) == {2}
    assert report.filter(report["check"] == "stochastic")["level_per_check"].to_list() == [1 - 0.05 / 2] * 2
    assert (report["replications"] == 2).all()  # quick: a smoke pass


def test_an_error_the_design_targets_is_caught():
    """E[y] is 5% off the 'analytic' value: the design's power is >= 0.9 per run, so 5 seeds all missing it
    has probability <= 1e-5."""
    wrong = EXACT * 1.05
    caught = [not run_validation(ISHIGAMI, [case(analytic=wrong, seed=seed)])["passed"][0]
              for seed in (101, 202, 303, 404, 505)]
    assert any(caught)


def test_a_deterministic_row_fails_beyond_its_tolerance():
    off = EXACT + 10 * IDENTITY_TOLERANCE * max(1.0, abs(EXACT))
    report = run_validation(ISHIGAMI, [case(exact_value=off)])
    assert not report.filter(report["check"] == "deterministic")["passed"][0]


def test_a_case_without_a_pilot_or_with_the_validation_seed_as_pilot_is_refused():
    with pytest.raises(ValueError, match="need a pilot"):
        ValidationCase("x", noisy(1), (Expectation("y", EXACT, "t"),))
    with pytest.raises(ValueError, match="pilot seed must differ"):
        ValidationCase("x", noisy(1), (Expectation("y", EXACT, "t"),), Pilot(1, 10, {"y": 1.0}))
    with pytest.raises(ValueError, match="needs a positive scale"):
        Expectation("gap", 0.0, "t")


def _with_cases(monkeypatch, cases: list[ValidationCase]) -> None:
    model = dataclasses.replace(ISHIGAMI, validation_checks=lambda: cases)
    # `sim validate` imports these from sim.scenario when it runs (the CLI imports lazily), so patch them there
    monkeypatch.setattr(scenario, "get_model", lambda name, source=None: model)
    monkeypatch.setattr(scenario, "model_names", lambda: ["ishigami"])


def test_sim_validate_exits_1_on_a_failed_case_and_0_when_all_pass(monkeypatch):
    runner = CliRunner()
    _with_cases(monkeypatch, [case(analytic=EXACT + 100 * NOISE_SD)])
    failed = runner.invoke(cli.app, ["validate", "--workers", "1", "--no-progress"])
    assert failed.exit_code == 1, failed.output
    assert "FAIL" in failed.output and "exact" in failed.output
    _with_cases(monkeypatch, [case()])
    passed = runner.invoke(cli.app, ["validate", "--workers", "1", "--no-progress", "--family-level", "0.999"])
    assert passed.exit_code == 0, passed.output
    assert "all 2 checks passed" in passed.output


def test_sim_validate_of_a_model_without_checks_says_so_in_one_line():
    done = CliRunner().invoke(cli.app, ["validate", "--model", "ishigami", "--no-progress"])
    assert done.exit_code == 2
    assert done.output.strip().splitlines() == ["model 'ishigami' declares no validation checks"]
