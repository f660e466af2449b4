"""Figure 1: the simulated customs queue against Erlang C.

The M/M/c customs model (`scenarios/customs_clearance.toml`: c = 4 officers, mu = 10 parcels an hour each)
is run at a range of utilisations rho = lambda / (c mu) by overriding the arrival rate; each point is the
mean over replications of the per-replication mean wait in queue, with its 95% t interval, beside the
closed form Wq = C(c, a) / (c mu - lambda) (`sim.models.customs.theory`). A second panel does the same
for P(wait) = C(c, a). Writes `fig1_customs_validation.png`, `.pdf` and `.csv`.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from paper.cache import ResultCache  # noqa: E402
from paper.figures._common import SCENARIOS, cli, figure_main, mean_ci  # noqa: E402
from sim.models.customs import theory  # noqa: E402

NAME = "fig1_customs_validation"
SCENARIO = SCENARIOS / "customs_clearance.toml"
OFFICERS = 4
SERVICE_RATE = 10.0
SEED = 20261126
# full: 8 utilisations, 10 replications of 60 days (about 35,000-80,000 parcels each); quick: 3 x 2 x 2 days
FULL = {"utilisations": (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.93, 0.95), "reps": 10, "horizon_days": 60.0,
        "warmup_days": 2.0}
QUICK = {"utilisations": (0.5, 0.7, 0.9), "reps": 2, "horizon_days": 2.0, "warmup_days": 0.25}


def exact(metric: str, arrivals_per_hour: float, service_rate_per_hour: float, officers: int) -> float:
    """Erlang C: the mean wait in queue (hours) or the probability of waiting."""
    if metric == "mean_wait_hours":
        return theory.mean_wait_in_queue(arrivals_per_hour, service_rate_per_hour, officers)
    return theory.erlang_c(arrivals_per_hour, service_rate_per_hour, officers)


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    size = QUICK if cache.quick else FULL
    rows = []
    for rho in size["utilisations"]:
        arrivals = rho * OFFICERS * SERVICE_RATE
        result = cache.run(SCENARIO, reps=size["reps"], seed=SEED, overrides=[
            f"customs.arrivals_per_hour={arrivals!r}", f"customs.officers={OFFICERS}",
            f"customs.service_rate_per_hour={SERVICE_RATE!r}", f"run.horizon_days={size['horizon_days']!r}",
            f"run.warmup_days={size['warmup_days']!r}"])
        summary = result.summary.filter(pl.col("metric").is_in(["mean_wait_hours", "probability_of_waiting"]))
        for row in mean_ci(summary, ["metric"], "value").iter_rows(named=True):
            value = exact(row["metric"], arrivals, SERVICE_RATE, OFFICERS)
            rows.append({"utilisation": rho, "arrivals_per_hour": arrivals, "officers": OFFICERS,
                         "service_rate_per_hour": SERVICE_RATE, "metric": row["metric"], "n": row["n"],
                         "simulated_mean": row["mean"], "ci_low": row["ci_low"], "ci_high": row["ci_high"],
                         "erlang_c": value, "theory_inside_ci": bool(row["ci_low"] <= value <= row["ci_high"]),
                         "horizon_days": size["horizon_days"], "warmup_days": size["warmup_days"]})
    return {NAME: pl.DataFrame(rows)}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    numbers = frames[NAME]
    officers, service_rate = int(numbers["officers"][0]), float(numbers["service_rate_per_hour"][0])
    reps, horizon = int(numbers["n"].max()), float(numbers["horizon_days"][0])
    figure = Figure(figsize=(11, 4.2))
    panels = figure.subplots(1, 2)
    grid = np.linspace(numbers["utilisation"].min() - 0.02, numbers["utilisation"].max() + 0.01, 200)
    for axes, metric, label, scale, unit in (
            (panels[0], "mean_wait_hours", "mean wait in queue Wq", 60.0, "minutes"),
            (panels[1], "probability_of_waiting", "probability of waiting P(Wq > 0)", 1.0, "share of parcels")):
        part = numbers.filter(pl.col("metric") == metric).sort("utilisation")
        curve = [exact(metric, x * officers * service_rate, service_rate, officers) for x in grid]
        axes.plot(grid, np.asarray(curve) * scale, color="k", linewidth=1.2, label="Erlang C (exact)")
        mean = part["simulated_mean"].to_numpy() * scale
        error = np.vstack([mean - part["ci_low"].to_numpy() * scale, part["ci_high"].to_numpy() * scale - mean])
        axes.errorbar(part["utilisation"], mean, yerr=error, fmt="o", color="tab:red", capsize=3,
                      label=f"simulated, mean and 95% CI ({reps} replications)")
        axes.set_xlabel("utilisation rho = lambda / (c mu)")
        axes.set_ylabel(f"{label} ({unit})")
        axes.set_title(label)
        axes.legend(loc="upper left", fontsize=8)
    figure.suptitle(f"Customs M/M/{officers} queue (mu = {service_rate:g}/h per officer) vs Erlang C; "
                    f"{horizon:g}-day replications")
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
