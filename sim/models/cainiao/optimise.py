"""Numerical maximisation of a firm's profit over one price, and the leader-follower (Stackelberg) search of
Cainiao's transfer price against AliExpress's best response.

`maximise` brackets the maximum of a profit function on [low, high] with `scipy.optimize.minimize_scalar`
(bounded Brent), then polishes an interior maximum by solving the first-order condition d profit / d x = 0
with `scipy.optimize.brentq` on a central-difference derivative (Richardson-extrapolated from steps h and h/2). Why the polish: Brent's search on a function
value stalls at a relative error of about sqrt(machine epsilon) in x, since profit is flat at its maximum;
the nested leader problem sees that error in its own objective and would stall at about its square root
(1e-4). The derivative's root is found to about machine precision (the central difference is exact for a
quadratic profit, which linear demand gives; otherwise the extrapolated difference's error is O(h^4), which
logit demand needs: a plain central difference left its prices about 1e-6 off). Nothing here knows a closed form.
"""

from __future__ import annotations

from collections.abc import Callable

from scipy.optimize import brentq, minimize_scalar

__all__ = ["maximise", "RELATIVE_STEP"]

RELATIVE_STEP = 1e-4  #: the central difference's step, relative to the width of [low, high]


def maximise(profit: Callable[[float], float], low: float, high: float) -> float:
    """The x in [low, high] maximising `profit` (assumed single-peaked on the interval)."""
    if not high > low:
        return low
    width = high - low
    coarse = float(minimize_scalar(lambda x: -profit(x), bounds=(low, high), method="bounded",
                                   options={"xatol": 1e-9 * width}).x)
    step = RELATIVE_STEP * width

    def central(x: float, h: float) -> float:
        return (profit(x + h) - profit(x - h)) / (2.0 * h)

    def slope(x: float) -> float:  # Richardson's extrapolation of two central differences: error O(h^4)
        return (4.0 * central(x, step / 2.0) - central(x, step)) / 3.0

    for half_width in (100.0 * step, 0.05 * width):
        left, right = max(low + step, coarse - half_width), min(high - step, coarse + half_width)
        if right > left and slope(left) > 0.0 > slope(right):
            return float(brentq(slope, left, right, xtol=1e-15 * max(1.0, abs(coarse)), rtol=1e-15))
    # a corner (or a kink): the bounded search's answer, checked against the ends
    return max((low, coarse, high), key=profit)
