"""The resumable on-disk store of a sweep.

Layout of a sweep directory:

    manifest.json                       design, base scenario and its hash, seed, versions, fingerprint
    design.parquet                      one row per design point (point, one column per parameter)
    runs/point=0003/rep=0007.parquet    one finished run: point, replication, seed, metric, value
    failures/point=0003/rep=0007.json   one failed run: error type, message, traceback

    lock                                the pid of the sweep writing here (an OS advisory lock)
    damaged/...                         run files that did not read, moved aside (their runs are recomputed)

Every file is written to a temporary sibling, synced to disk and renamed into place (`os.replace` is atomic
on POSIX), so a killed sweep leaves only complete run files; the temporaries of dead processes are removed
(only the store's own names, only in its own folders) when the store is opened again. One sweep at a time
writes a store: `open` takes an advisory lock (`fcntl.flock`) on `lock`, which the kernel releases when the
process ends, however it ends; a second sweep is refused, naming the pid. A run is done when its Parquet
file exists and reads; rerunning the sweep skips it. The `fingerprint` (model, base document, design points
and seed: everything that decides a run's numbers except the replication count) guards against resuming
into a directory written by a different sweep.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from sim.core.errors import InputError
from sim.core.faults import fault_point
from sim.core.results import atomic_write_bytes, remove_dead_temporaries

try:
    import fcntl
except ImportError:  # Windows: no advisory lock; one sweep per store is then the user's care
    fcntl = None  # type: ignore[assignment]

__all__ = ["SweepStore", "SweepMismatchError", "SweepLockedError", "RUN_SCHEMA", "FAILURE_SCHEMA", "run_frame"]

RUN_SCHEMA = {"point": pl.Int64, "replication": pl.Int64, "seed": pl.Int64, "metric": pl.String,
              "value": pl.Float64}
FAILURE_SCHEMA = {"point": pl.Int64, "replication": pl.Int64, "seed": pl.Int64, "error": pl.String,
                  "message": pl.String, "traceback": pl.String}
_RUN_NAME = re.compile(r"^point=(\d+)$")
_REP_NAME = re.compile(r"^rep=(\d+)\.(parquet|json)$")


class SweepMismatchError(InputError):
    """The output directory holds a different sweep (another design, base scenario or seed), is not a sweep
    folder, or its manifest does not read."""


class SweepLockedError(InputError):
    """Another sweep is writing the output directory."""


LOCK = "lock"
DAMAGED = "damaged"


def run_frame(point: int, replication: int, seed: int, metrics: Mapping[str, float]) -> pl.DataFrame:
    """The long table of one run (metrics in the model's order)."""
    names = list(metrics)
    return pl.DataFrame(
        {
            "point": [point] * len(names),
            "replication": [replication] * len(names),
            "seed": [seed] * len(names),
            "metric": names,
            "value": [float(metrics[name]) for name in names],
        },
        schema=RUN_SCHEMA,
    )


class SweepStore:
    """A sweep directory (see the module docstring)."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.runs_dir = self.directory / "runs"
        self.failures_dir = self.directory / "failures"
        self._lock: int | None = None

    # --- paths ------------------------------------------------------------------------------------------
    def run_path(self, point: int, replication: int) -> Path:
        return self.runs_dir / f"point={point:04d}" / f"rep={replication:04d}.parquet"

    def failure_path(self, point: int, replication: int) -> Path:
        return self.failures_dir / f"point={point:04d}" / f"rep={replication:04d}.json"

    @property
    def manifest_path(self) -> Path:
        return self.directory / "manifest.json"

    # --- opening ----------------------------------------------------------------------------------------
    def open(self, manifest: dict[str, Any], design_table: pl.DataFrame) -> None:
        """Take the store's lock, create the directory or check that it holds this sweep, remove what dead
        writers left, and write the manifest and the design table. `close` releases the lock."""
        if self.directory.exists() and not self.directory.is_dir():
            raise SweepMismatchError(f"{self.directory}: not a folder; choose another output folder")
        if self.directory.is_dir() and not self.manifest_path.exists():
            strangers = [p.name for p in self.directory.iterdir()
                         if p.name != LOCK and not p.name.startswith(".sim-")]
            if strangers:
                raise SweepMismatchError(f"{self.directory}: not a sweep folder (no manifest.json, and it holds "
                                         f"{', '.join(sorted(strangers)[:5])}); choose an empty or new folder")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.lock()
        try:
            existing = self.read_manifest()
            if existing is not None and existing.get("fingerprint") != manifest["fingerprint"]:
                raise SweepMismatchError(
                    f"{self.directory} holds a different sweep (design, base scenario or seed differ: fingerprint "
                    f"{str(existing.get('fingerprint', '?'))[:12]} vs {manifest['fingerprint'][:12]}); "
                    "choose another output directory or delete it"
                )
            self.remove_temporaries()
            if existing is not None:
                manifest = {**manifest, **{key: existing[key] for key in ("created_utc", "run_id") if key in existing}}
            self.write_manifest(manifest)
            atomic_write_bytes(self.directory / "design.parquet", _parquet_bytes(design_table))
        except BaseException:
            self.close()
            raise

    def lock(self) -> None:
        """Take the advisory lock on `lock` and write this pid into it; SweepLockedError naming the holder's
        pid if another process has it."""
        if fcntl is None or self._lock is not None:
            return
        handle = os.open(self.directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(handle, 64).decode("ascii", "replace").strip() or "?"
            os.close(handle)
            raise SweepLockedError(f"{self.directory}: another sweep (pid {holder}) is writing this folder; wait "
                                   "for it to finish or choose another output folder") from None
        os.ftruncate(handle, 0)
        os.write(handle, f"{os.getpid()}\n".encode("ascii"))
        self._lock = handle

    def close(self) -> None:
        """Release the lock (the kernel does it too when the process ends)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def remove_temporaries(self) -> list[Path]:
        """Remove what interrupted writes left: only the store's own temporary names (of processes that no
        longer run), only in its own folders; never a whole tree, never another program's files."""
        folders = [self.directory]
        for root in (self.runs_dir, self.failures_dir):
            if root.is_dir():
                folders += [p for p in root.iterdir() if _RUN_NAME.match(p.name) and p.is_dir()]
        return [path for folder in folders for path in remove_dead_temporaries(folder)]

    def read_manifest(self) -> dict[str, Any] | None:
        if not self.manifest_path.is_file():
            return None
        try:
            manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise SweepMismatchError(f"{self.manifest_path}: damaged manifest ({type(error).__name__}: "
                                     f"{str(error)[:200]})") from None
        if not isinstance(manifest, dict) or "fingerprint" not in manifest:
            raise SweepMismatchError(f"{self.manifest_path}: not a sweep manifest (no fingerprint)")
        return manifest

    def write_manifest(self, manifest: Mapping[str, Any]) -> None:
        atomic_write_bytes(self.manifest_path, json.dumps(manifest, indent=2, default=str).encode("utf-8"))

    # --- runs -------------------------------------------------------------------------------------------
    def _scan(self, root: Path, suffix: str) -> set[tuple[int, int]]:
        found: set[tuple[int, int]] = set()
        if not root.is_dir():
            return found
        for point_dir in root.iterdir():
            match = _RUN_NAME.match(point_dir.name)
            if not match or not point_dir.is_dir():
                continue
            point = int(match.group(1))
            for entry in point_dir.iterdir():
                rep = _REP_NAME.match(entry.name)
                if rep and rep.group(2) == suffix:
                    found.add((point, int(rep.group(1))))
        return found

    def done(self) -> set[tuple[int, int]]:
        """(point, replication) of every finished run."""
        return self._scan(self.runs_dir, "parquet")

    def failed(self) -> set[tuple[int, int]]:
        return self._scan(self.failures_dir, "json")

    def write_run(self, point: int, replication: int, seed: int, metrics: Mapping[str, float]) -> None:
        atomic_write_bytes(self.run_path(point, replication), _parquet_bytes(run_frame(point, replication, seed,
                                                                                         metrics)))
        self.failure_path(point, replication).unlink(missing_ok=True)
        fault_point("after-run-file")

    def read_done(self, keys: Iterable[tuple[int, int]], metrics: Iterable[str]) \
            -> tuple[pl.DataFrame, set[tuple[int, int]]]:
        """The run files of `keys` that read and hold exactly that run's `metrics`, concatenated in key order,
        and their keys. A file that does not (truncated, damaged, another sweep's) is moved to `damaged/`,
        so its run is computed again."""
        expected = sorted(metrics)
        frames, good = [], set()
        for point, replication in sorted(keys):
            path = self.run_path(point, replication)
            try:
                frame = pl.read_parquet(path)
                valid = (frame.schema == pl.Schema(RUN_SCHEMA) and sorted(frame["metric"].to_list()) == expected
                         and frame["point"].eq(point).all() and frame["replication"].eq(replication).all())
            except pl.exceptions.PolarsError:
                valid = False
            if not valid:
                aside = self.directory / DAMAGED / path.relative_to(self.directory)
                aside.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, aside)
                continue
            frames.append(frame)
            good.add((point, replication))
        return (pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=RUN_SCHEMA)), good

    def write_failure(self, point: int, replication: int, seed: int, error: str, message: str,
                      traceback: str) -> None:
        record = {"point": point, "replication": replication, "seed": seed, "error": error, "message": message,
                  "traceback": traceback}
        atomic_write_bytes(self.failure_path(point, replication), json.dumps(record, indent=2).encode("utf-8"))

    def read_runs(self, keys: Iterable[tuple[int, int]] | None = None) -> pl.DataFrame:
        """The run files (all, or the given (point, replication) keys), concatenated in key order."""
        wanted = sorted(self.done() if keys is None else keys)
        if not wanted:
            return pl.DataFrame(schema=RUN_SCHEMA)
        return pl.concat([pl.read_parquet(self.run_path(p, k)) for p, k in wanted], how="vertical")

    def read_failures(self, keys: Iterable[tuple[int, int]] | None = None) -> pl.DataFrame:
        wanted = sorted(self.failed() if keys is None else keys)
        rows = [json.loads(self.failure_path(p, k).read_text(encoding="utf-8")) for p, k in wanted]
        return pl.DataFrame(rows, schema=FAILURE_SCHEMA) if rows else pl.DataFrame(schema=FAILURE_SCHEMA)


def _parquet_bytes(frame: pl.DataFrame) -> bytes:
    import io

    buffer = io.BytesIO()
    frame.write_parquet(buffer, compression="zstd", statistics=False)
    return buffer.getvalue()
