"""Variance-based (Sobol') sensitivity indices of a model output, run through the sweep machinery.

For Y = f(X1, ..., Xd) with independent inputs, the first-order index S_i = Var(E[Y | X_i]) / Var(Y) is the
share of the output variance explained by X_i alone, and the total index ST_i = E[Var(Y | X_~i)] / Var(Y)
the share involving X_i in any way (Sobol' 2001; Saltelli et al. 2010, Comput. Phys. Commun. 181, 259).
The inputs are sampled by SALib's Saltelli scheme on a scrambled Sobol' sequence (N (d + 2) points, or
N (2d + 2) with second-order indices), each point runs as a design point of a sweep (so on any executor, with
resume), and SALib's `analyze.sobol` estimates the indices with bootstrap confidence intervals.

Parameters are sampled in the unit cube and mapped by `Parameter.from_unit` (uniform on [low, high] for a
float, uniform over the integers or levels otherwise). With `replications` > 1 the output of a point is its
mean over replications, which removes simulation noise from the variance that the indices divide.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from sim.scenario import Scenario
from sim.sweeps.designs import Design, Parameter, design_from_unit, parameters_from_vary
from sim.sweeps.engine import SweepResult, execute_sweep, prepare_sweep
from sim.sweeps.executors import SweepOptions

__all__ = ["saltelli_design", "sobol_analysis", "sobol_indices", "sobol_table"]

INDEX_SCHEMA = {"parameter": pl.String, "S1": pl.Float64, "S1_conf": pl.Float64, "ST": pl.Float64,
                "ST_conf": pl.Float64}


def _unit_problem(names: Sequence[str]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def saltelli_design(parameters: Sequence[Parameter], n: int, *, seed: int = 0,
                    calc_second_order: bool = False) -> Design:
    """The Saltelli sample (SALib `sample.sobol`, scrambled, seeded) of base size `n` (a power of 2) as a
    design: n (d + 2) points, or n (2d + 2) with `calc_second_order`."""
    from SALib.sample import sobol as sobol_sample

    parameters = tuple(parameters)
    if not isinstance(n, int) or n < 2 or n & (n - 1):
        raise ValueError(f"the Saltelli base sample size must be a power of 2, at least 2 (got {n!r})")
    unit = sobol_sample.sample(_unit_problem([p.path for p in parameters]), n,
                               calc_second_order=calc_second_order, scramble=True, seed=seed)
    return design_from_unit("saltelli", parameters, unit, seed=seed,
                            options={"n": n, "calc_second_order": calc_second_order})


def sobol_analysis(result: SweepResult, output: str, *, num_resamples: int = 100, conf_level: float = 0.95,
                   seed: int = 0) -> pl.DataFrame:
    """Sobol' indices of `output` from a finished sweep of a Saltelli design: one row per parameter with
    S1, S1_conf, ST, ST_conf (half-widths of bootstrap intervals at `conf_level`)."""
    design = result.manifest.get("design", {})
    if design.get("kind") != "saltelli":
        raise ValueError(f"Sobol' indices need a sweep of a Saltelli design (this one is {design.get('kind')!r})")
    values = result.metric_values(output)
    y = np.nanmean(values, axis=1) if values.shape[1] else np.full(values.shape[0], np.nan)
    missing = np.flatnonzero(~np.isfinite(y))
    if missing.size:
        shown = ", ".join(str(i) for i in missing[:10])
        raise ValueError(f"{missing.size} design points have no finite {output!r} (points {shown}); "
                         "see result.failures, finish the sweep or rerun it")
    return sobol_table(list(result.parameters), y,
                       calc_second_order=bool(design.get("options", {}).get("calc_second_order", False)),
                       num_resamples=num_resamples, conf_level=conf_level, seed=seed)


def sobol_table(names: Sequence[str], y: np.ndarray, *, calc_second_order: bool = False, num_resamples: int = 100,
                conf_level: float = 0.95, seed: int = 0) -> pl.DataFrame:
    """SALib's Sobol' estimator on the outputs `y` of a Saltelli design over the parameters `names` (in the
    design's point order): one row per parameter with S1, S1_conf, ST, ST_conf (half-widths of bootstrap
    intervals at `conf_level`)."""
    from SALib.analyze import sobol as sobol_analyze

    indices = sobol_analyze.analyze(_unit_problem(list(names)), np.asarray(y, dtype=np.float64),
                                    calc_second_order=calc_second_order, num_resamples=num_resamples,
                                    conf_level=conf_level, seed=seed)
    return pl.DataFrame(
        {
            "parameter": list(names),
            "S1": np.asarray(indices["S1"], dtype=np.float64),
            "S1_conf": np.asarray(indices["S1_conf"], dtype=np.float64),
            "ST": np.asarray(indices["ST"], dtype=np.float64),
            "ST_conf": np.asarray(indices["ST_conf"], dtype=np.float64),
        },
        schema=INDEX_SCHEMA,
    )


def sobol_indices(
    scenario: str | Path | Scenario,
    parameters: Mapping[str, Any] | Sequence[Parameter],
    output: str,
    *,
    n: int = 1024,
    sample_seed: int = 0,
    calc_second_order: bool = False,
    replications: int = 1,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    executor: Any = "process",
    workers: int | None = None,
    out: str | Path | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> pl.DataFrame:
    """First-order and total Sobol' indices of metric `output` over `parameters` (paths with bounds or
    levels, as for `sweep`): a Saltelli sample of base size `n` run as a sweep, then SALib's estimator.
    Returns one row per parameter: parameter, S1, S1_conf, ST, ST_conf."""
    design = saltelli_design(parameters_from_vary(parameters), n, seed=sample_seed,
                             calc_second_order=calc_second_order)
    prepared = prepare_sweep(scenario, design, replications=replications, seed=seed, overrides=overrides)
    if output not in {m.name for m in prepared.model.metrics}:
        known = ", ".join(m.name for m in prepared.model.metrics)
        raise ValueError(f"model {prepared.model.name!r} has no metric {output!r}; metrics: {known}")
    result = execute_sweep(prepared, out=out, options=SweepOptions(executor=executor, workers=workers,
                                                                   chunk_size=chunk_size, progress=progress))
    return sobol_analysis(result, output, num_resamples=num_resamples, conf_level=conf_level, seed=sample_seed)
