"""Erlang C and Cobham's priority waits against values computed another way: hand values, the textbook
sum formula, the M/M/1 closed forms, work conservation, and an event simulation on simpy.PriorityResource."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import simpy
from scipy import stats

from sim.theory import queueing


def erlang_c_by_sums(load: float, servers: int) -> float:
    """C(c, a) = [a^c / c! * c / (c - a)] / [sum_{k<c} a^k / k! + a^c / c! * c / (c - a)] (Gross & Harris
    section 2.3), summed directly: a different algorithm from the module's Erlang B recursion."""
    tail = load**servers / math.factorial(servers) * servers / (servers - load)
    return tail / (sum(load**k / math.factorial(k) for k in range(servers)) + tail)


def test_erlang_c_hand_values():
    # M/M/2 with a = 1: P0 = 1/3, C = (a^2 / 2!) (1 / (1 - rho)) P0 = 1/3
    assert queueing.erlang_c(1.0, 1.0, 2) == pytest.approx(1.0 / 3.0, rel=1e-14)
    assert queueing.erlang_c(3.0, 3.0, 2) == pytest.approx(1.0 / 3.0, rel=1e-14)  # only a = lambda/mu matters
    # M/M/1: C = rho, Wq = rho / (mu - lambda), W = 1 / (mu - lambda)
    for rho in (0.0, 0.1, 0.5, 0.9, 0.99):
        assert queueing.erlang_c(rho * 4.0, 4.0, 1) == pytest.approx(rho, rel=1e-14, abs=1e-15)
        assert queueing.mean_wait_in_queue(rho * 4.0, 4.0, 1) == pytest.approx(rho / (4.0 - 4.0 * rho), rel=1e-13,
                                                                               abs=1e-15)
        assert queueing.mean_time_in_system(rho * 4.0, 4.0, 1) == pytest.approx(1.0 / (4.0 - 4.0 * rho), rel=1e-13)
    # empty system: nobody waits
    assert queueing.erlang_c(0.0, 1.0, 3) == 0.0


@pytest.mark.parametrize("servers, load", [(1, 0.3), (2, 1.6), (3, 2.0), (5, 4.5), (10, 8.0), (20, 19.0), (50, 40.0)])
def test_erlang_c_recursion_matches_sum_formula(servers, load):
    assert queueing.erlang_c(load * 2.5, 2.5, servers) == pytest.approx(erlang_c_by_sums(load, servers), rel=1e-12)
    wq = queueing.mean_wait_in_queue(load * 2.5, 2.5, servers)
    assert queueing.mean_queue_length(load * 2.5, 2.5, servers) == pytest.approx(load * 2.5 * wq, rel=1e-14)
    assert queueing.mean_time_in_system(load * 2.5, 2.5, servers) == pytest.approx(wq + 1 / 2.5, rel=1e-14)


def test_erlang_c_rejects_unstable_queue():
    with pytest.raises(ValueError):
        queueing.erlang_c(2.0, 1.0, 2)


@pytest.mark.parametrize("rates, servers", [([0.4, 0.6], 2), ([0.2, 0.3], 1), ([0.3, 1.1, 0.9, 0.2], 3),
                                            ([5.0, 0.0, 20.0], 30), ([0.01, 0.98], 1)])
def test_cobham_waits_conserve_work(rates, servers):
    """Work conservation: with a common exponential service rate the number in the system evolves the same
    under any non-preemptive discipline that does not look at service times, so by Little's law the
    lambda-weighted mean wait is the FCFS Wq whatever the priority order (Kleinrock 1965, "A conservation
    law for a wide class of queueing disciplines", Naval Research Logistics Quarterly 12)."""
    mu = 1.0
    waits = np.array(queueing.priority_waits_in_queue(rates, mu, servers))
    fcfs = queueing.mean_wait_in_queue(sum(rates), mu, servers)
    assert np.dot(rates, waits) / sum(rates) == pytest.approx(fcfs, rel=1e-12)
    reversed_waits = np.array(queueing.priority_waits_in_queue(rates[::-1], mu, servers))
    assert np.dot(rates[::-1], reversed_waits) / sum(rates) == pytest.approx(fcfs, rel=1e-12)
    assert np.all(np.diff(waits) > 0)  # lower priority waits longer


def test_cobham_special_cases():
    # one class is FCFS
    assert queueing.priority_waits_in_queue([1.5], 1.0, 2) == pytest.approx((queueing.mean_wait_in_queue(1.5, 1.0, 2),))
    # M/M/1, two classes, by hand: W0 = rho / mu = 0.5, W1 = 0.5 / 0.8, W2 = 0.5 / (0.8 * 0.5)
    assert queueing.priority_waits_in_queue([0.2, 0.3], 1.0, 1) == pytest.approx((0.625, 1.25), rel=1e-14)
    with pytest.raises(ValueError):
        queueing.priority_waits_in_queue([0.5, 0.5], 1.0, 1)  # sigma_K = 1
    with pytest.raises(ValueError):
        queueing.priority_waits_in_queue([], 1.0, 1)


def wait_quantile_by_bisection(q: float, arrival_rate: float, service_rate: float, servers: int) -> float:
    """Invert P(Wq <= t) = 1 - C e^{-(c mu - lambda) t} by bisection."""
    waiting = erlang_c_by_sums(arrival_rate / service_rate, servers)
    low, high = 0.0, 1e3
    for _ in range(200):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if 1.0 - waiting * math.exp(-(servers * service_rate - arrival_rate) * mid) < q else (low, mid)
    return high


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9, 0.99])
def test_wait_quantile(q):
    expected = wait_quantile_by_bisection(q, 36.0, 10.0, 4)
    assert queueing.wait_quantile(q, 36.0, 10.0, 4) == pytest.approx(expected, rel=1e-9, abs=1e-12)


# --- Cobham against an event simulation -----------------------------------------------------------------------

# Two classes (class 1 served first), two servers, utilisation 0.5: W = (0.208, 0.417) hours against the
# FCFS 0.333, so a simulation that ignored priorities would miss both by 20-60%.
RATES = (0.4, 0.6)           # arrivals per hour, class 1 then class 2
SERVICE_RATE = 1.0           # per server and hour
SERVERS = 2
WARMUP_HOURS = 50.0          # the queue relaxes in ~10 hours at this load; the run starts empty
WINDOW_HOURS = 7_200.0       # counted arrivals per replication: ~7,200
REPLICATIONS = 100
FAMILY_FALSE_FAILURE = 0.001  # over both classes (Bonferroni)
POWER_AGAINST = 0.05          # relative error the test must detect with power >= 0.9

# Sizing. A pilot (1,350 replications of 1,000-2,500 customers, other seeds) put the variance of a
# replication's class-2 mean wait at 57-75 W_2^2 / n for n customers (class 1: 34-39); with the design value 75
# and n = 720,000 customers in all the standard error is 1.02% of W_2. The two-sided per-class test at level
# 0.001 / 2 has t_99 critical value 3.60, so a 5% error in W_k is a shift of >= 4.9 standard errors: power
# >= Phi(4.9 - 3.60) = 0.90. The test asserts the realised standard errors meet that bound.


def simulate_priority_queue(rng: np.random.Generator) -> list[float]:
    """One replication on simpy.PriorityResource: each class a Poisson stream, exponential service at a
    common rate, non-preemptive priority (lower number first; FIFO within a class, which SimPy breaks by
    request time). Returns each class's mean wait in queue over arrivals in [warm-up, warm-up + window)."""
    horizon = WARMUP_HOURS + WINDOW_HOURS
    times, classes = [], []
    for k, rate in enumerate(RATES):
        arrivals = np.cumsum(rng.standard_exponential(int(rate * horizon * 1.2 + 100))) / rate
        assert arrivals[-1] >= horizon
        arrivals = arrivals[arrivals < horizon]
        times.append(arrivals)
        classes.append(np.full(arrivals.size, k))
    arrival_hours = np.concatenate(times)
    order = np.argsort(arrival_hours, kind="stable")
    arrival_hours, priority = arrival_hours[order], np.concatenate(classes)[order]
    service_hours = rng.standard_exponential(arrival_hours.size) / SERVICE_RATE

    env = simpy.Environment()
    servers = simpy.PriorityResource(env, capacity=SERVERS)
    waits = np.empty(arrival_hours.size)
    arrival_list, priority_list, service_list = arrival_hours.tolist(), priority.tolist(), service_hours.tolist()

    def customer(i: int):
        with servers.request(priority=priority_list[i]) as request:
            yield request
            waits[i] = env.now - arrival_list[i]
            yield env.timeout(service_list[i])

    def source():
        for i, arrival in enumerate(arrival_list):
            yield env.timeout(arrival - env.now)
            env.process(customer(i))

    env.process(source())
    env.run()
    counted = arrival_hours >= WARMUP_HOURS
    return [float(waits[counted & (priority == k)].mean()) for k in range(len(RATES))]


@pytest.mark.slow
def test_cobham_waits_match_priority_resource_simulation():
    start = time.perf_counter()
    rng = np.random.default_rng(20261127)
    means = np.array([simulate_priority_queue(rng) for _ in range(REPLICATIONS)])
    theory = np.array(queueing.priority_waits_in_queue(RATES, SERVICE_RATE, SERVERS))
    estimate = means.mean(axis=0)
    standard_error = means.std(axis=0, ddof=1) / np.sqrt(REPLICATIONS)
    critical = stats.t.ppf(1.0 - FAMILY_FALSE_FAILURE / (2 * len(RATES)), REPLICATIONS - 1)
    z = (estimate - theory) / standard_error
    print(f"W_k theory {theory}, simulated {estimate}, relative s.e. {standard_error / theory}, t {z}, "
          f"{time.perf_counter() - start:.1f} s")
    assert np.all(np.abs(z) <= critical), (theory, estimate, z)
    # the design's power: a 5% error would be a shift of at least (t critical + z_0.9) standard errors
    assert np.all(standard_error / theory <= POWER_AGAINST / (critical + stats.norm.ppf(0.9))), standard_error / theory
