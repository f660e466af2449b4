"""Counter-based uniforms: member m's draw number k is a hash of (seed words, m, k), so each customer (or
flight) has its own random substream that costs nothing to create and never depends on other members.

SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA) mixes the
key; the top 53 bits give the double in [0, 1).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["counter_uniforms"]


@njit(cache=True)
def _splitmix64(x: np.uint64) -> np.uint64:
    x = (x + np.uint64(0x9E3779B97F4A7C15))
    z = x
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def counter_uniforms(key0: np.uint64, key1: np.uint64, members: NDArray[np.int64],
                     counters: NDArray[np.uint64]) -> NDArray[np.float64]:
    """U(0,1) draw number `counters[i]` of member `members[i]`'s own counter-based stream (SplitMix64
    over the stream's seed words, the member and the counter)."""
    n = members.size
    out = np.empty(n)
    for i in range(n):
        h = _splitmix64(key0 ^ _splitmix64(np.uint64(members[i]) ^ key1))
        h = _splitmix64(h ^ np.uint64(counters[i]))
        out[i] = (h >> np.uint64(11)) * (1.0 / 9007199254740992.0)
    return out
