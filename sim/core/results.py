"""Run directories: tidy Parquet tables plus `manifest.json`, written atomically, read back by `load_run`.

Layout of `results/<scenario>/<run-id>/`:
  summary.parquet     one row per replication and metric (scenario, replication, seed, metric, value)
  statistics.parquet  one row per metric: n, mean, sd, 95% Student-t CI across replications
  <table>.parquet     the model's own tidy tables (one row per entity, event or period); tables a model
                      spools to disk (see sim.core.spool) are streamed here and read back lazily
  scenario.toml       the fully resolved scenario (run it again with `sim run .../scenario.toml`)
  manifest.json       provenance: scenario, file hashes, seed, versions, git commit, timings
Result tables never contain timings, so the same scenario and seed give identical Parquet files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import polars as pl
import tomli_w

__all__ = ["RunResult", "write_run", "load_run", "new_run_directory", "environment_record", "RunExistsError"]

MANIFEST = "manifest.json"
SUMMARY = "summary"
STATISTICS = "statistics"
RESERVED_TABLES = (SUMMARY, STATISTICS)


class RunExistsError(Exception):
    """The run directory exists and `force` was not given."""


@dataclass
class RunResult:
    """A finished run in memory: the per-replication metrics, their statistics, the model's tables and the
    manifest. `path` is set once the run is written or when it is loaded. Tables are DataFrames, except
    the ones a model spools to disk, which are LazyFrames (`.collect()` them, or filter first)."""

    scenario_name: str
    model_name: str
    resolved_scenario: dict[str, Any]
    summary: pl.DataFrame
    statistics: pl.DataFrame
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    #: the spools behind lazy tables, kept alive until the run is written (then the files are the source)
    spools: list = field(default_factory=list, repr=False)

    def metric_values(self, metric: str) -> pl.Series:
        """One value per replication for `metric`, in replication order."""
        return self.summary.filter(pl.col("metric") == metric).sort("replication").get_column("value")

    def table(self, name: str) -> pl.DataFrame | pl.LazyFrame:
        if name == SUMMARY:
            return self.summary
        if name == STATISTICS:
            return self.statistics
        if name not in self.tables:
            raise KeyError(f"run has no table {name!r}; tables: {', '.join(sorted(self.tables)) or 'none'}")
        return self.tables[name]


def package_versions() -> dict[str, str]:
    names = ["sim", "numpy", "scipy", "numba", "polars", "pydantic", "simpy", "SALib", "dask"]
    versions = {"python": sys.version.split()[0]}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_state(directory: Path) -> dict[str, Any]:
    """The commit and whether the work tree had uncommitted changes; empty when git is not available."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True,
                                timeout=5, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=directory,
                                capture_output=True, text=True, timeout=5, check=True).stdout
        return {"commit": commit, "dirty": bool(status.strip())}
    except (OSError, subprocess.SubprocessError):
        return {}


def environment_record() -> dict[str, Any]:
    """Versions and git state for a manifest."""
    return {"versions": package_versions(), "git": git_state(Path(__file__).resolve().parent)}


def new_run_directory(results_root: str | Path, scenario_name: str, seed: int) -> Path:
    """`results_root/<scenario>/<UTC time>-seed<seed>`, with a suffix if that name is taken."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    base = Path(results_root) / scenario_name / f"{stamp}-seed{seed}"
    candidate, suffix = base, 1
    while candidate.exists():
        suffix += 1
        candidate = base.with_name(f"{base.name}-{suffix}")
    return candidate


def _write_parquet(frame: pl.DataFrame | pl.LazyFrame, path: Path) -> int:
    """Write a table (a LazyFrame is streamed, never collected whole); returns its row count."""
    if isinstance(frame, pl.LazyFrame):
        frame.sink_parquet(path, compression="zstd", statistics=False)
        return pl.scan_parquet(path).select(pl.len()).collect().item()
    frame.write_parquet(path, compression="zstd", statistics=False)
    return frame.height


def write_run(result: RunResult, directory: str | Path, *, force: bool = False) -> Path:
    """Write `result` to `directory` atomically: everything goes to a temporary sibling first and is
    renamed into place only when complete. An existing directory is replaced only with `force`, and
    even then only after the new run is fully written."""
    directory = Path(directory)
    if directory.exists() and not force:
        raise RunExistsError(f"{directory} already exists (use --force to replace it)")
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", suffix=".tmp", dir=directory.parent))
    try:
        rows = {SUMMARY: _write_parquet(result.summary, staging / f"{SUMMARY}.parquet"),
                STATISTICS: _write_parquet(result.statistics, staging / f"{STATISTICS}.parquet")}
        for name, frame in result.tables.items():
            if name in RESERVED_TABLES:
                raise ValueError(f"model table name {name!r} is reserved")
            rows[name] = _write_parquet(frame, staging / f"{name}.parquet")
        (staging / "scenario.toml").write_text(tomli_w.dumps(result.resolved_scenario), encoding="utf-8")
        manifest = dict(result.manifest)
        manifest["tables"] = rows
        manifest["lazy_tables"] = sorted(n for n, f in result.tables.items() if isinstance(f, pl.LazyFrame))
        # the resolved scenario holds the seed and the replication count, so this reproduces every table
        manifest["rerun"] = f"sim run {directory / 'scenario.toml'}"
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        if directory.exists():
            retired = directory.with_name(f".{directory.name}.replaced-{os.getpid()}")
            directory.rename(retired)
            staging.rename(directory)
            shutil.rmtree(retired)
        else:
            staging.rename(directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result.path = directory
    result.manifest = manifest
    for name in manifest["lazy_tables"]:  # read from the run directory from now on; the spools can go
        result.tables[name] = pl.scan_parquet(directory / f"{name}.parquet")
    result.spools.clear()
    return directory


def load_run(directory: str | Path) -> RunResult:
    """Read a run directory written by `write_run`."""
    directory = Path(directory)
    manifest_path = directory / MANIFEST
    if not manifest_path.is_file():
        raise FileNotFoundError(f"{directory} is not a run directory (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    lazy = set(manifest.get("lazy_tables", ()))
    tables = {
        path.stem: pl.scan_parquet(path) if path.stem in lazy else pl.read_parquet(path)
        for path in sorted(directory.glob("*.parquet"))
        if path.stem not in RESERVED_TABLES
    }
    return RunResult(
        scenario_name=manifest["scenario"],
        model_name=manifest["model"],
        resolved_scenario=manifest["resolved_scenario"],
        summary=pl.read_parquet(directory / f"{SUMMARY}.parquet"),
        statistics=pl.read_parquet(directory / f"{STATISTICS}.parquet"),
        tables=tables,
        manifest=manifest,
        path=directory,
    )
