"""A test model: the Ishigami function that raises for x1 > 2 (a design point that fails)."""

from sim.core.model import Model
from sim.models.ishigami import MODEL as ISHIGAMI
from sim.models.ishigami.model import simulate as ishigami_simulate


def simulate(config, streams):
    if config.ishigami.x1 > 2.0:
        raise FloatingPointError(f"model diverged at x1={config.ishigami.x1}")
    return ishigami_simulate(config, streams)


MODEL = Model(name="ishigami_failing", description="Ishigami that fails for x1 > 2",
              config_type=ISHIGAMI.config_type, simulate=simulate, metrics=ISHIGAMI.metrics)
