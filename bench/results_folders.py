"""Benchmark of finding and sending results: `sim runs` over 1,000 run folders and `sim report` on a run.

One short customs run is written, then linked into 1,000 run folders under a scratch results folder (the
files are hard links: what is timed is the walk and the manifest reads, not the disk). Each command runs in a
fresh interpreter, in alternating rounds with the peer `python -m sim --help` (the start-up every command
pays), and the median of ROUNDS is reported with its ratio to the peer. `sim.catalog()` is also timed in
this process (no start-up), as a notebook calls it.

Goal (issue 16): `sim runs` over 1,000 run folders under 2 s. No targets are asserted here.

Run: `python bench/results_folders.py` (writes bench/results/results_folders.json and prints a table).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import print_table, write_record

import sim
from sim.core.results import environment_record

REPO = Path(__file__).resolve().parents[1]
ROUNDS = 5
FOLDERS = 1000
GOAL_RUNS_SECONDS = 2.0  # issue 16: `sim runs` over 1,000 run folders under 2 s


def wall_seconds(argv: list[str]) -> float:
    """Wall time of one fresh child process, start to exit; a failing child stops the benchmark."""
    start = time.perf_counter()
    completed = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, env=os.environ.copy())
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"bench/results_folders.py: {' '.join(argv)} failed:\n{completed.stderr}")
    return elapsed


def make_results(root: Path) -> Path:
    """One real run, linked into FOLDERS run folders under root/customs_clearance/; returns the first."""
    first = root / "customs_clearance" / "run-0000"
    sim.run(REPO / "scenarios" / "customs_clearance.toml", reps=3, out=first,
            overrides=["run.horizon_days=3.0", "run.warmup_days=0.5"])
    for i in range(1, FOLDERS):
        shutil.copytree(first, first.with_name(f"run-{i:04d}"), copy_function=os.link)
    return first


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sim-bench-runs-") as scratch:
        root = Path(scratch) / "results"
        first = make_results(root)
        python = [sys.executable, "-m", "sim"]
        commands = {"peer: sim --help": python + ["--help"],
                    f"sim runs ({FOLDERS} run folders)": python + ["runs", str(root)],
                    "sim report (a customs run)": python + ["report", str(first), "--out", str(Path(scratch) / "r.html")]}
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(ROUNDS):
            for name, argv in commands.items():
                times[name].append(wall_seconds(argv))
        in_process = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            table = sim.catalog(root)
            in_process.append(time.perf_counter() - start)
        assert table.height == FOLDERS, table.height
    peer = statistics.median(times["peer: sim --help"])
    rows = [{"command": name, "median_seconds": round(statistics.median(values), 3),
             "ratio_to_peer": round(statistics.median(values) / peer, 2), "rounds": values}
            for name, values in times.items()]
    rows.append({"command": f"sim.catalog() in process ({FOLDERS} run folders)",
                 "median_seconds": round(statistics.median(in_process), 3),
                 "ratio_to_peer": round(statistics.median(in_process) / peer, 2), "rounds": in_process})
    report = {"folders": FOLDERS, "rounds": ROUNDS, "goal_sim_runs_seconds": GOAL_RUNS_SECONDS, "cores": os.cpu_count(),
              "rows": rows, **environment_record()}
    print_table(f"finding and sending results (median of {ROUNDS} fresh processes; goal: sim runs "
                f"< {GOAL_RUNS_SECONDS:.0f} s)", ("command", "median s", "x peer"),
                [(row["command"], f"{row['median_seconds']:.3f}", f"{row['ratio_to_peer']:.2f}") for row in rows],
                title_justify="left")
    write_record("results_folders", report)


if __name__ == "__main__":
    main()
