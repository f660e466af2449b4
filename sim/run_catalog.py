"""Find what was run: every run, comparison, sweep and warm-up folder under a results folder, one row each.

    >>> import sim
    >>> runs = sim.catalog("results")                         # doctest: +SKIP
    >>> runs.filter(pl.col("model") == "customs").sort("created")   # doctest: +SKIP

Only manifests are read (a run's two key metrics travel in its manifest since manifest v2; for older run
folders they are read from `statistics.parquet`). A manifest that does not read is one warning naming the
file, and the folder is skipped. The walk does not descend into a folder that holds a manifest (a sweep's
thousands of run files are not visited) nor into hidden folders (temporaries of a write in progress).
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator
from datetime import date, datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

__all__ = ["catalog", "CATALOG_SCHEMA", "CatalogWarning", "find_manifests", "catalog_row"]

MANIFEST = "manifest.json"

#: one row per results folder; `value_1`, `value_2` are the means of the model's first two key metrics for a
#: run, the paired difference (first scenario against the baseline) for a comparison, null otherwise
CATALOG_SCHEMA: dict[str, Any] = {
    "path": pl.String, "kind": pl.String, "scenario": pl.String, "model": pl.String, "seed": pl.Int64,
    "replications": pl.Int64, "commit": pl.String, "created": pl.Datetime("us", "UTC"), "status": pl.String,
    "metric_1": pl.String, "value_1": pl.Float64, "unit_1": pl.String,
    "metric_2": pl.String, "value_2": pl.Float64, "unit_2": pl.String,
    "run_id": pl.String, "manifest_version": pl.Int64,
}


class CatalogWarning(UserWarning):
    """A results folder whose manifest does not read; it is left out of the catalog."""


def find_manifests(root: Path) -> Iterator[Path]:
    """Every `manifest.json` under `root` (root's own included), not looking below a folder that has one and
    skipping hidden entries (`.sim-*.tmp` staging folders)."""
    stack = [os.fspath(root)]
    while stack:  # plain strings and os.scandir: a thousand folders are walked in milliseconds
        folder = stack.pop()
        try:
            with os.scandir(folder) as scan:
                entries = list(scan)
        except OSError:
            continue
        if any(entry.name == MANIFEST and entry.is_file() for entry in entries):
            yield Path(folder, MANIFEST)
            continue
        stack.extend(sorted((entry.path for entry in entries
                             if entry.is_dir(follow_symlinks=False) and not entry.name.startswith(".")), reverse=True))


def _kind(manifest: dict[str, Any]) -> str:
    if "kind" in manifest:
        return str(manifest["kind"])
    if "fingerprint" in manifest and "design_points" in manifest:
        return "sweep"
    return "run"


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, list):
        return len(value)
    return None


@cache
def _key_metric_names(model: str) -> tuple[str, ...]:
    """The model's key metrics (from the registry; empty when the model is not known here)."""
    from sim.scenario import get_model

    try:
        return get_model(model).key_metrics
    except Exception:  # an unknown or renamed model: the catalog still lists the folder
        return ()


def _key_metrics_v1(folder: Path, model: str | None) -> list[dict[str, Any]]:
    """The first two key metrics of a run folder written before manifest v2, from its statistics table."""
    path = folder / "statistics.parquet"
    if not path.is_file():
        return []
    try:
        table = pl.read_parquet(path, columns=["metric", "mean", "unit"])
    except (OSError, pl.exceptions.PolarsError):
        return []
    names = [n for n in (_key_metric_names(model) if model else ()) if n in table["metric"].to_list()]
    chosen = table.filter(pl.col("metric").is_in(names)) if names else table
    return chosen.head(2).rename({"mean": "value"}).to_dicts()


def _comparison_metrics_v1(folder: Path, manifest: dict[str, Any]) -> list[dict[str, Any]]:
    path = folder / "paired_differences.parquet"
    if not path.is_file():
        return []
    try:
        table = pl.read_parquet(path, columns=["scenario", "metric", "difference"])
    except (OSError, pl.exceptions.PolarsError):
        return []
    first = table.filter(pl.col("scenario") != manifest.get("baseline"))
    if first.height == 0:
        return []
    first = first.filter(pl.col("scenario") == first["scenario"][0])
    return [{"metric": r["metric"], "value": r["difference"], "unit": None} for r in first.head(2).to_dicts()]


def catalog_row(manifest_path: Path, root: Path) -> dict[str, Any]:
    """One catalog row from a manifest (ValueError if it does not read as a results manifest)."""
    try:
        with open(manifest_path, "rb") as stream:
            manifest = json.loads(stream.read())
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ValueError(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}") from None
    if not isinstance(manifest, dict):
        raise ValueError("not a JSON object")
    folder = manifest_path.parent
    kind = _kind(manifest)
    model = manifest.get("model")
    if kind == "comparison":
        scenario = " vs ".join(Path(str(s)).stem for s in manifest.get("scenarios", [])) or manifest.get("scenario")
    elif kind == "sweep":
        scenario = manifest.get("sweep") or manifest.get("scenario")
    else:
        scenario = manifest.get("scenario")
    created = _parse_time(manifest.get("created_utc") or manifest.get("started_utc"))
    if created is None:
        created = datetime.fromtimestamp(manifest_path.stat().st_mtime, tz=timezone.utc)
    metrics = manifest.get("key_metrics")
    if not isinstance(metrics, list):
        metrics = (_key_metrics_v1(folder, model) if kind == "run" else
                   _comparison_metrics_v1(folder, manifest) if kind == "comparison" else [])
    metrics = [m for m in metrics if isinstance(m, dict)][:2] + [{}, {}]
    git = manifest["git"] if isinstance(manifest.get("git"), dict) else {}
    seed = manifest.get("seed")
    row = {
        "path": str(folder), "kind": kind, "scenario": None if scenario is None else str(scenario),
        "model": None if model is None else str(model),
        "seed": seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        "replications": _count(manifest.get("replications")), "commit": git.get("commit"), "created": created,
        "status": str(manifest.get("status") or "complete"),
        "run_id": manifest.get("run_id"), "manifest_version": _count(manifest.get("manifest_version")) or 1,
    }
    for i, metric in enumerate(metrics[:2], start=1):
        value = metric.get("value", metric.get("mean"))
        row[f"metric_{i}"] = metric.get("metric")
        row[f"value_{i}"] = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        row[f"unit_{i}"] = metric.get("unit")
    return row


def catalog(root: str | Path = "results", *, model: str | None = None, kind: str | None = None,
            since: str | date | datetime | None = None) -> pl.DataFrame:
    """Every results folder under `root` as a Polars frame (`CATALOG_SCHEMA`), oldest first: its path, kind
    (run, comparison, sweep, warmup), scenario, model, seed, replications, git commit, creation time (UTC),
    status and two key metrics. `model`, `kind` and `since` (a date, a datetime or an ISO string; naive
    means UTC) filter the rows. A manifest that does not read is one `CatalogWarning` and is skipped."""
    root = Path(root)
    rows = []
    for path in find_manifests(root):
        try:
            rows.append(catalog_row(path, root))
        except ValueError as error:
            warnings.warn(f"{path}: damaged manifest ({error}); skipped", CatalogWarning, stacklevel=2)
    frame = pl.DataFrame(rows, schema=CATALOG_SCHEMA) if rows else pl.DataFrame(schema=CATALOG_SCHEMA)
    if model is not None:
        frame = frame.filter(pl.col("model") == model)
    if kind is not None:
        frame = frame.filter(pl.col("kind") == kind)
    if since is not None:
        frame = frame.filter(pl.col("created") >= _since(since))
    return frame.sort("created", "path")


def _since(value: str | date | datetime) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"since: {value!r} is not an ISO date or time (e.g. 2026-12-01)") from None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
