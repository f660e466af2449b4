"""The simulation's expected path, computed without sampling (a mean-field twin for fitting).

The discrete-event market draws who chooses what; this module carries the expected mass of workloads
instead, so that it is a smooth function of the parameters (what `scipy.optimize.least_squares` needs).
Tastes are represented by R fixed draws (segments r with price sensitivity alpha_r and switching cost
kappa_r, from a seeded generator: common random numbers across evaluations). Workloads are followed in
cohorts c by the timing of their renewals: one cohort per quarter of arrivals, and the initial workloads
split by the quarter of their first renewal (their phase is uniform over one contract). With m_crj the
expected mass of cohort c, segment r at provider j, per quarter q:

    m'_crk = (1 - x) [(1 - h_cq) m_crk + h_cq sum_j m_crj P_r(k | incumbent j)],
    m'_qrk = (A_q / R) (x / lambda) P_r(k | new)    (the cohort arriving in q),

with h_cq = review x (expected renewals of a cohort-c workload in quarter q, `renewal_fraction`: a
workload arriving at time a renews at a + T, a + 2T, ..., T the contract length; for the initial
cohorts 1 / T on average), x the exit probability a quarter and lambda = -ln(1 - x) the exit hazard
(x / lambda = (1 - e^-lambda) / lambda is the chance that a workload arriving uniformly within the
quarter is still there at its end; 1 when x = 0), where P_r(k | incumbent j) is the logit probability
(the `logit_probabilities` kernel) of the utilities delta_k - alpha_r p_k + kappa_r 1[k = j] and A_q the
expected arrivals in the quarter. The quarter's volume is the mean of the start and end masses (arrivals,
re-choices and exits happen, on average, mid-quarter; for the exits this is 1 - x/2 against the exact
x / lambda, equal to second order in x), times the seasonal factor of the calendar quarter relative to
the start quarter's. Prices, rival responses, learning and GPU rationing follow the same `ProviderBook`
and rules as the simulation. Approximations, stated: multi-homing workloads are treated like single-
homers (equal in expectation for new workloads); within a cohort the workloads renewing in a quarter are
taken to hold the cohort's average allocation (exact for arrival cohorts with a whole number of quarters
per contract, which renew together); arrivals do not renew within their arrival quarter (exact for
contracts of at least one quarter).
"""

from __future__ import annotations

import functools

import numpy as np
import polars as pl

from sim.kernels.logit import logit_probabilities
from sim.kernels.sampling import lognormal_with_mean
from sim.models.cloud.config import WORKLOAD_TYPES, CloudScenario, quarter_index, quarter_label
from sim.models.cloud.customers import choice_utilities, draw_price_sensitivities, exit_rate
from sim.models.cloud.policies import apply_best_responses
from sim.models.cloud.providers import ProviderBook

__all__ = ["expected_arrivals", "expected_market", "renewal_fraction", "cohorts"]


def expected_arrivals(rate0: float, growth_per_year: float, start_q: float, q: int) -> float:
    """Expected arrivals in quarter [q, q + 1) of the Poisson process of `arrival_times_quarters`."""
    lo, hi = max(float(q), start_q), float(q + 1)
    if hi <= lo or rate0 <= 0.0:
        return 0.0
    g = growth_per_year / 4.0
    if abs(g) < 1e-12:
        return rate0 * (hi - lo)
    arrivals: float = rate0 * (np.exp(g * (hi - start_q)) - np.exp(g * (lo - start_q))) / g
    return arrivals


@functools.lru_cache(maxsize=65536)  # pure; a fit asks for the same few thousand values at every evaluation
def renewal_fraction(a: float, b: float, T: float, q: int) -> float:
    """Expected renewals in quarter [q, q + 1) per workload of a cohort whose (virtual) arrival times are
    uniform on [a, b) and whose contracts renew at arrival + k T, k >= 1:
    (1 / (b - a)) sum_k |[a + kT, b + kT) & [q, q + 1)|."""
    total, k = 0.0, max(1, int(np.floor((q - b) / T)))
    while a + k * T < q + 1:
        total += max(0.0, min(b + k * T, q + 1.0) - max(a + k * T, float(q)))
        k += 1
    return total / (b - a)


def cohorts(T: float, n_quarters: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The (virtual) arrival intervals [a, b) of the cohorts of one workload type and their share of the
    initial workloads: first the initial workloads, split by the quarter s of their first renewal (phase
    uniform on [0, T): first renewal in [s, min(s + 1, T)), i.e. a virtual arrival T earlier), then one
    cohort per quarter of arrivals. Returns (a, b, initial weight)."""
    n_initial = int(np.ceil(T))
    s = np.arange(n_initial, dtype=np.float64)
    top = np.minimum(s + 1.0, T)
    a = np.concatenate((s - T, np.arange(n_quarters, dtype=np.float64)))
    b = np.concatenate((top - T, np.arange(n_quarters, dtype=np.float64) + 1.0))
    weight = np.concatenate(((top - s) / T, np.zeros(n_quarters)))
    return a, b, weight


def expected_market(config: CloudScenario, taste_seed: int = 0, segments: int = 200) -> pl.DataFrame:
    """Expected quarterly revenue, revenue share, workload share and workloads at the quarter's end by
    provider (one row per quarter and provider)."""
    book = ProviderBook(config)
    J = book.J
    names = book.names
    n_quarters = config.n_quarters
    rng = np.random.default_rng(taste_seed)
    alpha, kappa, mass, starts, bounds = [], [], [], [], []
    initial_share = np.array([config.providers[n].initial_share for n in names])
    for kind in WORKLOAD_TYPES:
        params = config.workloads[kind]
        alpha.append(draw_price_sensitivities(rng, segments, params))
        s = params.switching_cost_sigma
        kappa.append(lognormal_with_mean(params.switching_cost_mean, s, rng.standard_normal(segments)))
        a, b, weight = cohorts(params.contract_quarters, n_quarters)
        bounds.append((a, b, np.flatnonzero(weight == 0.0)[0] if (weight == 0.0).any() else a.size))
        # mass[w][c, r, j]: expected workloads of cohort c and taste segment r at provider j
        mass.append(weight[:, None, None] * np.tile(initial_share * params.initial_workloads / segments,
                                                    (segments, 1))[None, :, :])
        starts.append(0.0 if params.arrivals_start_quarter is None
                      else float(quarter_index(params.arrivals_start_quarter, config.market.start_quarter)))
    book.set_initial_volume(np.column_stack([m.sum(axis=(0, 1)) for m in mass]))
    rpw = np.array([config.workloads[k].revenue_per_workload_quarter_rmb_bn for k in WORKLOAD_TYPES])
    elasticity = np.array([config.workloads[k].price_elasticity for k in WORKLOAD_TYPES])
    eye = np.eye(J)
    rows = []
    for q in range(n_quarters):
        book.begin_quarter(q)
        apply_best_responses(book, q, config, alpha)
        price, delta = book.type_prices(), book.delta(q)
        volume = np.zeros((J, 2))
        counts = np.zeros((J, 2))
        for w, kind in enumerate(WORKLOAD_TYPES):
            params = config.workloads[kind]
            a, b, first_arrival = bounds[w]
            live = first_arrival + q  # cohorts that exist at the start of quarter q
            T = params.contract_quarters
            hazard = np.array([min(params.review_probability * renewal_fraction(float(a[c]), float(b[c]), T, q), 1.0)
                               for c in range(live)])
            new = np.asarray(logit_probabilities(choice_utilities(alpha[w], delta[:, w], price[:, w]), False))
            stay = np.stack([np.asarray(logit_probabilities(choice_utilities(
                alpha[w], delta[:, w], price[:, w], kappa[w], np.tile(eye[j], (segments, 1))), False))
                for j in range(J)])  # stay[j, r, k]: segment r at incumbent j chooses k
            start = mass[w][:live]
            # moved[c, r, k] = sum_j start[c, r, j] stay[j, r, k], batched over the segments r
            moved = np.matmul(start.transpose(1, 0, 2), stay.transpose(1, 0, 2)).transpose(1, 0, 2)
            arrivals = expected_arrivals(params.arrivals_per_quarter, params.arrivals_growth_per_year,
                                         starts[w], q)
            x = params.exit_probability_per_quarter
            arrival_survival = x / exit_rate(x) if x > 0.0 else 1.0
            end = mass[w].copy()
            end[:live] = (1.0 - x) * ((1.0 - hazard)[:, None, None] * start + hazard[:, None, None] * moved)
            end[live] = arrivals * arrival_survival / segments * new
            end_count = end.sum(axis=0).sum(axis=0)
            volume[:, w] = 0.5 * (start.sum(axis=0).sum(axis=0) + end_count)
            counts[:, w] = end_count
            mass[w] = end
        label = quarter_label(config.market.start_quarter, q)
        demand = config.market.seasonality.relative(label, config.market.start_quarter) * volume * price ** elasticity[None, :]
        served = demand.copy()
        served[:, 1] = np.minimum(demand[:, 1], book.gpu_capacity)
        book.record_genai_demand(demand[:, 1])
        revenue = (rpw[None, :] * price * served).sum(axis=1)
        book.add_volume(served)
        total, total_count = revenue.sum(), counts.sum()
        for j, name in enumerate(names):
            rows.append({"quarter": q, "quarter_label": label, "provider": name,
                         "revenue_rmb_bn_per_quarter": revenue[j],
                         "revenue_share": revenue[j] / total if total > 0 else np.nan,
                         "workload_share": counts[j].sum() / total_count if total_count > 0 else np.nan,
                         "workloads": counts[j].sum()})
    return pl.DataFrame(rows)
