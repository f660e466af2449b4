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
# # Paired comparison of two run directories
#
# Two runs of the same model made with the same seed use the same random streams in replication k
# (common random numbers), so their metrics can be compared replication by replication:
# `sim.core.stats.compare_tables` gives the paired-t interval of (B - A) for every metric both runs report,
# Bonferroni-adjusted so all intervals hold jointly at 95%, beside the half-width independent seeds would
# have given (estimated) and the variance ratio var(B - A) / (var A + var B).
#
# Run as a script: `.venv/bin/python analysis/compare_scenarios.py RUN_A RUN_B` (A is the baseline).

# %%
from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

import sim
from sim.core.stats import compare_tables

arguments = [a for a in sys.argv[1:] if not a.startswith("-")]
if len(arguments) < 2:
    raise SystemExit(f"usage: python {sys.argv[0]} RUN_A RUN_B   (two run directories, A is the baseline)")
RUN_A, RUN_B = Path(arguments[0]), Path(arguments[1])
a, b = sim.load(RUN_A), sim.load(RUN_B)
pl.Config.set_tbl_rows(60)
pl.Config.set_tbl_cols(20)
pl.Config.set_tbl_width_chars(200)

# %% [markdown]
# ## Are the runs comparable?
#
# Same model, same seed (otherwise the pairing is meaningless and the paired interval is merely valid but
# wide), and the replications both runs have.

# %%
if a.model_name != b.model_name:
    raise SystemExit(f"runs of different models: {a.model_name!r} vs {b.model_name!r}")
seed_a, seed_b = a.manifest.get("seed"), b.manifest.get("seed")
if seed_a != seed_b:
    print(f"WARNING: seeds differ ({seed_a} vs {seed_b}): no common random numbers; pairs are independent")
name_a, name_b = a.scenario_name, b.scenario_name
if name_a == name_b:  # the same scenario with different overrides: name them by their directories
    name_a, name_b = f"{name_a} ({RUN_A.name})", f"{name_b} ({RUN_B.name})"
shared = set(a.summary["replication"].to_list()) & set(b.summary["replication"].to_list())
print(f"A = {name_a}: {RUN_A}\nB = {name_b}: {RUN_B}\nmodel {a.model_name}, seed {seed_a}, "
      f"{len(shared)} shared replications")

# %% [markdown]
# ## Paired differences (B - A)

# %%
differences = compare_tables({name_a: a.summary, name_b: b.summary}, baseline=name_a)
table = differences.select("metric", "n", "mean_baseline", "mean_scenario", "difference", "ci_low", "ci_high",
                           "independent_half_width_estimate", "variance_ratio")
print(table)

# %% [markdown]
# ## Which differences are distinguishable from simulation noise?
#
# A metric whose family-wise interval excludes 0 differs between the scenarios beyond simulation noise (it
# says nothing about uncertainty in the parameters both scenarios share). Differences within floating-point
# rounding of 0 (the metric is identical in both runs) are not counted.

# %%
# differences within floating-point rounding of 0 (identical values in both runs) do not count
rounding = 1e-9 * (pl.col("mean_baseline").abs() + 1.0)
distinct = differences.filter(((pl.col("ci_low") > 0) | (pl.col("ci_high") < 0))
                              & (pl.col("difference").abs() > rounding))
print(f"{distinct.height} of {differences.height} metrics differ at the family-wise "
      f"{differences['family_level'][0]:.0%} level ({differences['adjustment'][0]}):")
print(distinct.select("metric", "difference", "ci_low", "ci_high"))
