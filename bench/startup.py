"""Benchmark of start-up cost: what every CLI call, notebook and spawned sweep worker pays before any work.

Each command runs in a fresh interpreter (`sys.executable`, so the same venv and PYTHONPATH); the commands
are timed in alternating rounds (wall time of the whole child, start to exit) and the median of ROUNDS is
reported, beside its ratio to the peer, a bare `python -c "import numpy"` measured in the same rounds (a
floor no numerical Python program goes below), and the CPU time (user + system) of the child and its own
children, which a shared machine inflates less than the wall time. Rows:

  peer             python -c "import numpy"
  import sim       python -c "import sim" (what a notebook pays before its first call)
  model NAME       python -c "import sim.scenario; sim.scenario.get_model(NAME)" for every registered model
  sweep worker     the cold start of a sweep worker: a process starts `sim.sweeps.executors.process_pool(1)`
                   (a `spawn` pool, as `sim sweep` does), the worker imports the runner and the customs
                   model (what it needs before its first run) and reports back; start to exit
  sim --help       python -m sim --help
  sim list         python -m sim list (reads every scenario file's header)

Goal (issue 24): `sim --help` and `sim list` under 1 s on a warm machine. No targets are asserted here.

Run: `python bench/startup.py` (writes bench/results/startup.json and prints a table).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _report import print_table, write_record
from rich.console import Console

from sim.core.results import environment_record
from sim.scenario import model_names

REPO = Path(__file__).resolve().parents[1]
ROUNDS = 5
#: a sweep worker's cold start: spawn one pool worker, which imports what `run_chunk` needs for a customs run
SWEEP_WORKER = """
from sim.sweeps.executors import process_pool
with process_pool(1) as pool:
    pool.submit(exec, "import sim.core.runner, sim.models.customs").result()
"""
GOAL_CLI_SECONDS = 1.0  # issue 24: `sim --help` and `sim list` under 1 s on a warm machine


def commands() -> dict[str, list[str]]:
    """Name -> argv of each child process to time (the first is the peer)."""
    python = [sys.executable]
    rows = {"peer: import numpy": python + ["-c", "import numpy"], "import sim": python + ["-c", "import sim"]}
    for name in model_names():
        rows[f"model {name}"] = python + ["-c", f"import sim.scenario; sim.scenario.get_model({name!r})"]
    rows["sweep worker cold start (customs)"] = python + ["-c", SWEEP_WORKER]
    rows["sim --help"] = python + ["-m", "sim", "--help"]
    rows["sim list"] = python + ["-m", "sim", "list"]
    return rows


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wall_and_cpu_seconds(argv: list[str]) -> tuple[float, float]:
    """Wall time of one fresh child process, start to exit, and the CPU time of it and its children; a
    failing child stops the benchmark."""
    cpu_before = _children_cpu_seconds()
    start = time.perf_counter()
    completed = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, env=os.environ.copy())
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        raise SystemExit(f"bench/startup.py: {' '.join(argv)} failed:\n{completed.stderr}")
    return elapsed, _children_cpu_seconds() - cpu_before


def measure(rows: dict[str, list[str]]) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU seconds of ROUNDS alternating rounds (one warm-up round first, not kept: it fills the
    OS file cache)."""
    for argv in rows.values():
        wall_and_cpu_seconds(argv)
    times: dict[str, list[float]] = {name: [] for name in rows}
    cpu: dict[str, list[float]] = {name: [] for name in rows}
    for _ in range(ROUNDS):
        for name, argv in rows.items():
            wall, used = wall_and_cpu_seconds(argv)
            times[name].append(wall)
            cpu[name].append(used)
    return times, cpu


def main() -> dict:
    console = Console()
    load_before = os.getloadavg()
    if load_before[0] > 0.5:
        console.print(f"[yellow]warning: load average {load_before[0]:.1f} before the benchmark: other processes "
                      "compete for the cores, so start-up times will be overstated")
    rows = commands()
    times, cpu = measure(rows)
    peer = statistics.median(next(iter(times.values())))
    report: dict = {"rounds": ROUNDS, "goal_cli_seconds": GOAL_CLI_SECONDS, "commands": {}}
    table_rows = []
    for name, samples in times.items():
        median, median_cpu = statistics.median(samples), statistics.median(cpu[name])
        report["commands"][name] = {"argv": rows[name][1:], "median_s": round(median, 4),
                                    "ratio_to_numpy": round(median / peer, 2), "samples_s": [round(s, 4) for s in samples],
                                    "median_cpu_s": round(median_cpu, 4)}
        table_rows.append((name, f"{median:.2f}", f"{median / peer:.1f}x", f"{min(samples):.2f}", f"{max(samples):.2f}",
                           f"{median_cpu:.2f}"))
    print_table(f"start-up wall time, fresh process, median of {ROUNDS} alternating rounds",
                ("command", "median s", "vs import numpy", "min s", "max s", "median CPU s"), table_rows, console=console)
    report["load_average_1min"] = {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)}
    report.update(environment_record())
    write_record("startup", report)
    return report


if __name__ == "__main__":
    main()
