"""Benchmark: the customs model (`sim.run`) against a plain SimPy M/M/c model (run by `make bench`; not a test).

Both clear the same queue, M/M/4 at utilisation 0.9 (36 arrivals an hour, 10 clearances an hour per
officer) with about 200,000 customers. The peer is the plain SimPy model of issue 24, copied verbatim: one
process per customer, recording each wait in a list. The customs model does more for the same customers:
named random streams, the hourly time-weighted queue length and busy officers, nine metrics and the
run's statistics tables, all of which `sim.run` pays for and is timed with.

The two are timed alternately in this one process (customs, plain, customs, plain, ...; one untimed
round first), CPU time per call (`time.process_time`, less inflated than wall time on a shared machine,
wall time also kept), ROUNDS rounds; the figure is the median over rounds of the per-round ratio
customs customers per second / plain customers per second. Goal (issue 24): ratio >= 1.1, so that >= 1.0
holds through machine noise.

Run: `python bench/customs_vs_plain_simpy.py [--rounds N]` (writes bench/results/customs_vs_plain_simpy.json).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path

import simpy
from _report import print_table, write_record
from rich.console import Console

import sim
from sim.core.options import RunOptions
from sim.core.results import environment_record

REPO = Path(__file__).resolve().parents[1]
SCENARIO = REPO / "scenarios" / "customs_clearance.toml"
CUSTOMERS = 200_000  # issue 24: the size of the comparison
ARRIVALS_PER_HOUR, CLEARANCES_PER_HOUR, OFFICERS = 36.0, 10.0, 4  # M/M/4, rho = 36 / (4 x 10) = 0.9
HORIZON_HOURS = CUSTOMERS / ARRIVALS_PER_HOUR  # the peer's default horizon
ROUNDS = 5
GOAL_RATIO = 1.1


# ---- the peer, verbatim from issue 24 --------------------------------------------------------------------
def plain_simpy(seed, lam=36.0, mu=10.0, c=4, hours=200_000 / 36.0):
    rng = random.Random(seed); expo = rng.expovariate; waits = []
    env = simpy.Environment(); servers = simpy.Resource(env, capacity=c)
    def customer(env):
        arrived = env.now
        with servers.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(expo(mu))
    def source(env):
        while env.now < hours:
            env.process(customer(env)); yield env.timeout(expo(lam))
    env.process(source(env)); env.run()
    return len(waits)
# ----------------------------------------------------------------------------------------------------------


def customs_run(seed: int) -> int:
    """One replication of the customs model through `sim.run`, same queue and horizon as the peer, no warm-up
    (every customer counted); returns the customers cleared."""
    overrides = [f"run.horizon_days={HORIZON_HOURS / 24.0!r}", "run.warmup_days=0.0",
                 f"customs.arrivals_per_hour={ARRIVALS_PER_HOUR!r}", f"customs.officers={OFFICERS}",
                 f"customs.service_rate_per_hour={CLEARANCES_PER_HOUR!r}"]
    result = sim.run(SCENARIO, reps=1, seed=seed, overrides=overrides, options=RunOptions(progress=False))
    statistics_table = result.statistics
    return int(statistics_table.filter(statistics_table["metric"] == "parcels_cleared")["mean"][0])


def timed(function, seed: int) -> dict[str, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    customers = function(seed)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"customers": customers, "cpu_s": cpu, "wall_s": wall, "customers_per_cpu_s": customers / cpu}


def main(rounds: int = ROUNDS) -> dict:
    console = Console()
    load_before = os.getloadavg()[0]
    customs_run(0), plain_simpy(0)  # untimed: imports, first allocations
    samples: dict[str, list[dict[str, float]]] = {"customs": [], "plain": []}
    for round_index in range(rounds):
        seed = 100 + round_index
        samples["customs"].append(timed(customs_run, seed))
        samples["plain"].append(timed(plain_simpy, seed))
    ratios = [c["customers_per_cpu_s"] / p["customers_per_cpu_s"] for c, p in zip(samples["customs"], samples["plain"])]
    wall_ratios = [(c["customers"] / c["wall_s"]) / (p["customers"] / p["wall_s"])
                   for c, p in zip(samples["customs"], samples["plain"])]
    ratio = statistics.median(ratios)

    rows = [(label, f"{statistics.median(r['customers_per_cpu_s'] for r in samples[name]):,.0f}",
             f"{statistics.median(r['cpu_s'] for r in samples[name]):.2f}",
             f"{statistics.median(r['wall_s'] for r in samples[name]):.2f}")
            for name, label in (("customs", "customs model (sim.run)"), ("plain", "plain SimPy (issue 24's peer)"))]
    print_table(f"M/M/{OFFICERS}, rho 0.9, ~{CUSTOMERS:,} customers: median of {rounds} alternating rounds",
                ("model", "customers/CPU s", "CPU s", "wall s"), rows, console=console,
                caption=(f"ratio customs / plain: {ratio:.2f} (CPU; per-round {', '.join(f'{r:.2f}' for r in ratios)}; "
                         f"wall {statistics.median(wall_ratios):.2f}); goal >= {GOAL_RATIO}"))
    load_after = os.getloadavg()[0]
    if max(load_before, load_after) > 1.5:
        console.print(f"[yellow]load average {load_before:.1f} before, {load_after:.1f} after: the machine was shared "
                      "(the ratio, from alternating rounds, is less affected than the speeds)")
    report = {"customers": CUSTOMERS, "rounds": rounds, "ratio_customs_to_plain_cpu": round(ratio, 3),
              "ratios_per_round": [round(r, 3) for r in ratios],
              "ratio_customs_to_plain_wall": round(statistics.median(wall_ratios), 3), "goal_ratio": GOAL_RATIO,
              "samples": samples, "load_average_1min": {"before": round(load_before, 2), "after": round(load_after, 2)},
              **environment_record()}
    write_record("customs_vs_plain_simpy", report)
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"alternating rounds (default {ROUNDS}, at least 3)")
    arguments = parser.parse_args()
    main(max(3, arguments.rounds))
