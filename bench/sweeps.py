"""Benchmark of the sweep executors: per-run overhead and speedup over the serial executor.

The workload is the Ishigami model made to cost 50 ms per run, in two ways: "cpu" (`busy_ms`: 50 ms of
CPU time, a compute-bound simulation) and "sleep" (`sleep_ms`: 50 ms of waiting). The "cpu" speedup is
the real one but needs idle cores; the "sleep" speedup is insensitive to other load on a shared machine
and so isolates what the executors themselves cost. 200 runs (40 design points x 5 replications) go
through

  bare       a plain loop over `simulate_replication` (no sweep machinery): the floor
  serial     `sweep(..., out=..., options=SweepOptions(executor="serial"))`: validation, per-run Parquet files, manifest
  process    a local spawn process pool started by the sweep (cold) / passed in already warm
  dask       a LocalCluster started by the sweep (cold) / a Client on a cluster already running (warm)

The machinery overhead is also measured with 0 ms runs (bare loop vs serial sweep), which isolates it from
the noise of the 50 ms workload on a shared machine.

Targets (issue 6): the serial machinery adds <= 5 ms per run over the bare loop; on 2 cores the process
pool is >= 1.85x and Dask >= 1.75x faster than the serial executor. "Cold" includes starting the workers
(each imports numpy, SciPy, Polars and the package, about a second); "warm" is the steady state of a
researcher who keeps a pool or cluster up across sweeps, and is what the targets are judged on.

Run: `python bench/sweeps.py` (writes bench/results/sweeps.json and prints a table per workload).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from _report import print_table, write_record
from rich.console import Console

from sim.core.results import environment_record
from sim.core.runner import simulate_replication
from sim.scenario import load_scenario, scenario_from_document
from sim.sweeps import SweepOptions, default_workers, process_pool, sweep
from sim.sweeps.designs import grid_design, parameters_from_vary

BUSY_MS = 50.0
POINTS, REPLICATIONS = 40, 5
RUNS = POINTS * REPLICATIONS
TARGETS = {"overhead_ms_per_run": 5.0, "process_speedup": 1.85, "dask_speedup": 1.75}

SCENARIO = """\
description = "Ishigami with a 50 ms load per run (benchmark)"
model = "ishigami"
[run]
horizon_days = 1.0
replications = {replications}
seed = 1
[ishigami]
x1 = 0.0
x2 = 0.0
x3 = 0.0
noise_sd = 0.1
busy_ms = {busy_ms}
sleep_ms = {sleep_ms}
"""
VARY = {"ishigami.x1": [round(-3.0 + 6.0 * i / (POINTS - 1), 6) for i in range(POINTS)]}


def bare_loop(path: Path) -> float:
    """The floor: validate each point once and call the model, nothing else."""
    base = load_scenario(path)
    design = grid_design(parameters_from_vary(VARY))
    clock = time.perf_counter()
    for index in range(len(design)):
        document = json.loads(json.dumps(base.document))
        document["ishigami"]["x1"] = design.values[index][0]
        scenario = scenario_from_document(document)
        for k in range(REPLICATIONS):
            simulate_replication(scenario.model, scenario.config, k)
    return time.perf_counter() - clock


def timed_sweep(path: Path, out: Path | None, executor, workers: int | None = None,
                replications: int | None = None) -> tuple[float, object]:
    clock = time.perf_counter()
    result = sweep(path, vary=VARY, replications=replications, out=out,
                   options=SweepOptions(executor=executor, workers=workers))
    return time.perf_counter() - clock, result


def measure(workload: str, scratch: Path, workers: int) -> tuple[dict[str, float], float, float]:
    """Seconds for each executor on `workload` ("cpu" or "sleep"), and the bare and serial seconds with
    0 ms runs."""
    from dask.distributed import Client, LocalCluster

    idle = scratch / f"{workload}_idle.toml"
    idle.write_text(SCENARIO.format(replications=REPLICATIONS, busy_ms=0.0, sleep_ms=0.0), encoding="utf-8")
    bare_idle = bare_loop(idle)
    serial_idle, _ = timed_sweep(idle, scratch / f"{workload}_serial_idle", "serial")

    path = scratch / f"{workload}.toml"
    load = {"busy_ms": BUSY_MS, "sleep_ms": 0.0} if workload == "cpu" else {"busy_ms": 0.0, "sleep_ms": BUSY_MS}
    path.write_text(SCENARIO.format(replications=REPLICATIONS, **load), encoding="utf-8")
    figures: dict[str, float] = {"bare": bare_loop(path)}
    figures["serial"], reference = timed_sweep(path, scratch / f"{workload}_serial", "serial")

    figures["process_cold"], result = timed_sweep(path, scratch / f"{workload}_pc", "process", workers=workers)
    assert result.runs.equals(reference.runs)
    with process_pool(workers) as pool:
        timed_sweep(path, None, pool, replications=1)  # start and warm the workers
        figures["process_warm"], result = timed_sweep(path, scratch / f"{workload}_pw", pool, workers=workers)
    assert result.runs.equals(reference.runs)

    figures["dask_cold"], result = timed_sweep(path, scratch / f"{workload}_dc", "dask", workers=workers)
    assert result.runs.equals(reference.runs)
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        timed_sweep(path, None, client, replications=1)
        figures["dask_warm"], result = timed_sweep(path, scratch / f"{workload}_dw", client)
    assert result.runs.equals(reference.runs)
    return figures, bare_idle, serial_idle


def summarise(figures: dict[str, float], bare_idle: float, serial_idle: float) -> dict:
    serial = figures["serial"]
    report = {
        "seconds": {name: round(value, 3) for name, value in figures.items()},
        "ms_per_run": {name: round(1000.0 * value / RUNS, 2) for name, value in figures.items()},
        "overhead_ms_per_run": round(1000.0 * (serial - figures["bare"]) / RUNS, 2),
        "overhead_ms_per_run_without_work": round(1000.0 * (serial_idle - bare_idle) / RUNS, 2),
        "speedup_over_serial": {name: round(serial / value, 2) for name, value in figures.items()
                                if name not in {"bare", "serial"}},
    }
    report["targets_met"] = {
        "overhead_ms_per_run": report["overhead_ms_per_run"] <= TARGETS["overhead_ms_per_run"],
        "process_speedup (warm)": report["speedup_over_serial"]["process_warm"] >= TARGETS["process_speedup"],
        "dask_speedup (warm)": report["speedup_over_serial"]["dask_warm"] >= TARGETS["dask_speedup"],
    }
    return report


def print_workload(console: Console, workload: str, workers: int, figures: dict[str, float], report: dict) -> None:
    speedups = report["speedup_over_serial"]
    rows = [(name, f"{value:.2f}", f"{1000.0 * value / RUNS:.1f}",
             "" if speedups.get(name) is None else f"{speedups[name]:.2f}x") for name, value in figures.items()]
    print_table(f"Sweep executors, {workload} workload: {RUNS} runs of {BUSY_MS:g} ms on {workers} workers",
                ("executor", "seconds", "ms per run", "speedup over serial"), rows, console=console)
    console.print(f"machinery overhead (serial - bare): {report['overhead_ms_per_run']:.2f} ms per run "
                  f"(target <= {TARGETS['overhead_ms_per_run']:g}); with 0 ms runs: "
                  f"{report['overhead_ms_per_run_without_work']:.2f} ms per run")
    console.print(f"targets met: {report['targets_met']}")


def main() -> dict:
    console = Console()
    workers = min(2, default_workers())
    load_before = os.getloadavg()
    if load_before[0] > 0.5:
        console.print(f"[yellow]warning: load average {load_before[0]:.1f} before the benchmark: other processes "
                      "compete for the cores, so the cpu-workload speedups will be understated")
    report: dict = {
        "runs": RUNS,
        "ms_per_run_of_work": BUSY_MS,
        "workers": workers,
        "cores": default_workers(),
        "targets": TARGETS,
        "workloads": {},
    }
    with tempfile.TemporaryDirectory() as scratch:
        for workload in ("cpu", "sleep"):
            figures, bare_idle, serial_idle = measure(workload, Path(scratch), workers)
            report["workloads"][workload] = summarise(figures, bare_idle, serial_idle)
            print_workload(console, workload, workers, figures, report["workloads"][workload])
    report["load_average_1min"] = {"before": round(load_before[0], 2), "after": round(os.getloadavg()[0], 2)}
    report.update(environment_record())
    write_record("sweeps", report)
    return report


if __name__ == "__main__":
    main()
