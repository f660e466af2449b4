"""Closed-form M/M/c results (Erlang C) that the simulated customs queue is checked against.

Notation: arrival rate lambda, service rate mu per server, c servers, offered load a = lambda/mu,
utilisation rho = a/c < 1. Source: Kleinrock (1975), Queueing Systems vol. 1, section 3.5;
Gross & Harris, Fundamentals of Queueing Theory, section 2.3.
"""

from __future__ import annotations

import math

__all__ = ["erlang_c", "mean_wait_in_queue", "mean_queue_length", "mean_time_in_system", "wait_quantile"]


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> float:
    """P(an arriving customer waits) = C(c, a), computed with the stable Erlang B recursion
    B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)), then C = B / (1 - rho (1 - B))."""
    load = arrival_rate / service_rate
    rho = load / servers
    if not 0.0 <= rho < 1.0:
        raise ValueError(f"utilisation {rho} must be in [0, 1)")
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking / (1.0 - rho * (1.0 - blocking))


def mean_wait_in_queue(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Wq = C(c, a) / (c mu - lambda)."""
    return erlang_c(arrival_rate, service_rate, servers) / (servers * service_rate - arrival_rate)


def mean_queue_length(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Lq = lambda Wq (Little's law)."""
    return arrival_rate * mean_wait_in_queue(arrival_rate, service_rate, servers)


def mean_time_in_system(arrival_rate: float, service_rate: float, servers: int) -> float:
    """W = Wq + 1/mu."""
    return mean_wait_in_queue(arrival_rate, service_rate, servers) + 1.0 / service_rate


def wait_quantile(q: float, arrival_rate: float, service_rate: float, servers: int) -> float:
    """The q-quantile of the wait in queue: P(Wq > t) = C e^{-(c mu - lambda) t}, so the quantile is 0 when
    q <= 1 - C and ln(C / (1 - q)) / (c mu - lambda) otherwise."""
    waiting = erlang_c(arrival_rate, service_rate, servers)
    if q <= 1.0 - waiting:
        return 0.0
    return math.log(waiting / (1.0 - q)) / (servers * service_rate - arrival_rate)
