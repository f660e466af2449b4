"""Quick-look charts of a customs run: the hourly queue with the warm-up cut, and the waits against the
Erlang C prediction."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from matplotlib.figure import Figure

from sim.core.charts import save_figure

from sim.theory import queueing as theory

__all__ = ["customs_charts"]


def customs_charts(result, directory: Path) -> list[Path]:
    """Write the customs charts for `result` into `directory`; returns the PNG paths."""
    directory.mkdir(parents=True, exist_ok=True)
    run = result.resolved_scenario["run"]
    params = result.resolved_scenario["customs"]
    paths = []

    hourly = result.table("hourly")
    mean_by_hour = hourly.group_by("hour").agg(pl.col("mean_queue_length").mean()).sort("hour")
    figure = Figure(figsize=(9, 4))
    axes = figure.subplots()
    for _, group in hourly.group_by("replication", maintain_order=True):
        axes.plot(group["hour"] / 24.0, group["mean_queue_length"], color="0.8", linewidth=0.4)
    axes.plot(mean_by_hour["hour"] / 24.0, mean_by_hour["mean_queue_length"], color="C0", linewidth=1.0,
              label="mean over replications")
    lq = theory.mean_queue_length(params["arrivals_per_hour"], params["service_rate_per_hour"], params["officers"])
    axes.axhline(lq, color="C3", linestyle="--", label=f"Erlang C Lq = {lq:.2f}")
    if isinstance(run["warmup_days"], (int, float)) and run["warmup_days"] > 0:
        axes.axvline(run["warmup_days"], color="k", linestyle=":", label="end of warm-up")
    axes.set_xlabel("day")
    axes.set_ylabel("parcels waiting (hourly time average)")
    axes.set_title(f"{result.scenario_name}: customs queue")
    axes.legend(loc="upper right")
    path = directory / "queue_length.png"
    save_figure(figure, path)
    paths.append(path)

    statistics = result.statistics
    row = statistics.filter(pl.col("metric") == "mean_wait_hours").row(0, named=True)
    wq = theory.mean_wait_in_queue(params["arrivals_per_hour"], params["service_rate_per_hour"], params["officers"])
    figure = Figure(figsize=(5, 4))
    axes = figure.subplots()
    axes.errorbar([0], [row["mean"]], yerr=[[row["mean"] - row["ci_low"]], [row["ci_high"] - row["mean"]]],
                  fmt="o", capsize=6, label="simulated mean, 95% CI")
    axes.axhline(wq, color="C3", linestyle="--", label=f"Erlang C Wq = {wq:.4f} h")
    axes.set_xticks([])
    axes.set_ylabel("mean wait in queue (hours)")
    axes.set_title("wait in queue vs theory")
    axes.legend()
    path = directory / "wait_vs_theory.png"
    save_figure(figure, path)
    paths.append(path)
    return paths
