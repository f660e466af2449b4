"""Benchmark of the logistics model (run by `make bench`; not a test).

1. Orders simulated per second by both fidelities on the same scenario (the default five-day scenario with
   its volume scaled up), one replication each after a warm-up run that compiles the numba kernels.
2. The same with two parcel classes (half the orders the group's, half third-party, the group first on
   flights and in customs) against one class at the same total volume, for each fidelity.
3. Wall time and peak memory (resource.getrusage, in a child process of its own) of a 365-day batch run at
   250,000 orders a day, with capacities scaled alike.

Writes bench/results/logistics.json and prints a table. `--quick` scales both parts down.
Targets: parcel >= 15,000 orders/s, batch >= 20x parcel (with one class and with two), the 365-day run
< 3 min on one core and < 4 GB.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _report import print_measures, write_record  # noqa: E402

from sim.core.rng import Streams  # noqa: E402
from sim.models.logistics.config import LogisticsScenario  # noqa: E402
from sim.models.logistics.model import simulate  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

DEFAULT = ROOT / "scenarios" / "aliexpress_spain_5day.toml"
ORDERS_PER_SHOPPER = 0.41  # the default scenario converts about 41% of visits (measured; used for scaling)


def scaled(orders_per_day: float, horizon_days: float, fidelity: str, drain_days: int = 30) -> LogisticsScenario:
    """The default scenario with demand and every capacity scaled to `orders_per_day`."""
    base = load_scenario(DEFAULT).config
    p = base.logistics
    factor = orders_per_day / (p.demand.shoppers_per_day * ORDERS_PER_SHOPPER)
    document = base.model_dump(mode="python")
    run = document["run"]
    run.update(horizon_days=horizon_days, warmup_days=min(7.0, horizon_days / 4), replications=1)
    lg = document["logistics"]
    lg.update(fidelity=fidelity, drain_days=drain_days)
    lg["demand"]["shoppers_per_day"] = p.demand.shoppers_per_day * factor
    lg["demand"]["customers"] = max(1, int(p.demand.customers * factor))
    lg["origin_hub"]["capacity_per_shift"] = max(1, int(p.origin_hub.capacity_per_shift * factor))
    lg["line_haul"]["capacity_parcels"] = max(1, int(p.line_haul.capacity_parcels * factor))
    lg["customs"]["officers"] = max(1, math.ceil(p.customs.officers * factor))
    return LogisticsScenario.model_validate(document)


def two_classes(config: LogisticsScenario, orders_per_day: float) -> LogisticsScenario:
    """`config` with half its orders moved to third-party parcels (same total volume and capacities), the
    group first on flights and in customs."""
    document = config.model_dump(mode="python")
    lg = document["logistics"]
    lg["demand"]["shoppers_per_day"] *= 0.5
    lg["third_party"] = {"parcels_per_day": 0.5 * orders_per_day}
    lg["allocation"] = "priority"
    return LogisticsScenario.model_validate(document)


def timed(config: LogisticsScenario, replication: int = 0) -> dict:
    started, cpu = time.perf_counter(), time.process_time()
    out = simulate(config, Streams(config.run.seed, replication))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    orders = float(out.tables["daily"]["orders"].sum())
    return {"orders": orders, "wall_s": wall, "cpu_s": cpu, "on_time_share": out.metrics["on_time_share"],
            "cost_per_parcel_eur": out.metrics["cost_per_parcel_eur"]}


def year_child(orders_per_day: float, days: float) -> None:
    config = scaled(orders_per_day, days, "batch")
    result = timed(config)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="scale both parts down (a smoke run)")
    parser.add_argument("--year-child", nargs=2, type=float, metavar=("ORDERS_PER_DAY", "DAYS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.year_child:
        year_child(*args.year_child)
        return

    compare_volume, compare_days = (2_000.0, 14.0) if args.quick else (5_000.0, 28.0)
    year_volume, year_days = (50_000.0, 30.0) if args.quick else (250_000.0, 365.0)

    # warm-up: compile the numba kernels (cached on disk afterwards)
    for fidelity in ("parcel", "batch"):
        timed(scaled(200.0, 3.0, fidelity, drain_days=5))

    rates = {}
    for fidelity in ("parcel", "batch"):
        r = timed(scaled(compare_volume, compare_days, fidelity))
        rates[fidelity] = r
        print(f"{fidelity:>6}: {r['orders']:,.0f} orders in {r['wall_s']:.2f} s wall ({r['cpu_s']:.2f} s CPU)",
              flush=True)

    two = {}
    for fidelity in ("parcel", "batch"):
        r = timed(two_classes(scaled(compare_volume, compare_days, fidelity), compare_volume))
        two[fidelity] = r
        print(f"{fidelity:>6}, two classes: {r['orders']:,.0f} orders in {r['wall_s']:.2f} s wall", flush=True)

    child = subprocess.run([sys.executable, __file__, "--year-child", str(year_volume), str(year_days)],
                           capture_output=True, text=True, check=True)
    year = json.loads(child.stdout.strip().splitlines()[-1])

    parcel_rate = rates["parcel"]["orders"] / rates["parcel"]["wall_s"]
    batch_rate = rates["batch"]["orders"] / rates["batch"]["wall_s"]
    results = {
        "quick": args.quick,
        "scenario": str(DEFAULT.relative_to(ROOT)),
        "comparison_orders_per_day": compare_volume,
        "comparison_days": compare_days,
        "parcel_orders_per_s": parcel_rate,
        "batch_orders_per_s": batch_rate,
        "batch_to_parcel_ratio": batch_rate / parcel_rate,
        "parcel_orders_per_cpu_s": rates["parcel"]["orders"] / rates["parcel"]["cpu_s"],
        "batch_orders_per_cpu_s": rates["batch"]["orders"] / rates["batch"]["cpu_s"],
        "two_classes_parcel_orders_per_s": two["parcel"]["orders"] / two["parcel"]["wall_s"],
        "two_classes_batch_orders_per_s": two["batch"]["orders"] / two["batch"]["wall_s"],
        "year_run": {"orders_per_day": year_volume, "days": year_days, **year},
        "targets": {"parcel_orders_per_s": 15_000, "batch_to_parcel_ratio": 20, "year_wall_s": 180,
                    "year_peak_rss_mb": 4096},
        "machine": {"python": platform.python_version(), "processor": platform.processor(),
                    "load_average": list(__import__("os").getloadavg())},
    }
    rows = [
        ("parcel fidelity, orders/s (wall)", f"{parcel_rate:,.0f}", ">= 15,000"),
        ("parcel fidelity, orders/s (CPU)", f"{results['parcel_orders_per_cpu_s']:,.0f}", ""),
        ("batch fidelity, orders/s (wall)", f"{batch_rate:,.0f}", ""),
        ("batch fidelity, orders/s (CPU)", f"{results['batch_orders_per_cpu_s']:,.0f}", ""),
        ("batch / parcel", f"{batch_rate / parcel_rate:,.1f}x", ">= 20x"),
        ("two classes (priority): parcel orders/s (wall)", f"{results['two_classes_parcel_orders_per_s']:,.0f}", ""),
        ("  against one class", f"{results['two_classes_parcel_orders_per_s'] / parcel_rate:.2f}x", ""),
        ("two classes (priority): batch orders/s (wall)", f"{results['two_classes_batch_orders_per_s']:,.0f}", ""),
        ("  against one class", f"{results['two_classes_batch_orders_per_s'] / batch_rate:.2f}x", ""),
        ("two classes: batch / parcel", f"{results['two_classes_batch_orders_per_s'] / results['two_classes_parcel_orders_per_s']:,.1f}x", ">= 20x"),
        (f"{year_days:.0f}-day batch run at {year_volume:,.0f}/day: orders", f"{year['orders']:,.0f}", ""),
        ("  wall time", f"{year['wall_s']:,.1f} s", "< 180 s"),
        ("  CPU time", f"{year['cpu_s']:,.1f} s", ""),
        ("  microseconds per order", f"{1e6 * year['wall_s'] / max(year['orders'], 1):.2f}", "~2"),
        ("  peak memory", f"{year['peak_rss_mb']:,.0f} MB", "< 4,096 MB"),
    ]
    print_measures(rows)
    print()
    write_record("logistics", results)


if __name__ == "__main__":
    main()
