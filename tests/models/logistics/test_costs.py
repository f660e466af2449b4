"""Costs (`sim.models.logistics.costs`): per-parcel stage costs by hand, the network's way of buying air
and last-mile capacity, fixed costs of capacity as their own lines, and no duty on refused parcels."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from sim.core.rng import Streams
from sim.models.logistics.config import LogisticsParameters
from sim.models.logistics.costs import parcel_costs
from sim.models.logistics.network import STAGES
from sim.models.logistics.model import simulate
from tests.models.logistics.helpers import config_from, default_document, small_config

CUSTOMS = STAGES.index("customs")


def _parameters(**changes) -> LogisticsParameters:
    base = {"logistics.costs.duty_per_item_eur": 3.0, "logistics.costs.handling_fee_per_item_eur": 2.0,
            "logistics.costs.customs_clearance_eur": 0.1}
    base.update(changes)
    return config_from(default_document(), **base).logistics


def test_a_parcel_refused_at_customs_pays_the_clearance_but_no_duty():
    """Released, refused, lost in the air: EUR 0.1 + 3 + 2, EUR 0.1, nothing (by hand)."""
    costs = parcel_costs(_parameters(), np.zeros(3, bool), np.full(3, 0.5), np.array([False, False, True]),
                         np.array([False, True, False]), np.ones(3))
    assert costs[:, CUSTOMS].tolist() == pytest.approx([5.1, 0.1, 0.0], abs=1e-12)


def test_dedicated_and_consolidated_line_haul_and_express_and_postal_last_mile_by_hand():
    weight, attempts = np.array([0.5]), np.array([2])
    p = _parameters(**{"logistics.costs.air_freight_eur_per_kg": 4.0,
                       "logistics.costs.consolidated_air_eur_per_kg": 2.0,
                       "logistics.costs.transit_hub_eur": 0.3, "logistics.costs.road_feeder_eur": 0.7,
                       "logistics.costs.destination_hub_eur": 0.1,
                       "logistics.costs.last_mile_eur_per_attempt": 2.5,
                       "logistics.costs.postal_last_mile_eur_per_attempt": 1.5})
    air, hub, last = STAGES.index("line_haul"), STAGES.index("destination_hub"), \
        STAGES.index("last_mile")
    dedicated = parcel_costs(p, [False], weight, [False], [False], attempts)[0]
    assert (dedicated[air], dedicated[hub], dedicated[last]) == pytest.approx((2.0, 0.1, 5.0))
    economy = p.model_copy(update={"line_haul": p.line_haul.model_copy(update={"service": "consolidated"}),
                                   "last_mile": p.last_mile.model_copy(update={"service": "postal"})})
    consolidated = parcel_costs(economy, [False], weight, [False], [False], attempts)[0]
    assert (consolidated[air], consolidated[hub], consolidated[last]) == pytest.approx((1.3, 0.8, 3.0))


FIXED_KEYS = ("fixed_eur_per_flight_week", "fixed_eur_per_officer_shift", "fixed_eur_per_hub_shift")


def _tables_and_metrics(document_changes: dict, drop: tuple[str, ...] = ()):
    config = small_config("batch", horizon_days=8.0, **document_changes)
    if drop:
        data = config.model_dump()
        for key in drop:
            del data["logistics"]["costs"][key]
        config = type(config).model_validate(data)
        assert all(getattr(config.logistics.costs, key) == 0.0 for key in drop)
    output = simulate(config, Streams(3, 0))
    return output.tables, output.metrics


def test_fixed_costs_absent_or_zero_leave_every_table_unchanged():
    absent_tables, absent = _tables_and_metrics({}, drop=FIXED_KEYS)
    zero_tables, zero = _tables_and_metrics({f"logistics.costs.{key}": 0.0 for key in FIXED_KEYS})
    assert absent == zero
    for name in ("daily", "daily_orders", "delivery_histogram"):
        assert absent_tables[name].equals(zero_tables[name]), name
    # and nothing but the fixed lines moves when they are set
    set_tables, with_fixed = _tables_and_metrics({f"logistics.costs.{key}": 50.0 for key in FIXED_KEYS})
    moved = {k for k in zero if not (zero[k] == with_fixed[k] or (np.isnan(zero[k]) and np.isnan(with_fixed[k])))}
    assert moved == {"cost_per_parcel_eur", "cost_flight_weeks_eur_per_parcel", "cost_officer_shifts_eur_per_parcel",
                     "cost_hub_shifts_eur_per_parcel"}


def test_fixed_costs_per_flight_week_officer_shift_and_hub_shift_by_hand():
    """Small scenario: window [2, 8) days = 6 days; 2 departures every day, 2 officers x 3 shifts, 3 hub
    shifts a day. EUR 10, 20, 30 each: per day 2 x 10 + 6 x 20 + 3 x 30 = 230 over 6 days = EUR 1380."""
    tables, m = _tables_and_metrics({"logistics.costs.fixed_eur_per_flight_week": 10.0,
                                     "logistics.costs.fixed_eur_per_officer_shift": 20.0,
                                     "logistics.costs.fixed_eur_per_hub_shift": 30.0})
    _, zero = _tables_and_metrics({})
    finished = m["orders"] - m["unfinished_orders"]
    assert m["cost_flight_weeks_eur_per_parcel"] * finished == pytest.approx(6 * 2 * 10.0)
    assert m["cost_officer_shifts_eur_per_parcel"] * finished == pytest.approx(6 * 6 * 20.0)
    assert m["cost_hub_shifts_eur_per_parcel"] * finished == pytest.approx(6 * 3 * 30.0)
    assert (m["cost_per_parcel_eur"] - zero["cost_per_parcel_eur"]) * finished == pytest.approx(1380.0)
    # the daily table charges the days of the order horizon only (8 days), the drain none
    per_parcel = tables["daily"]["cost_per_parcel_officer_shifts_eur"].to_numpy()
    charged = np.flatnonzero(np.isfinite(per_parcel) & (per_parcel > 0))
    assert charged.size > 0 and charged.max() <= 7


def test_a_lost_promised_parcel_counts_as_a_broken_promise():
    """From the per-parcel table: on time among promised parcels of the window, delivered (on_time_share)
    or delivered and lost (on_time_share_lost_as_late)."""
    config = small_config("batch", horizon_days=8.0, **{"logistics.record_parcels": True,
                                                        "logistics.line_haul.loss_probability": 0.05})
    output = simulate(config, Streams(5, 0))
    parcels = output.tables["parcels"].read()
    window = parcels.filter((pl.col("order_hours") >= 48.0) & (pl.col("order_hours") < 8 * 24.0) & pl.col("promised"))
    on_time = window.filter((pl.col("outcome") == "delivered") & pl.col("on_time")).height
    delivered = window.filter(pl.col("outcome") == "delivered").height
    lost = window.filter(pl.col("outcome") == "lost").height
    assert lost > 10
    assert output.metrics["on_time_share"] == pytest.approx(on_time / delivered, rel=1e-12)
    assert output.metrics["on_time_share_lost_as_late"] == pytest.approx(on_time / (delivered + lost), rel=1e-12)
