"""Benchmark of the Cainiao model (run by `make bench`; not a test).

1. Quarters simulated per second per regime (standalone, infrastructure, cost_plus), deterministic and with
   Poisson orders, on `scenarios/cainiao_*.toml` (one replication of 32 quarters each).
2. Wall and CPU time of the three-regime `sim compare` (`sim.compare`) at 20 replications over 8 years.

The model has linear (or logit) demand and no operations model yet (no logistics chain, no response surface);
the issue's target, with operations from a response surface: the comparison under 5 minutes on 2 cores.
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


def quarters_per_second(regime: str, noise: str) -> float:
    config = load_scenario(ROOT / "scenarios" / f"cainiao_{regime}.toml", [f'demand.noise="{noise}"']).config
    started = time.perf_counter()
    simulate(config, Streams(config.run.seed, 0))
    return config.quarters / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="4 replications in the comparison (a smoke run)")
    args = parser.parse_args()
    replications = 4 if args.quick else 20

    quarters_per_second("infrastructure", "poisson")  # imports scipy.stats outside the timings
    rates = {f"{regime}_{noise}": quarters_per_second(regime, noise) for noise in ("none", "poisson")
             for regime in REGIMES}
    started, cpu = time.perf_counter(), time.process_time()
    sim.compare([ROOT / "scenarios" / f"cainiao_{regime}.toml" for regime in REGIMES], reps=replications,
                overrides=["run.horizon_days=2920.0"])
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu

    results = {
        "quick": args.quick,
        "quarters_per_s": rates,
        "comparison": {"regimes": list(REGIMES), "replications": replications, "quarters": 32, "wall_s": wall,
                       "cpu_s": cpu},
        "targets": {"comparison_wall_s_with_response_surface": 300},
        "machine": {"python": platform.python_version(), "processor": platform.processor(),
                    "load_average": list(os.getloadavg())},
    }
    rows = [(f"quarters/s, {name.replace('_none', ', deterministic').replace('_poisson', ', Poisson orders')}",
             f"{rate:,.0f}", "") for name, rate in rates.items()]
    rows += [(f"three-regime compare, {replications} replications x 32 quarters: wall", f"{wall:,.1f} s", "< 300 s"),
             ("  CPU time", f"{cpu:,.1f} s", "")]
    print_measures(rows)
    write_record("cainiao", results)


if __name__ == "__main__":
    main()
