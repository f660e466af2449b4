"""Deterministic `sim validate` cases of the Cainiao model: double marginalisation in the linear limit.

Demand Q = a - b P (inverse form P = A - B Q with A = a / b, B = 1 / b), chain marginal cost c at Cainiao, no
other cost downstream, no capacity cost, one quarter, no noise, no third-party volume. The model's optimiser
must give what `sim.theory.io.double_marginalisation_linear` (Spengler 1950) says: transfer price (a + bc)/(2b)
and retail price (3a + bc)/(4b) standalone, retail (a + bc)/(2b) as infrastructure (w = c, the integrated
price); output half the integrated output, the chain's profit 3/4 of the integrated profit, consumer surplus
a quarter (surplus under linear demand: (A - p) Q / 2, by hand). Relative tolerance `OPTIMISER_TOLERANCE`.

Accounting identity, one case per regime with third-party volume and a capacity cost: consolidated profit as
the segments less the eliminations equals consolidated profit from external flows only, to
`IDENTITY_TOLERANCE` (x max(1, |0|), i.e. absolute, in RMB million per quarter).

Capacity newsvendor: one quarter, Poisson orders (counted in parcels); capacity is bought before orders are
known and the price is set knowing it (`capacity.py`). Where the firm buying capacity also sets the price and
no one else responds to the capacity, its choice must satisfy `scipy.stats.poisson.ppf(1 - c_K / p, lambda)`
at the price it sets (p its margin, lambda the mean orders there); that price and K are found here
independently (`joint_newsvendor`: every K, the price from its first-order condition by bisection). K = 0 when
c_K >= A - c (no price covers the capacity). Both regimes: as infrastructure the group's capacity (p = P - c,
AliExpress pricing at w = c); standalone Cainiao's capacity for third parties (p = w - c), the group's market
negligible (choke price just above c): with group parcels, AliExpress's price responds to Cainiao's capacity,
and the fractile no longer holds (tests/models/cainiao/test_joint_capacity.py checks that case by brute
force).

Logit demand (`demand.form = "logit"`, M shoppers, mean utility delta, price coefficient alpha): the model's
optimiser against `sim.theory.io.double_marginalisation_logit` (the retailer's markup 1 / (alpha (1 - s)) by
Lambert W, the supplier's first-order condition by a root): transfer and retail price and orders standalone, the
integrated price and orders as infrastructure. Relative tolerance `OPTIMISER_TOLERANCE`.

Capacity cost in the linear limit (no third parties, 100% owned): infrastructure transfers at c, so AliExpress
prices at (A + c)/2 and the group earns b (x/2 - c_K) x/2 with x = A - c; standalone prices the capacity in and
the chain earns 3 b (x - c_K)^2 / 16 (by hand). Infrastructure earns less once c_K > x/3.
"""

from __future__ import annotations

import numpy as np

from sim.core.validation import IDENTITY_TOLERANCE, OPTIMISER_TOLERANCE, Expectation, ValidationCase
from sim.models.cainiao.config import QUARTER_DAYS, CainiaoScenario, Regime
from sim.theory.io import double_marginalisation_linear, double_marginalisation_logit

__all__ = ["PARAMETER_SETS", "CAPACITY_SETS", "LOGIT_SETS", "LOGIT_MARKET_M_SHOPPERS", "linear_limit_config",
           "logit_limit_config", "newsvendor_config", "joint_newsvendor", "expected_capacity",
           "validation_cases"]

VALIDATION_SEED = 20261201

#: (a million parcels / quarter, b million parcels / quarter / RMB, c RMB / parcel), a > b c; spread over scales
PARAMETER_SETS: tuple[tuple[float, float, float], ...] = (
    (100.0, 2.0, 10.0),
    (5.0, 0.3, 1.5),
    (10_000.0, 37.0, 3.0),
    (80.0, 0.5, 150.0),
    (1_200.0, 40.0, 12.0),
)


def linear_limit_config(a: float, b: float, c: float, regime: Regime, transfer_markup: float = 0.0,
                        quarters: int = 1, third_party_intercept: float = 0.0) -> CainiaoScenario:
    """The deterministic linear limit: full ownership, no capacity cost, no growth, no discounting."""
    return CainiaoScenario.model_validate({
        "model": "cainiao",
        "description": f"linear limit a={a:g} b={b:g} c={c:g}, {regime}",
        "run": {"horizon_days": quarters * QUARTER_DAYS, "warmup_days": 0.0, "replications": 2,
                "seed": VALIDATION_SEED},
        "cainiao": {"regime": regime, "ownership_share": 1.0, "transfer_markup": transfer_markup,
                    "marginal_cost_rmb_per_parcel": c},
        "demand": {"group_intercept_m_parcels": a, "group_slope_m_parcels_per_rmb": b,
                   "third_party_intercept_m_parcels": third_party_intercept},
    })


#: (a, b, c, c_K) of the capacity cases, demand in parcels: c_K below the deciding margin in both regimes
CAPACITY_SETS: tuple[tuple[float, float, float, float], ...] = (
    (40.0, 1.0, 4.0, 3.0), (60.0, 2.0, 5.0, 10.0), (25.0, 0.5, 8.0, 1.0), (100.0, 4.0, 2.0, 8.0))
#: c_K at or above the most any price earns a parcel, A - c = 36, so no price covers it: (a, b, c, c_K) per
#: regime (below that a price above the demand curve's can: at c_K = 20 the group buys 6, see
#: test_joint_capacity.py)
NO_CAPACITY_SETS: dict[Regime, tuple[float, float, float, float]] = {
    "standalone": (40.0, 1.0, 4.0, 40.0), "infrastructure": (40.0, 1.0, 4.0, 36.0)}
#: the group's market in the standalone newsvendor rows: 1 order at price 0, choke price c + NEGLIGIBLE_MARGIN
NEGLIGIBLE_MARGIN = 1e-3


#: (delta utils, alpha utils / RMB, c RMB / parcel) of the logit cases, and their market size (million shoppers)
LOGIT_SETS: tuple[tuple[float, float, float], ...] = ((2.0, 0.1, 10.0), (0.5, 0.5, 2.0), (4.0, 0.05, 30.0),
                                                      (-1.0, 1.0, 0.5))
LOGIT_MARKET_M_SHOPPERS = 80.0


def logit_limit_config(delta: float, alpha: float, c: float, regime: Regime) -> CainiaoScenario:
    """One deterministic quarter with logit demand: full ownership, no third parties, no capacity cost."""
    return CainiaoScenario.model_validate({
        "model": "cainiao", "description": f"logit limit delta={delta:g} alpha={alpha:g} c={c:g}, {regime}",
        "run": {"horizon_days": QUARTER_DAYS, "warmup_days": 0.0, "replications": 2, "seed": VALIDATION_SEED},
        "cainiao": {"regime": regime, "ownership_share": 1.0, "marginal_cost_rmb_per_parcel": c},
        "demand": {"form": "logit", "logit": {"market_size_m_shoppers": LOGIT_MARKET_M_SHOPPERS, "mean_utility": delta,
                                              "price_coefficient_per_rmb": alpha}}})


def newsvendor_config(a: float, b: float, c: float, capacity_cost: float, regime: Regime) -> CainiaoScenario:
    """One quarter, Poisson orders: the capacity newsvendor. Infrastructure: the group's demand a - b P, no
    third parties. Standalone: third parties' demand a - b w and the group's negligible (1 order at price 0,
    choke price c + `NEGLIGIBLE_MARGIN`)."""
    if regime == "standalone":
        config = linear_limit_config(1.0, 1.0 / (c + NEGLIGIBLE_MARGIN), c, regime, third_party_intercept=a)
        demand = config.demand.model_copy(update={"noise": "poisson", "third_party_slope_m_parcels_per_rmb": b})
    else:
        config = linear_limit_config(a, b, c, regime)
        demand = config.demand.model_copy(update={"noise": "poisson"})
    return config.model_copy(update={
        "cainiao": config.cainiao.model_copy(update={"capacity_cost_rmb_per_parcel_quarter": capacity_cost}),
        "demand": demand})


def joint_newsvendor(a: float, b: float, c: float, capacity_cost: float) -> tuple[float, int]:
    """(price, K) maximising (p - c) E[min(K, D)] - c_K K, D ~ Poisson(a - b p): for every K from 1 to the
    1 - 1e-12 quantile of Poisson(a - b c) (the most orders any price from c up brings), the price from the
    first-order condition E[min(K, D)] - b (p - c) P(D <= K - 1) = 0 (dE/dlambda = P(D <= K - 1)) by 60
    bisections on [c, a/b] (to 2^-60 of its width); then the best K (0, with profit 0, if none earns more). E[min(K, D)] is summed from
    the probability mass function (not `capacity.py`'s closed form)."""
    from scipy.stats import poisson  # here, not at import: loading a model never imports scipy.stats

    capacities = np.arange(1, int(poisson.ppf(1.0 - 1e-12, a - b * c)) + 1)
    orders = np.arange(capacities[-1] + 1)[:, None]

    def carried_and_below(price: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mass = poisson.pmf(orders, np.maximum(a - b * price, 0.0)[None, :])
        below = np.where(orders < capacities[None, :], mass, 0.0)  # P(D = d) for d < K
        return (orders * below).sum(axis=0) + capacities * (1.0 - below.sum(axis=0)), below.sum(axis=0)

    low, high = np.full(len(capacities), c), np.full(len(capacities), a / b)
    for _ in range(60):
        middle = (low + high) / 2.0
        carried, below = carried_and_below(middle)
        rising = carried - b * (middle - c) * below > 0.0
        low, high = np.where(rising, middle, low), np.where(rising, high, middle)
    prices = (low + high) / 2.0
    values = (prices - c) * carried_and_below(prices)[0] - capacity_cost * capacities
    best = int(np.argmax(values))
    if values[best] <= 0.0:
        return a / b, 0
    return float(prices[best]), int(capacities[best])


def expected_capacity(a: float, b: float, c: float, capacity_cost: float, regime: Regime) -> tuple[float, float, float]:
    """(K, lambda, p) by theory: the price the capacity buyer sets knowing K (`joint_newsvendor`; standalone
    Cainiao's price to third parties, infrastructure AliExpress's price at w = c), p = price - c, lambda the
    mean orders there, and K = `scipy.stats.poisson.ppf(1 - c_K / p, lambda)` (0 when no price covers c_K)."""
    from scipy.stats import poisson  # here, not at import: loading a model never imports scipy.stats

    price, capacity = joint_newsvendor(a, b, c, capacity_cost)
    if capacity == 0:
        return 0.0, 0.0, 0.0
    margin, mean = price - c, a - b * price
    return float(poisson.ppf(1.0 - capacity_cost / margin, mean)), mean, margin


def _surplus(choke_price: float, price: float, quantity: float) -> float:
    return (choke_price - price) * quantity / 2.0


def validation_cases() -> list[ValidationCase]:
    """Per (a, b, c): the standalone chain and the infrastructure (integrated) chain."""
    tolerance = OPTIMISER_TOLERANCE
    cases = []
    for a, b, c in PARAMETER_SETS:
        theory = double_marginalisation_linear(a / b, 1.0 / b, c)
        source = "Spengler (1950), sim.theory.io.double_marginalisation_linear"
        chain_surplus = _surplus(a / b, theory.retail_price, theory.quantity)
        integrated_surplus = _surplus(a / b, theory.integrated_price, theory.integrated_quantity)
        cases.append(ValidationCase(f"double marginalisation a={a:g} b={b:g} c={c:g} standalone",
                                    linear_limit_config(a, b, c, "standalone"), (
            Expectation("transfer_price_rmb_per_parcel", theory.wholesale_price, f"(a + bc)/(2b): {source}",
                        tolerance=tolerance),
            Expectation("retail_price_rmb_per_order", theory.retail_price, f"(3a + bc)/(4b): {source}",
                        tolerance=tolerance),
            Expectation("group_parcels_m_per_quarter", theory.quantity, f"(a - bc)/4: {source}", tolerance=tolerance),
            Expectation("consolidated_profit_rmb_m_per_quarter", theory.chain_profit,
                        f"3 (a - bc)^2 / (16 b): {source}", tolerance=tolerance),
            Expectation("output_ratio_to_integrated", theory.quantity / theory.integrated_quantity,
                        "output halves", tolerance=tolerance),
            Expectation("chain_profit_ratio_to_integrated", theory.chain_profit / theory.integrated_profit,
                        "chain profit is 3/4 of integrated", tolerance=tolerance),
            Expectation("consumer_surplus_rmb_m_per_quarter", chain_surplus, "(A - p) Q / 2 at the chain's price",
                        tolerance=tolerance),
            Expectation("consumer_surplus_ratio_to_integrated", chain_surplus / integrated_surplus,
                        "consumer surplus falls to a quarter", tolerance=tolerance),
        )))
        cases.append(ValidationCase(f"double marginalisation a={a:g} b={b:g} c={c:g} infrastructure",
                                    linear_limit_config(a, b, c, "infrastructure"), (
            Expectation("transfer_price_rmb_per_parcel", c, "transfer at marginal cost", tolerance=tolerance),
            Expectation("retail_price_rmb_per_order", theory.integrated_price, f"(a + bc)/(2b): {source}",
                        tolerance=tolerance),
            Expectation("group_parcels_m_per_quarter", theory.integrated_quantity, f"(a - bc)/2: {source}",
                        tolerance=tolerance),
            Expectation("consolidated_profit_rmb_m_per_quarter", theory.integrated_profit,
                        f"(a - bc)^2 / (4 b): {source}", tolerance=tolerance),
            Expectation("consumer_surplus_rmb_m_per_quarter", integrated_surplus,
                        "(A - p) Q / 2 at the integrated price", tolerance=tolerance),
        )))
    for regime in ("standalone", "infrastructure", "cost_plus"):
        config = linear_limit_config(100.0, 2.0, 10.0, regime, transfer_markup=0.3, quarters=8,
                                     third_party_intercept=60.0)
        config = config.model_copy(update={"cainiao": config.cainiao.model_copy(update={
            "capacity_cost_rmb_per_parcel_quarter": 2.0, "ownership_share": 0.637})})
        cases.append(ValidationCase(f"eliminations {regime} (third parties, capacity cost)", config, (
            Expectation("consolidation_gap_rmb_m", 0.0,
                        "segments less eliminations = external flows only", tolerance=IDENTITY_TOLERANCE),
        )))
    for delta, alpha, c in LOGIT_SETS:
        logit = double_marginalisation_logit(delta, alpha, c, market_size=LOGIT_MARKET_M_SHOPPERS)
        source = "sim.theory.io.double_marginalisation_logit"
        cases.append(ValidationCase(f"logit double marginalisation delta={delta:g} alpha={alpha:g} c={c:g} standalone",
                                    logit_limit_config(delta, alpha, c, "standalone"), (
            Expectation("transfer_price_rmb_per_parcel", logit.wholesale_price,
                        f"w - c = 1/(alpha (1 - s)^2): {source}", tolerance=tolerance),
            Expectation("retail_price_rmb_per_order", logit.retail_price, f"P - w = 1/(alpha (1 - s)): {source}",
                        tolerance=tolerance),
            Expectation("group_parcels_m_per_quarter", logit.quantity, f"M s(P): {source}", tolerance=tolerance),
        )))
        cases.append(ValidationCase(f"logit double marginalisation delta={delta:g} alpha={alpha:g} c={c:g} "
                                    "infrastructure", logit_limit_config(delta, alpha, c, "infrastructure"), (
            Expectation("retail_price_rmb_per_order", logit.integrated_price,
                        f"P - c = 1/(alpha (1 - s)): {source}", tolerance=tolerance),
            Expectation("group_parcels_m_per_quarter", logit.integrated_quantity, f"M s(P): {source}",
                        tolerance=tolerance),
        )))
    a, b, c = PARAMETER_SETS[0]
    margin = a / b - c
    for capacity_cost in (margin / 6.0, margin * 0.4):
        by_hand: tuple[tuple[Regime, float, str], ...] = (
            ("infrastructure", b * (margin / 2.0 - capacity_cost) * margin / 2.0, "b (x/2 - c_K) x/2"),
            ("standalone", 3.0 * b * (margin - capacity_cost) ** 2 / 16.0, "3 b (x - c_K)^2 / 16"))
        for regime, profit, formula in by_hand:
            config = linear_limit_config(a, b, c, regime)
            config = config.model_copy(update={"cainiao": config.cainiao.model_copy(
                update={"capacity_cost_rmb_per_parcel_quarter": capacity_cost})})
            cases.append(ValidationCase(f"capacity cost c_K={capacity_cost:g} (x/3={margin / 3:g}) {regime}", config, (
                Expectation("consolidated_profit_rmb_m_per_quarter", profit, f"{formula}, x = a/b - c: by hand",
                            tolerance=tolerance),
            )))
    newsvendor_regimes: tuple[Regime, ...] = ("standalone", "infrastructure")
    for regime in newsvendor_regimes:
        for a, b, c, capacity_cost in (*CAPACITY_SETS, NO_CAPACITY_SETS[regime]):
            capacity, mean, margin = expected_capacity(a, b, c, capacity_cost, regime)
            cases.append(ValidationCase(
                f"capacity newsvendor {regime} lambda={mean:g} c_K={capacity_cost:g} p={margin:g}",
                newsvendor_config(a, b, c, capacity_cost, regime), (
                    Expectation("capacity_m_parcels_per_quarter", capacity,
                                "poisson.ppf(1 - c_K/p, lambda) at the price set knowing K (0 if no price "
                                "covers c_K): Arrow, Harris & Marschak (1951)",
                                tolerance=OPTIMISER_TOLERANCE),
                )))
    return cases
