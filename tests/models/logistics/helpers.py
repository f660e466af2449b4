"""Shared builders for the logistics tests."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from sim.core.rng import Streams
from sim.models.logistics.config import LogisticsScenario
from sim.models.logistics.demand import DayOrders
from sim.models.logistics.model import build

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = ROOT / "scenarios"
DEFAULT = SCENARIOS / "aliexpress_spain_5day.toml"


def default_document() -> dict:
    from sim.scenario import resolve_extends

    document, _ = resolve_extends(DEFAULT)
    return document


def config_from(document: dict, **changes) -> LogisticsScenario:
    """The default scenario with dotted-key changes, e.g. {"logistics.customs.officers": 3}."""
    from sim.scenario import set_key_path

    document = copy.deepcopy(document)
    for key, value in changes.items():
        set_key_path(document, key, value, "<test>")
    return LogisticsScenario.model_validate(document)


def small_config(fidelity: str = "batch", horizon_days: float = 14.0, **changes) -> LogisticsScenario:
    """A small, busy version of the default with every random mechanism switched on."""
    base = {
        "run.horizon_days": horizon_days, "run.warmup_days": 2.0,
        "logistics.fidelity": fidelity, "logistics.drain_days": 25,
        "logistics.demand.shoppers_per_day": 600.0, "logistics.demand.customers": 3000,
        "logistics.origin_hub.capacity_per_shift": 120,
        "logistics.line_haul.capacity_parcels": 140,
        "logistics.line_haul.cancellation_probability": 0.1,
        "logistics.line_haul.loss_probability": 0.01,
        "logistics.destination_hub.handling_hours": 8.0,
        "logistics.customs.pre_cleared_share": 0.5,
        "logistics.customs.officers": 2,
        "logistics.customs.clearance_rate_per_hour": 8.0,
        "logistics.customs.inspection_probability": 0.05,
        "logistics.customs.refusal_probability": 0.01,
        "logistics.last_mile.failed_attempt_probability": 0.2,
        "logistics.forward_stock.share": 0.2,
    }
    base.update(changes)
    return config_from(default_document(), **base)


def scripted_demand(demand, orders_by_day: dict[int, list[tuple]]):
    """Replace `demand.generate_day` by fixed orders: day -> [(time_hours, choice, forward), ...]."""
    counter = {"next": 0}

    def generate_day(day: int) -> DayOrders:
        rows = orders_by_day.get(day, [])
        m = len(rows)
        index = np.arange(counter["next"], counter["next"] + m, dtype=np.int64)
        counter["next"] += m
        time = np.array([r[0] for r in rows], dtype=np.float64)
        choice = np.array([r[1] for r in rows], dtype=bool)
        forward = np.array([r[2] for r in rows], dtype=bool)
        return DayOrders(index, time, index.copy(), np.full(m, 10.0), np.full(m, 0.5), choice, forward,
                         choice.copy())

    demand.generate_day = generate_day
    return demand


def run_scripted(config: LogisticsScenario, orders_by_day, seed: int = 0):
    """Run the configured fidelity on scripted orders; returns (ledger, extra) where extra is the parcel
    fidelity's (store, stages, snapshots) or None."""
    from sim.models.logistics.batch import run_batch_fidelity
    from sim.models.logistics.parcel import run_parcel_fidelity

    streams = Streams(seed, 0)
    net, ledger, demand, horizon_days, n_days = build(config, streams)
    scripted_demand(demand, orders_by_day)
    runner = run_parcel_fidelity if config.logistics.fidelity == "parcel" else run_batch_fidelity
    extra = runner(net, demand, ledger, streams["network.parcel"], horizon_days, 24.0 * n_days)
    return ledger, extra
