"""Shared builders for the logistics tests."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np

from sim.core.rng import Streams
from sim.core.stats import welch_tost
from sim.models.logistics.config import LogisticsScenario
from sim.models.logistics.demand import DayOrders
from sim.models.logistics.model import build
from sim.models.logistics.network import Network

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = ROOT / "scenarios"
DEFAULT = SCENARIOS / "aliexpress_spain_5day.toml"

#: the README's equivalence margins of the two fidelities: metric -> (margin, relative to the parcel
#: fidelity's mean?)
EQUIVALENCE_MARGINS = {
    "on_time_share": (0.01, False),         # +-1 percentage point
    "p50_delivery_days": (0.25, False),     # +-0.25 days
    "p95_delivery_days": (0.25, False),
    "cost_per_parcel_eur": (0.02, True),    # +-2%
}
#: each one-sided test of an equivalence (TOST) is at this level, so its interval is the 90% one
TOST_ALPHA_PER_SIDE = 0.05


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


def cancelled_flights(config: LogisticsScenario, seed: int, replications: int,
                      days: tuple[float, float]) -> tuple[np.ndarray, float]:
    """A control variate for the fidelities' equivalence tests: per replication, the number of flights
    departing in `days` [from, to) that were cancelled (the network's own counter-based draws for
    `Streams(seed, k)`, as the run used them), and its expectation, the scheduled flights in the window times
    the cancellation probability."""
    n_days = math.ceil(config.run.horizon_days) + config.logistics.drain_days
    counts = []
    for replication in range(replications):
        net = Network(config.logistics, n_days, Streams(seed, replication).entropy("network.flights"))
        departure_days = net.departures / 24.0
        inside = (departure_days >= days[0]) & (departure_days < days[1])
        counts.append(int(net.cancelled[inside].sum()))
    expected = float(inside.sum()) * config.logistics.line_haul.cancellation_probability
    return np.asarray(counts, dtype=float), expected


def assert_equivalent(parcel: dict[str, np.ndarray], batch: dict[str, np.ndarray], label: str = "") -> None:
    """Per metric of `EQUIVALENCE_MARGINS` (a relative margin scaled by the parcel fidelity's mean), batch and
    parcel are equivalent by `sim.core.stats.welch_tost` (independent seeds; two one-sided tests at
    TOST_ALPHA_PER_SIDE each): the 1 - 2 TOST_ALPHA_PER_SIDE Welch interval of E[batch] - E[parcel] lies
    inside (-margin, margin)."""
    for metric, (margin, relative) in EQUIVALENCE_MARGINS.items():
        a, b = parcel[metric], batch[metric]
        assert np.all(np.isfinite(a)) and np.all(np.isfinite(b)), (label, metric)
        if relative:
            margin = margin * float(np.mean(a))
        equivalence = welch_tost(a, b, margin, alpha_per_side=TOST_ALPHA_PER_SIDE)
        assert equivalence.equivalent, (label, metric, equivalence.interval, margin)
