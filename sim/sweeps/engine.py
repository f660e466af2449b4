"""Run a design: validate every design point, run design point x replication on an executor, store each
finished run at once, and collect the results in a fixed order.

Common random numbers: every design point runs with the same `[run].seed`, and replication k of every point
uses `Streams(seed, k)`, so two points differ only by their parameters wherever the model asks for the same
stream names. Results are reduced by design point, then replication, never in completion order, so the same
sweep gives identical tables on every executor. A `warmup_days = "auto"` is resolved here, once per design
point (one pilot replication), before any run is sent; workers only run replications.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import time
import traceback as traceback_module
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from rich.progress import TextColumn

from sim.core.model import Model
from sim.core.progress import progress_bar
from sim.core.results import MANIFEST_VERSION, environment_record
from sim.core.runner import resolve_warmup
from sim.core.stats import interval_table
from sim.scenario import (Scenario, ScenarioError, load_scenario, model_module, scenario_from_document,
                          set_key_path)
from sim.sweeps.designs import Design, Parameter, make_design, parameters_from_vary
from sim.sweeps.executors import (Backend, Chunk, RunOutcome, SweepOptions, chunk_size_for, make_chunks,
                                  resolve_backend)
from sim.sweeps.store import FAILURE_SCHEMA, RUN_SCHEMA, SweepMismatchError, SweepStore

__all__ = ["SweepResult", "SweepInterrupted", "PreparedSweep", "prepare_sweep", "execute_sweep", "sweep", "load_sweep"]


# --- results -------------------------------------------------------------------------------------------

class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGINT) during a sweep: `saved` of `total` runs are stored in `directory`; rerunning the
    sweep resumes from them."""

    def __init__(self, saved: int, total: int, directory: Path | None):
        self.saved, self.total, self.directory = saved, total, directory
        super().__init__(f"interrupted: {saved} of {total} runs saved" +
                         ("; rerun to resume" if directory is not None else " (no output folder: nothing kept)"))


@dataclass
class SweepResult:
    """A sweep's tables.

    `design`: one row per design point (point, one column per parameter path).
    `runs`: one row per finished run and metric (point, replication, seed, metric, value), ordered by
    point, replication and the model's metric order.
    `failures`: one row per failed run (point, replication, seed, error, message, traceback).
    """

    name: str
    model_name: str
    parameters: tuple[str, ...]
    metrics: tuple[str, ...]
    design: pl.DataFrame
    runs: pl.DataFrame
    failures: pl.DataFrame
    replications: int
    seed: int
    manifest: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    def __repr__(self) -> str:
        done = self.runs.select("point", "replication").unique().height if self.runs.height else 0
        where = f", path={str(self.path)!r}" if self.path is not None else ""
        return (f"SweepResult({self.name!r}, model={self.model_name!r}, {self.design.height} points x "
                f"{self.replications} replications: {done} runs done, {self.failures.height} failed{where})")

    @property
    def complete(self) -> bool:
        """Every design point x replication finished without error."""
        n_runs = self.runs.select(pl.struct("point", "replication").n_unique()).item() if self.runs.height else 0
        return n_runs == self.design.height * self.replications

    def summary(self, level: float = 0.95) -> pl.DataFrame:
        """One row per design point and metric: the parameter values, n (finite values), mean, sd, the
        Student-t interval across replications (ci_low, ci_high, half_width; NaN when n < 2; from
        `sim.core.stats.interval_table`) and `failed`, the number of failed replications of the point
        (Law 2015, ch. 9). Bounds are raw, as in a run's statistics table."""
        if not 0.0 < level < 1.0:
            raise ValueError(f"level must lie strictly between 0 and 1 (got {level})")
        metric_order = pl.DataFrame({"metric": list(self.metrics),
                                     "_order": list(range(len(self.metrics)))},
                                    schema={"metric": pl.String, "_order": pl.Int64})
        grid = self.design.join(metric_order, how="cross")
        finite = self.runs.filter(pl.col("value").is_not_null() & pl.col("value").is_finite())
        intervals = interval_table(finite, ["point", "metric"], "value", level)
        failed = self.failures.group_by("point").agg(pl.len().cast(pl.Int64).alias("failed"))
        table = (
            grid.join(intervals.drop("level"), on=["point", "metric"], how="left")
            .join(failed, on="point", how="left")
            .with_columns(pl.col("n").fill_null(0), pl.col("failed").fill_null(0),
                          pl.col("mean", "sd", "ci_low", "ci_high", "half_width").fill_null(np.nan),
                          pl.lit(level, dtype=pl.Float64).alias("level"))
            .sort("point", "_order")
        )
        return table.select("point", *self.parameters, "metric", "n", "mean", "sd", "ci_low", "ci_high",
                            "half_width", "level", "failed")

    def metric_values(self, metric: str) -> np.ndarray:
        """A (points x replications) array of `metric` (NaN where a run failed or is missing)."""
        if metric not in self.metrics:
            raise KeyError(f"sweep has no metric {metric!r}; metrics: {', '.join(self.metrics)}")
        values = np.full((self.design.height, self.replications), np.nan)
        rows = self.runs.filter(pl.col("metric") == metric)
        points = rows.get_column("point").to_numpy()
        reps = rows.get_column("replication").to_numpy()
        keep = reps < self.replications
        values[points[keep], reps[keep]] = rows.get_column("value").to_numpy()[keep]
        return values


# --- preparing -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PreparedSweep:
    """A validated sweep, ready to run: one resolved scenario document per design point."""

    name: str
    source: str
    base: Scenario
    model: Model
    model_module: str
    design: Design
    documents: tuple[dict[str, Any], ...]
    replications: int
    seed: int
    fingerprint: str
    provenance: Mapping[str, Any]


#: the largest design a sweep builds (assumption: 10^6 points x the runs each costs is beyond any sweep here;
#: a larger one is refused before a single point or array is built, so a typo costs no work)
MAX_DESIGN_POINTS = 1_000_000


def design_size(kind: str, parameters: Sequence[Parameter], points: int | None,
                calc_second_order: bool = False) -> int:
    """How many points a design of `kind` over `parameters` has, computed from the parameters alone."""
    if kind == "grid":
        size = 1
        for parameter in parameters:
            if parameter.levels is not None:
                size *= len(parameter.levels)
            elif parameter.grid_points is not None:
                size *= parameter.grid_points
            elif parameter.kind == "integer" and parameter.low is not None and parameter.high is not None:
                size *= int(parameter.high) - int(parameter.low) + 1
        return size
    if kind == "saltelli":
        k = len(parameters)
        return (points or 0) * (2 * k + 2 if calc_second_order else k + 2)
    return points or 0


def check_design_size(kind: str, parameters: Sequence[Parameter], points: int | None, source: str | Path,
                      calc_second_order: bool = False) -> None:
    """A ScenarioError naming `source` if the design would exceed `MAX_DESIGN_POINTS`."""
    size = design_size(kind, parameters, points, calc_second_order)
    if size > MAX_DESIGN_POINTS:
        raise ScenarioError(source, "design", {"kind": kind, "points": size},
                            f"{size:,} design points is more than the {MAX_DESIGN_POINTS:,} a sweep builds; "
                            "use fewer levels or grid_points, or a sampled design (lhs, sobol)")


def _problems(error: ScenarioError) -> list[ScenarioError]:
    return list(getattr(error, "problems", None) or [error])


def _describe_point(design: Design, index: int) -> str:
    return ", ".join(f"{path}={value!r}" for path, value in design.point(index).items())


def _check_bounds(base_document: Mapping[str, Any], design: Design, source: str, name: str) -> None:
    """Each parameter's extreme values (bounds, or every level) alone on the base scenario: an error the
    schema reports at the parameter's own path (a bad bound, an unknown key) fails here, whatever the
    sampled points happen to be. Cross-field rules are left to the design points themselves."""
    for parameter in design.parameters:
        if parameter.levels is not None:
            extremes = [("level", v) for v in parameter.levels]
        else:
            extremes = [("low", parameter.low), ("high", parameter.high)]
        for label, value in extremes:
            document = copy.deepcopy(dict(base_document))
            set_key_path(document, parameter.path, value, source)
            try:
                scenario_from_document(document, source=source, name=name)
            except ScenarioError as error:
                for problem in _problems(error):
                    if problem.key == parameter.path:
                        raise ScenarioError(source, parameter.path, value,
                                            f"{problem.message} ({label} of the swept range)") from None


def _validate_point(document: dict[str, Any], design: Design, index: int, source: str, name: str) -> None:
    try:
        scenario_from_document(document, source=source, name=name)
    except ScenarioError as error:
        problem = _problems(error)[0]
        point = design.point(index)
        key, value = problem.key, problem.value
        if key not in point:
            inside = [path for path in point if key and path.startswith(key + ".")]
            if inside:
                key, value = inside[0], point[inside[0]]
        else:
            value = point[key]
        raise ScenarioError(source, key, value,
                            f"{problem.message} [design point {index}: {_describe_point(design, index)}]") from None


def _load_base(scenario: str | Path | Scenario, overrides: Sequence[str]) -> Scenario:
    if isinstance(scenario, Scenario):
        if overrides:
            raise ValueError("overrides apply to a scenario file; apply them before building the Scenario")
        return scenario
    return load_scenario(scenario, overrides)


def prepare_sweep(
    scenario: str | Path | Scenario,
    design: Design,
    *,
    replications: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    source: str | Path | None = None,
    name: str | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> PreparedSweep:
    """Resolve the base scenario and validate every design point before anything runs. Any problem is one
    `ScenarioError` naming `source` (the sweep file), the parameter path and the value."""
    base = _load_base(scenario, overrides)
    source = str(source) if source is not None else f"sweep over {base.label}"
    name = name or base.name
    replications = base.config.run.replications if replications is None else replications
    seed = base.config.run.seed if seed is None else seed
    base_document = copy.deepcopy(dict(base.document))
    run_table = dict(base_document.get("run") or {})
    run_table.update(seed=seed, replications=replications)
    base_document["run"] = run_table
    try:
        scenario_from_document(base_document, source=source, name=name)
    except ScenarioError as error:
        problem = _problems(error)[0]
        raise ScenarioError(source, problem.key, problem.value, problem.message) from None

    for parameter in design.parameters:
        if parameter.path in {"run.seed", "run.replications", "model"}:
            shown = {k: v for k, v in parameter.describe().items() if k not in {"path", "kind"}}
            raise ScenarioError(source, parameter.path, shown, "is set by the sweep itself, not a design parameter "
                                "(every point shares the seed: common random numbers); use seed= / replications=")
    _check_bounds(base_document, design, source, name)
    documents = []
    for index, values in enumerate(design.values):
        document = copy.deepcopy(base_document)
        for path, value in zip(design.paths, values):
            set_key_path(document, path, value, source)
        _validate_point(document, design, index, source, name)
        documents.append(document)

    model_name = base.model.name
    fingerprint_document = copy.deepcopy(base_document)
    fingerprint_document["run"].pop("replications", None)
    fingerprint = hashlib.sha256(json.dumps(
        {"model": model_name, "base": fingerprint_document, "design": design.describe(), "seed": seed},
        sort_keys=True, default=str).encode("utf-8")).hexdigest()
    record = {
        "base_scenario": str(base.path) if base.path is not None else None,
        "source_files": [str(p) for p in base.source_files],
        "base_source_hash": base.source_hash if base.source_files else None,
        "overrides": list(base.overrides),
        **(provenance or {}),
    }
    return PreparedSweep(name, source, base, base.model, model_module(model_name), design, tuple(documents), replications,
                         seed, fingerprint, record)


# --- running -------------------------------------------------------------------------------------------

def _runs_table(keys: Sequence[tuple[int, int]], values: Mapping[tuple[int, int], Mapping[str, float]],
                seed: int, metrics: Sequence[str]) -> pl.DataFrame:
    m = len(metrics)
    return pl.DataFrame(
        {
            "point": np.repeat([p for p, _ in keys], m).astype(np.int64),
            "replication": np.repeat([k for _, k in keys], m).astype(np.int64),
            "seed": np.full(len(keys) * m, seed, dtype=np.int64),
            "metric": list(metrics) * len(keys),
            "value": np.array([values[key][name] for key in keys for name in metrics], dtype=np.float64),
        },
        schema=RUN_SCHEMA,
    )


def _failure_rows(outcomes: Sequence[RunOutcome], seed: int) -> pl.DataFrame:
    rows = [{"point": o.point, "replication": o.replication, "seed": seed, "error": o.error, "message": o.message,
             "traceback": o.traceback} for o in outcomes]
    return pl.DataFrame(rows, schema=FAILURE_SCHEMA) if rows else pl.DataFrame(schema=FAILURE_SCHEMA)


def _resolve_warmups(prepared: PreparedSweep, points: Sequence[int]) \
        -> tuple[dict[int, dict[str, Any]], dict[int, tuple[str, str, str]]]:
    """Each point's document with a `warmup_days = "auto"` replaced by the MSER-5 choice on one pilot
    replication, run here once per design point (not once per chunk in the workers). A point whose pilot
    fails is returned apart with its error, so its runs are recorded as failed and the sweep goes on."""
    documents: dict[int, dict[str, Any]] = {}
    errors: dict[int, tuple[str, str, str]] = {}
    for point in points:
        document = prepared.documents[point]
        if (document.get("run") or {}).get("warmup_days") != "auto":
            documents[point] = document
            continue
        try:
            config, _ = resolve_warmup(prepared.model, prepared.model.config_type.model_validate(document))
        except Exception as error:  # noqa: BLE001 - recorded as the failure of each of the point's runs
            errors[point] = (type(error).__name__, str(error), traceback_module.format_exc())
            continue
        documents[point] = {**document, "run": {**document["run"], "warmup_days": config.run.warmup_days}}
    return documents, errors


def execute_sweep(
    prepared: PreparedSweep,
    *,
    out: str | Path | None = None,
    options: SweepOptions | None = None,
) -> SweepResult:
    """Run every design point x replication not already stored in `out` and return all results; `options`
    says where and how the runs execute."""
    options = options or SweepOptions()
    design, metrics = prepared.design, tuple(m.name for m in prepared.model.metrics)
    all_runs = [(p, k) for p in range(len(design)) for k in range(prepared.replications)]
    wanted = set(all_runs)
    store = SweepStore(out) if out is not None else None
    started = datetime.now(timezone.utc)
    manifest: dict[str, Any] = {
        "manifest_version": MANIFEST_VERSION,
        "kind": "sweep",
        "run_id": uuid.uuid4().hex,
        "sweep": prepared.name,
        "model": prepared.model.name,
        "model_module": prepared.model_module,
        "source": prepared.source,
        **prepared.provenance,
        "design": {k: v for k, v in design.describe().items() if k != "points"},
        "design_points": len(design),
        "design_file": "design.parquet",
        "parameters": list(design.paths),
        "metrics": list(metrics),
        "replications": prepared.replications,
        "seed": prepared.seed,
        "common_random_numbers": "replication k of every design point uses Streams(seed, k)",
        "fingerprint": prepared.fingerprint,
        "config_hash": prepared.fingerprint,
        "created_utc": started.isoformat(),
        **environment_record(),
    }
    done: set[tuple[int, int]] = set()
    done_runs = pl.DataFrame(schema=RUN_SCHEMA)
    failed_before: set[tuple[int, int]] = set()
    if store is not None:
        store.open({**manifest, "status": "running"}, design.table())
        try:
            done_runs, done = store.read_done(store.done() & wanted, metrics)
            failed_before = (store.failed() & wanted) - done
        except BaseException:
            store.close()
            raise
    retry_failed = options.retry_failed
    todo = [key for key in all_runs if key not in done and (retry_failed or key not in failed_before)]
    clock = time.perf_counter()
    values: dict[tuple[int, int], dict[str, float]] = {}
    failures: dict[tuple[int, int], RunOutcome] = {}
    status = "interrupted"
    backend: Backend | None = None
    try:
        if todo:
            documents, warmup_errors = _resolve_warmups(prepared, sorted({p for p, _ in todo}))
            pilot_failed = [RunOutcome(p, k, None, *warmup_errors[p]) for p, k in todo if p in warmup_errors]
            backend = resolve_backend(options.executor, options.workers)
            size = chunk_size_for(backend, len(todo), options.chunk_size)
            chunks = [
                Chunk(prepared.model.name, prepared.model_module, {p: documents[p] for p in sorted({p for p, _ in runs})},
                      runs)
                for runs in make_chunks([key for key in todo if key[0] not in warmup_errors], size)
            ]
            manifest.update(executor=backend.name, workers=backend.workers, chunk_size=size)
            n_failed = len(failed_before) if not retry_failed else 0
            with progress_bar("runs", TextColumn("[red]{task.fields[failed]} failed"),
                              enabled=options.progress) as bar:
                task = bar.add_task(prepared.name, total=len(all_runs), completed=len(done), failed=n_failed)
                for outcomes in itertools.chain([pilot_failed] if pilot_failed else [], backend.run(chunks)):
                    for outcome in outcomes:
                        key = (outcome.point, outcome.replication)
                        if outcome.metrics is not None:  # outcome.ok
                            values[key] = outcome.metrics
                            failures.pop(key, None)
                            if store is not None:
                                store.write_run(outcome.point, outcome.replication, prepared.seed, outcome.metrics)
                        else:
                            failures[key] = outcome
                            n_failed += 1
                            if store is not None:
                                store.write_failure(outcome.point, outcome.replication, prepared.seed,
                                                    outcome.error or "Exception", outcome.message or "",
                                                    outcome.traceback or "")
                    bar.update(task, advance=len(outcomes), failed=n_failed)
        status = "complete"
    except KeyboardInterrupt:
        raise SweepInterrupted(len(done) + len(values), len(all_runs), store.directory if store else None) \
            from None
    finally:
        if backend is not None:
            backend.close(abort=status != "complete")
        if store is not None:
            try:
                manifest.update(status=status, updated_utc=datetime.now(timezone.utc).isoformat(),
                                wall_seconds_last_session=round(time.perf_counter() - clock, 3),
                                runs_total=len(all_runs), runs_done=len(done) + len(values),
                                runs_failed=len(failures) + (len(failed_before) if not retry_failed else 0))
                existing = store.read_manifest() or {}
                manifest["created_utc"] = existing.get("created_utc", manifest["created_utc"])
                manifest["run_id"] = existing.get("run_id", manifest["run_id"])  # one id across resumed sessions
                store.write_manifest(manifest)
            finally:
                store.close()

    new_keys = sorted(values)
    frames = [_runs_table(new_keys, values, prepared.seed, metrics)]
    if done:
        frames.append(done_runs)
    runs = pl.concat(frames, how="vertical")
    order = pl.DataFrame({"metric": list(metrics), "_order": list(range(len(metrics)))},
                         schema={"metric": pl.String, "_order": pl.Int64})
    runs = runs.join(order, on="metric", how="left").sort("point", "replication", "_order").drop("_order")
    failure_table = _failure_rows([failures[k] for k in sorted(failures)], prepared.seed)
    if store is not None and not retry_failed and failed_before:
        failure_table = pl.concat([failure_table, store.read_failures(failed_before)]).sort("point", "replication")
    return SweepResult(prepared.name, prepared.model.name, design.paths, metrics, design.table(), runs,
                       failure_table, prepared.replications, prepared.seed, manifest,
                       Path(out) if out is not None else None)


def sweep(
    scenario: str | Path | Scenario,
    vary: Mapping[str, Any] | Sequence[Parameter] | None = None,
    *,
    design: str | Design = "grid",
    points: int | None = None,
    design_seed: int = 0,
    replications: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    out: str | Path | None = None,
    name: str | None = None,
    options: SweepOptions | None = None,
) -> SweepResult:
    """Run a scenario over a design of parameter values, every point with the same seed (common random
    numbers), and return the results.

    `vary` maps dotted scenario paths to levels (`range(7, 22, 2)`, `[4, 6, 8]`) or `Parameter`s (bounds,
    integer, categorical); `design` is "grid", "lhs" or "sobol" (`points` samples, seeded by `design_seed`)
    or a ready `Design`. `replications` and `seed` default to the scenario's `[run]` table. `options` (a
    `SweepOptions`) says where the runs execute: `executor` "process" (a local pool, `workers` = cores by
    default; the default), "serial", "dask" (a LocalCluster started here), a scheduler address
    "tcp://host:8786", a `dask.distributed.Client` or a `concurrent.futures.Executor`; and the chunk size,
    retries and progress bar. With `out`, each finished run is written at once to that directory and a
    rerun resumes: done runs are skipped, failed ones retried (unless `retry_failed=False`). Every design
    point is validated before anything runs.
    """
    if isinstance(design, Design):
        if vary is not None:
            raise ValueError("give either vary (with a design name) or a ready Design, not both")
        built = design
    else:
        if vary is None:
            raise ValueError("vary is needed: {path: levels or Parameter}")
        parameters = parameters_from_vary(vary)
        check_design_size(design, parameters, points, name or str(scenario))
        built = make_design(design, parameters, points=points, seed=design_seed)
    prepared = prepare_sweep(scenario, built, replications=replications, seed=seed, overrides=overrides, name=name)
    return execute_sweep(prepared, out=out, options=options)


def load_sweep(directory: str | Path) -> SweepResult:
    """Read a sweep directory (finished or not) back as a `SweepResult`."""
    store = SweepStore(directory)
    manifest = store.read_manifest()
    if manifest is None:
        raise SweepMismatchError(f"{directory}: not a sweep folder (no manifest.json)")
    missing = [key for key in ("sweep", "model", "parameters", "metrics", "replications", "seed") if key not in manifest]
    if missing:
        raise SweepMismatchError(f"{store.manifest_path}: damaged sweep manifest (missing {', '.join(missing)})")
    metrics = tuple(manifest["metrics"])
    replications = int(manifest["replications"])
    design = pl.read_parquet(Path(directory) / "design.parquet")
    runs = store.read_runs()
    order = pl.DataFrame({"metric": list(metrics), "_order": list(range(len(metrics)))},
                         schema={"metric": pl.String, "_order": pl.Int64})
    runs = runs.join(order, on="metric", how="left").sort("point", "replication", "_order").drop("_order")
    done = store.done()
    failures = store.read_failures(store.failed() - done)
    return SweepResult(manifest["sweep"], manifest["model"], tuple(manifest["parameters"]), metrics, design, runs,
                       failures, replications, int(manifest["seed"]), manifest, Path(directory))
