"""Closed-form variance decomposition of the Ishigami function (Ishigami & Homma 1990; the indices as in
Saltelli et al. 2008, Global Sensitivity Analysis: The Primer, sec. 4.9 and Sobol' & Levitan 1999).

With X1, X2, X3 independent and uniform on [-pi, pi] and y = sin X1 + a sin^2 X2 + b X3^4 sin X1:

    V   = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2
    V1  = (1 + b pi^4/5)^2 / 2,   V2 = a^2/8,   V3 = 0,   V13 = b^2 pi^8 (1/18 - 1/50) = 8 b^2 pi^8 / 225
    S_i = V_i / V;   ST1 = (V1 + V13)/V,   ST2 = V2/V,   ST3 = V13/V
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import overload

import numpy as np
from numpy.typing import NDArray

__all__ = ["ishigami", "IshigamiIndices", "ishigami_indices"]


@overload
def ishigami(x1: float, x2: float, x3: float, a: float = 7.0, b: float = 0.1) -> float: ...
@overload
def ishigami(x1: NDArray[np.float64], x2: NDArray[np.float64], x3: NDArray[np.float64], a: float = 7.0, b: float = 0.1
             ) -> NDArray[np.float64]: ...
def ishigami(x1: float | NDArray[np.float64], x2: float | NDArray[np.float64], x3: float | NDArray[np.float64],
             a: float = 7.0, b: float = 0.1) -> float | NDArray[np.float64]:
    """y = sin x1 + a sin^2 x2 + b x3^4 sin x1 (scalars or arrays)."""
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


@dataclass(frozen=True)
class IshigamiIndices:
    mean: float
    variance: float
    first_order: tuple[float, float, float]
    total: tuple[float, float, float]


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> IshigamiIndices:
    """Mean a/2, variance and first-order and total Sobol indices (module docstring)."""
    pi4, pi8 = math.pi**4, math.pi**8
    v1 = 0.5 * (1.0 + b * pi4 / 5.0) ** 2
    v2 = a**2 / 8.0
    v13 = 8.0 * b**2 * pi8 / 225.0
    variance = v1 + v2 + v13
    return IshigamiIndices(
        mean=a / 2.0,
        variance=variance,
        first_order=(v1 / variance, v2 / variance, 0.0),
        total=((v1 + v13) / variance, v2 / variance, v13 / variance),
    )
