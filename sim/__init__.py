"""sim: discrete-event economics of platform businesses, with Alibaba as the case.

Scenario file -> validated config -> SimPy processes and numba demand kernels -> tidy Polars tables ->
Parquet files with a manifest. From Python:

    import sim
    result = sim.run("scenarios/customs_clearance.toml", reps=30, seed=7)
    result.statistics                     # one row per metric: mean and 95% CI
    again = sim.load("results/customs_clearance/<run-id>")
"""

from sim.api import load, run

__all__ = ["run", "load", "compare", "sweep", "catalog"]
__version__ = "0.1.0"


def __getattr__(name: str):
    """`sim.compare` and `sim.sweep` load on first use (they pull in matplotlib, dask and SALib)."""
    if name == "compare":
        from sim.comparison import compare

        return compare
    if name == "sweep":
        from sim.sweeps import sweep

        return sweep
    if name == "catalog":
        from sim.run_catalog import catalog

        return catalog
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
