"""Quick-look charts of a cloud run: shares by provider, Alibaba's revenue and cumulative contribution less capex, prices,
and (given a status-quo run) the payback band of a cut."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from matplotlib.figure import Figure

from sim.core.charts import save_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sim.core.results import RunResult

__all__ = ["cloud_charts", "payback_chart"]


def _mean_by_quarter(table: pl.DataFrame, column: str) -> pl.DataFrame:
    return (table.group_by("quarter", "quarter_label", "provider")
            .agg(pl.col(column).mean().alias("mean"), pl.col(column).quantile(0.05).alias("low"),
                 pl.col(column).quantile(0.95).alias("high"))
            .sort("provider", "quarter"))


def _quarter_axis(axes: Axes, labels: list[str]) -> None:
    ticks = [i for i, label in enumerate(labels) if label.endswith("Q1")]
    axes.set_xticks(ticks, [labels[i][:4] for i in ticks])
    axes.set_xlabel("year (ticks at Q1; one quarter = 91.25 days)")


def cloud_charts(result: RunResult, directory: Path) -> list[Path]:
    """Write the cloud charts for `result` into `directory`; returns the PNG paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    quarterly = result.frame("quarterly")
    labels = (quarterly.select("quarter", "quarter_label").unique().sort("quarter")["quarter_label"].to_list())
    paths = []

    figure = Figure(figsize=(12, 4.2))
    panels = figure.subplots(1, 2)
    for axes, column, title in ((panels[0], "revenue_share", "revenue share"),
                                (panels[1], "workload_share", "workload share")):
        for provider, group in _mean_by_quarter(quarterly, column).group_by("provider", maintain_order=True):
            axes.plot(group["quarter"], group["mean"], label=provider[0])
            axes.fill_between(group["quarter"], group["low"], group["high"], alpha=0.15)
        axes.set_ylabel(f"{title} (mean, 5-95% of replications)")
        _quarter_axis(axes, labels)
    panels[0].legend(loc="upper right")
    figure.suptitle(f"{result.scenario_name}: shares by provider")
    paths.append(save_figure(figure, directory / "cloud_shares.png"))

    alibaba = quarterly.filter(pl.col("provider") == "alibaba")
    figure = Figure(figsize=(12, 4.2))
    panels = figure.subplots(1, 2)
    for axes, column, ylabel in ((panels[0], "revenue_rmb_bn_per_quarter", "revenue, RMB bn per quarter"),
                                 (panels[1], "cumulative_contribution_less_capex_rmb_bn", "cumulative contribution less capex, RMB bn")):
        stats = _mean_by_quarter(alibaba, column)
        axes.plot(stats["quarter"], stats["mean"], color="C0")
        axes.fill_between(stats["quarter"], stats["low"], stats["high"], alpha=0.2, color="C0")
        axes.set_ylabel(f"Alibaba {ylabel}")
        _quarter_axis(axes, labels)
    figure.suptitle(f"{result.scenario_name}: Alibaba Cloud")
    paths.append(save_figure(figure, directory / "cloud_alibaba.png"))

    figure = Figure(figsize=(12, 4.2))
    panels = figure.subplots(1, 2)
    for axes, column in ((panels[0], "price_compute"), (panels[1], "price_model_api")):
        for provider, group in _mean_by_quarter(quarterly, column).group_by("provider", maintain_order=True):
            axes.plot(group["quarter"], group["mean"], label=provider[0], drawstyle="steps-post")
        axes.set_ylabel(f"{column.removeprefix('price_')} price index (1 = Alibaba 2020 list)")
        axes.set_yscale("log")
        _quarter_axis(axes, labels)
    panels[0].legend(loc="lower left")
    figure.suptitle(f"{result.scenario_name}: list prices")
    paths.append(save_figure(figure, directory / "cloud_prices.png"))
    return paths


def payback_chart(cut_result: RunResult, status_quo_result: RunResult, path: Path, provider: str = "alibaba") -> Path:
    """The difference in cumulative contribution less capex of a cut against the status quo with its paired 95% CI, and the
    payback quarter marked."""
    from sim.models.cloud.payback import payback_quarter, payback_table

    table = payback_table(cut_result, status_quo_result, provider)
    quarter = payback_quarter(cut_result, status_quo_result, provider)
    figure = Figure(figsize=(8, 4.2))
    axes = figure.subplots()
    axes.plot(table["quarter"], table["difference_rmb_bn"], color="C0", label="cut minus status quo")
    axes.fill_between(table["quarter"], table["ci_low"], table["ci_high"], alpha=0.25, color="C0",
                      label="paired 95% CI")
    axes.axhline(0.0, color="k", linewidth=0.8)
    if quarter is not None:
        q = table.filter(pl.col("quarter_label") == quarter)["quarter"][0]
        axes.axvline(q, color="C3", linestyle="--", label=f"payback {quarter}")
    _quarter_axis(axes, table["quarter_label"].to_list())
    axes.set_ylabel(f"{provider} cumulative contribution less capex, difference, RMB bn")
    axes.legend(loc="lower left")
    return save_figure(figure, path)
