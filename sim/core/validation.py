"""Closed-form validation: run a model at parameter sets where theory gives the answer, and test each
simulated mean against it with a family-wise (Bonferroni) confidence level.

Each model contributes `ValidationCase`s: a config plus the analytic values its metrics must reproduce.
With m checks read together at a family level of 95%, each interval is built at 1 - 0.05/m, so a
correct model fails the whole table with probability at most 5%.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from sim.core.config import ScenarioConfig
from sim.core.model import Model
from sim.core.options import RunOptions
from sim.core.runner import run_model
from sim.core.stats import bonferroni_level, t_interval

__all__ = ["Expectation", "ValidationCase", "run_validation"]


@dataclass(frozen=True)
class Expectation:
    """`metric` should equal `analytic` (the theory named in `theory`) in expectation."""

    metric: str
    analytic: float
    theory: str


@dataclass(frozen=True)
class ValidationCase:
    """A parameter set and the closed-form values it must reproduce."""

    name: str
    config: ScenarioConfig
    expectations: tuple[Expectation, ...]


def run_validation(
    model: Model,
    cases: Sequence[ValidationCase],
    *,
    family_level: float = 0.95,
    family_size: int | None = None,
    progress: bool = False,
    on_case: Callable[[str], None] | None = None,
) -> pl.DataFrame:
    """One row per check: simulated mean, family-wise CI, analytic value, z-score and pass/fail.

    `family_size` is the number of intervals read together (default: the checks in `cases`); the
    per-interval level is 1 - (1 - family_level) / family_size (Bonferroni)."""
    m = family_size or sum(len(case.expectations) for case in cases)
    level = bonferroni_level(family_level, m)
    rows = []
    for case in cases:
        if on_case is not None:
            on_case(case.name)
        result = run_model(model, case.config, scenario_name=case.name, options=RunOptions(progress=progress))
        for expectation in case.expectations:
            values = result.metric_values(expectation.metric).to_numpy()
            interval = t_interval(values, level)
            standard_error = float(np.std(values, ddof=1) / np.sqrt(values.size))
            z = (interval.estimate - expectation.analytic) / standard_error if standard_error > 0 else float("inf")
            rows.append(
                {
                    "model": model.name,
                    "case": case.name,
                    "metric": expectation.metric,
                    "theory": expectation.theory,
                    "replications": interval.n,
                    "simulated": interval.estimate,
                    "ci_low": interval.low,
                    "ci_high": interval.high,
                    "analytic": expectation.analytic,
                    "z": z,
                    "passed": bool(interval.low <= expectation.analytic <= interval.high),
                    "level_per_check": level,
                    "family_level": family_level,
                    "checks_in_family": m,
                }
            )
    return pl.DataFrame(rows)
