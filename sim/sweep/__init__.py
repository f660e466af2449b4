"""Parameter sweeps: designs over scenario parameters, run on a process pool or Dask, stored run by run
so a sweep resumes where it stopped, with Sobol' sensitivity indices on top.

    from sim.sweep import sweep
    result = sweep("scenarios/customs_clearance.toml",
                   vary={"customs.officers": [4, 5, 6], "customs.arrivals_per_hour": [24.0, 32.0]},
                   replications=20, executor="process", out="results/sweeps/officers")
    result.summary()      # one row per design point and metric: mean and 95% CI

Sweep files (`scenarios/sweeps/*.toml`) run with `run_sweep_file` (the CLI's `sim sweep`).
"""

from sim.sweep.designs import (
    Design,
    Parameter,
    grid_design,
    latin_hypercube_design,
    make_design,
    sobol_design,
)
from sim.sweep.engine import SweepResult, execute_sweep, load_sweep, prepare_sweep, sweep
from sim.sweep.executors import default_workers, process_pool
from sim.sweep.sensitivity import saltelli_design, sobol_analysis, sobol_indices
from sim.sweep.spec import prepare_sweep_file, read_sweep_file, run_sweep_file
from sim.sweep.store import SweepMismatchError

__all__ = [
    "sweep",
    "run_sweep_file",
    "prepare_sweep_file",
    "read_sweep_file",
    "load_sweep",
    "SweepResult",
    "SweepMismatchError",
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
