"""Parameter sets where the cloud market has a closed-form answer, for `sim validate`.

With no switching costs, no learning, no growth and every contract re-chosen each quarter, each workload's
provider is an independent draw from its logit probabilities at fixed prices, so the expected workload
share of provider j is the static mixed-logit share s_j = E_alpha[exp(delta_j - alpha p_j) /
sum_k exp(delta_k - alpha p_k)] (Berry, Levinsohn & Pakes 1995), computed by the kernel over many taste
draws. Multi-homing workloads split their volume by the same probabilities, so the expectation is the same
with any multi-homing share.

Two deterministic rows ride along (closed-form limits, `IDENTITY_TOLERANCE`): with no switching costs no
workload is locked in (share 0), and with every unit cost half its price and no GenAI workloads the gross
margin is 1 - 0.5 = 0.5 in every replication.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.core.validation import IDENTITY_TOLERANCE, Expectation, Pilot, ValidationCase
from sim.models.cloud.config import CloudScenario
from sim.models.cloud.customers import draw_price_sensitivities
from sim.models.cloud.policies import static_shares

__all__ = ["static_market", "validation_cases"]

VALIDATION_SEED = 20261126
PILOT_SEED = 20260417
PILOT_REPLICATIONS = 10
#: multi-homing share -> the pilot's standard deviation per replication of Alibaba's final workload share
#: (`sim.core.validation.run_pilot` at PILOT_SEED, replications 0..9, reproduces them)
PILOT_SD = {0.0: {"alibaba_workload_share_final": 0.007968223929621496},
            0.5: {"alibaba_workload_share_final": 0.007255090614863905}}

PROVIDERS = {  # name: (quality, price)
    "alibaba": (0.0, 1.0), "huawei": (-0.45, 0.8), "tencent": (-0.6, 1.2), "baidu": (-1.2, 0.6), "others": (-0.5, 1.0),
}


def static_market(multihome_share: float = 0.0, replications: int = 10) -> CloudScenario:
    """A market at fixed prices with no switching costs, learning or growth (12 quarters)."""
    prices: Callable[[float], dict[str, float]] = lambda p: {"compute": p, "storage": p, "model_api": 1.0}  # noqa: E731
    shares = {"alibaba": 0.445, "huawei": 0.141, "tencent": 0.139, "baidu": 0.08, "others": 0.195}
    return CloudScenario.model_validate({
        "model": "cloud",
        "description": f"static market, multi-homing share {multihome_share}",
        "run": {"horizon_days": 1095.0, "warmup_days": 0.0, "replications": replications, "seed": VALIDATION_SEED},
        "providers": {name: {"initial_share": shares[name], "quality": quality, "genai_quality": 0.0,
                             "prices": prices(price), "unit_cost": prices(0.5 * price)}
                      for name, (quality, price) in PROVIDERS.items()},
        "workloads": {
            "traditional": {"mix": {"compute": 0.7, "storage": 0.3, "model_api": 0.0}, "initial_workloads": 3000,
                            "arrivals_per_quarter": 0.0, "arrivals_growth_per_year": 0.0,
                            "revenue_per_workload_quarter_rmb_bn": 0.01, "price_sensitivity_mean": 2.0,
                            "price_sensitivity_sigma": 1.0, "switching_cost_mean": 0.0, "contract_quarters": 1.0,
                            "review_probability": 1.0, "multihome_share": multihome_share},
            "genai": {"mix": {"compute": 0.0, "storage": 0.0, "model_api": 1.0}, "initial_workloads": 0,
                      "arrivals_per_quarter": 0.0, "arrivals_growth_per_year": 0.0,
                      "revenue_per_workload_quarter_rmb_bn": 0.01, "price_sensitivity_mean": 1.0},
        },
    })


def static_alibaba_share(config: CloudScenario, draws: int = 400_000) -> float:
    names = list(config.providers)
    delta = np.array([config.providers[n].quality for n in names])
    price = np.array([config.providers[n].prices.compute for n in names])
    alpha = draw_price_sensitivities(np.random.default_rng(12345), draws, config.workloads["traditional"])
    return float(static_shares(delta, price, alpha)[names.index("alibaba")])


def validation_cases() -> list[ValidationCase]:
    """The cloud checks: the static mixed-logit share (stochastic) and two closed-form limits (deterministic),
    without and with multi-homing."""
    cases = []
    for multihome in (0.0, 0.5):
        config = static_market(multihome)
        cases.append(ValidationCase(
            f"static market, multi-homing {multihome:g}", config,
            (Expectation("alibaba_workload_share_final", static_alibaba_share(config),
                         "static mixed-logit share (BLP 1995), 400k tastes"),
             Expectation("alibaba_locked_in_share_final", 0.0, "no switching costs: none locked in",
                         tolerance=IDENTITY_TOLERANCE),
             Expectation("alibaba_contribution_margin_final", 0.5, "unit cost 0.5 x price: margin 0.5",
                         tolerance=IDENTITY_TOLERANCE)),
            Pilot(PILOT_SEED, PILOT_REPLICATIONS, PILOT_SD[multihome])))
    return cases
