"""The resumable on-disk store of a sweep.

Layout of a sweep directory:

    manifest.json                       design, base scenario and its hash, seed, versions, fingerprint
    design.parquet                      one row per design point (point, one column per parameter)
    runs/point=0003/rep=0007.parquet    one finished run: point, replication, seed, metric, value
    failures/point=0003/rep=0007.json   one failed run: error type, message, traceback

Every file is written to a temporary sibling and renamed into place (`os.replace` is atomic on POSIX), so a
killed sweep leaves only complete run files; stale temporaries are removed when the store is opened again.
A run is done when its Parquet file exists; rerunning the sweep skips it. The `fingerprint` (model, base
document, design points and seed: everything that decides a run's numbers except the replication count)
guards against resuming into a directory written by a different sweep.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

from sim.core.errors import InputError
from sim.core.results import TEMPORARY_PREFIX, TEMPORARY_SUFFIX, atomic_write_bytes

__all__ = ["SweepStore", "SweepMismatchError", "RUN_SCHEMA", "FAILURE_SCHEMA", "run_frame"]

RUN_SCHEMA = {"point": pl.Int64, "replication": pl.Int64, "seed": pl.Int64, "metric": pl.String,
              "value": pl.Float64}
FAILURE_SCHEMA = {"point": pl.Int64, "replication": pl.Int64, "seed": pl.Int64, "error": pl.String,
                  "message": pl.String, "traceback": pl.String}
_RUN_NAME = re.compile(r"^point=(\d+)$")
_REP_NAME = re.compile(r"^rep=(\d+)\.(parquet|json)$")


class SweepMismatchError(InputError):
    """The output directory holds a different sweep (another design, base scenario or seed)."""


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
        """Create the directory or check that it holds this sweep; remove stale temporary files; write
        the manifest and the design table."""
        existing = self.read_manifest()
        if existing is not None and existing.get("fingerprint") != manifest["fingerprint"]:
            raise SweepMismatchError(
                f"{self.directory} holds a different sweep (design, base scenario or seed differ: fingerprint "
                f"{existing.get('fingerprint', '?')[:12]} vs {manifest['fingerprint'][:12]}); "
                "choose another output directory or delete it"
            )
        self.directory.mkdir(parents=True, exist_ok=True)
        self.remove_temporaries()
        if existing is not None:
            manifest = {**manifest, "created_utc": existing.get("created_utc", manifest.get("created_utc"))}
        self.write_manifest(manifest)
        buffer = _parquet_bytes(design_table)
        atomic_write_bytes(self.directory / "design.parquet", buffer)

    def remove_temporaries(self) -> None:
        """Remove what an interrupted write left: only the store's own temporary names, only in its own
        folders (never a whole tree, never another program's files)."""
        folders = [self.directory]
        for root in (self.runs_dir, self.failures_dir):
            if root.is_dir():
                folders += [p for p in root.iterdir() if _RUN_NAME.match(p.name) and p.is_dir()]
        for folder in folders:
            for stale in folder.glob(f"{TEMPORARY_PREFIX}*{TEMPORARY_SUFFIX}"):
                if stale.is_file() and not stale.is_symlink():
                    stale.unlink(missing_ok=True)

    def read_manifest(self) -> dict[str, Any] | None:
        if not self.manifest_path.is_file():
            return None
        manifest: dict[str, Any] = json.loads(self.manifest_path.read_text(encoding="utf-8"))
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
