"""Closed-form results for M/M/c queues: Erlang C (first-come-first-served) and Cobham's non-preemptive
priority waits.

Notation: arrival rate lambda, service rate mu per server, c identical servers, offered load a = lambda/mu
(in Erlangs), utilisation rho = a/c < 1. Rates are per unit of time (per hour in the models), so waits come
out in that unit's reciprocal (hours). Assumptions throughout: Poisson arrivals, exponential service times
independent of the arrivals, unlimited waiting room, no abandonment, steady state.

Sources: Kleinrock (1975), Queueing Systems vol. 1, section 3.5; Gross & Harris, Fundamentals of Queueing
Theory, section 2.3 (Erlang C); Cobham (1954), "Priority assignment in waiting line problems", Journal of
the Operations Research Society of America 2(1), 70-76 (priority classes); Kleinrock (1976), Queueing
Systems vol. 2, section 3.6.

Pure Python (only `math`): the models import this module, and its import must stay cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["erlang_c", "mean_wait_in_queue", "mean_queue_length", "mean_time_in_system", "wait_quantile",
           "priority_waits_in_queue"]


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> float:
    """P(an arriving customer waits) = C(c, a), computed with the stable Erlang B recursion
    B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)), then C = B / (1 - rho (1 - B)).

    M/M/1: C = rho. Gross & Harris section 2.3; Kleinrock (1975) section 3.5."""
    load = arrival_rate / service_rate
    rho = load / servers
    if not 0.0 <= rho < 1.0:
        raise ValueError(f"utilisation {rho} must be in [0, 1)")
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking / (1.0 - rho * (1.0 - blocking))


def mean_wait_in_queue(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Wq = C(c, a) / (c mu - lambda), the mean wait before service starts (FCFS)."""
    return erlang_c(arrival_rate, service_rate, servers) / (servers * service_rate - arrival_rate)


def mean_queue_length(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Lq = lambda Wq (Little's law), the time-average number waiting."""
    return arrival_rate * mean_wait_in_queue(arrival_rate, service_rate, servers)


def mean_time_in_system(arrival_rate: float, service_rate: float, servers: int) -> float:
    """W = Wq + 1/mu, the mean wait plus the mean service time."""
    return mean_wait_in_queue(arrival_rate, service_rate, servers) + 1.0 / service_rate


def wait_quantile(q: float, arrival_rate: float, service_rate: float, servers: int) -> float:
    """The q-quantile of the wait in queue (FCFS): P(Wq > t) = C e^{-(c mu - lambda) t}, so the quantile is 0
    when q <= 1 - C and ln(C / (1 - q)) / (c mu - lambda) otherwise (Gross & Harris section 2.3)."""
    waiting = erlang_c(arrival_rate, service_rate, servers)
    if q <= 1.0 - waiting:
        return 0.0
    return math.log(waiting / (1.0 - q)) / (servers * service_rate - arrival_rate)


def priority_waits_in_queue(arrival_rates: Sequence[float], service_rate: float, servers: int
                            ) -> tuple[float, ...]:
    """Mean wait in queue W_k of each priority class under non-preemptive priorities (Cobham 1954).

    Classes k = 1..K in the order given, class 1 served first; within a class first-come-first-served; a
    customer in service is never interrupted. Class k arrives as a Poisson stream of rate lambda_k; every
    class has the same exponential service rate mu (needed for the c-server form: while all c servers are
    busy the next one frees after an exponential time of rate c mu, whichever classes are in service). With
    a = sum_k lambda_k / mu, sigma_k = sum_{i<=k} lambda_i / (c mu), sigma_0 = 0 and sigma_K < 1,

        W_k = W_0 / ((1 - sigma_{k-1}) (1 - sigma_k)),      W_0 = C(c, a) / (c mu),

    with C(c, a) the Erlang C probability at the total load. Work conservation: the lambda-weighted mean
    of the W_k equals the FCFS Wq = C(c, a) / (c mu - lambda). Cobham (1954); for c = 1 (W_0 = rho / mu) see
    also Kleinrock (1976), Queueing Systems vol. 2, section 3.6."""
    rates = [float(rate) for rate in arrival_rates]
    if not rates or min(rates) < 0.0:
        raise ValueError(f"arrival_rates must be a non-empty sequence of rates >= 0 (got {arrival_rates!r})")
    capacity = servers * service_rate
    residual = erlang_c(sum(rates), service_rate, servers) / capacity
    waits = []
    before = 0.0  # sigma_{k-1}
    for rate in rates:
        upto = before + rate / capacity  # sigma_k
        waits.append(residual / ((1.0 - before) * (1.0 - upto)))
        before = upto
    return tuple(waits)
