"""Typed parameter declarations and the experimental designs built from them.

A `Parameter` names a dotted path into the scenario document (applied like `--set`) and says what values
it may take: bounds `[low, high]` (a float, or an integer when `kind="integer"`) or a list of `levels`
(numbers or categories). A `Design` is the list of design points: one value per parameter and point.

Every design is built in the unit hypercube and mapped to values by `Parameter.from_unit`:

    float      x = low + u (high - low)
    integer    x = low + min(floor(u (high - low + 1)), high - low)     (uniform over low..high)
    levels     x = levels[min(floor(u m), m - 1)]                        (uniform over the m levels)

so Latin hypercube and Sobol designs (McKay, Beckman & Conover 1979; Sobol' 1967, via `scipy.stats.qmc`)
and the Saltelli sample of `sim.sweeps.sensitivity` treat every kind of parameter the same way. A full grid
takes the levels (or `grid_points` evenly spaced values between the bounds) of every parameter and forms
their Cartesian product, the first parameter varying slowest.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import polars as pl

__all__ = [
    "Parameter",
    "Design",
    "DesignKind",
    "grid_design",
    "latin_hypercube_design",
    "sobol_design",
    "design_from_unit",
    "make_design",
    "parameters_from_vary",
]

ParameterKind = Literal["float", "integer", "categorical"]
DesignKind = Literal["grid", "lhs", "sobol", "saltelli"]


def _python_scalar(value: Any) -> Any:
    """NumPy scalars to Python scalars: the scenario schema is strict (an np.int64 is not an int)."""
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass(frozen=True)
class Parameter:
    """One swept parameter: a dotted `path` into the scenario document and its range.

    Give either `low` and `high` (kind "float" or "integer") or `levels` (kind "categorical" for any
    values; numeric levels keep their numbers). `grid_points` spaces a float range for grid designs.
    """

    path: str
    kind: ParameterKind = "float"
    low: float | int | None = None
    high: float | int | None = None
    levels: tuple[Any, ...] | None = None
    grid_points: int | None = None

    def __post_init__(self) -> None:
        parts = self.path.split(".") if isinstance(self.path, str) else []
        if not parts or any(not part.strip() for part in parts):
            raise ValueError(f"parameter path must be a dotted key path like 'customs.officers' (got {self.path!r})")
        if self.levels is not None:
            object.__setattr__(self, "levels", tuple(_python_scalar(v) for v in self.levels))
            if self.low is not None or self.high is not None:
                raise ValueError(f"{self.path}: give either levels or low/high, not both")
            if len(self.levels) == 0:
                raise ValueError(f"{self.path}: levels must not be empty")
            if len(set(map(repr, self.levels))) != len(self.levels):
                raise ValueError(f"{self.path}: levels must be distinct (got {list(self.levels)})")
            return
        if self.kind == "categorical":
            raise ValueError(f"{self.path}: a categorical parameter needs levels")
        if self.low is None or self.high is None:
            raise ValueError(f"{self.path}: give bounds low and high, or levels")
        for bound in ("low", "high"):
            value = _python_scalar(getattr(self, bound))
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{self.path}: {bound} must be a finite number (got {value!r})")
            if self.kind == "integer" and not float(value).is_integer():
                raise ValueError(f"{self.path}: {bound} of an integer parameter must be a whole number (got {value!r})")
            object.__setattr__(self, bound, int(value) if self.kind == "integer" else float(value))
        if not self.low < self.high:
            raise ValueError(f"{self.path}: low must be below high (got low={self.low!r}, high={self.high!r})")
        if self.grid_points is not None and (not isinstance(self.grid_points, int) or self.grid_points < 2):
            raise ValueError(f"{self.path}: grid_points must be an integer >= 2 (got {self.grid_points!r})")

    # --- constructors -----------------------------------------------------------------------------------
    @classmethod
    def continuous(cls, path: str, low: float, high: float, *, grid_points: int | None = None) -> "Parameter":
        return cls(path, "float", low, high, grid_points=grid_points)

    @classmethod
    def integer(cls, path: str, low: int, high: int, *, grid_points: int | None = None) -> "Parameter":
        return cls(path, "integer", low, high, grid_points=grid_points)

    @classmethod
    def categorical(cls, path: str, levels: Iterable[Any]) -> "Parameter":
        return cls(path, "categorical", levels=tuple(levels))

    @classmethod
    def with_levels(cls, path: str, levels: Iterable[Any]) -> "Parameter":
        """Listed values: kind "integer" when all are integers, "float" when all are numbers, else
        "categorical". Sampled designs draw uniformly among the levels."""
        values = tuple(_python_scalar(v) for v in levels)
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        kind: ParameterKind = "categorical"
        if numbers and values:
            kind = "integer" if all(isinstance(v, int) for v in values) else "float"
        return cls(path, kind, levels=values)

    # --- values -----------------------------------------------------------------------------------------
    def grid_values(self) -> tuple[Any, ...]:
        """The values this parameter takes in a full grid."""
        if self.levels is not None:
            return self.levels
        low, high = cast(float, self.low), cast(float, self.high)  # set when there are no levels (__post_init__)
        if self.kind == "integer":
            if self.grid_points is None:
                return tuple(range(int(low), int(high) + 1))
            spaced = np.linspace(low, high, self.grid_points)
            return tuple(dict.fromkeys(int(round(v)) for v in spaced))
        if self.grid_points is None:
            raise ValueError(f"{self.path}: a float range needs grid_points (or levels) in a grid design")
        return tuple(float(v) for v in np.linspace(low, high, self.grid_points))

    def from_unit(self, u: np.ndarray) -> list[Any]:
        """Map points `u` of [0, 1) to values (see the module docstring)."""
        u = np.clip(np.asarray(u, dtype=np.float64), 0.0, 1.0)
        if self.levels is not None:
            index = np.minimum(np.floor(u * len(self.levels)).astype(np.int64), len(self.levels) - 1)
            return [self.levels[i] for i in index]
        low, high = cast(float, self.low), cast(float, self.high)  # set when there are no levels (__post_init__)
        if self.kind == "integer":
            span = int(high) - int(low)
            offset = np.minimum(np.floor(u * (span + 1)).astype(np.int64), span)
            return [int(low) + int(o) for o in offset]
        return [float(v) for v in low + u * (high - low)]

    def describe(self) -> dict[str, Any]:
        record: dict[str, Any] = {"path": self.path, "kind": self.kind}
        if self.levels is not None:
            record["levels"] = list(self.levels)
        else:
            record.update(low=self.low, high=self.high)
            if self.grid_points is not None:
                record["grid_points"] = self.grid_points
        return record


@dataclass(frozen=True)
class Design:
    """Design points: `values[i][j]` is parameter j's value at point i (points are numbered from 0)."""

    kind: DesignKind
    parameters: tuple[Parameter, ...]
    values: tuple[tuple[Any, ...], ...]
    seed: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        paths = [p.path for p in self.parameters]
        duplicated = sorted({p for p in paths if paths.count(p) > 1})
        if duplicated:
            raise ValueError(f"parameter paths must be distinct (repeated: {', '.join(duplicated)})")
        if any(len(row) != len(self.parameters) for row in self.values):
            raise ValueError("every design point needs one value per parameter")

    def __len__(self) -> int:
        return len(self.values)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(p.path for p in self.parameters)

    def point(self, index: int) -> dict[str, Any]:
        """{path: value} of design point `index`."""
        return dict(zip(self.paths, self.values[index]))

    def table(self) -> pl.DataFrame:
        """One row per design point: `point` and one column per parameter path."""
        columns: dict[str, Any] = {"point": list(range(len(self.values)))}
        for j, path in enumerate(self.paths):
            column = [row[j] for row in self.values]
            kinds = {type(v) for v in column}
            if kinds <= {int}:
                columns[path] = pl.Series(path, column, dtype=pl.Int64)
            elif kinds <= {int, float}:
                columns[path] = pl.Series(path, [float(v) for v in column], dtype=pl.Float64)
            elif kinds <= {bool}:
                columns[path] = pl.Series(path, column, dtype=pl.Boolean)
            else:
                columns[path] = pl.Series(path, [str(v) for v in column], dtype=pl.String)
        return pl.DataFrame(columns).with_columns(pl.col("point").cast(pl.Int64))

    def describe(self) -> dict[str, Any]:
        """A JSON-ready record of the design (for the manifest and the resume check)."""
        return {
            "kind": self.kind,
            "seed": self.seed,
            "options": dict(self.options),
            "parameters": [p.describe() for p in self.parameters],
            "points": [list(row) for row in self.values],
        }


def grid_design(parameters: Sequence[Parameter]) -> Design:
    """Full factorial grid over every parameter's grid values (the first parameter varies slowest)."""
    parameters = tuple(parameters)
    if not parameters:
        raise ValueError("a design needs at least one parameter")
    values = tuple(itertools.product(*(p.grid_values() for p in parameters)))
    return Design("grid", parameters, values)


def design_from_unit(kind: DesignKind, parameters: Sequence[Parameter], unit: np.ndarray, *,
                     seed: int | None = None, options: Mapping[str, Any] | None = None) -> Design:
    """A design from points of the unit hypercube (rows: points, columns: parameters)."""
    parameters = tuple(parameters)
    unit = np.atleast_2d(np.asarray(unit, dtype=np.float64))
    if unit.shape[1] != len(parameters):
        raise ValueError(f"unit sample has {unit.shape[1]} columns for {len(parameters)} parameters")
    columns = [p.from_unit(unit[:, j]) for j, p in enumerate(parameters)]
    values = tuple(zip(*columns)) if columns else ()
    return Design(kind, parameters, tuple(tuple(row) for row in values), seed, dict(options or {}))


def _check_count(points: int | None, kind: str) -> int:
    if not isinstance(points, int) or isinstance(points, bool) or points < 1:
        raise ValueError(f"a {kind} design needs a positive integer number of points (got {points!r})")
    return points


def latin_hypercube_design(parameters: Sequence[Parameter], points: int, *, seed: int = 0) -> Design:
    """Latin hypercube sample of `points` points (scipy.stats.qmc.LatinHypercube, seeded)."""
    parameters = tuple(parameters)
    n = _check_count(points, "Latin hypercube")
    # here, not at import: sweep workers never need it (and scipy-stubs is not installed)
    from scipy.stats import qmc  # type: ignore[import-untyped]

    unit = qmc.LatinHypercube(d=len(parameters), seed=seed).random(n)
    return design_from_unit("lhs", parameters, unit, seed=seed)


def sobol_design(parameters: Sequence[Parameter], points: int, *, seed: int = 0) -> Design:
    """The first `points` points of a scrambled Sobol' sequence (scipy.stats.qmc.Sobol, seeded). Its
    balance properties hold for powers of two; other counts are allowed."""
    parameters = tuple(parameters)
    n = _check_count(points, "Sobol")
    from scipy.stats import qmc

    sampler = qmc.Sobol(d=len(parameters), scramble=True, seed=seed)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*balance properties.*")
        unit = sampler.random(n)
    return design_from_unit("sobol", parameters, unit, seed=seed)


def make_design(kind: str, parameters: Sequence[Parameter], *, points: int | None = None, seed: int = 0) -> Design:
    """Dispatch on the design name: "grid", "lhs" (Latin hypercube) or "sobol"."""
    if kind == "grid":
        return grid_design(parameters)
    if kind == "lhs":
        return latin_hypercube_design(parameters, _check_count(points, "Latin hypercube"), seed=seed)
    if kind == "sobol":
        return sobol_design(parameters, _check_count(points, "Sobol"), seed=seed)
    raise ValueError(f"unknown design {kind!r}; choose grid, lhs or sobol (saltelli: see sobol_indices)")


def parameters_from_vary(vary: Mapping[str, Any] | Sequence[Parameter]) -> tuple[Parameter, ...]:
    """`{"customs.officers": [4, 6, 8], "customs.arrivals_per_hour": Parameter.continuous(...)}` or a
    list of `Parameter`s -> parameters. A plain iterable (list, range, tuple) gives its levels."""
    if isinstance(vary, Mapping):
        declared: list[Parameter] = []
        for path, spec in vary.items():
            if isinstance(spec, Parameter):
                if spec.path != path:
                    spec = Parameter(path, spec.kind, spec.low, spec.high, spec.levels, spec.grid_points)
                declared.append(spec)
            elif isinstance(spec, (str, bytes)) or not isinstance(spec, Iterable):
                raise ValueError(f"{path}: give a list of levels or a Parameter (got {spec!r})")
            else:
                declared.append(Parameter.with_levels(path, spec))
        return tuple(declared)
    parameters = tuple(vary)
    if not all(isinstance(p, Parameter) for p in parameters):
        raise ValueError("vary must be a mapping {path: levels or Parameter} or a sequence of Parameter")
    return parameters
