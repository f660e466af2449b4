"""What a model's `calibrate` hook is given and what it returns, typed without importing the scenario
loader (core imports no model, no loader and no sweeps).

`sim calibrate x.toml` loads the scenario, calls `model.calibrate(scenario, out)` and prints the report's
`table`, `parameter_table()` and `error_table()`; `scenario_path` is the calibrated scenario written, or
None when none was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import polars as pl

from sim.core.config import ScenarioConfig

__all__ = ["ScenarioSource", "CalibrationReport"]


class ScenarioSource(Protocol):
    """A loaded scenario as a calibration sees it: its validated config and the file it was read from (a
    calibrated scenario `extends` that file). `sim.scenario.Scenario` is one."""

    @property
    def config(self) -> ScenarioConfig: ...

    @property
    def path(self) -> Path | None: ...

    @property
    def source_files(self) -> tuple[Path, ...]:
        """The files of its `extends` chain, base first (a calibrated scenario must not replace one)."""
        ...


class CalibrationReport(Protocol):
    """A fit to published data as `sim calibrate` reports it."""

    @property
    def table(self) -> pl.DataFrame:
        """One row per published value: published against simulated."""
        ...

    @property
    def scenario_path(self) -> Path | None:
        """The calibrated scenario written, or None (e.g. a fitted parameter sits on its bound)."""
        ...

    def parameter_table(self) -> pl.DataFrame:
        """One row per parameter: its fitted (or fixed) value and how well the data identify it."""
        ...

    def error_table(self) -> pl.DataFrame:
        """The fit's in-sample and held-out errors."""
        ...
