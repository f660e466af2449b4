"""Run directories: tidy Parquet tables plus `manifest.json`, written atomically, read back by `load_run`.

Layout of `results/<scenario>/<run-id>/`:
  summary.parquet     one row per replication and metric (scenario, replication, seed, metric, value)
  statistics.parquet  one row per metric: n, mean, sd, 95% Student-t CI across replications
  <table>.parquet     the model's own tidy tables (one row per entity, event or period); tables a model
                      spools to disk (see sim.core.spool) are streamed here and read back lazily
  scenario.toml       the fully resolved scenario (run it again with `sim run .../scenario.toml`)
  manifest.json       provenance: scenario, file hashes, seed, versions, git commit, timings; `run_folder`
                      (the layout's version) and `run_id` mark a folder `sim` wrote
  charts/             PNGs that `sim plot` draws (optional)
Result tables never contain timings, so the same scenario and seed give identical Parquet files.

`--force` replaces only a folder this module wrote: its manifest carries `run_folder` and `run_id`, and it
holds nothing but the files listed above; anything else is refused (`RunFolderError`) and left untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import tomli_w

from sim.core.errors import InputError
from sim.core.faults import fault_point

if TYPE_CHECKING:
    from sim.core.spool import TableSpool

__all__ = ["RunResult", "write_run", "load_run", "new_run_directory", "environment_record", "RunExistsError",
           "RunFolderError", "check_run_target", "RUN_FOLDER_VERSION", "atomic_write_bytes", "sync_directory", "publish_folder", "remove_dead_temporaries",
           "temporary_prefix", "TEMPORARY_SUFFIX"]

MANIFEST = "manifest.json"
SUMMARY = "summary"
STATISTICS = "statistics"
RESERVED_TABLES = (SUMMARY, STATISTICS)
#: version of the run-folder layout, written to every manifest as `run_folder`
RUN_FOLDER_VERSION = 1
#: version of the manifest schema (one schema for runs, comparisons, warm-ups and sweeps), `manifest_version`
MANIFEST_VERSION = 2
CHARTS = "charts"
#: the HTML report `sim report` may add to a results folder
REPORT = "report.html"


class RunExistsError(InputError):
    """The run directory exists and `force` was not given."""


class RunFolderError(InputError):
    """A path that should be a run folder is not one `sim` wrote, or is damaged (names the path and why)."""


#: every temporary name `atomic_write_bytes`, `publish_folder` and spools (sim.core.spool) use:
#: `.sim-<name>.<pid>.<random>.tmp`
TEMPORARY_PREFIX = ".sim-"
TEMPORARY_SUFFIX = ".tmp"
_TEMPORARY_NAME = re.compile(r"^\.sim-.*\.(\d+)\.[^.]*\.tmp$")


def temporary_prefix(name: str) -> str:
    """`.sim-<name>.<pid>.`: the start of every temporary name, which `remove_dead_temporaries` recognises."""
    return f"{TEMPORARY_PREFIX}{name}.{os.getpid()}."


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_dead_temporaries(folder: Path) -> list[Path]:
    """Remove, in `folder` only, the temporary files and staging folders of `sim` processes that no longer
    run (a SIGKILL or power loss mid-write); another program's files and a live writer's are left alone.
    Returns what was removed."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        match = _TEMPORARY_NAME.match(entry.name)
        if match is None or entry.is_symlink() or _process_alive(int(match.group(1))):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def current_umask() -> int:
    """The process's umask (read from /proc where it can be, so that no other thread sees it changed)."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def sync_directory(directory: Path) -> None:
    """Flush a folder's entries (a rename into it) to disk; a no-op where folders cannot be opened."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write `path` whole or not at all: to a temporary sibling, synced to disk, then renamed over `path`
    (atomic on POSIX). A crash leaves the old file or the new one, never a torn one; the temporary name
    (`.sim-<name>.<random>.tmp`) is removed on any error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=temporary_prefix(path.name), suffix=TEMPORARY_SUFFIX,
                                         dir=path.parent)
    try:
        os.fchmod(handle, 0o666 & ~current_umask())  # mkstemp makes 0600: the file follows the umask
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        fault_point("before-rename")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    sync_directory(path.parent)


def _is_run_folder_file(path: Path, files: Any) -> bool:
    """Whether `path` (an entry of a results folder) is one `publish_folder` wrote (listed in the manifest's
    `files`), a chart `sim plot` added or the report `sim report` wrote."""
    if path.is_symlink():
        return False
    if path.is_dir() and path.name == CHARTS:
        return all(p.is_file() and not p.is_symlink() and p.suffix == ".png" for p in path.iterdir())
    return path.name in (MANIFEST, REPORT) or (isinstance(files, list) and path.name in files and path.is_file())


def check_run_target(directory: str | Path, *, force: bool = False) -> None:
    """Raise unless a run may be written to `directory`: it does not exist, or `force` is given and it is a
    run folder that `sim` wrote (a manifest with `run_folder` and `run_id`, and only the files a run holds).
    Called before any simulation, so a refused target costs no work."""
    directory = Path(directory)
    if not directory.exists() and not directory.is_symlink():
        if directory.parent.exists() and not directory.parent.is_dir():
            raise RunFolderError(f"{directory}: cannot be a run folder, {directory.parent} is a file")
        return
    if not force:
        raise RunExistsError(f"{directory} already exists (use --force to replace it)")
    if directory.is_symlink() or not directory.is_dir():
        raise RunFolderError(f"{directory}: --force replaces only a run folder, and this is not a folder")
    if directory.resolve() == Path.cwd().resolve() or directory.resolve() in Path.cwd().resolve().parents:
        raise RunFolderError(f"{directory}: --force will not replace the working folder or one above it")
    manifest = _read_manifest(directory)
    if manifest.get("run_folder") is None or not manifest.get("run_id") or not isinstance(manifest.get("files"), list):
        raise RunFolderError(f"{directory}: --force replaces only a run folder written by sim (its {MANIFEST} has "
                             "no run_folder version and run_id); delete it yourself or choose another --out")
    strangers = sorted(p.name for p in directory.iterdir() if not _is_run_folder_file(p, manifest.get("files")))
    if strangers:
        shown = ", ".join(strangers[:5]) + (f" and {len(strangers) - 5} more" if len(strangers) > 5 else "")
        raise RunFolderError(f"{directory}: --force replaces only a run folder holding files sim writes; "
                             f"it also holds {shown}")


def _read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest of a run folder, or a RunFolderError saying why it cannot be read as one."""
    manifest_path = directory / MANIFEST
    if not directory.is_dir():
        raise RunFolderError(f"{directory}: not a run folder (no such folder)")
    if not manifest_path.is_file():
        raise RunFolderError(f"{directory}: not a run folder (no {MANIFEST})")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise RunFolderError(f"{manifest_path}: damaged manifest ({type(error).__name__}: {error})") from None
    if not isinstance(manifest, dict):
        raise RunFolderError(f"{manifest_path}: damaged manifest (not a JSON object)")
    return manifest


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
    #: eager tables, and lazy ones (spooled while running, then scanned from the run folder)
    tables: dict[str, pl.DataFrame | pl.LazyFrame] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None
    #: the spools behind lazy tables, kept alive until the run is written (then the files are the source)
    spools: list[TableSpool] = field(default_factory=list, repr=False)
    #: the model's declared columns of each of its tables, (unit, description) by column name (the runner
    #: fills it from `Model.tables`; `load_run` from the tables' Parquet metadata)
    column_docs: dict[str, Mapping[str, tuple[str, str]]] = field(default_factory=dict, repr=False)

    def metric_values(self, metric: str) -> pl.Series:
        """One value per replication for `metric`, in replication order."""
        return self.summary.filter(pl.col("metric") == metric).sort("replication").get_column("value")

    def frame(self, name: str) -> pl.DataFrame:
        """The table `name` in memory (a lazy, spooled table is collected: use `table` to stay lazy)."""
        table = self.table(name)
        return table.collect() if isinstance(table, pl.LazyFrame) else table

    def table(self, name: str) -> pl.DataFrame | pl.LazyFrame:
        if name == SUMMARY:
            return self.summary
        if name == STATISTICS:
            return self.statistics
        if name not in self.tables:
            raise KeyError(f"run has no table {name!r}; tables: {', '.join(sorted(self.tables)) or 'none'}")
        return self.tables[name]

    def columns(self, name: str) -> pl.DataFrame:
        """Table `name`'s columns in order: `column`, `unit` ("-" for identifiers and labels) and
        `description` (null where a column is undocumented)."""
        names = self.table(name).collect_schema().names()
        declared = self.column_docs.get(name, {})
        docs = [declared.get(column) or COLUMN_DOCS.get(column) for column in names]
        return pl.DataFrame({"column": names, "unit": [d[0] if d else None for d in docs],
                             "description": [d[1] if d else None for d in docs]},
                            schema={"column": pl.String, "unit": pl.String, "description": pl.String})


def package_versions() -> dict[str, str]:
    names = ["sim", "numpy", "scipy", "numba", "polars", "pydantic", "simpy", "SALib", "dask"]
    versions = {"python": sys.version.split()[0]}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


@cache
def installed_distributions() -> dict[str, str]:
    """Every distribution installed in this Python (name -> version), sorted by name: the environment a
    run can be reproduced in (what `pip freeze` would pin)."""
    found: dict[str, str] = {}
    for distribution in metadata.distributions():
        name = distribution.metadata["Name"]
        if name:
            found.setdefault(str(name), distribution.version)
    return dict(sorted(found.items(), key=lambda item: item[0].lower()))


#: environment variables that set thread counts of the numerical libraries (numba's parallel kernels, BLAS)
THREAD_VARIABLES = ("NUMBA_NUM_THREADS", "NUMBA_THREADING_LAYER", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "OPENBLAS_NUM_THREADS", "POLARS_MAX_THREADS")


def host_record() -> dict[str, Any]:
    """The machine: OS, CPU, core count and the thread settings the parallel kernels run with."""
    numba = sys.modules.get("numba")  # read only if a model already loaded it (no import here)
    threads: dict[str, Any] = {name: os.environ.get(name) for name in THREAD_VARIABLES}
    threads["numba_threads"] = int(numba.config.NUMBA_NUM_THREADS) if numba is not None else None
    return {"os": platform.platform(), "machine": platform.machine(), "cpu": _cpu_name(),
            "cores": os.cpu_count(), "python": sys.version.split()[0],
            "python_implementation": platform.python_implementation(), "threads": threads}


@cache
def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


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


def config_hash(document: Any) -> str:
    """SHA-256 of a resolved configuration as canonical JSON (sorted keys): equal configs, equal hashes,
    whatever files and overrides produced them (the `source_hash` is over the files)."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def environment_record() -> dict[str, Any]:
    """What a manifest records about where and how it was made: the command as typed, the host, the key
    versions, every installed distribution and their hash, and the git state."""
    dependencies = installed_distributions()
    return {"command": list(sys.argv), "host": host_record(), "versions": package_versions(),
            "dependencies": dependencies, "environment_hash": config_hash(dependencies),
            "git": git_state(Path(__file__).resolve().parent)}


def new_run_directory(results_root: str | Path, scenario_name: str, seed: int) -> Path:
    """`results_root/<scenario>/<UTC time>-seed<seed>`, with a suffix if that name is taken."""
    if scenario_name in {"", ".", ".."} or any(sep in scenario_name for sep in ("/", "\\", os.sep)):
        raise RunFolderError(f"scenario name {scenario_name!r} would write outside {results_root}: rename the "
                             "scenario file or give the run folder with --out")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    base = Path(results_root) / scenario_name / f"{stamp}-seed{seed}"
    candidate, suffix = base, 1
    while candidate.exists():
        suffix += 1
        candidate = base.with_name(f"{base.name}-{suffix}")
    return candidate


UNIT_KEY, DESCRIPTION_KEY = "sim:unit:", "sim:description:"  # Parquet key-value metadata, one pair per column

#: what the shared columns of result tables hold: (unit, description); "metric unit" means the unit of the
#: row's metric (the `unit` column of statistics.parquet, or the model's metric list), "-" an identifier or
#: label. A model's own columns are declared on its `Model.tables` (sim.core.model.TableSpec).
COLUMN_DOCS: dict[str, tuple[str, str]] = {
    "scenario": ("-", "scenario name"),
    "replication": ("-", "replication index k (its random streams: Streams(seed, k))"),
    "seed": ("-", "the run's seed"),
    "metric": ("-", "metric name"),
    "value": ("metric unit", "the metric's value in one replication"),
    "n": ("replications", "replications with a finite value"),
    "mean": ("metric unit", "mean across replications"),
    "sd": ("metric unit", "sample standard deviation across replications"),
    "ci_low": ("metric unit", "lower bound of the Student-t confidence interval (raw, not clipped)"),
    "ci_high": ("metric unit", "upper bound of the Student-t confidence interval (raw, not clipped)"),
    "half_width": ("metric unit", "half-width of the confidence interval"),
    "level": ("share", "confidence level of the interval"),
    "unit": ("-", "the metric's unit"),
    "kind": ("-", "what one replication's value is: mean, proportion, quantile or count"),
    "description": ("-", "what the metric measures"),
    "mean_baseline": ("metric unit", "the baseline's mean across replications"),
    "mean_scenario": ("metric unit", "the scenario's mean across replications"),
    "difference": ("metric unit", "mean paired difference, scenario minus baseline (common random numbers)"),
    "independent_half_width_estimate": ("metric unit", "half-width independent seeds would have given (estimated)"),
    "variance_ratio": ("ratio", "var(scenario - baseline) / (var(baseline) + var(scenario))"),
    "family_level": ("share", "family-wise confidence level"),
    "level_per_interval": ("share", "confidence level of each interval after the Bonferroni adjustment"),
    "baseline": ("-", "the baseline scenario's name"),
    "adjustment": ("-", "multiple-comparison adjustment of the row's interval: \"bonferroni, m=<rows>\", none or constant"),
    "constant": ("-", "true if every replication's value is the same in both arms (no simulation noise)"),
    "no_difference": ("-", "true if the mean difference is within rounding (1e-12 relative) of 0"),
    "pairing": ("-", "paired t (same seed: common random numbers) or welch (different seeds)"),
}


def column_metadata(columns: Iterable[str], declared: Mapping[str, tuple[str, str]] | None = None) -> dict[str, str]:
    """Parquet key-value metadata for the documented columns of a table: `sim:unit:<column>` and
    `sim:description:<column>` (read with `polars.read_parquet_metadata`, or `column_docs`), from the model's
    `declared` (unit, description) pairs, else the shared `COLUMN_DOCS`; an undocumented column gets none."""
    metadata = {}
    for column in columns:
        documented = (declared or {}).get(column) or COLUMN_DOCS.get(column)
        if documented is not None:
            unit, description = documented
            metadata[f"{UNIT_KEY}{column}"] = unit
            metadata[f"{DESCRIPTION_KEY}{column}"] = description
    return metadata


def column_docs(path: Path) -> dict[str, tuple[str, str]]:
    """The (unit, description) of each documented column of a Parquet table, from its key-value metadata."""
    stored = pl.read_parquet_metadata(path)
    return {key.removeprefix(UNIT_KEY): (unit, stored.get(DESCRIPTION_KEY + key.removeprefix(UNIT_KEY), ""))
            for key, unit in stored.items() if key.startswith(UNIT_KEY)}


def _write_parquet(frame: pl.DataFrame | pl.LazyFrame, path: Path,
                   declared: Mapping[str, tuple[str, str]] | None = None) -> int:
    """Write a table (a LazyFrame is streamed, never collected whole) with row-group statistics (so filters
    push down) and its columns' units and descriptions as key-value metadata; returns its row count."""
    if isinstance(frame, pl.LazyFrame):
        frame.sink_parquet(path, compression="zstd", statistics=True,
                           metadata=column_metadata(frame.collect_schema().names(), declared))
        return int(pl.scan_parquet(path).select(pl.len()).collect().item())
    frame.write_parquet(path, compression="zstd", statistics=True, metadata=column_metadata(frame.columns, declared))
    return frame.height


def publish_folder(directory: str | Path, fill: Callable[[Path], dict[str, Any]], *, force: bool = False) \
        -> dict[str, Any]:
    """Write a results folder whole or not at all. `fill(staging)` writes the files into a temporary sibling
    and returns the manifest; the manifest gains `run_folder`, `run_id` and `files` (what `--force` may later
    replace), everything is synced to disk, and the folder is renamed into place. An existing `directory`
    is replaced only with `force`, only if `sim` wrote it (`check_run_target`), and only after the new
    folder is complete: the old one is moved aside, the new one renamed in, then the old one deleted.
    Returns the manifest written."""
    directory = Path(directory)
    check_run_target(directory, force=force)
    directory.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_temporaries(directory.parent)
    staging = Path(tempfile.mkdtemp(prefix=temporary_prefix(directory.name), suffix=TEMPORARY_SUFFIX,
                                    dir=directory.parent))
    try:
        os.chmod(staging, 0o777 & ~current_umask())  # mkdtemp makes 0700: the folder follows the umask
        filled = fill(staging)
        manifest = {"manifest_version": MANIFEST_VERSION, "kind": filled.pop("kind", "run"),
                    "status": filled.pop("status", "complete"), "run_id": uuid.uuid4().hex,
                    "created_utc": datetime.now(timezone.utc).isoformat(), **filled,
                    "run_folder": RUN_FOLDER_VERSION}
        manifest["files"] = sorted(path.name for path in staging.iterdir())
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
        for path in staging.rglob("*"):  # on disk before the folder is published
            if path.is_file():
                with open(path, "rb") as stream:
                    os.fsync(stream.fileno())
        sync_directory(staging)
        fault_point("before-publish")
        if directory.exists():
            retired = directory.with_name(f"{temporary_prefix(directory.name)}replaced{TEMPORARY_SUFFIX}")
            directory.rename(retired)
            staging.rename(directory)
            sync_directory(directory.parent)
            shutil.rmtree(retired)
        else:
            staging.rename(directory)
            sync_directory(directory.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def write_run(result: RunResult, directory: str | Path, *, force: bool = False) -> Path:
    """Write `result` to `directory` atomically (`publish_folder`): an existing run folder is replaced only
    with `force`, and only after the new run is fully written."""
    directory = Path(directory)

    def fill(staging: Path) -> dict[str, Any]:
        rows = {SUMMARY: _write_parquet(result.summary, staging / f"{SUMMARY}.parquet"),
                STATISTICS: _write_parquet(result.statistics, staging / f"{STATISTICS}.parquet")}
        for name, frame in result.tables.items():
            if name in RESERVED_TABLES:
                raise ValueError(f"model table name {name!r} is reserved")
            rows[name] = _write_parquet(frame, staging / f"{name}.parquet", result.column_docs.get(name))
        (staging / "scenario.toml").write_text(tomli_w.dumps(result.resolved_scenario), encoding="utf-8")
        manifest = dict(result.manifest)
        manifest["tables"] = rows
        manifest["lazy_tables"] = sorted(n for n, f in result.tables.items() if isinstance(f, pl.LazyFrame))
        # the resolved scenario holds the seed and the replication count, and `sim rerun` keeps the scenario's
        # name (the tables' `scenario` column), so this reproduces every table byte for byte
        manifest["rerun"] = f"sim rerun {directory}"
        return manifest

    manifest = publish_folder(directory, fill, force=force)
    result.path = directory
    result.manifest = manifest
    for name in manifest["lazy_tables"]:  # read from the run directory from now on; the spools can go
        result.tables[name] = pl.scan_parquet(directory / f"{name}.parquet")
    result.spools.clear()
    return directory


def _read_frame(path: Path) -> pl.DataFrame:
    frame = _read_table(path, lazily=False)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _read_table(path: Path, *, lazily: bool) -> pl.DataFrame | pl.LazyFrame:
    """A run folder's table (a LazyFrame when `lazily`, its footer read now); a RunFolderError if it does not
    read."""
    try:
        if lazily:
            frame = pl.scan_parquet(path)
            frame.collect_schema()
            return frame
        return pl.read_parquet(path)
    except FileNotFoundError:
        raise RunFolderError(f"{path}: missing from the run folder") from None
    except pl.exceptions.PolarsError as error:
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise RunFolderError(f"{path}: damaged table ({reason})") from None


def load_run(directory: str | Path) -> RunResult:
    """Read a run directory written by `write_run`; a folder that is not one, or is damaged (a manifest or
    table that does not read, a key missing), is a `RunFolderError` naming the file and the reason."""
    directory = Path(directory)
    manifest = _read_manifest(directory)
    if "fingerprint" in manifest and "design_points" in manifest:
        raise RunFolderError(f"{directory}: a sweep folder, not a run folder; read it with sim.sweeps.load_sweep")
    if manifest.get("kind", "run") != "run":
        raise RunFolderError(f"{directory}: a {manifest['kind']} folder, not a run folder")
    missing = [key for key in ("scenario", "model", "resolved_scenario") if key not in manifest]
    if missing:
        raise RunFolderError(f"{directory / MANIFEST}: damaged manifest (missing {', '.join(missing)})")
    lazy = set(manifest.get("lazy_tables", ()))

    paths = [path for path in sorted(directory.glob("*.parquet")) if path.stem not in RESERVED_TABLES]
    tables = {path.stem: _read_table(path, lazily=path.stem in lazy) for path in paths}
    return RunResult(
        scenario_name=manifest["scenario"],
        model_name=manifest["model"],
        resolved_scenario=manifest["resolved_scenario"],
        summary=_read_frame(directory / f"{SUMMARY}.parquet"),
        statistics=_read_frame(directory / f"{STATISTICS}.parquet"),
        tables=tables,
        manifest=manifest,
        path=directory,
        column_docs={path.stem: column_docs(path) for path in paths},
    )
