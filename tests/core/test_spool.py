"""Spooled tables: written in parts, streamed into the run directory, read back lazily, cleaned up."""

import gc
import os
import signal
import subprocess
import sys
import tempfile

import polars as pl
import pytest

import sim
from sim.core.faults import FAULT_VARIABLE
from sim.core.spool import TableSpool

from tests.conftest import SCENARIOS


def test_spool_keeps_parts_in_order_and_removes_its_folder():
    spool = TableSpool()
    spool.append(pl.DataFrame({"parcel": [1, 2], "hours": [0.5, 1.5]}))
    spool.append(pl.DataFrame({"parcel": [], "hours": []}, schema={"parcel": pl.Int64, "hours": pl.Float64}))
    spool.append(pl.DataFrame({"parcel": [3], "hours": [2.5]}))
    assert spool.parts == 2 and spool.rows == 3
    assert spool.read().equals(pl.DataFrame({"parcel": [1, 2, 3], "hours": [0.5, 1.5, 2.5]}))
    with pytest.raises(ValueError, match="schema"):
        spool.append(pl.DataFrame({"parcel": ["x"], "hours": [1.0]}))
    folder = spool.directory
    del spool
    gc.collect()
    assert not folder.exists()


def test_logistics_parcels_are_spooled_streamed_to_disk_and_loaded_lazily(tmp_path):
    overrides = ["logistics.record_parcels=true", "run.horizon_days=10.0", "run.warmup_days=2.0"]
    result = sim.run(SCENARIOS / "aliexpress_spain_5day.toml", reps=2, overrides=overrides)
    parcels = result.tables["parcels"]
    assert isinstance(parcels, pl.LazyFrame)
    in_memory = parcels.collect()
    assert set(in_memory["replication"].unique().to_list()) == {0, 1}
    # every order placed in the run finished (the drain empties the network) and appears once
    assert in_memory.select(pl.struct("replication", "parcel").n_unique()).item() == in_memory.height
    assert in_memory["final_hours"].is_not_nan().all()
    written = sim.run(SCENARIOS / "aliexpress_spain_5day.toml", reps=2, overrides=overrides, out=tmp_path / "run")
    assert written.spools == []  # the run directory is now the source
    loaded = sim.load(tmp_path / "run")
    assert loaded.manifest["lazy_tables"] == ["parcels"]
    assert loaded.manifest["tables"]["parcels"] == in_memory.height
    assert loaded.tables["parcels"].collect().equals(in_memory)
    # the on-time share recomputed from the parcels equals the daily table's count of late parcels
    promised = in_memory.filter(pl.col("promised") & (pl.col("outcome") == "delivered"))
    late_from_parcels = promised.filter(~pl.col("on_time")).height
    assert late_from_parcels == int(loaded.tables["daily"]["late_parcels"].sum())


def test_a_killed_runs_spool_folders_are_removed_by_the_next_spool_and_nothing_else(tmp_path, monkeypatch):
    """A `sim run` that spools parcels is killed (SIGKILL, so no clean-up runs) just before it publishes its
    folder (the fault point `kill-before-publish`): its spool folders stay in the temporary directory. The
    next spool, here in this process, removes them; a live process's spool and look-alike names `sim` did not
    make (no pid, or not ending `.tmp`) stay."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    kept = [temporary / f".sim-spool.{os.getpid()}.live0000.tmp", temporary / ".sim-spool.notes.tmp",
            temporary / "sim-spool-1.abc", temporary / ".sim-spool.1.abc.keep"]
    for path in kept:
        path.mkdir()
    environment = {**os.environ, "TMPDIR": str(temporary), FAULT_VARIABLE: "kill-before-publish:1"}
    command = [sys.executable, "-m", "sim", "run", str(SCENARIOS / "aliexpress_spain_5day.toml"), "--reps", "2",
               "--no-progress", "--set", "logistics.record_parcels=true", "--set", "run.horizon_days=2.0",
               "--set", "run.warmup_days=0.0", "--out", str(tmp_path / "run")]
    killed = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=600)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    left = sorted(set(temporary.iterdir()) - set(kept))
    assert len(left) == 2 and all(p.name.startswith(".sim-parcels.") and (p / "part-00000000.parquet").exists()
                                  for p in left), left  # one spool per replication, each with parts

    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    spool = TableSpool()
    assert sorted(set(temporary.iterdir()) - set(kept)) == [spool.directory]
    assert all(path.is_dir() for path in kept)
