"""Workloads (enterprise cloud accounts) of one type: their draws, their event calendar and their choices.

Every random number a workload will ever use is drawn up front from streams named by workload type, in
blocks indexed by the workload's arrival order, so two scenarios run with the same seed give workload i
the same size, tastes, switching cost, contract dates and choice uniforms (common random numbers): only
prices differ.

Choice (McFadden 1974): a choosing workload i picks provider j with the logit probability of

    u_ij = delta_j - alpha_i p_j + kappa_i a_ij

computed by `sim.kernels.logit.logit_probabilities` (no outside option: "others" is a provider), where
a_ij is the share of i's volume currently at j (the incumbent bonus from switching costs; 0 for a new
workload). Single-homing workloads draw one provider from these probabilities by inversion of a
pre-drawn uniform; multi-homing workloads split their volume in proportion to them.
"""

from __future__ import annotations

import numpy as np

from sim.core.rng import Streams
from sim.kernels.logit import logit_probabilities
from sim.kernels.mixed_logit import draw_consumer_tastes
from sim.kernels.sampling import lognormal_with_mean, unit_poisson_epochs
from sim.models.cloud.config import QUARTER_DAYS, CloudScenario, WorkloadType, quarter_index

#: events handled together by the SimPy process (within one quarter); see `Population._calendar`
GROUP_DAYS = 7.0

__all__ = ["Population", "arrival_times_quarters", "draw_price_sensitivities", "choice_utilities",
           "choose", "exit_rate", "EXIT"]

#: event number of an exit in `Population.events` (0 = arrival, k >= 1 = the k-th renewal)
EXIT = -1


def exit_rate(exit_probability_per_quarter: float) -> float:
    """lambda, the exit hazard per quarter, such that a live workload leaves within a quarter with
    probability p = 1 - exp(-lambda)."""
    return float(-np.log1p(-exit_probability_per_quarter))


def draw_price_sensitivities(rng: np.random.Generator, n: int, workload: WorkloadType) -> np.ndarray:
    """alpha_i for n workloads from the kernel's taste distribution (lognormal)."""
    if n == 0:
        return np.empty(0)
    alpha, _ = draw_consumer_tastes(rng, n, workload.price_sensitivity_mean, workload.price_sensitivity_sigma,
                                    1.0, 0.0, "lognormal")  # no delivery attribute: gamma is unused
    return np.asarray(alpha, dtype=np.float64)


def arrival_times_quarters(rng: np.random.Generator, rate0: float, growth_per_year: float, start_q: float,
                           end_q: float) -> np.ndarray:
    """Arrival times (quarters) of a Poisson process with rate rate0 exp(g (t - start_q)) per quarter on
    [start_q, end_q), by inverting the cumulative rate Lambda(t) = rate0 (exp(g s) - 1) / g, s = t - start_q,
    at the partial sums of standard exponentials."""
    if rate0 <= 0.0 or end_q <= start_q:
        return np.empty(0)
    g = growth_per_year / 4.0
    span = end_q - start_q
    total = rate0 * (np.expm1(g * span) / g if abs(g) > 1e-12 else span)
    e = unit_poisson_epochs(rng, total)
    s = np.log1p(g * e / rate0) / g if abs(g) > 1e-12 else e / rate0
    return start_q + s


def choice_utilities(alpha: np.ndarray, delta: np.ndarray, price: np.ndarray, kappa: np.ndarray | None = None,
                     allocation: np.ndarray | None = None) -> np.ndarray:
    """(n, J) utilities delta_j - alpha_i p_j (+ kappa_i a_ij)."""
    u = delta[None, :] - alpha[:, None] * price[None, :]
    if kappa is not None and allocation is not None:
        u = u + kappa[:, None] * allocation
    return np.ascontiguousarray(u, dtype=np.float64)


def choose(probabilities: np.ndarray, uniforms: np.ndarray, multihome: np.ndarray) -> np.ndarray:
    """New allocations: one-hot by inversion of `uniforms` for single-homers, the probabilities themselves
    for multi-homers (rows sum to 1 either way)."""
    n, J = probabilities.shape
    cumulative = np.cumsum(probabilities, axis=1)
    pick = np.minimum((cumulative < uniforms[:, None] * cumulative[:, -1:]).sum(axis=1), J - 1)
    allocation = np.zeros((n, J))
    allocation[np.arange(n), pick] = 1.0
    allocation[multihome] = probabilities[multihome] / probabilities[multihome].sum(axis=1, keepdims=True)
    return allocation


class Population:
    """All workloads of one type that will ever exist in the replication, with their event calendar.

    Arrays are indexed by arrival order (initial workloads first). `allocation[i]` is the share of i's
    volume at each provider (zero until i arrives)."""

    def __init__(self, kind: str, w: int, config: CloudScenario, streams: Streams, n_providers: int,
                 initial_share: np.ndarray):
        params = config.workloads[kind]  # type: ignore[index]
        self.kind, self.w, self.params = kind, w, params
        n_quarters = config.n_quarters
        start = 0.0
        if params.arrivals_start_quarter is not None:
            start = float(quarter_index(params.arrivals_start_quarter, config.market.start_quarter))
        arrivals = arrival_times_quarters(streams[f"{kind}.arrivals"], params.arrivals_per_quarter,
                                          params.arrivals_growth_per_year, max(start, 0.0), float(n_quarters))
        n0 = params.initial_workloads
        self.n0 = n0
        self.n = n0 + arrivals.size
        self.arrival_q = np.concatenate((np.zeros(n0), arrivals))
        # one stream per attribute, drawn in arrival order: workload i's draws do not depend on how many
        # workloads arrive after it
        n = self.n
        shape = params.size_pareto_shape
        self.size = (streams[f"{kind}.size"].pareto(shape, n) + 1.0) * (shape - 1.0) / shape
        s = params.switching_cost_sigma
        self.kappa = lognormal_with_mean(params.switching_cost_mean, s, streams[f"{kind}.switching"].standard_normal(n))
        self.multihome = streams[f"{kind}.multihome"].random(n) < params.multihome_share
        phase = streams[f"{kind}.phase"].random(n)
        self.alpha = draw_price_sensitivities(streams[f"{kind}.tastes"], n, params)
        T = params.contract_quarters
        self.first_renewal_q = np.where(np.arange(self.n) < n0, phase * T, self.arrival_q + T)
        rate = exit_rate(params.exit_probability_per_quarter)
        lifetimes = streams[f"{kind}.exits"].standard_exponential(n)
        self.exit_q = self.arrival_q + (lifetimes / rate if rate > 0.0 else np.inf)
        self.max_renewals = int(np.ceil(n_quarters / T)) + 1
        choice_rng = streams[f"{kind}.choices"]
        # column 0: arrival (or initial) choice; column k >= 1: k-th renewal
        self.choice_uniform = choice_rng.random((n, self.max_renewals + 1))
        self.review_uniform = streams[f"{kind}.reviews"].random((n, self.max_renewals + 1))
        self.allocation = np.zeros((self.n, n_providers))
        if n0:
            initial = streams[f"{kind}.initial"].random(n0)
            idx = np.minimum(np.searchsorted(np.cumsum(initial_share), initial, side="right"), n_providers - 1)
            self.allocation[np.arange(n0), idx] = 1.0
            self.allocation[:n0][self.multihome[:n0]] = initial_share
        self.active = np.zeros(self.n, dtype=bool)
        self.active[:n0] = True
        self.events = self._calendar(n_quarters)

    def _calendar(self, n_quarters: int) -> list[tuple[float, np.ndarray, np.ndarray, np.ndarray]]:
        """Events grouped by (quarter, week): a list of (time of the first event in days, workload indices,
        event numbers, event times in days), event number 0 = arrival, k >= 1 = the k-th renewal and
        EXIT = -1 an exit. Every time is exact and is used for the accounts. Grouping changes nothing but
        speed: prices change only at quarter starts and a workload's choice depends only on its own state,
        so events within a quarter may be handled in any order (a contract of at least 0.1 quarter keeps a
        workload to one choice a group; its exit, if in the same group, comes after its choice and is
        handled after the group's choices)."""
        T = self.params.contract_quarters
        ks = np.arange(self.max_renewals)
        renew_q = self.first_renewal_q[:, None] + ks[None, :] * T
        who = np.repeat(np.arange(self.n), self.max_renewals)
        number = np.tile(ks + 1, self.n)
        times = renew_q.ravel()
        alive = times < self.exit_q[who]  # no renewal at or after the exit
        who, number, times = who[alive], number[alive], times[alive]
        arrivals = np.arange(self.n0, self.n)
        leaving = np.flatnonzero(np.isfinite(self.exit_q))
        times = np.concatenate((self.arrival_q[self.n0:], times, self.exit_q[leaving]))
        who = np.concatenate((arrivals, who, leaving))
        number = np.concatenate((np.zeros(arrivals.size, dtype=np.int64), number,
                                 np.full(leaving.size, EXIT, dtype=np.int64)))
        keep = times < n_quarters
        times, who, number = times[keep] * QUARTER_DAYS, who[keep], number[keep]
        order = np.lexsort((number, times))
        times, who, number = times[order], who[order], number[order]
        key = np.floor(times / QUARTER_DAYS) * 1_000_000 + np.floor(times / GROUP_DAYS)
        if times.size == 0:
            return []
        breaks = np.flatnonzero(np.diff(key)) + 1
        groups = []
        for lo, hi in zip(np.concatenate(([0], breaks)), np.concatenate((breaks, [times.size]))):
            groups.append((float(times[lo]), who[lo:hi], number[lo:hi], times[lo:hi]))
        return groups

    def process(self, who: np.ndarray, number: np.ndarray, times: np.ndarray, delta: np.ndarray,
                price: np.ndarray, review_probability: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Handle the choices of one group of events (arrivals and renewals) at the given prices. Returns
        (indices whose allocation may change, old allocations, new allocations, event times in days)."""
        arriving = number == 0
        reviewing = arriving | (self.review_uniform[who, number] < review_probability)
        idx = who[reviewing]
        if idx.size == 0:
            return idx, np.zeros((0, delta.size)), np.zeros((0, delta.size)), times[reviewing]
        old = self.allocation[idx].copy()
        utilities = choice_utilities(self.alpha[idx], delta, price, self.kappa[idx], old)
        probabilities = logit_probabilities(utilities, False)
        new = choose(np.asarray(probabilities), self.choice_uniform[idx, number[reviewing]], self.multihome[idx])
        self.allocation[idx] = new
        self.active[idx] = True
        return idx, old, new, times[reviewing]

    def leave(self, who: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Exits: the workloads `who` leave the market (allocation to 0). Same return as `process`."""
        old = self.allocation[who].copy()
        self.allocation[who] = 0.0
        self.active[who] = False
        return who, old, np.zeros_like(old), times
