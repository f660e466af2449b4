"""Benchmark of the Cainiao model (run by `make bench`; not a test).

1. Quarters simulated per second per regime (standalone, infrastructure, cost_plus), deterministic and with
   Poisson orders, on `scenarios/cainiao_*.toml` (one replication of 32 quarters each); and deterministic with
   the five-day promise (`cainiao_promise.toml` under each regime, 8 quarters: AliExpress's promise threshold is
   searched inside each price it answers).
2. Wall and CPU time of the three-regime `sim compare` (`sim.compare`) at 20 replications over 8 years.

3. The same comparison with operations from the response surface (`operations.mode = "surface"`, RMB 2 per unit
   of on-time share on both sides), and the surface's speed-up: CPU time of one direct run of the two-class
   chain at the fit's settings (scripts/fit_cainiao_operations.py's `lane_run`, what a direct-run design would
   pay per quarter and class mix) over one surface evaluation (`quarter_service`).

The issue's target, with operations from a response surface: the comparison under 5 minutes on 2 cores.
Writes bench/results/cainiao.json and prints a table. `--quick`: 4 replications in part 2.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _report import print_measures, write_record  # noqa: E402

import sim  # noqa: E402
from sim.core.rng import Streams  # noqa: E402
from sim.models.cainiao.model import simulate  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

REGIMES = ("standalone", "infrastructure", "cost_plus")


def quarters_per_second(regime: str, noise: str, scenario: str | None = None) -> float:
    """Quarters a second of one replication of `cainiao_<regime>.toml` (or `scenario` run under `regime`)."""
    path, overrides = ROOT / "scenarios" / f"cainiao_{regime}.toml", [f'demand.noise="{noise}"']
    if scenario is not None:
        path, overrides = ROOT / "scenarios" / scenario, [*overrides, f'cainiao.regime="{regime}"',
                                                           "run.horizon_days=730.0"]
    config = load_scenario(path, overrides).config
    started = time.perf_counter()
    simulate(config, Streams(config.run.seed, 0))
    return config.quarters / (time.perf_counter() - started)


SURFACE = ['operations.mode="surface"', "operations.group_value_of_on_time_rmb_per_order=2.0",
           "operations.third_party_value_of_on_time_rmb_per_parcel=2.0"]


def surface_speed_up() -> tuple[float, float]:
    """CPU seconds of one direct run of the two-class chain (the fit's settings, a held-out point) and of one
    surface evaluation at the same point (mean of 10,000)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from fit_cainiao_operations import lane_run

    from sim.models.cainiao.operations import load_surface, quarter_service

    lane_run(0.45, 0.78, "priority", 1, 0)  # compiles the chain's kernels outside the timing
    cpu = time.process_time()
    lane_run(0.45, 0.78, "priority", 1, 1)
    direct = time.process_time() - cpu
    surface = load_surface()
    cpu = time.process_time()
    for _ in range(10_000):
        quarter_service(surface, "priority", 0.78, 0.45, 0.55, 1.0)
    return direct, (time.process_time() - cpu) / 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="4 replications in the comparison (a smoke run)")
    args = parser.parse_args()
    replications = 4 if args.quick else 20

    quarters_per_second("infrastructure", "poisson")  # imports scipy.stats outside the timings
    rates = {f"{regime}_{noise}": quarters_per_second(regime, noise) for noise in ("none", "poisson")
             for regime in REGIMES}
    rates |= {f"{regime}_promise": quarters_per_second(regime, "none", "cainiao_promise.toml") for regime in REGIMES}
    started, cpu = time.perf_counter(), time.process_time()
    sim.compare([ROOT / "scenarios" / f"cainiao_{regime}.toml" for regime in REGIMES], reps=replications,
                overrides=["run.horizon_days=2920.0"])
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    started, surface_cpu = time.perf_counter(), time.process_time()
    sim.compare([ROOT / "scenarios" / f"cainiao_{regime}.toml" for regime in REGIMES], reps=replications,
                overrides=["run.horizon_days=2920.0", *SURFACE])
    surface_wall, surface_cpu = time.perf_counter() - started, time.process_time() - surface_cpu
    direct_s, surface_s = surface_speed_up()

    results = {
        "quick": args.quick,
        "quarters_per_s": rates,
        "comparison": {"regimes": list(REGIMES), "replications": replications, "quarters": 32, "wall_s": wall,
                       "cpu_s": cpu},
        "comparison_with_surface": {"wall_s": surface_wall, "cpu_s": surface_cpu},
        "operations": {"direct_lane_run_cpu_s": direct_s, "surface_evaluation_cpu_s": surface_s,
                       "speed_up": direct_s / surface_s},
        "targets": {"comparison_wall_s_with_response_surface": 300},
        "machine": {"python": platform.python_version(), "processor": platform.processor(),
                    "load_average": list(os.getloadavg())},
    }
    rows = [(f"quarters/s, {name.replace('_none', ', deterministic').replace('_poisson', ', Poisson orders')}"
             .replace("_promise", ", deterministic with the promise (8 quarters)"),
             f"{rate:,.1f}" if rate < 10 else f"{rate:,.0f}", "") for name, rate in rates.items()]
    rows += [(f"three-regime compare, {replications} replications x 32 quarters: wall", f"{wall:,.1f} s", "< 300 s"),
             ("  CPU time", f"{cpu:,.1f} s", ""),
             ("  the same with operations from the response surface: wall", f"{surface_wall:,.1f} s", "< 300 s"),
             ("  CPU time", f"{surface_cpu:,.1f} s", ""),
             ("operations: one direct two-class chain run (CPU)", f"{direct_s:,.2f} s", ""),
             ("  one surface evaluation (CPU)", f"{surface_s * 1e6:,.1f} us", ""),
             ("  speed-up", f"{direct_s / surface_s:,.0f}x", "")]
    print_measures(rows)
    write_record("cainiao", results)


if __name__ == "__main__":
    main()
