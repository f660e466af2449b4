"""Benchmark of the marimo notebooks in `analysis/`: the headless run time of each on tiny runs (the test
size: 2 replications, short horizons), and the explorer's time per move.

Notebooks: each runs as a script in a fresh interpreter (`python analysis/<name>.py --run ...`, what a
researcher runs; imports included), timed wall and CPU (the child's user + system time). Goal (issue 21):
all together under 60 s on 2 cores.

Explorer: the app is loaded once. A move of a logistics lever re-runs only the logistics cell and a move of a
cloud lever only the cloud cell, so each is timed apart: the explorer's own `run_move` (one model, 3
replications, one seed) with MOVES different lever values after a warm-up move (numba's compiled kernels
load), wall and CPU (this process, all threads), median over the moves; beside a whole app run with
substituted lever values (`app.run(defs=...)`: both models, charts, scenario files). Goal: under 5 s wall
per move on 2 idle cores.

Run: `python bench/notebooks.py` (writes bench/results/notebooks.json and prints a table).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _report import print_table, write_record

import sim
from sim.core.results import environment_record
from sim.sweeps.executors import SweepOptions

REPO = Path(__file__).resolve().parents[1]
ANALYSIS = REPO / "analysis"
SCENARIOS = REPO / "scenarios"
SHORT = ["run.horizon_days=5.0", "run.warmup_days=1.0", "logistics.drain_days=10"]
CLOUD_SHORT = ["run.horizon_days=1642.5"]
GOAL_ALL_NOTEBOOKS_SECONDS = 60.0
GOAL_MOVE_SECONDS = 5.0
MOVES = 3


def make_inputs(root: Path) -> dict[str, Path]:
    """The tests' tiny runs and sweep (tests/paper/test_analysis.py)."""
    made = {
        "base": ("aliexpress_spain_5day.toml", 11, [*SHORT, "logistics.record_parcels=true"]),
        "extra_flight": ("aliexpress_spain_5day_extra_flight.toml", 11, SHORT),
        "status_quo": ("cloud_status_quo.toml", 5, CLOUD_SHORT),
        "cut": ("cloud_price_cut_2024.toml", 5, CLOUD_SHORT),
    }
    for name, (file, seed, overrides) in made.items():
        sim.run(SCENARIOS / file, reps=2, seed=seed, overrides=overrides, out=root / name)
    sim.sweep(SCENARIOS / "aliexpress_spain_5day.toml",
              {"logistics.customs.officers": [1, 2], "logistics.customs.pre_cleared_share": [0.0, 0.8]},
              replications=2, seed=3, name="guarantee_capacity", out=root / "grid",
              options=SweepOptions(executor="serial"),
              overrides=["run.horizon_days=3.0", "run.warmup_days=1.0", "logistics.drain_days=8",
                         'logistics.fidelity="batch"'])
    return {name: root / name for name in [*made, "grid"]}


def notebook_commands(inputs: dict[str, Path]) -> dict[str, list[str]]:
    runs = lambda *names: ["--run", *(str(inputs[n]) for n in names)]  # noqa: E731
    return {
        "logistics_daily_kpis.py": runs("base"),
        "compare_scenarios.py": runs("base", "extra_flight"),
        "five_day_guarantee.py": [*runs("base", "extra_flight"), "--sweep", str(inputs["grid"])],
        "cloud.py": runs("status_quo", "cut"),
        "sweeps.py": ["--sweep", str(inputs["grid"])],
        "explorer.py": [],
    }


def time_child(argv: list[str], cwd: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one child process; a failing child stops the benchmark."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=os.environ.copy())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"bench/notebooks.py: {' '.join(argv)} failed:\n{done.stderr}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def explorer_moves() -> dict[str, dict[str, float]]:
    """Median wall and CPU seconds of a logistics move and of a cloud move (the explorer's own `run_move` at its
    own size), and of a whole app run with substituted lever values (both models, charts, scenario files)."""
    spec = importlib.util.spec_from_file_location("analysis_explorer_bench", ANALYSIS / "explorer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    levers = [(14, 2, 0.8, 5, 0.5, "ignore"), (21, 1, 0.5, 4, 0.3, "match"), (28, 3, 0.0, 6, 0.7, "best_response"),
              (14, 4, 1.0, 3, 0.1, "ignore")]
    timings: dict[str, list[tuple[float, float]]] = {"logistics move": [], "cloud move": [], "whole app run": []}

    def timed(name: str, keep: bool, work, *arguments, **keywords) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(io.StringIO()):
            work(*arguments, **keywords)
        if keep:
            timings[name].append((time.perf_counter() - wall, time.process_time() - cpu))

    size = module.RUN_SIZE
    for index, (flights, officers, cleared, days, depth, rivals) in enumerate([levers[0], *levers[:MOVES]]):
        logistics = {"logistics.line_haul.departure_hours": module.DEPARTURES[flights],
                     "logistics.customs.officers": officers, "logistics.customs.pre_cleared_share": cleared,
                     "logistics.guarantee.promised_days": days}
        cloud = {"cut.depth": depth, "cut.rival_response": rivals}
        keep = index > 0  # the first is the warm-up move (numba's compiled kernels load)
        timed("logistics move", keep, module.run_move, module.LOGISTICS_SCENARIO,
              module.settings(logistics, size["logistics"]), size, module.LOGISTICS_METRICS)
        timed("cloud move", keep, module.run_move, module.CLOUD_SCENARIO, module.settings(cloud, size["cloud"]),
              size, module.CLOUD_METRICS)
        timed("whole app run", keep, module.app.run, defs={"logistics_levers": logistics, "cloud_levers": cloud})
    return {name: {"wall_seconds": statistics.median(w for w, _ in rows),
                   "cpu_seconds": statistics.median(c for _, c in rows)} for name, rows in timings.items()}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        inputs = make_inputs(Path(folder))
        rows = {}
        for name, arguments in notebook_commands(inputs).items():
            wall, cpu = time_child([sys.executable, str(ANALYSIS / name), *arguments], cwd=Path(folder))
            rows[name] = {"wall_seconds": wall, "cpu_seconds": cpu}
    moves = explorer_moves()
    total_wall = sum(r["wall_seconds"] for r in rows.values())
    total_cpu = sum(r["cpu_seconds"] for r in rows.values())
    print_table("analysis notebooks, headless on the test runs (2 replications)", ("notebook", "wall s", "CPU s"),
                [*((name, f"{row['wall_seconds']:.1f}", f"{row['cpu_seconds']:.1f}") for name, row in rows.items()),
                 (f"all together (goal < {GOAL_ALL_NOTEBOOKS_SECONDS:.0f} s)", f"{total_wall:.1f}", f"{total_cpu:.1f}")])
    print_table(f"explorer: seconds per move (median of {MOVES}, 3 replications, goal < "
                f"{GOAL_MOVE_SECONDS:.0f} s wall on 2 idle cores)", ("move", "wall s", "CPU s"),
                [(name, f"{value['wall_seconds']:.2f}", f"{value['cpu_seconds']:.2f}") for name, value in moves.items()])
    write_record("notebooks", {"notebooks": rows, "total_wall_seconds": total_wall, "total_cpu_seconds": total_cpu,
                               "explorer": moves, "environment": environment_record(), "cpu_count": os.cpu_count()})


if __name__ == "__main__":
    main()
