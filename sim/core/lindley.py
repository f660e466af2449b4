"""Lindley's recursion for the wait in queue of a single-server FIFO queue, and the M/M/1 queue's exact
waiting-time distribution: the reference system that output-analysis methods are validated against.

Customer n waits W_n in queue, is served for S_n, and customer n + 1 arrives A_{n+1} later:

    W_{n+1} = max(0, W_n + S_n - A_{n+1})                                     (Lindley 1952)

In the M/M/1 queue (arrival rate lambda, service rate mu, utilisation rho = lambda / mu < 1) the stationary
wait in queue has P(W = 0) = 1 - rho and P(W > w) = rho * exp(-(mu - lambda) w), with mean
W_q = rho / (mu - lambda) (Kleinrock 1975, Queueing Systems vol. 1, ch. 3). Starting the recursion from a draw
of that distribution keeps every W_n stationary, so the mean of a finite run is an unbiased estimate of W_q.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from numba import njit

__all__ = ["MM1", "lindley_waits", "lindley_waits_numpy"]


@dataclass(frozen=True)
class MM1:
    """The M/M/1 queue with arrival rate `arrival_rate` (lambda) and service rate `service_rate` (mu)."""

    arrival_rate: float
    service_rate: float

    def __post_init__(self) -> None:
        if not 0.0 < self.arrival_rate < self.service_rate:
            raise ValueError(
                f"M/M/1 needs 0 < arrival_rate < service_rate (got {self.arrival_rate}, {self.service_rate})"
            )

    @property
    def utilisation(self) -> float:
        """rho = lambda / mu."""
        return self.arrival_rate / self.service_rate

    @property
    def mean_wait_in_queue(self) -> float:
        """W_q = rho / (mu - lambda)."""
        return self.utilisation / (self.service_rate - self.arrival_rate)

    def wait_in_queue_quantile(self, u: ArrayLike) -> NDArray[np.float64]:
        """Inverse of the stationary wait-in-queue CDF F(w) = 1 - rho exp(-(mu - lambda) w), w >= 0, at
        probabilities `u` in [0, 1). Feeding it uniforms draws stationary initial waits (inversion keeps
        common random numbers monotone across scenarios)."""
        u = np.asarray(u, dtype=np.float64)
        rho = self.utilisation
        tail = np.maximum((1.0 - u) / rho, np.finfo(np.float64).tiny)
        return np.where(u <= 1.0 - rho, 0.0, -np.log(tail) / (self.service_rate - self.arrival_rate))


@njit(cache=True)
def _lindley_kernel(w0: float, service: NDArray[np.float64], interarrival: NDArray[np.float64],
                    waits: NDArray[np.float64]) -> None:
    w = w0
    for n in range(service.size):
        w = max(0.0, w + service[n] - interarrival[n])
        waits[n] = w


def lindley_waits(w0: float, service: ArrayLike, interarrival: ArrayLike) -> NDArray[np.float64]:
    """Waits W_1..W_N of customers 1..N given the wait `w0` of customer 0, the service times
    `service[n]` = S_n and the interarrival times `interarrival[n]` = A_{n+1}, n = 0..N-1.

    The draws are arguments, so one set of draws can drive several scenarios (common random numbers)."""
    s = np.ascontiguousarray(service, dtype=np.float64)
    a = np.ascontiguousarray(interarrival, dtype=np.float64)
    if s.ndim != 1 or s.shape != a.shape:
        raise ValueError(f"service and interarrival must be 1-D of equal length (got {s.shape}, {a.shape})")
    if not (np.isfinite(w0) and w0 >= 0.0):
        raise ValueError(f"w0 must be a finite non-negative wait (got {w0})")
    waits = np.empty_like(s)
    _lindley_kernel(float(w0), s, a, waits)
    return waits


def lindley_waits_numpy(w0: float, service: ArrayLike, interarrival: ArrayLike) -> NDArray[np.float64]:
    """NumPy twin of `lindley_waits` from the closed form of the recursion: with U_n = sum_{k<=n} (S_{k-1} -
    A_k), W_n = U_n - min(-w0, min_{1<=k<=n} U_k). Loses accuracy on very long runs (cumulative sums);
    meant for tests."""
    u = np.cumsum(np.asarray(service, dtype=np.float64) - np.asarray(interarrival, dtype=np.float64))
    return u - np.minimum(np.minimum.accumulate(u), -float(w0))
