"""The Ishigami function y = sin x1 + a sin^2 x2 + b x3^4 sin x1 wrapped as a model: a test bed for sweeps
and Sobol sensitivity indices, whose exact values are known (`theory.ishigami_indices`)."""

from sim.core.model import Metric, Model
from sim.models.ishigami.config import IshigamiParameters, IshigamiScenario
from sim.models.ishigami.model import simulate
from sim.models.ishigami.theory import ishigami, ishigami_indices

__all__ = ["MODEL", "IshigamiParameters", "IshigamiScenario", "ishigami", "ishigami_indices"]

MODEL = Model(
    name="ishigami",
    description="Ishigami test function with optional additive noise (sensitivity-analysis test bed)",
    config_type=IshigamiScenario,
    # `Model` is not generic in its config type; the spine calls `simulate` with a `config_type` instance
    simulate=simulate,
    metrics=(
        Metric("y", "1", "Ishigami function value plus noise", key=True),
        Metric("y_exact", "1", "Ishigami function value without noise"),
    ),
)
