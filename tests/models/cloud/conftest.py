"""Shared helpers for the cloud-model tests: scenarios built from the shipped files with `--set` overrides."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from sim.core.runner import run_model
from sim.scenario import load_scenario

SCENARIOS = Path(__file__).resolve().parents[3] / "scenarios"


def scenario(name: str, *overrides: str):
    return load_scenario(SCENARIOS / name, list(overrides))


def run(name: str, *overrides: str, reps: int = 8, seed: int = 11):
    loaded = scenario(name, *overrides)
    return run_model(loaded.model, loaded.config, scenario_name=loaded.name, replications=reps, seed=seed)


def per_replication(result, column: str, provider: str = "alibaba", quarter: int | None = None) -> np.ndarray:
    """One value per replication of `column` for `provider` at `quarter` (default: the last)."""
    table = result.tables["quarterly"].filter(pl.col("provider") == provider)
    q = table.get_column("quarter").max() if quarter is None else quarter
    return table.filter(pl.col("quarter") == q).sort("replication").get_column(column).to_numpy()
