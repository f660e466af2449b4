"""The small surface every model exposes to the spine: a config class, one replication's simulation, the
metrics it reports, its closed-form validation checks and its charts.

A new model is a new folder under `sim/models/` that builds one `Model` and a line in the registry in
`sim/scenario.py`; the runner and the CLI need nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple, overload

import numpy as np
import numpy.typing as npt
import polars as pl

from sim.core.config import ScenarioConfig
from sim.core.rng import Streams
from sim.core.spool import TableSpool

if TYPE_CHECKING:
    from sim.core.calibration import CalibrationReport, ScenarioSource
    from sim.core.results import RunResult
    from sim.core.validation import ValidationCase

__all__ = ["Column", "Metric", "ReplicationOutput", "TableSpec", "WarmupSeries", "Model"]

MetricKind = Literal["mean", "amount", "proportion", "quantile", "count"]


@dataclass(frozen=True)
class Metric:
    """A scalar a replication reports. `kind` says what the per-replication value is (a mean, an amount
    that cannot be negative such as a cost, a proportion, a quantile, a count): it labels the metric and sets the range its values can take (`bounds`). Across
    replications every metric gets a Student-t interval whatever its kind, valid because replications are
    independent. `key` metrics bound precision stopping and head the CLI summary.

    Where the range applies: a t interval can leave it (a share of 0.999 with a wide interval reaches past 1,
    a count near 0 dips below it). `statistics.parquet` and `summarise_metrics` keep the raw interval
    (ci_low, ci_high = mean -+ half_width, as computed); only what is shown to a reader is clipped, with
    `clip` (the CLI's `sim run` and `sim sweep` tables)."""

    #: the values a metric of each kind can take: shares lie in [0, 1], counts and amounts (costs paid,
    #: values ordered) are >= 0, means and quantiles are unbounded (a profit or a difference may be negative)
    KIND_BOUNDS: ClassVar[Mapping[str, tuple[float, float]]] = MappingProxyType({
        "mean": (-np.inf, np.inf), "amount": (0.0, np.inf), "proportion": (0.0, 1.0), "quantile": (-np.inf, np.inf), "count": (0.0, np.inf)})

    name: str
    unit: str
    description: str
    kind: MetricKind = "mean"
    key: bool = False

    @property
    def bounds(self) -> tuple[float, float]:
        """(lower, upper) for this metric's kind; an unknown kind is unbounded."""
        return self.KIND_BOUNDS.get(self.kind, (-np.inf, np.inf))

    @overload
    def clip(self, low: float, high: float) -> tuple[float, float]: ...
    @overload
    def clip(self, low: npt.NDArray[np.float64], high: npt.NDArray[np.float64]
             ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]: ...
    def clip(self, low: Any, high: Any) -> tuple[Any, Any]:
        """An interval's bounds as displayed: `low` and `high` (floats or arrays) clipped to `bounds`, NaN
        kept (an undefined interval stays undefined). For display only; stored tables keep the raw bounds."""
        lower, upper = self.bounds
        shown_low, shown_high = np.clip(low, lower, upper), np.clip(high, lower, upper)
        if np.ndim(shown_low) == 0 and np.ndim(shown_high) == 0:
            return float(shown_low), float(shown_high)
        return shown_low, shown_high


class Column(NamedTuple):
    """What one column of a table holds: its unit ("-" for identifiers, labels and flags) and a description.
    Written beside the table as Parquet key-value metadata (`sim.core.results.column_metadata`)."""

    unit: str
    description: str


@dataclass(frozen=True)
class TableSpec:
    """A table a model writes: its name, what one row is, and every column the model adds (the runner adds
    `scenario`, `replication` and `seed`, documented in `sim.core.results.COLUMN_DOCS`). A column that only
    some scenarios write (e.g. the parcel table's `group`) is declared all the same."""

    name: str
    row: str
    columns: Mapping[str, Column]


@dataclass(frozen=True)
class ReplicationOutput:
    """What one replication returns: one value per declared metric, and tidy tables (the runner adds the
    `scenario`, `replication` and `seed` columns). A table too large for memory is a `TableSpool` written in
    parts as the replication runs; it reaches the result as a `polars.LazyFrame`."""

    metrics: Mapping[str, float]
    tables: Mapping[str, pl.DataFrame | TableSpool] = field(default_factory=dict)


@dataclass(frozen=True)
class WarmupSeries:
    """Where MSER-5 finds the series to truncate: a table the model writes, its time column and value
    column (one row per period, from t = 0, including the warm-up)."""

    table: str
    time_column: str
    value_column: str
    time_unit_days: float = 1.0


@dataclass(frozen=True)
class Model:
    """A model as the spine sees it."""

    name: str
    description: str
    config_type: type[ScenarioConfig]
    #: one replication: (an instance of `config_type`, its streams) -> its output. Typed `Any` in the config
    #: because each model's function takes its own subclass; the runner hands it `config_type` instances.
    simulate: Callable[[Any, Streams], ReplicationOutput]
    metrics: tuple[Metric, ...]
    validation_checks: Callable[[], Sequence["ValidationCase"]] | None = None
    charts: Callable[["RunResult", Path], list[Path]] | None = None
    warmup_series: WarmupSeries | None = None
    #: fit the model to published data: (the loaded scenario, the calibrated scenario to write or None for
    #: the model's default) -> a `CalibrationReport` (sim.core.calibration); used by `sim calibrate`
    calibrate: Callable[["ScenarioSource", Path | None], "CalibrationReport"] | None = None
    #: the model's own reading of a paired comparison (baseline run, scenario run) -> a one-row table,
    #: e.g. the cloud model's payback quarter; shown by `sim compare`
    paired_report: Callable[["RunResult", "RunResult"], pl.DataFrame] | None = None
    #: the tables `simulate` may write, each column with its unit and description (the one home of both)
    tables: tuple[TableSpec, ...] = ()

    def metric(self, name: str) -> Metric:
        for metric in self.metrics:
            if metric.name == name:
                return metric
        raise KeyError(f"model {self.name!r} has no metric {name!r}")

    def table_columns(self, name: str) -> Mapping[str, Column]:
        """The declared columns of table `name` (empty if the model does not declare it)."""
        return next((spec.columns for spec in self.tables if spec.name == name), {})

    @property
    def key_metrics(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics if m.key)
