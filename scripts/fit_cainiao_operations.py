"""Fit the Cainiao model's operations surface to the two-class logistics chain (offline; not a test, not a
benchmark). Writes sim/models/cainiao/data/operations_surface.json, which the model reads
(`sim.models.cainiao.operations`); the model never runs the chain.

Design (full factorial, 32 points): the group's share of parcels s in {0.15, 0.35, 0.55, 0.75} x the line-haul
load factor u in {0.55, 0.70, 0.85, 0.95} (parcels ordered a day over the flights' seats a day) x allocation in
{priority, fcfs}; REPLICATIONS replications each (seeds SEED, replications 0..R-1; the same streams for both
allocations: common random numbers), on scenarios/aliexpress_spain_two_classes.toml with a 21-day horizon and
7 warm-up days (the cohort: 14 days of orders). Volumes: third-party parcels (1 - s) u seats a day; the group's
shoppers scaled so their orders are about s u seats a day (780 orders per 2000 shoppers, the base scenario's
conversion); the regressors are the measured u and s of each run (its cohort's orders), not the targets.

Fit, per allocation and class: the logit of the on-time share (mean over replications) and the cost per
parcel (EUR), each by least squares on x = (1, u, s, u^2, u s, s^2) (`surface_basis`). Recorded: the
coefficients, the ranges, the replication sd pooled over the design points, the fit's residual RMSE (of the
point means, in share and EUR units), and the per-point means (for audit).

Usage: nice .venv/bin/python scripts/fit_cainiao_operations.py [--replications 12]
(about 200 s of CPU; the same seed rewrites the same file but for its `cpu_seconds`). The shipped file is the
12-replication fit: the 3-replication one (2026-12-01, earlier) had a third-party on-time residual of 0.013 under
priority and put priority's cost to third parties at u = 0.95 about four times higher, which was noise.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.core.results import atomic_write_bytes  # noqa: E402
from sim.core.rng import Streams  # noqa: E402
from sim.models.cainiao.operations import SURFACE_FILE, surface_basis  # noqa: E402
from sim.models.logistics import MODEL as LOGISTICS  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

SCENARIO = ROOT / "scenarios" / "aliexpress_spain_two_classes.toml"
OUT = ROOT / "sim" / "models" / "cainiao" / "data" / SURFACE_FILE
SEED = 20241218
GROUP_SHARES = (0.15, 0.35, 0.55, 0.75)
LOAD_FACTORS = (0.55, 0.70, 0.85, 0.95)
ALLOCATIONS = ("priority", "fcfs")
CLASSES = ("group", "third_party")
HORIZON_DAYS, WARMUP_DAYS, DRAIN_DAYS = 21.0, 7.0, 20
#: the base scenario's group conversion: about 780 orders a day from 2000 shoppers (aliexpress_spain_5day.toml)
GROUP_ORDERS_PER_SHOPPER = 780.0 / 2000.0


def lane_run(group_share: float, load_factor: float, allocation: str, seed: int, replication: int) -> dict:
    """One run of the two-class chain at target (s, u): measured u and s, and each class's on-time share and
    cost per parcel (EUR)."""
    base = load_scenario(SCENARIO).config.logistics
    seats_per_day = (base.line_haul.capacity_parcels * len(base.line_haul.departure_hours)
                     * len(base.line_haul.weekdays) / 7.0)
    parcels_per_day = load_factor * seats_per_day
    overrides = [f"run.horizon_days={HORIZON_DAYS}", f"run.warmup_days={WARMUP_DAYS}",
                 f"logistics.drain_days={DRAIN_DAYS}", f'logistics.allocation="{allocation}"',
                 f"logistics.demand.shoppers_per_day={group_share * parcels_per_day / GROUP_ORDERS_PER_SHOPPER}",
                 f"logistics.third_party.parcels_per_day={(1.0 - group_share) * parcels_per_day}"]
    config = load_scenario(SCENARIO, overrides).config
    classes = LOGISTICS.simulate(config, Streams(seed, replication)).tables["classes"]
    rows = {row["parcel_class"]: row for row in classes.iter_rows(named=True)}
    orders = rows["group"]["orders"] + rows["third_party"]["orders"]
    return {"load_factor": orders / ((HORIZON_DAYS - WARMUP_DAYS) * seats_per_day),
            "group_share": rows["group"]["orders"] / orders,
            **{f"{c}_on_time_share": rows[c]["on_time_share"] for c in CLASSES},
            **{f"{c}_cost_per_parcel_eur": rows[c]["cost_per_parcel_eur"] for c in CLASSES}}


def logit(share: np.ndarray) -> np.ndarray:
    clipped = np.clip(share, 1e-4, 1.0 - 1e-4)
    return np.log(clipped / (1.0 - clipped))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=12)
    args = parser.parse_args()
    started = time.process_time()
    points = []
    for allocation, share, load in itertools.product(ALLOCATIONS, GROUP_SHARES, LOAD_FACTORS):
        runs = [lane_run(share, load, allocation, SEED, r) for r in range(args.replications)]
        mean = {k: float(np.mean([run[k] for run in runs])) for k in runs[0]}
        sd = {k: float(np.std([run[k] for run in runs], ddof=1)) for k in runs[0]}
        points.append({"allocation": allocation, "target_group_share": share, "target_load_factor": load,
                       "mean": mean, "replication_sd": sd})
        print(allocation, share, load, {k: round(v, 4) for k, v in mean.items()}, flush=True)
    fits: dict[str, dict[str, dict]] = {}
    for allocation in ALLOCATIONS:
        mine = [p for p in points if p["allocation"] == allocation]
        x = np.array([surface_basis(p["mean"]["load_factor"], p["mean"]["group_share"]) for p in mine])
        fits[allocation] = {}
        for c in CLASSES:
            on_time = np.array([p["mean"][f"{c}_on_time_share"] for p in mine])
            cost = np.array([p["mean"][f"{c}_cost_per_parcel_eur"] for p in mine])
            beta_on_time = np.linalg.lstsq(x, logit(on_time), rcond=None)[0]
            beta_cost = np.linalg.lstsq(x, cost, rcond=None)[0]
            fitted_on_time = 1.0 / (1.0 + np.exp(-x @ beta_on_time))
            dof = len(mine) - x.shape[1]
            fits[allocation][c] = {
                "on_time_logit_coefficients": beta_on_time.tolist(),
                "cost_coefficients_eur": beta_cost.tolist(),
                "on_time_residual_rmse": float(np.sqrt(np.sum((on_time - fitted_on_time) ** 2) / dof)),
                "cost_residual_rmse_eur": float(np.sqrt(np.sum((cost - x @ beta_cost) ** 2) / dof)),
                "on_time_replication_sd": float(np.sqrt(np.mean(
                    [p["replication_sd"][f"{c}_on_time_share"] ** 2 for p in mine]))),
                "cost_replication_sd_eur": float(np.sqrt(np.mean(
                    [p["replication_sd"][f"{c}_cost_per_parcel_eur"] ** 2 for p in mine]))),
            }
    measured_u = [p["mean"]["load_factor"] for p in points]
    measured_s = [p["mean"]["group_share"] for p in points]
    document = {
        "what": "on-time share and cost per parcel (EUR) of each parcel class of the two-class logistics chain, "
                "by allocation, as a function of the line-haul load factor u and the group's parcel share s",
        "form": "on_time_share = 1 / (1 + exp(-x . on_time_logit_coefficients)); cost_per_parcel_eur = "
                "x . cost_coefficients_eur; x = (1, u, s, u^2, u s, s^2)",
        "fitted_by": "scripts/fit_cainiao_operations.py",
        "design": {"scenario": "scenarios/aliexpress_spain_two_classes.toml", "group_shares": GROUP_SHARES,
                   "load_factors": LOAD_FACTORS, "allocations": ALLOCATIONS, "replications": args.replications,
                   "seed": SEED, "horizon_days": HORIZON_DAYS, "warmup_days": WARMUP_DAYS,
                   "drain_days": DRAIN_DAYS, "common_random_numbers": True},
        "ranges": {"load_factor": [min(measured_u), max(measured_u)],
                   "group_share": [min(measured_s), max(measured_s)]},
        "fits": fits,
        "points": points,
        "cpu_seconds": round(time.process_time() - started, 1),
    }
    atomic_write_bytes(OUT, (json.dumps(document, indent=1) + "\n").encode())
    print(f"wrote {OUT.relative_to(ROOT)} ({document['cpu_seconds']} s CPU)")
    for allocation in ALLOCATIONS:
        for c in CLASSES:
            f = fits[allocation][c]
            print(allocation, c, {k: round(v, 5) for k, v in f.items() if not k.endswith("coefficients")
                                  and not k.endswith("coefficients_eur")})


if __name__ == "__main__":
    main()
