"""sim: discrete-event economics of platform businesses, with Alibaba as the case.

Scenario file -> validated config -> SimPy processes and numba demand kernels -> tidy Polars tables ->
Parquet files with a manifest. From Python:

    import sim
    result = sim.run("scenarios/customs_clearance.toml", reps=30, seed=7)
    result.statistics                     # one row per metric: mean and 95% CI
    again = sim.load("results/customs_clearance/<run-id>")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.api import load, run
    from sim.comparison import compare
    from sim.run_catalog import catalog
    from sim.sweeps import sweep

__all__ = ["run", "load", "compare", "sweep", "catalog"]
__version__ = "0.1.0"

#: each public function and the module that defines it, imported on first use (PEP 562): `import sim`
#: (and so every `sim ...` command, and every spawned worker) pays for none of Polars, SciPy or SimPy
_LAZY = {"run": "sim.api", "load": "sim.api", "compare": "sim.comparison", "sweep": "sim.sweeps",
         "catalog": "sim.run_catalog"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups skip this hook
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
