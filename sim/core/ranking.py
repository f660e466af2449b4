"""Which scenario is best on one metric, and how sure we can be.

Three answers from the same per-replication values, paired by replication (common random numbers). Write
X_i for scenario i's values oriented so that larger is better, D_ij = X_i - X_j per replication, S_ij for
the sd of D_ij, n replications, k scenarios, alpha = 1 - level.

1. How much better the sample best b is than each other scenario j: paired-t intervals for mu_b - mu_j
   (Law 2015, ch. 10) at the Bonferroni level for all m = k(k-1)/2 pairs. All pairs, not only the k - 1
   involving b, because b is chosen from the data: with m = k - 1, three equal scenarios would be declared
   "separated" about 12% of the time at 95%, not 5%. `separated_from_best` means the interval is above 0,
   a strict claim mu_b > mu_j that holds jointly for all j with probability at least `level`.
2. Multiple comparisons with the best (MCB; Hsu 1996, Multiple Comparisons, ch. 4) with the Bonferroni
   critical value that stays valid under common random numbers (Nelson & Matejcik 1995, Management Science
   41(12)): with w_ij = t_{n-1, 1 - alpha/(k-1)} S_ij / sqrt(n), the simultaneous intervals for
   mu_i - max_{j != i} mu_j are

       [min(0, min_{j != i} (Xbar_i - Xbar_j - w_ij)),  max(0, min_{j != i} (Xbar_i - Xbar_j + w_ij))].

   An upper end of 0 rules i out as the best (`could_be_best` false); under exact ties that weak claim is
   still true, which is why MCB can use k - 1 comparisons where item 1 needs all pairs.
3. The probability that each scenario comes out best, by bootstrap over replications: resample replication
   indices with replacement (one index set for all scenarios, keeping the pairing) and count which scenario
   has the best mean. The sample best's share estimates the probability of correct selection (PCS) treating
   the sample as the population; it is optimistic when true means are close.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from sim.core.stats import bonferroni_level, t_critical

__all__ = ["rank_scenarios"]


def rank_scenarios(per_replication_values: dict[str, np.ndarray], larger_is_better: bool, level: float = 0.95,
                   n_bootstrap: int = 2000, seed: int = 0) -> pl.DataFrame:
    """Rank scenarios on one metric from their per-replication values (same replications, same seeds).

    One row per scenario, best first: `mean`; `advantage_of_best` (how much better the sample best's mean
    is, >= 0, in the metric's units) with its all-pairs Bonferroni interval `advantage_low`,
    `advantage_high` and `separated_from_best` (advantage_low > 0; null in the best's row); Hsu's `mcb_low`,
    `mcb_high` for how much better this scenario is than the best of the others (positive = better) and
    `could_be_best` (mcb_high > 0); `probability_best` by bootstrap (`n_bootstrap` resamples from `seed`),
    which in the first row is the estimated PCS. `pairwise_level`, `mcb_level` and `correction` state both
    adjustments. Assumes replications are i.i.d. and paired across scenarios, with n >= 2."""
    names = list(per_replication_values)
    k = len(names)
    if k < 2:
        raise ValueError(f"ranking needs at least two scenarios (got {names})")
    pairwise_level = bonferroni_level(level, k * (k - 1) // 2)
    mcb_level = bonferroni_level(level, k - 1)  # per comparison, used one-sided
    values = [np.asarray(per_replication_values[name], dtype=np.float64) for name in names]
    n = values[0].size
    if any(v.ndim != 1 or v.size != n for v in values) or n < 2:
        raise ValueError("every scenario needs the same number (>= 2) of per-replication values, paired by "
                         f"replication (got {[v.shape for v in values]})")
    if not all(np.all(np.isfinite(v)) for v in values):
        raise ValueError("per-replication values must be finite")
    if n_bootstrap < 1:
        raise ValueError(f"n_bootstrap must be a positive integer (got {n_bootstrap})")

    x = np.vstack(values) if larger_is_better else -np.vstack(values)
    mean = x.mean(axis=1)
    differences = x[:, None, :] - x[None, :, :]  # D_ij per replication
    mean_difference = differences.mean(axis=2)
    standard_error = differences.std(axis=2, ddof=1) / np.sqrt(n)

    best = int(np.argmax(mean))
    pairwise_half = t_critical(pairwise_level, n - 1) * standard_error[best]
    advantage = mean_difference[best]

    w = t_critical(mcb_level, n - 1, sides=1) * standard_error
    off_diagonal = ~np.eye(k, dtype=bool)
    mcb_low = np.minimum(0.0, np.where(off_diagonal, mean_difference - w, np.inf).min(axis=1))
    mcb_high = np.maximum(0.0, np.where(off_diagonal, mean_difference + w, np.inf).min(axis=1))

    rng = np.random.default_rng(seed)
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_bootstrap)  # (B, n) resampled replications
    probability_best = np.bincount(np.argmax(counts @ x.T, axis=1), minlength=k) / n_bootstrap

    order = np.argsort(-mean, kind="stable")

    def best_row_null(column: np.ndarray) -> list[Any]:
        return [None if i == best else column[i].item() for i in order]

    return pl.DataFrame({
        "scenario": [names[i] for i in order],
        "rank": np.arange(1, k + 1),
        "mean": (mean if larger_is_better else -mean)[order],
        "advantage_of_best": advantage[order],
        "advantage_low": best_row_null(advantage - pairwise_half),
        "advantage_high": best_row_null(advantage + pairwise_half),
        "separated_from_best": best_row_null(advantage - pairwise_half > 0.0),
        "mcb_low": mcb_low[order],
        "mcb_high": mcb_high[order],
        "could_be_best": mcb_high[order] > 0.0,
        "probability_best": probability_best[order],
        "n": np.full(k, n),
        "family_level": np.full(k, level),
        "pairwise_level": np.full(k, pairwise_level),
        "mcb_level": np.full(k, mcb_level),
        "correction": (f"best vs others: two-sided paired t, bonferroni over all m={k * (k - 1) // 2} pairs; "
                       f"MCB (Hsu): one-sided paired t, bonferroni m={k - 1}"),
        "probability_method": f"bootstrap over replications, B={n_bootstrap}, seed={seed}",
    }, schema_overrides={"advantage_low": pl.Float64, "advantage_high": pl.Float64,
                         "separated_from_best": pl.Boolean})
