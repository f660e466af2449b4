"""Benchmark of the paper build (`paper/make_paper.py`): a cold full build, a warm rebuild, a cold quick build.

  cold full     `make paper` into an empty output folder: every simulation runs (the cache is empty)
  warm rebuild  the same command again: every run comes from the cache, figures and PDF are redrawn
  quick         `make paper QUICK=1` into an empty folder: the test size, cold

Each build runs as a child process; wall time is measured around it and CPU time (user + system, all
threads) from the children's resource usage, so CPU minutes do not depend on how busy the machine is while
wall time does. Targets (issue 19): cold full under 30 CPU-minutes (wall reported for the cores this
machine has), warm rebuild under 60 s wall, quick under 90 s wall.

Run: `python bench/paper_build.py [--skip-full]` (writes bench/results/paper_build.json and prints a table;
`--skip-full` leaves out the two full-size builds, which take several minutes).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import print_table, write_record

from sim.core.results import environment_record

REPO = Path(__file__).resolve().parents[1]
TARGETS = {"cold full": "< 30 CPU-min", "warm rebuild": "< 60 s wall", "quick": "< 90 s wall"}


def timed_build(out: Path, *arguments: str) -> dict[str, float]:
    """Wall seconds and CPU seconds of one build into `out`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run([sys.executable, str(REPO / "paper" / "make_paper.py"), "--out", str(out), *arguments],
                   check=True, env=environment, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_seconds": wall, "cpu_seconds": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-full", action="store_true", help="only the quick build")
    arguments = parser.parse_args()
    rows: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-paper-") as folder:
        if not arguments.skip_full:
            full = Path(folder) / "full"
            rows["cold full"] = timed_build(full)
            rows["warm rebuild"] = timed_build(full)
        rows["quick"] = timed_build(Path(folder) / "quick", "--quick")
    print_table(f"paper build ({os.cpu_count()} cores)", ("build", "wall", "CPU", "target"),
                [(name, f"{row['wall_seconds']:.0f} s", f"{row['cpu_seconds'] / 60:.1f} CPU-min", TARGETS[name])
                 for name, row in rows.items()])
    write_record("paper_build", {"cores": os.cpu_count(), "builds": rows, "environment": environment_record()})


if __name__ == "__main__":
    main()
