"""Sweep files: a TOML file in `scenarios/sweeps/` that names a base scenario (relative to itself), a design
and its parameters, and how to run it.

    description = "Customs queue: officers against the arrival rate"
    scenario = "../customs_clearance.toml"     # relative to this file
    replications = 10                          # default: the scenario's [run].replications
    seed = 1                                   # default: the scenario's [run].seed (shared by every point)
    out = "results/sweeps/customs_officers"    # relative to the working directory; this default
    executor = "process"                       # "serial", "process", "dask" or "tcp://host:8786"
    overrides = ["run.horizon_days=10"]        # `--set` applied to the base scenario

    [design]
    kind = "grid"                              # grid | lhs | sobol | saltelli
    points = 16                                # lhs, sobol: sample size; saltelli: base sample N (2^k)
    seed = 0                                   # of the sampler

    [[parameters]]
    path = "customs.officers"
    levels = [4, 5, 6, 8]                      # or low / high (+ kind = "integer"), grid_points for grids

Every problem, in the file or at any design point, is one `ScenarioError` naming this file, the key or
parameter path and the value, raised before anything runs.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from sim.core.config import FiniteFloat
from sim.scenario import NO_VALUE, ScenarioError  # the spine's "no value to show" marker
from sim.sweeps.designs import Design, Parameter, make_design
from sim.sweeps.engine import PreparedSweep, SweepResult, check_design_size, execute_sweep, prepare_sweep
from sim.sweeps.executors import SweepOptions

__all__ = ["ParameterSpec", "DesignSpec", "SweepSpec", "read_sweep_file", "prepare_sweep_file", "run_sweep_file"]


_GOT = re.compile(r" \(got [^()]*\)$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterSpec(_Strict):
    path: str = Field(min_length=1)
    kind: Literal["float", "integer", "categorical"] | None = None
    low: FiniteFloat | int | None = Field(default=None, description="in the unit of the key swept")
    high: FiniteFloat | int | None = Field(default=None, description="in the unit of the key swept")
    levels: list[Any] | None = None
    grid_points: int | None = None

    def build(self) -> Parameter:
        if self.levels is not None:
            if self.kind == "categorical":
                return Parameter.categorical(self.path, self.levels)
            parameter = Parameter.with_levels(self.path, self.levels)
            if self.kind is not None and self.kind != parameter.kind:
                return Parameter(self.path, self.kind, levels=tuple(self.levels))
            return parameter
        kind = self.kind or ("integer" if isinstance(self.low, int) and isinstance(self.high, int) else "float")
        return Parameter(self.path, kind, self.low, self.high, grid_points=self.grid_points)


class DesignSpec(_Strict):
    kind: Literal["grid", "lhs", "sobol", "saltelli"] = "grid"
    points: int | None = Field(default=None, ge=1)
    seed: int = Field(default=0, ge=0, description="seed of the sampler")
    calc_second_order: bool = False


class SweepSpec(_Strict):
    description: str = Field(min_length=1)
    scenario: str = Field(min_length=1)
    replications: int | None = Field(default=None, ge=1, le=100_000)
    seed: int | None = Field(default=None, ge=0, lt=2**63, description="run seed of every point")
    out: str | None = None
    executor: Literal["serial", "process", "dask"] | None = None
    workers: int | None = Field(default=None, ge=1)
    overrides: list[str] = Field(default_factory=list)
    design: DesignSpec = DesignSpec()
    parameters: list[ParameterSpec] = Field(min_length=1)


def _location(document: dict[str, Any], loc: tuple[Any, ...]) -> tuple[str, Any]:
    node: Any = document
    parts: list[str] = []
    for part in loc:
        if isinstance(part, str) and part in {"int", "float", "str", "bool", "list[any]", "none"}:
            continue
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            if parts == ["parameters"] and isinstance(node[part], dict) and "path" in node[part]:
                parts[-1] = f"parameters[{node[part]['path']}]"
                node = node[part]
                continue
            node = node[part]
        else:
            node = None
        parts.append(str(part))
    return ".".join(parts), node


def read_sweep_file(path: str | Path) -> tuple[SweepSpec, Design, Path]:
    """Read and check a sweep file: its schema, its parameters and its design (not yet the scenario)."""
    path = Path(path)
    if not path.is_file():
        raise ScenarioError(path, None, str(path), "sweep file not found")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(path, None, str(path), f"malformed TOML: {error}") from None
    try:
        spec = SweepSpec.model_validate(document)
    except pydantic.ValidationError as error:
        detail = error.errors(include_url=False)[0]
        key, value = _location(document, tuple(detail["loc"]))
        message = "unknown key" if detail["type"] == "extra_forbidden" else detail["msg"]
        raise ScenarioError(path, key, value if detail["type"] != "missing" else NO_VALUE, message) from None
    parameters = []
    for item in spec.parameters:
        try:
            parameters.append(item.build())
        except ValueError as error:
            shown = {k: v for k, v in item.model_dump(exclude_none=True).items() if k != "path"}
            message = _GOT.sub("", str(error).removeprefix(f"{item.path}: "))
            raise ScenarioError(path, item.path, shown, message) from None
    check_design_size(spec.design.kind, parameters, spec.design.points, path, spec.design.calc_second_order)
    try:
        if spec.design.kind == "saltelli":
            from sim.sweeps.sensitivity import saltelli_design

            if spec.design.points is None:
                raise ValueError("a saltelli design needs points (the base sample size N, a power of 2)")
            design = saltelli_design(parameters, spec.design.points, seed=spec.design.seed,
                                     calc_second_order=spec.design.calc_second_order)
        else:
            design = make_design(spec.design.kind, parameters, points=spec.design.points, seed=spec.design.seed)
    except ValueError as error:
        raise ScenarioError(path, "design", spec.design.model_dump(exclude_none=True), _GOT.sub("", str(error))) \
            from None
    return spec, design, path


def prepare_sweep_file(path: str | Path, *, replications: int | None = None, seed: int | None = None,
                       overrides: Sequence[str] = ()) -> tuple[SweepSpec, PreparedSweep]:
    """Read a sweep file and validate its base scenario and every design point (nothing runs).
    `replications` and `seed` replace the file's; `overrides` (`--set`) apply to the base scenario after
    the file's own."""
    spec, design, path = read_sweep_file(path)
    scenario_path = path.parent / spec.scenario
    if not scenario_path.is_file():
        raise ScenarioError(path, "scenario", spec.scenario, f"base scenario not found: {scenario_path}")
    try:
        from sim.scenario import load_scenario

        base = load_scenario(scenario_path, [*spec.overrides, *overrides])
    except ScenarioError as error:
        raise ScenarioError(path, error.key or "scenario", error.value, f"{error.message} (in {error.source})") \
            from None
    prepared = prepare_sweep(
        base, design, replications=spec.replications if replications is None else replications,
        seed=spec.seed if seed is None else seed, source=path, name=path.stem,
        provenance={"sweep_file": str(path), "sweep_file_hash": hashlib.sha256(path.read_bytes()).hexdigest(),
                    "description": spec.description},
    )
    return spec, prepared


def run_sweep_file(
    path: str | Path,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    out: str | Path | None = None,
    progress: bool = True,
    executor: Any = None,
    chunk_size: int | None = None,
    retry_failed: bool = True,
    replications: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
) -> SweepResult:
    """Run the sweep file at `path` (what `sim sweep PATH` does). `scheduler` ("tcp://host:8786", or
    "local" / "dask" for a LocalCluster) runs it on Dask; otherwise `executor`, the file's `executor`, or
    the local process pool. Results go to `out`, the file's `out`, or `results/sweeps/<file stem>`; a
    rerun resumes. `replications`, `seed` and `overrides` as in `prepare_sweep_file` (a new seed or
    override is another sweep: its fingerprint differs, so it needs its own `out`)."""
    if scheduler is not None and scheduler not in {"local", "dask"} and "://" not in scheduler:
        raise ScenarioError("--scheduler", None, scheduler, "expected a scheduler address like tcp://host:8786, "
                            "or 'local' for a Dask cluster on this machine")
    spec, prepared = prepare_sweep_file(path, replications=replications, seed=seed, overrides=overrides)
    if scheduler is not None:
        chosen = "dask" if scheduler in {"local", "dask"} else scheduler
    else:
        chosen = executor or spec.executor or "process"
    if out is not None:  # said explicitly: any folder the user names
        directory = Path(out)
    elif spec.out:
        directory = Path(spec.out)
        if directory.is_absolute() or ".." in directory.parts or not directory.parts:
            raise ScenarioError(path, "out", spec.out, "must be a folder below the working directory, without "
                                "'..' (a sweep file chooses no place outside it; give --out to write elsewhere)")
    else:
        stem = Path(path).stem
        if stem in {"", ".", ".."}:
            raise ScenarioError(path, None, stem, "the file's name cannot name a results folder; give --out")
        directory = Path("results/sweeps") / stem
    options = SweepOptions(executor=chosen, workers=workers or spec.workers, chunk_size=chunk_size,
                           retry_failed=retry_failed, progress=progress)
    return execute_sweep(prepared, out=directory, options=options)
