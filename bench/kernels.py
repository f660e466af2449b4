"""Benchmark of the mixed-logit share kernel against NumPy and against the exp ceiling.

Mixed-logit shares for N = 1,000,000 simulated consumers x J = 8 products, in one process:

- numpy: `mixed_logit_shares_reference`, plain vectorisation as pyblp does it (not tuned);
- serial / parallel: the numba kernels `mixed_logit_shares` and `mixed_logit_shares_parallel`;
- ceiling: the larger of (a numba parallel loop that only sums math.exp over the same N x J utilities)
  and (np.exp(x, out=buffer) on one core, times the number of cores).

Throughput is evaluations per second, N * J / seconds, best of several repeats (wall clock). Compile time
is measured separately: the script points NUMBA_CACHE_DIR at a fresh temporary directory (unless it is
already set), so the first calls really compile. The machine may be shared, so the single-threaded
variants are also timed in CPU seconds (`time.process_time`), which other processes disturb much less:
`per_core_fraction_of_ceiling` = CPU time of np.exp / CPU time of the serial kernel is what
parallel / ceiling would be with perfect scaling over the cores. Writes bench/results/kernels.json
and prints a table.

    .venv/bin/python bench/kernels.py            (make bench)
"""

from __future__ import annotations

import math
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NUMBA_CACHE_DIR", tempfile.mkdtemp(prefix="numba-bench-"))

import numba  # noqa: E402  (after NUMBA_CACHE_DIR is set)
from _report import write_record  # noqa: E402
import numpy as np  # noqa: E402
from numba import njit, prange  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sim.kernels.mixed_logit import (  # noqa: E402
    draw_consumer_tastes,
    mixed_logit_shares,
    mixed_logit_shares_parallel,
    mixed_logit_shares_reference,
    mixed_logit_utilities,
)

N_CONSUMERS = 1_000_000
N_PRODUCTS = 8
REPEATS = {"numpy": 5, "numba": 20}
SEED = 20240601


@njit(parallel=True)
def sum_of_exp(values):
    """Only the exponentials: sum_i math.exp(values[i]) over all threads."""
    total = 0.0
    for i in prange(values.size):
        total += math.exp(values[i])
    return total


def best_seconds(function, repeats: int, clock=time.perf_counter) -> float:
    times = []
    for _ in range(repeats):
        start = clock()
        function()
        times.append(clock() - start)
    return min(times)


def timed_first_call(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def market(rng: np.random.Generator):
    delta = rng.normal(0.0, 1.0, N_PRODUCTS)
    price = rng.uniform(1.0, 3.0, N_PRODUCTS)
    delivery_days = rng.uniform(2.0, 14.0, N_PRODUCTS)
    alpha, gamma = draw_consumer_tastes(rng, N_CONSUMERS, 1.0, 0.5, 0.1, 0.5)
    return delta, price, delivery_days, alpha, gamma


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main() -> dict:
    arguments = market(np.random.default_rng(SEED))
    evaluations = N_CONSUMERS * N_PRODUCTS
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    compile_seconds = {
        "numba_serial": timed_first_call(lambda: mixed_logit_shares(*arguments)),
        "numba_parallel": timed_first_call(lambda: mixed_logit_shares_parallel(*arguments)),
    }
    utilities = mixed_logit_utilities(*arguments).ravel()
    compile_seconds["ceiling_sum_of_math_exp"] = timed_first_call(lambda: sum_of_exp(utilities))

    expected = mixed_logit_shares_reference(*arguments)
    for name, kernel in (("serial", mixed_logit_shares), ("parallel", mixed_logit_shares_parallel)):
        if not np.allclose(kernel(*arguments), expected, rtol=1e-10, atol=0.0):
            raise AssertionError(f"numba {name} shares differ from the NumPy reference")

    buffer = np.empty_like(utilities)
    seconds = {
        "numpy_reference": best_seconds(lambda: mixed_logit_shares_reference(*arguments), REPEATS["numpy"]),
        "numba_serial": best_seconds(lambda: mixed_logit_shares(*arguments), REPEATS["numba"]),
        "numba_parallel": best_seconds(lambda: mixed_logit_shares_parallel(*arguments), REPEATS["numba"]),
        "ceiling_sum_of_math_exp_parallel": best_seconds(lambda: sum_of_exp(utilities), REPEATS["numba"]),
        "ceiling_np_exp_one_core": best_seconds(lambda: np.exp(utilities, out=buffer), REPEATS["numba"]),
    }
    cpu_seconds = {
        "numpy_reference": best_seconds(lambda: mixed_logit_shares_reference(*arguments), REPEATS["numpy"],
                                        time.process_time),
        "numba_serial": best_seconds(lambda: mixed_logit_shares(*arguments), REPEATS["numba"], time.process_time),
        "np_exp_one_core": best_seconds(lambda: np.exp(utilities, out=buffer), REPEATS["numba"], time.process_time),
    }
    rates = {name: evaluations / value for name, value in seconds.items()}
    rates["ceiling_np_exp_times_cores"] = rates.pop("ceiling_np_exp_one_core") * cores
    rates["exp_ceiling"] = max(rates["ceiling_sum_of_math_exp_parallel"], rates["ceiling_np_exp_times_cores"])
    ratios = {
        "parallel_over_numpy": rates["numba_parallel"] / rates["numpy_reference"],
        "serial_over_numpy": rates["numba_serial"] / rates["numpy_reference"],
        "parallel_over_serial": rates["numba_parallel"] / rates["numba_serial"],
        "parallel_over_ceiling": rates["numba_parallel"] / rates["exp_ceiling"],
        "serial_over_numpy_cpu": cpu_seconds["numpy_reference"] / cpu_seconds["numba_serial"],
        "per_core_fraction_of_ceiling": cpu_seconds["np_exp_one_core"] / cpu_seconds["numba_serial"],
    }
    return {
        "benchmark": "mixed_logit_shares",
        "n_consumers": N_CONSUMERS,
        "n_products": N_PRODUCTS,
        "evaluations": evaluations,
        "repeats": REPEATS,
        "cores": cores,
        "numba_threads": numba.get_num_threads(),
        "threading_layer": numba.threading_layer(),
        "evaluations_per_second": rates,
        "best_seconds": seconds,
        "best_cpu_seconds": cpu_seconds,
        "cpu_nanoseconds_per_evaluation": {name: value / evaluations * 1e9 for name, value in cpu_seconds.items()},
        "compile_seconds": compile_seconds,
        "ratios": ratios,
        "load_average_after": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "machine": {"cpu": cpu_model(), "python": platform.python_version(), "numpy": np.__version__,
                    "numba": numba.__version__},
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def print_table(result: dict) -> None:
    rates = result["evaluations_per_second"]
    ceiling = rates["exp_ceiling"]
    numpy_rate = rates["numpy_reference"]
    print(f"mixed-logit shares, N = {result['n_consumers']:,} x J = {result['n_products']}, "
          f"{result['numba_threads']} threads on {result['cores']} cores ({result['machine']['cpu']})")
    print(f"{'variant':36s} {'evals/s':>10s} {'x numpy':>8s} {'/ ceiling':>9s}")
    for name in ("numpy_reference", "numba_serial", "numba_parallel", "ceiling_sum_of_math_exp_parallel",
                 "ceiling_np_exp_times_cores", "exp_ceiling"):
        print(f"{name:36s} {rates[name]:10.3e} {rates[name] / numpy_rate:8.2f} {rates[name] / ceiling:9.2f}")
    print("compile seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in result["compile_seconds"].items()))
    cpu = result["cpu_nanoseconds_per_evaluation"]
    print("CPU ns per evaluation: " + ", ".join(f"{k} {v:.3f}" for k, v in cpu.items()))
    ratios = result["ratios"]
    print(f"parallel / numpy = {ratios['parallel_over_numpy']:.1f}x (target >= 6x); "
          f"parallel / ceiling = {ratios['parallel_over_ceiling']:.0%} (stretch >= 50%); "
          f"per core, CPU time: serial / numpy = {ratios['serial_over_numpy_cpu']:.1f}x, "
          f"fraction of ceiling = {ratios['per_core_fraction_of_ceiling']:.0%}")
    if result["load_average_after"] and result["load_average_after"][0] > 0.5 * result["cores"]:
        print(f"note: load average {result['load_average_after'][0]:.1f} on {result['cores']} cores: "
              "other processes share the machine, wall-clock rates are understated")


if __name__ == "__main__":
    outcome = main()
    print_table(outcome)
    write_record("kernels", outcome)
