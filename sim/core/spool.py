"""Tables too large to hold in memory: written in parts to Parquet as a replication runs, read lazily.

A model that records one row per entity over a long horizon (a year of parcels at 250,000 a day) appends
each day's rows to a `TableSpool` and returns the spool in place of a DataFrame. The runner turns the
spools of all replications into one `polars.LazyFrame`, and `write_run` streams it into the run directory
(`LazyFrame.sink_parquet`), so the table is never whole in memory. A spool's temporary folder is removed
when the spool is garbage collected; a killed process (SIGKILL: no clean-up runs) leaves it behind, so the
folder carries the results store's temporary name with the process id (`.sim-spool.<pid>.<random>.tmp`),
and the first spool a process makes removes, in the temporary directory, the ones whose process is dead
(`sim.core.results.remove_dead_temporaries`: nothing `sim` did not name so, nothing of a live process).
"""

from __future__ import annotations

import functools
import shutil
import tempfile
import weakref
from pathlib import Path

import polars as pl

from sim.core.results import TEMPORARY_SUFFIX, remove_dead_temporaries, temporary_prefix

__all__ = ["TableSpool"]


class TableSpool:
    """An append-only table stored as numbered Parquet parts in a temporary folder."""

    def __init__(self, name: str = "spool"):
        folder = Path(tempfile.gettempdir())
        _remove_dead_spools_once(folder)
        self.directory = Path(tempfile.mkdtemp(prefix=temporary_prefix(name), suffix=TEMPORARY_SUFFIX, dir=folder))
        self.parts = 0
        self.rows = 0
        self._schema: pl.Schema | None = None
        self._cleanup = weakref.finalize(self, shutil.rmtree, self.directory, True)

    def append(self, frame: pl.DataFrame) -> None:
        """Write `frame` as the next part (empty frames are skipped; every part must share one schema)."""
        if frame.height == 0:
            return
        if self._schema is None:
            self._schema = frame.schema
        elif frame.schema != self._schema:
            raise ValueError(f"spooled part has schema {frame.schema}, expected {self._schema}")
        frame.write_parquet(self.directory / f"part-{self.parts:08d}.parquet", statistics=False)
        self.parts += 1
        self.rows += frame.height

    def scan(self) -> pl.LazyFrame:
        """All parts in the order they were appended, lazily (an empty frame if nothing was appended)."""
        if self.parts == 0:
            return pl.LazyFrame(schema=self._schema or {})
        files = [str(self.directory / f"part-{i:08d}.parquet") for i in range(self.parts)]
        return pl.scan_parquet(files)

    def read(self) -> pl.DataFrame:
        """The whole table in memory (for tests and small runs)."""
        return self.scan().collect()


@functools.cache
def _remove_dead_spools_once(folder: Path) -> None:
    """Once per process and temporary directory: the spool folders of killed `sim` processes go."""
    remove_dead_temporaries(folder)
