"""Static Bertrand-Nash equilibrium of multi-product price-setting firms under mixed-logit demand.

The solver (first-order conditions s(p) + Delta(p) (p - c) = 0 with an ownership matrix and an optional
outside good) lives in `sim.theory.io`; this module re-exports it under its old import path.
"""

from __future__ import annotations

from sim.theory.io import Equilibrium, bertrand_equilibrium, foc_residual

__all__ = ["Equilibrium", "foc_residual", "bertrand_equilibrium"]
