"""Closed-form validation: run a model at parameter sets where theory gives the answer, and test each
simulated mean against it, with a designed power and a family-wise (Bonferroni) confidence level.

Each model contributes `ValidationCase`s: a config plus the analytic values (`Expectation`s) its metrics
must reproduce. Two kinds of row:

* Stochastic: the metric equals the analytic value in expectation. The model's stochastic checks form one
  Bonferroni family (m = that model's stochastic checks, whichever models are run alongside): each interval
  is at 1 - (1 - family_level) / m, so a correct model fails its table with probability at most
  1 - family_level. The replications are designed: the case's `Pilot` (a run at a seed other than the
  validation seed) gives each metric's standard deviation per replication, and the case runs the fewest
  replications whose t test at the family's per-check level has power >= `DESIGN_POWER` against the error
  `Expectation.error_to_detect` names (5% of the analytic value; 0.01 absolute for a proportion; 0.02 x the
  quantity's scale when the expectation is 0), for every check of the case.
* Deterministic (equilibrium conditions, accounting identities, closed-form limits): the metric equals the
  analytic value in every replication, up to `tolerance` x max(1, |analytic|) (`OPTIMISER_TOLERANCE` for an
  optimiser's output, `IDENTITY_TOLERANCE` for identities). They carry no sampling error and stay out of the
  family.

The table reports beside the design power the power implied by the realised standard error: itself a random
quantity, shown for reading, never a gate ("observed power" is no evidence for a correct model; Hoenig &
Heisey 2001, The American Statistician 55(1)).

Replications run in this process, or on a `concurrent.futures` executor (the package's process pool,
`sim.sweeps.executors.process_pool`): replication k of a case always uses `Streams(seed, k)`, so the table
does not depend on where it ran.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from sim.core.config import ScenarioConfig
from sim.core.model import Model
from sim.core.progress import progress_bar
from sim.core.runner import resolve_warmup, simulate_replication, with_run_settings
from sim.core.stats import bonferroni_level, replications_for_power, t_interval, t_test_power

__all__ = ["Expectation", "Pilot", "ValidationCase", "run_validation", "run_pilot", "case_replications", "family_size",
           "RELATIVE_ERROR", "PROBABILITY_ERROR", "ZERO_EXPECTATION_ERROR", "DESIGN_POWER", "OPTIMISER_TOLERANCE",
           "IDENTITY_TOLERANCE", "QUICK_REPLICATIONS"]

RELATIVE_ERROR = 0.05  #: the error a stochastic check must detect: 5% of |analytic|
PROBABILITY_ERROR = 0.01  #: ... for a metric of kind "proportion": 0.01 absolute
ZERO_EXPECTATION_ERROR = 0.02  #: ... when the analytic value is 0: 0.02 x `Expectation.scale`
DESIGN_POWER = 0.9  #: power each stochastic check is designed for, at its Bonferroni level
OPTIMISER_TOLERANCE = 1e-6  #: deterministic rows on an optimiser's output (relative to max(1, |analytic|))
IDENTITY_TOLERANCE = 1e-9  #: deterministic rows on identities and closed-form limits
QUICK_REPLICATIONS = 2  #: replications per case in a smoke pass (`quick=True`); no design power
DETERMINISTIC_REPLICATIONS = 2  #: replications of a case with deterministic rows only


@dataclass(frozen=True)
class Expectation:
    """`metric` should equal `analytic` (the theory named in `theory`): in expectation, or, with a
    `tolerance`, in every replication (a deterministic row). `scale` is the size of the quantity when its
    expectation is 0 (e.g. Lq for Little's-law gap), so the error to detect is 0.02 x scale."""

    metric: str
    analytic: float
    theory: str
    scale: float | None = None
    tolerance: float | None = None

    def __post_init__(self) -> None:
        if self.tolerance is None and self.analytic == 0.0 and not (self.scale and self.scale > 0.0):
            raise ValueError(f"expectation {self.metric!r}: an expectation of 0 needs a positive scale")
        if self.tolerance is not None and not self.tolerance > 0.0:
            raise ValueError(f"expectation {self.metric!r}: tolerance must be positive (got {self.tolerance})")

    @property
    def deterministic(self) -> bool:
        return self.tolerance is not None

    def error_to_detect(self, kind: str) -> float:
        """The error the check is designed to detect with power `DESIGN_POWER`, for a metric of `kind`."""
        if kind == "proportion":
            return PROBABILITY_ERROR
        if self.analytic == 0.0:
            assert self.scale is not None  # __post_init__
            return ZERO_EXPECTATION_ERROR * self.scale
        return RELATIVE_ERROR * abs(self.analytic)


@dataclass(frozen=True)
class Pilot:
    """The pilot run behind a case's design: replications 0..`replications`-1 at `seed` (never the
    validation seed), and the standard deviation per replication (ddof = 1) of each checked metric it
    measured (`run_pilot` reproduces them)."""

    seed: int
    replications: int
    sd: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ValidationCase:
    """A parameter set, the closed-form values it must reproduce and, when any check is stochastic, the
    pilot that sizes its replications. The config's seed is the validation seed; its replication count is
    not used (the design sets it)."""

    name: str
    config: ScenarioConfig
    expectations: tuple[Expectation, ...]
    pilot: Pilot | None = None

    def __post_init__(self) -> None:
        stochastic = [e.metric for e in self.expectations if not e.deterministic]
        if not stochastic:
            return
        if self.pilot is None:
            raise ValueError(f"case {self.name!r}: stochastic checks {stochastic} need a pilot")
        if self.pilot.seed == self.config.run.seed:
            raise ValueError(f"case {self.name!r}: the pilot seed must differ from the validation seed "
                             f"{self.config.run.seed}")
        missing = [metric for metric in stochastic if metric not in self.pilot.sd]
        if missing:
            raise ValueError(f"case {self.name!r}: the pilot gives no standard deviation for {missing}")

    @property
    def stochastic(self) -> tuple[Expectation, ...]:
        return tuple(e for e in self.expectations if not e.deterministic)


def family_size(cases: Sequence[ValidationCase]) -> int:
    """m: the stochastic checks of a model's cases (deterministic rows are outside the family)."""
    return sum(len(case.stochastic) for case in cases)


def case_replications(model: Model, case: ValidationCase, level: float) -> int:
    """The design: the fewest replications giving every stochastic check of `case` power >= `DESIGN_POWER`
    against its `error_to_detect`, at per-check confidence `level`, with the pilot's standard deviations."""
    if not case.stochastic:
        return DETERMINISTIC_REPLICATIONS
    assert case.pilot is not None  # ValidationCase.__post_init__
    return max(replications_for_power(e.error_to_detect(model.metric(e.metric).kind), case.pilot.sd[e.metric],
                                      level, DESIGN_POWER)
               for e in case.stochastic)


def replication_metrics(model: Model, config: ScenarioConfig, replication: int) -> dict[str, float]:
    """The metrics of replication `replication` (top level, so a process pool can run it)."""
    output = simulate_replication(model, config, replication)
    return {name: float(value) for name, value in output.metrics.items()}


def _run_replications(model: Model, runs: Sequence[tuple[str, ScenarioConfig, int]], executor: Executor | None,
                      progress: bool) -> dict[tuple[str, int], dict[str, float]]:
    """Every (case, config, replication) of `runs`, serially or on `executor`, with a progress bar."""
    done: dict[tuple[str, int], dict[str, float]] = {}
    with progress_bar("replications", enabled=progress) as bar:
        task = bar.add_task(f"validate {model.name}", total=len(runs))
        if executor is None:
            for name, config, k in runs:
                bar.update(task, description=f"{model.name}: {name}")
                done[name, k] = replication_metrics(model, config, k)
                bar.advance(task)
            return done
        futures: dict[Future[dict[str, float]], tuple[str, int]] = {
            executor.submit(replication_metrics, model, config, k): (name, k) for name, config, k in runs}
        try:
            for future in as_completed(futures):
                done[futures[future]] = future.result()
                bar.advance(task)
        finally:
            for future in futures:
                future.cancel()
    return done


def run_pilot(model: Model, case: ValidationCase, executor: Executor | None = None,
              progress: bool = False) -> dict[str, float]:
    """Rerun `case`'s pilot (its seed and replications) and return the standard deviation per replication
    of each stochastic check's metric: the numbers its `Pilot.sd` stores."""
    if case.pilot is None:
        raise ValueError(f"case {case.name!r} has no pilot")
    config, _ = resolve_warmup(model, with_run_settings(case.config, seed=case.pilot.seed))
    runs = [(case.name, config, k) for k in range(case.pilot.replications)]
    values = _run_replications(model, runs, executor, progress)
    return {e.metric: float(np.std([values[case.name, k][e.metric] for k in range(case.pilot.replications)], ddof=1))
            for e in case.stochastic}


def run_validation(
    model: Model,
    cases: Sequence[ValidationCase],
    *,
    family_level: float = 0.95,
    quick: bool = False,
    executor: Executor | None = None,
    progress: bool = False,
) -> pl.DataFrame:
    """One row per check of `model`'s `cases` (all of them: they are the family): simulated mean, interval,
    analytic value, z, design power and realised power (stochastic rows), maximum deviation and tolerance
    (deterministic rows), pass/fail.

    `quick` runs `QUICK_REPLICATIONS` per case, a smoke pass: its intervals keep their level, its power is
    far below the design. `executor` runs the replications (all cases' at once, so the pool stays busy)."""
    m = family_size(cases)
    level = bonferroni_level(family_level, m) if m else float("nan")
    plan = []
    for case in cases:
        config, _ = resolve_warmup(model, case.config)
        n = QUICK_REPLICATIONS if quick else case_replications(model, case, level)
        plan.append((case, config, n))
    values = _run_replications(model, [(case.name, config, k) for case, config, n in plan for k in range(n)],
                               executor, progress)
    rows = []
    for case, _, n in plan:
        for expectation in case.expectations:
            per_replication = np.array([values[case.name, k][expectation.metric] for k in range(n)])
            row = {"model": model.name, "case": case.name, "metric": expectation.metric,
                   "theory": expectation.theory, "replications": n, "simulated": float(per_replication.mean()),
                   "analytic": expectation.analytic, "family_level": family_level, "checks_in_family": m}
            if expectation.deterministic:
                assert expectation.tolerance is not None
                deviation = float(np.max(np.abs(per_replication - expectation.analytic)))
                allowed = expectation.tolerance * max(1.0, abs(expectation.analytic))
                row |= {"check": "deterministic", "ci_low": math.nan, "ci_high": math.nan, "z": math.nan,
                        "error_to_detect": math.nan, "design_power": math.nan, "realised_power": math.nan,
                        "max_deviation": deviation, "tolerance": allowed, "level_per_check": math.nan,
                        "passed": bool(deviation <= allowed)}
            else:
                assert case.pilot is not None
                interval = t_interval(per_replication, level)
                realised_sd = float(np.std(per_replication, ddof=1))
                standard_error = realised_sd / math.sqrt(n)
                error = expectation.error_to_detect(model.metric(expectation.metric).kind)
                z = (interval.estimate - expectation.analytic) / standard_error if standard_error > 0 else math.nan
                row |= {"check": "stochastic", "ci_low": interval.low, "ci_high": interval.high, "z": z,
                        "error_to_detect": error,
                        "design_power": t_test_power(error, case.pilot.sd[expectation.metric], n, level),
                        "realised_power": t_test_power(error, realised_sd, n, level),
                        "max_deviation": math.nan, "tolerance": math.nan, "level_per_check": level,
                        "passed": bool(interval.low <= expectation.analytic <= interval.high)}
            rows.append(row)
    columns = ["model", "case", "metric", "theory", "check", "replications", "simulated", "ci_low", "ci_high",
               "analytic", "z", "error_to_detect", "design_power", "realised_power", "max_deviation", "tolerance",
               "passed", "level_per_check", "family_level", "checks_in_family"]
    return pl.DataFrame(rows).select(columns)
