"""The Python face of the package: `run` a scenario file, `load` a finished run.

    >>> import sim
    >>> result = sim.run("scenarios/customs_clearance.toml", reps=5, seed=7)   # doctest: +SKIP
    >>> result.statistics                                                      # doctest: +SKIP

How the replications proceed (confidence level, precision stopping, progress bar) is one `RunOptions`:

    >>> sim.run("scenarios/customs_clearance.toml", options=RunOptions(precision=0.02))   # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pydantic

from sim.core.options import RunOptions
from sim.core.results import RunResult, check_run_target, load_run, new_run_directory, write_run
from sim.core.runner import run_model, with_run_settings
from sim.scenario import Scenario, ScenarioError, load_scenario, validation_error

__all__ = ["run", "run_scenario", "rerun", "differing_tables", "load", "RunOptions"]

#: the fewest replications run before the sequential precision rule is first checked (t with 4 degrees of
#: freedom); a scenario file asking for more starts from its own count
MIN_REPLICATIONS_FOR_PRECISION = 5


def check_run_settings(scenario: Scenario, *, reps: int | None, seed: int | None) -> None:
    """`reps` and `seed` checked against the `[run]` table's rules before anything runs: a value the table
    would reject is a ScenarioError naming the option (not a failure after every replication)."""
    for name, value in (("reps", reps), ("seed", seed)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ScenarioError(scenario.label, name, value, "must be a whole number")
    try:
        with_run_settings(scenario.config, replications=reps, seed=seed)
    except pydantic.ValidationError as error:
        problem = validation_error(scenario.label, scenario.document, error)
        key = {"run.replications": "reps", "run.seed": "seed"}.get(problem.key or "", "reps, --seed")
        value = reps if key == "reps" else seed if key == "seed" else problem.value
        raise ScenarioError(scenario.label, f"--{key}", value, problem.message) from None


def run_scenario(
    scenario: Scenario,
    *,
    reps: int | None = None,
    seed: int | None = None,
    options: RunOptions | None = None,
    out: str | Path | None = None,
    results_root: str | Path | None = None,
    force: bool = False,
    provenance: dict[str, Any] | None = None,
) -> RunResult:
    """Run a loaded scenario (with `options.precision`, until every key metric's CI half-width is within
    that fraction of its mean); write it to `out` (a run directory) or under `results_root/<scenario>/`
    when either is given (`force` replaces an existing `out`); `provenance` adds entries to the manifest."""
    options = options or RunOptions()
    check_run_settings(scenario, reps=reps, seed=seed)
    if out is not None:
        check_run_target(out, force=force)
    if options.precision is not None and reps is None:  # the file's count (within the cap), then one at a time
        reps = max(MIN_REPLICATIONS_FOR_PRECISION, min(scenario.config.run.replications, options.max_replications))
    record = {
        "scenario_file": str(scenario.path) if scenario.path is not None else None,
        "source_files": [str(path) for path in scenario.source_files],
        "source_hash": scenario.source_hash,
        "overrides": list(scenario.overrides),
        **(provenance or {}),
    }
    result = run_model(scenario.model, scenario.config, scenario_name=scenario.name, replications=reps,
                       seed=seed, options=options, provenance=record)
    if out is not None:
        write_run(result, Path(out), force=force)
    elif results_root is not None:
        write_run(result, new_run_directory(results_root, scenario.name, result.manifest["seed"]), force=force)
    return result


def run(
    path: str | Path,
    *,
    reps: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    out: str | Path | None = None,
    force: bool = False,
    options: RunOptions | None = None,
) -> RunResult:
    """Load, validate and run the scenario file at `path`; returns the results as Polars tables
    (`result.statistics`, `result.summary`, `result.tables[...]`). `reps` and `seed` replace the file's
    `[run]` values, `overrides` are `--set` overrides; nothing is written unless `out` is given (`force`
    replaces an existing run there). `options` (a `RunOptions`) sets the confidence level, precision
    stopping and the progress bar."""
    scenario = load_scenario(path, overrides)
    return run_scenario(scenario, reps=reps, seed=seed, options=options, out=out, force=force)


def rerun(
    directory: str | Path,
    *,
    out: str | Path | None = None,
    results_root: str | Path | None = None,
    force: bool = False,
    options: RunOptions | None = None,
) -> RunResult:
    """Run a finished run folder's resolved scenario again under its own name (the tables' `scenario`
    column), seed and replication count: the same code and dependencies give byte-identical tables
    (`differing_tables` checks). Written to `out` or under `results_root/<scenario>/` when given."""
    directory = Path(directory)
    manifest = load_run(directory).manifest
    scenario = dataclasses.replace(load_scenario(directory / "scenario.toml"), name=str(manifest["scenario"]))
    options = dataclasses.replace(options or RunOptions(), precision=None, level=manifest.get("confidence_level", 0.95))
    return run_scenario(scenario, options=options, out=out, results_root=results_root, force=force,
                        provenance={"rerun_of": {"path": str(directory), "run_id": manifest.get("run_id")}})


def differing_tables(first: str | Path, second: str | Path) -> list[str]:
    """The Parquet tables (and `scenario.toml`) that are not byte for byte the same in two run folders, or
    present in only one: empty when a rerun reproduced the run exactly."""
    names = {p.name for p in Path(first).glob("*.parquet")} | {p.name for p in Path(second).glob("*.parquet")}
    names.add("scenario.toml")
    return sorted(name for name in names if not (Path(first) / name).is_file() or not (Path(second) / name).is_file()
                  or (Path(first) / name).read_bytes() != (Path(second) / name).read_bytes())


def load(directory: str | Path) -> RunResult:
    """Read a finished run directory (`results/<scenario>/<run-id>`) back as a `RunResult`."""
    return load_run(directory)
