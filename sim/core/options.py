"""How a run's replications proceed and are reported, in one typed object (as pyblp groups its solver
settings in configuration objects): the confidence level, sequential precision stopping and the progress
bar. What the replications simulate (the scenario, its overrides, the replication count and the seed) and
where results go stay keywords of each call.

    >>> import sim
    >>> from sim.core.options import RunOptions
    >>> sim.run("scenarios/customs_clearance.toml", seed=7,
    ...         options=RunOptions(precision=0.02, progress=True))          # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["RunOptions"]


@dataclass(frozen=True)
class RunOptions:
    """Execution options of `sim.run`, `sim.api.run_scenario`, `sim.core.runner.run_model` and
    `sim.compare`; none of them changes a replication's numbers.

    `level`: confidence level of the statistics (and of `compare`'s paired intervals).
    `precision`: with a relative half-width such as 0.02, replications continue one at a time after the
    planned ones until every metric in `precision_metrics` (default: the model's key metrics) has a CI
    half-width below `precision` x |mean|, or `max_replications` have run.
    `progress`: show a progress bar.
    """

    level: float = 0.95
    precision: float | None = None
    precision_metrics: tuple[str, ...] | None = None
    max_replications: int = 1000
    progress: bool = False

    def __post_init__(self) -> None:
        if not 0.0 < self.level < 1.0:
            raise ValueError(f"level must lie strictly between 0 and 1 (got {self.level})")
        if self.precision is not None and not (math.isfinite(self.precision) and self.precision > 0.0):
            raise ValueError(f"precision must be a positive relative half-width such as 0.02 (got {self.precision})")
        if isinstance(self.max_replications, bool) or not isinstance(self.max_replications, int) \
                or self.max_replications < 1:
            raise ValueError(f"max_replications must be a positive integer (got {self.max_replications!r})")
        if self.precision_metrics is not None:
            if isinstance(self.precision_metrics, str) or not isinstance(self.precision_metrics, Iterable):
                raise ValueError(f"precision_metrics must be a sequence of metric names (got {self.precision_metrics!r})")
            object.__setattr__(self, "precision_metrics", tuple(self.precision_metrics))
