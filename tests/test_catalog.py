"""`sim.catalog()`: every results folder under a root, one row each; a damaged manifest is a warning."""

from __future__ import annotations

import json
import shutil
import warnings
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest

import sim
from sim.run_catalog import CATALOG_SCHEMA, CatalogWarning
from sim.core.options import RunOptions
from tests.conftest import SCENARIOS

SHORT = ("run.horizon_days=2.0", "run.warmup_days=0.5")


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """A results folder with one run (seed 11, 2 replications), one sweep (seed 4, 2 points x 2 replications),
    a damaged manifest and a staging folder of a write in progress."""
    from sim.sweeps import SweepOptions

    root = tmp_path_factory.mktemp("results")
    sim.run(SCENARIOS / "customs_clearance.toml", reps=2, seed=11, overrides=SHORT,
            out=root / "customs_clearance" / "first", options=RunOptions(progress=False))
    sim.sweep(SCENARIOS / "customs_clearance.toml", vary={"customs.officers": [5, 6]}, replications=2, seed=4,
              overrides=SHORT, out=root / "sweeps" / "officers", name="officers",
              options=SweepOptions(executor="serial", progress=False))
    broken = root / "customs_clearance" / "broken"
    broken.mkdir(parents=True)
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    staging = root / "customs_clearance" / ".sim-first.123.abc.tmp"
    staging.mkdir()
    (staging / "manifest.json").write_text("{}", encoding="utf-8")
    return root


def test_catalog_lists_the_run_and_the_sweep_and_warns_once_for_the_damaged_manifest(results):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        table = sim.catalog(results)
    damaged = [w for w in caught if issubclass(w.category, CatalogWarning)]
    assert len(damaged) == 1 and "broken" in str(damaged[0].message) and "\n" not in str(damaged[0].message)
    assert table.schema == pl.Schema(CATALOG_SCHEMA)
    assert sorted(table["kind"].to_list()) == ["run", "sweep"]
    run = table.row(by_predicate=pl.col("kind") == "run", named=True)
    assert (run["scenario"], run["model"], run["seed"], run["replications"]) == ("customs_clearance", "customs", 11, 2)
    assert run["status"] == "complete" and len(run["commit"] or "x" * 40) == 40
    assert abs(run["created"] - datetime.now(timezone.utc)) < timedelta(hours=1)
    loaded = sim.load(run["path"]).statistics
    for i in (1, 2):  # the customs model's key metrics, in its order
        metric = run[f"metric_{i}"]
        assert metric in ("mean_wait_hours", "probability_of_waiting")
        assert run[f"value_{i}"] == loaded.filter(pl.col("metric") == metric)["mean"].item()
    assert run["metric_1"] != run["metric_2"]
    sweep = table.row(by_predicate=pl.col("kind") == "sweep", named=True)
    assert (sweep["scenario"], sweep["seed"], sweep["replications"], sweep["status"]) == ("officers", 4, 2, "complete")


def test_catalog_filters_by_model_kind_and_date(results):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CatalogWarning)
        assert sim.catalog(results, model="cloud").height == 0
        assert sim.catalog(results, kind="sweep")["kind"].to_list() == ["sweep"]
        tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).date()
        assert sim.catalog(results, since=tomorrow).height == 0
        assert sim.catalog(results, since="2000-01-01").height == 2


def test_an_old_manifest_without_key_metrics_reads_them_from_the_statistics_table(results, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CatalogWarning)
        run = sim.catalog(results, kind="run").row(0, named=True)
    old = tmp_path / "old"
    shutil.copytree(run["path"], old)
    manifest = json.loads((old / "manifest.json").read_text())
    for key in ("key_metrics", "kind", "status", "manifest_version", "created_utc"):
        manifest.pop(key, None)
    (old / "manifest.json").write_text(json.dumps(manifest))
    again = sim.catalog(tmp_path).row(0, named=True)
    assert (again["kind"], again["status"], again["manifest_version"]) == ("run", "complete", 1)
    assert [again[k] for k in ("metric_1", "value_1", "metric_2", "value_2")] == \
        [run[k] for k in ("metric_1", "value_1", "metric_2", "value_2")]


def test_an_empty_or_missing_root_gives_an_empty_table(tmp_path):
    assert sim.catalog(tmp_path / "nothing").height == 0
