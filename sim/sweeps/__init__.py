"""Parameter sweeps: designs over scenario parameters, run on a process pool or Dask, stored run by run
so a sweep resumes where it stopped, with Sobol' sensitivity indices on top.

    from sim.sweeps import SweepOptions, sweep
    result = sweep("scenarios/customs_clearance.toml",
                   vary={"customs.officers": [4, 5, 6], "customs.arrivals_per_hour": [24.0, 32.0]},
                   replications=20, out="results/sweeps/officers",
                   options=SweepOptions(executor="process", workers=2))
    result.summary()      # one row per design point and metric: mean and 95% CI

Sweep files (`scenarios/sweeps/*.toml`) run with `run_sweep_file` (the CLI's `sim sweep`).
"""

import importlib

# Loaded on first use (PEP 562): a sweep worker imports only `sim.sweeps.executors`, not SALib or
# scipy.stats, so a cold process pool or Dask worker starts faster.
_HOME = {
    "Design": "designs", "Parameter": "designs", "grid_design": "designs", "latin_hypercube_design": "designs",
    "make_design": "designs", "sobol_design": "designs",
    "SweepResult": "engine", "execute_sweep": "engine", "load_sweep": "engine", "prepare_sweep": "engine",
    "sweep": "engine",
    "SweepOptions": "executors", "default_workers": "executors", "process_pool": "executors",
    "saltelli_design": "sensitivity", "sobol_analysis": "sensitivity", "sobol_indices": "sensitivity",
    "prepare_sweep_file": "spec", "read_sweep_file": "spec", "run_sweep_file": "spec",
    "SweepMismatchError": "store", "SweepLockedError": "store", "SweepInterrupted": "engine",
}


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module 'sim.sweeps' has no attribute {name!r}")
    return getattr(importlib.import_module(f"sim.sweeps.{_HOME[name]}"), name)


__all__ = [
    "sweep",
    "SweepOptions",
    "run_sweep_file",
    "prepare_sweep_file",
    "read_sweep_file",
    "load_sweep",
    "SweepResult",
    "SweepMismatchError",
    "SweepLockedError",
    "SweepInterrupted",
    "Parameter",
    "Design",
    "grid_design",
    "latin_hypercube_design",
    "sobol_design",
    "make_design",
    "saltelli_design",
    "sobol_analysis",
    "sobol_indices",
    "prepare_sweep",
    "execute_sweep",
    "default_workers",
    "process_pool",
]
