# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Daily KPIs of a logistics run
#
# Reads one run directory of the logistics model (`results/<scenario>/<run-id>`, written by
# `sim run scenarios/aliexpress_spain_5day.toml` or `sim.run(..., out=...)`) and shows
#
# 1. the scenario metrics with their 95% CIs across replications (`statistics`);
# 2. the `daily` KPI table aggregated across replications: per day, the mean and 95% t interval of
#    orders, deliveries, on-time share, p95 delivery days, cost per parcel and parcels in transit;
# 3. where parcels sit at the end of each day (the `held_<stage>` columns of `daily`);
# 4. if the run recorded parcels (`logistics.record_parcels = true`), a lateness breakdown by stage: the
#    mean hours late and on-time promised parcels spent in each stage, and the difference.
#
# Intervals measure simulation noise across replications, not uncertainty in the scenario's parameters.
#
# Run as a script: `.venv/bin/python analysis/logistics_daily_kpis.py RUN_DIR` (without RUN_DIR: the newest
# run under `results/aliexpress_spain_5day/`).

# %%
from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

import sim
from sim.core.stats import t_interval


def latest_run(scenario: str = "aliexpress_spain_5day", root: Path = Path("results")) -> Path:
    runs = sorted(path.parent for path in (root / scenario).glob("*/manifest.json"))
    if not runs:
        raise SystemExit(f"no run under {root / scenario}; pass a run directory: python {sys.argv[0]} RUN_DIR")
    return runs[-1]


arguments = [a for a in sys.argv[1:] if not a.startswith("-")]
RUN_DIR = Path(arguments[0]) if arguments and Path(arguments[0]).is_dir() else latest_run()
result = sim.load(RUN_DIR)
if result.model_name != "logistics":
    raise SystemExit(f"{RUN_DIR} is a run of the {result.model_name!r} model, not logistics")
pl.Config.set_tbl_rows(60)
pl.Config.set_tbl_cols(20)
pl.Config.set_tbl_width_chars(200)
print(f"run {RUN_DIR}: scenario {result.scenario_name}, seed {result.manifest.get('seed')}, "
      f"{result.summary['replication'].n_unique()} replications")

# %% [markdown]
# ## Scenario metrics (one value per replication -> mean and 95% CI)

# %%
print(result.statistics.select("metric", "n", "mean", "ci_low", "ci_high", "unit"))


# %% [markdown]
# ## Daily KPIs across replications
#
# `daily` has one row per replication and day (horizon plus drain). A day's on-time share and delivery-time
# quantiles are NaN when nothing was delivered that day; those replications are left out of that day's
# interval (`n` says how many remain).

# %%
def across_replications(frame: pl.DataFrame, by: list[str], columns: list[str]) -> pl.DataFrame:
    """Long table: one row per group and column with n, mean and the 95% t interval across the rows."""
    rows = []
    for key, group in frame.group_by(by, maintain_order=True):
        for column in columns:
            values = group.get_column(column).fill_nan(None).drop_nulls().to_numpy()
            if values.size == 0:
                continue
            interval = t_interval(values)
            rows.append({**dict(zip(by, key)), "kpi": column, "n": interval.n, "mean": interval.estimate,
                         "ci_low": interval.low, "ci_high": interval.high})
    return pl.DataFrame(rows)


daily = result.table("daily")
KPIS = [c for c in ("orders", "delivered", "on_time_share", "p95_delivery_days", "late_parcels",
                    "cost_per_parcel_eur", "in_transit") if c in daily.columns]
daily_kpis = across_replications(daily.sort("day"), ["day"], KPIS)
wide = daily_kpis.with_columns(
    pl.format("{} [{}, {}]", pl.col("mean").round(3), pl.col("ci_low").round(3), pl.col("ci_high").round(3))
    .alias("mean [95% CI]")).pivot(on="kpi", index="day", values="mean [95% CI]").sort("day")
print(wide)

# %% [markdown]
# ## Where parcels sit at the end of each day (mean across replications)

# %%
held = [c for c in daily.columns if c.startswith("held_")]
if held:
    print(daily.group_by("day").agg(pl.col(held).mean().round(1)).sort("day"))

# %% [markdown]
# ## Lateness by stage
#
# Needs the `parcels` table (`--set logistics.record_parcels=true`). For delivered promised parcels, the
# hours spent in each stage: merchant (order to ready), first mile, origin hub, line haul (sorted to
# landing), destination hub, customs, last mile (cleared to delivered). Per replication the mean over late and
# over on-time parcels, then the mean and 95% CI across replications; `extra_hours_when_late` is the
# difference of the means (a replication with no late parcel contributes no late row).

# %%
STAGE_TIMES = {  # stage -> (entry event, exit event); times in hours since the start of the run
    "merchant": ("order", "ready"), "first_mile": ("ready", "hub_arrival"),
    "origin_hub": ("hub_arrival", "sorted"), "line_haul": ("sorted", "flight_arrival"),
    "destination_hub": ("flight_arrival", "customs_arrival"), "customs": ("customs_arrival", "customs_done"),
    "last_mile": ("customs_done", "final"),
}


def event_column(columns: list[str], event: str) -> str | None:
    """The `parcels` column holding an event's clock time, `<event>_hours`."""
    return f"{event}_hours" if f"{event}_hours" in columns else None


parcels = result.tables.get("parcels")
if isinstance(parcels, pl.LazyFrame):  # a spooled table loads lazily: bring in only what this section reads
    parcels = parcels.filter(pl.col("promised") & (pl.col("outcome") == 0)).collect()
events = ({e: event_column(parcels.columns, e) for pair in STAGE_TIMES.values() for e in pair}
          if parcels is not None else {})
if parcels is not None and {"promised", "on_time", "outcome"} <= set(parcels.columns) and all(events.values()):
    parcels = parcels.filter(pl.col("promised") & (pl.col("outcome") == 0))
    hours = parcels.select("replication", pl.when(pl.col("on_time")).then(pl.lit("on time")).otherwise(pl.lit("late"))
                           .alias("status"),
                           *[(pl.col(events[b]) - pl.col(events[a])).fill_nan(None).alias(stage)
                             for stage, (a, b) in STAGE_TIMES.items()])
    per_replication = hours.group_by("replication", "status").agg(pl.col(list(STAGE_TIMES)).mean())
    by_stage = across_replications(per_replication.sort("replication"), ["status"], list(STAGE_TIMES))
    means = by_stage.pivot(on="status", index="kpi", values="mean").rename({"kpi": "stage"})
    if {"late", "on time"} <= set(means.columns):
        means = means.with_columns((pl.col("late") - pl.col("on time")).alias("extra_hours_when_late"))
    print(f"late promised parcels: {int((~parcels['on_time']).sum())} of {parcels.height} delivered")
    print(means)
elif parcels is not None:
    print(f"the `parcels` table lacks the event times this breakdown needs; columns: {parcels.columns}")
else:
    print("no `parcels` table in this run: rerun with --set logistics.record_parcels=true for the breakdown")
