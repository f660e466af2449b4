"""The ledger both fidelities write to: orders created, finished parcels, what each stage holds at the end
of every day, and from these the daily KPI table, the per-parcel table and the scenario metrics.

Finished parcels arrive as `ParcelRecords` (a dict of equal-length arrays); quantiles come from histograms
of 1/100-day bins so that memory does not grow with the number of parcels (the batch fidelity runs
hundreds of millions of parcels).
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
import polars as pl
from numba import njit
from numpy.typing import ArrayLike, NDArray

from sim.core.spool import TableSpool
from sim.models.logistics.calendar import SpainCalendar
from sim.models.logistics.config import GuaranteeParameters, LogisticsParameters
from sim.models.logistics import costs
from sim.models.logistics.costs import FIXED_COST_LINES
from sim.models.logistics.guarantee import GuaranteeRule, target_days
from sim.models.logistics.network import OUTCOME_DELIVERED, OUTCOME_LOST, OUTCOME_NAMES, OUTCOME_RETURNED, STAGES

__all__ = ["Ledger", "RECORD_FIELDS", "CLASS_FIELD", "PARCEL_CLASSES", "histogram_quantile", "stage_intervals"]

BIN_DAYS = 0.01
MAX_DAYS = 100.0
N_BINS = int(MAX_DAYS / BIN_DAYS)

#: finished parcels: one equal-length array per field of `RECORD_FIELDS` (times float64, counts and codes
#: int64, flags bool)
ParcelRecords: TypeAlias = dict[str, NDArray[Any]]

#: per-parcel fields (times in hours; NaN where a parcel never reached that point)
RECORD_FIELDS = ("parcel", "customer", "order_time", "ready", "hub_arrival", "sorted", "flight_arrival",
                 "customs_arrival", "customs_done", "final_time", "outcome", "attempts", "choice", "forward",
                 "promised", "standard", "refused", "value_eur", "weight_kg")

#: with two classes, records also carry this field: True for the group's parcels, False for third-party ones
CLASS_FIELD = "group"
PARCEL_CLASSES = ("group", "third_party")

#: the per-class KPIs of the `classes` table (cohort of the window), as named in the metrics
CLASS_KPIS = ("orders", "on_time_share", "p50_delivery_days", "p95_delivery_days", "mean_delivery_days",
              "compensation_eur_per_parcel", "lost_share", "returned_share", "unfinished_orders")

#: the per-class daily columns (conservation and on-time share)
CLASS_DAILY_COLUMNS = ("orders", "delivered", "on_time_share", "created_cumulative", "delivered_cumulative",
                       "lost_cumulative", "returned_cumulative", "in_transit")


def third_party_guarantee(params: LogisticsParameters) -> GuaranteeParameters:
    """The guarantee third-party parcels are measured by: the scenario's when they carry it, else no promise
    (no compensation) and the on-time share taken against the same target."""
    g = params.guarantee
    if params.third_party is not None and params.third_party.promised:
        return g
    return g.model_copy(update={"promised_days": 0, "kpi_days": target_days(g)})


#: the per-parcel table names its clock times with their unit
PARCEL_TIME_COLUMNS = {name: f"{name.removesuffix('_time')}_hours" for name in
                       ("order_time", "ready", "hub_arrival", "sorted", "flight_arrival", "customs_arrival",
                        "customs_done", "final_time")}


def stage_intervals(r: ParcelRecords) -> dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """Entry and exit time of every parcel in each stage (NaN where the parcel skipped the stage)."""
    forward = r["forward"].astype(bool)
    nan = np.full(forward.size, np.nan)
    cross = ~forward
    last_entry = np.where(forward, r["ready"], r["customs_done"])
    in_last = (r["outcome"] == OUTCOME_DELIVERED) | ((r["outcome"] == OUTCOME_RETURNED) & ~r["refused"].astype(bool))
    return {
        "merchant": (np.where(cross, r["order_time"], nan), np.where(cross, r["ready"], nan)),
        "first_mile": (r["ready"] * np.where(cross, 1.0, np.nan), r["hub_arrival"]),
        "origin_hub": (r["hub_arrival"], r["sorted"]),
        "line_haul": (r["sorted"], r["flight_arrival"]),
        "destination_hub": (np.where(r["outcome"] == OUTCOME_LOST, nan, r["flight_arrival"]), r["customs_arrival"]),
        "customs": (r["customs_arrival"], r["customs_done"]),
        "last_mile": (np.where(in_last, last_entry, nan), np.where(in_last, r["final_time"], nan)),
        "forward_warehouse": (np.where(forward, r["order_time"], nan), np.where(forward, r["ready"], nan)),
    }


def histogram_quantile(counts: NDArray[np.integer[Any]], q: float) -> float:
    """The q-quantile of a 1/100-day histogram (bin midpoint); NaN when empty."""
    total = counts.sum()
    if total <= 0:
        return float("nan")
    k = int(np.searchsorted(np.cumsum(counts), q * total, side="left"))
    return (min(k, counts.size - 1) + 0.5) * BIN_DAYS


@njit(cache=True)
def _increment_2d(counts: NDArray[np.int32], rows: NDArray[np.int64], cols: NDArray[np.int64]) -> None:
    for i in range(rows.size):
        counts[rows[i], cols[i]] += 1


def _bins(days: NDArray[np.float64]) -> NDArray[np.int64]:
    return np.clip((days / BIN_DAYS).astype(np.int64), 0, N_BINS - 1)



def count_column(values: ArrayLike) -> NDArray[np.int64]:
    """Parcels counted in a float ledger, written as integers: the ledger holds whole numbers exactly (sums of
    ones, far below 2**53), and a value that is not one is a bug, not something to round."""
    array = np.asarray(values, dtype=np.float64)
    counts = array.astype(np.int64)
    if not np.array_equal(counts, array):
        raise AssertionError("a parcel count in the ledger is not a whole number")
    return counts

class Ledger:
    """Accumulates one replication's accounts; `n_days` covers the horizon and the drain."""

    def __init__(self, params: LogisticsParameters, calendar: SpainCalendar, n_days: int,
                 window: tuple[float, float], parcel_class: str | None = None) -> None:
        """`parcel_class` set: the accounts of one class (the whole ledger's part; no fixed costs, no
        per-parcel table)."""
        self.p = params
        self.calendar = calendar
        self.n_days = n_days
        self.window = window  # [warm-up, horizon) in hours: orders placed here are counted in the metrics
        self.guarantee = GuaranteeRule(third_party_guarantee(params) if parcel_class == "third_party"
                                       else params.guarantee, calendar)
        #: with two classes, the accounts of each (fed by the same calls, split by the records' class)
        self.classes: dict[str, Ledger] | None = None
        if parcel_class is None and params.two_classes:
            self.classes = {name: Ledger(params, calendar, n_days, window, name) for name in PARCEL_CLASSES}
        nd, ns = n_days, len(STAGES)
        self.orders = np.zeros(nd)
        self.gmv = np.zeros(nd)
        self.delivered = np.zeros(nd)
        self.lost = np.zeros(nd)
        self.returned = np.zeros(nd)
        self.finished = np.zeros(nd)
        self.promised_delivered = np.zeros(nd)
        self.on_time = np.zeros(nd)
        self.late = np.zeros(nd)
        self.compensation = np.zeros(nd)
        self.stage_cost = np.zeros((nd, len(STAGES)))
        # capacity held on each day of the order horizon (the drain is measurement, not operations)
        horizon_days = int(np.ceil(window[1] / 24.0))
        self.fixed_cost = costs.fixed_costs_by_day(params, calendar.weekday[:nd]) \
            * (np.arange(nd) < horizon_days)[:, None] * (parcel_class is None)
        self.day_hist = np.zeros((nd, N_BINS), dtype=np.int32)
        self.entries = np.zeros((nd + 1, ns))
        self.exits = np.zeros((nd + 1, ns))
        # by order day (cohorts): delivered, promised delivered, on time, sum of delivery days
        self.by_order_day = np.zeros((nd, 4))
        self.held: NDArray[np.float64] | None = None  # (n_days, stages) set by a fidelity that snapshots its stages
        # cohort (orders placed in the window)
        self.cohort = dict(orders=0.0, gmv=0.0, finished=0.0, delivered=0.0, lost=0.0, returned=0.0,
                           promised=0.0, on_time=0.0, late=0.0, compensation=0.0, refunds=0.0, cost=0.0,
                           attempts=0.0, delivery_days_sum=0.0, promised_lost=0.0)
        self.cohort_stage_cost = np.zeros(len(STAGES))
        # fixed costs of the days of the window (hours of each day inside [warm-up, horizon) / 24)
        day_start = 24.0 * np.arange(nd)
        inside_hours = np.clip(np.minimum(day_start + 24.0, window[1]) - np.maximum(day_start, window[0]), 0.0, 24.0)
        self.cohort_fixed_cost = (self.fixed_cost * (inside_hours / 24.0)[:, None]).sum(axis=0)
        self.cohort_hist = np.zeros(N_BINS, dtype=np.int64)
        self.cohort_business_hist = np.zeros(N_BINS, dtype=np.int64)
        self.cohort_promised_business_hist = np.zeros(N_BINS, dtype=np.int64)
        # the per-parcel table goes to disk in parts as parcels finish, so a year of parcels never sits in memory
        self.parcel_spool = TableSpool("parcels") if params.record_parcels and parcel_class is None else None

    # ---- inputs ------------------------------------------------------------------------------------
    def _day(self, t: ArrayLike) -> NDArray[np.int64]:
        return np.clip(np.floor(np.asarray(t) / 24.0).astype(np.int64), 0, self.n_days)

    def add_orders(self, order_time: NDArray[np.float64], value_eur: NDArray[np.float64],
                   group: NDArray[np.bool_] | None = None) -> None:
        if self.classes is not None and group is not None:
            for name, part in (("group", group), ("third_party", ~group)):
                self.classes[name].add_orders(order_time[part], value_eur[part])
        day = self._day(order_time)
        self.orders += np.bincount(day, minlength=self.n_days + 1)[: self.n_days]
        self.gmv += np.bincount(day, weights=value_eur, minlength=self.n_days + 1)[: self.n_days]
        inside = (order_time >= self.window[0]) & (order_time < self.window[1])
        self.cohort["orders"] += float(inside.sum())
        self.cohort["gmv"] += float(value_eur[inside].sum())

    def count_stage(self, stage: int, entry: NDArray[np.float64] | None = None,
                    exit: NDArray[np.float64] | None = None, group: NDArray[np.bool_] | None = None) -> None:
        """Parcels entering / leaving `stage` at these times (the batch fidelity's stage accounts); `group`
        (aligned with the times) says each parcel's class."""
        if self.classes is not None and group is not None:
            for name, part in (("group", group), ("third_party", ~group)):
                self.classes[name].count_stage(stage, None if entry is None else entry[part],
                                               None if exit is None else exit[part])
        for times, table in ((entry, self.entries), (exit, self.exits)):
            if times is None or len(times) == 0:
                continue
            times = np.asarray(times)
            times = times[np.isfinite(times)]
            table[:, stage] += np.bincount(self._day(times), minlength=self.n_days + 1)

    def add_finished(self, r: ParcelRecords) -> None:
        """Parcels whose outcome is final (delivered, lost or returned)."""
        n = r["order_time"].size
        if n == 0:
            return
        if self.classes is not None:
            group = r[CLASS_FIELD].astype(bool)
            for name, part in (("group", group), ("third_party", ~group)):
                self.classes[name].add_finished({k: v[part] for k, v in r.items()})
        outcome = r["outcome"]
        delivered = outcome == OUTCOME_DELIVERED
        days, business, on_time = self.guarantee.delivery_days(r["order_time"], r["final_time"])
        if self.parcel_spool is not None:
            fields = (*RECORD_FIELDS, CLASS_FIELD) if self.classes is not None else RECORD_FIELDS
            self.parcel_spool.append(pl.DataFrame({k: np.asarray(r[k]) for k in fields}).with_columns(
                pl.Series("delivery_days", days), pl.Series("delivery_business_days", business),
                pl.Series("on_time", on_time),
                pl.Series("outcome", np.asarray(OUTCOME_NAMES)[outcome], dtype=pl.Enum(OUTCOME_NAMES)),
            ).rename(PARCEL_TIME_COLUMNS))
        promised = r["promised"].astype(bool) & delivered
        late = promised & ~on_time
        comp = self.guarantee.compensation_eur(late, r["value_eur"])
        stage_costs = costs.parcel_costs(self.p, r["forward"].astype(bool), r["weight_kg"],
                                         outcome == OUTCOME_LOST, r["refused"].astype(bool), r["attempts"])
        refunds = np.where(outcome != OUTCOME_DELIVERED, r["value_eur"], 0.0)
        day = self._day(r["final_time"])
        nd = self.n_days + 1

        def add(target: NDArray[np.float64], mask: NDArray[np.bool_] | None = None,
                weights: NDArray[np.float64] | None = None) -> None:
            w = weights if mask is None else (mask * (1.0 if weights is None else weights))
            target += np.bincount(day, weights=w, minlength=nd)[: self.n_days] if w is not None else \
                np.bincount(day, minlength=nd)[: self.n_days]

        add(self.finished)
        add(self.delivered, delivered)
        add(self.lost, outcome == OUTCOME_LOST)
        add(self.returned, outcome == OUTCOME_RETURNED)
        promised_ledger = self.guarantee.counts_for_on_time_share(r["promised"])
        add(self.promised_delivered, promised_ledger & delivered)
        add(self.on_time, promised_ledger & delivered & on_time)
        add(self.late, late)
        add(self.compensation, None, comp)
        for k in range(len(STAGES)):
            add(self.stage_cost[:, k], None, stage_costs[:, k])
        keep = delivered & (day < self.n_days)
        _increment_2d(self.day_hist, day[keep], _bins(days[keep]))

        order_day = self._day(r["order_time"])
        for col, w in enumerate((delivered * 1.0, (promised_ledger & delivered) * 1.0,
                                 (promised_ledger & delivered & on_time) * 1.0, np.where(delivered, days, 0.0))):
            self.by_order_day[:, col] += np.bincount(order_day, weights=w, minlength=nd)[: self.n_days]

        c = self.cohort
        inside = (r["order_time"] >= self.window[0]) & (r["order_time"] < self.window[1])
        d_in = inside & delivered
        c["finished"] += float(inside.sum())
        c["delivered"] += float(d_in.sum())
        c["lost"] += float((inside & (outcome == OUTCOME_LOST)).sum())
        c["returned"] += float((inside & (outcome == OUTCOME_RETURNED)).sum())
        c["promised"] += float((inside & promised_ledger & delivered).sum())
        c["on_time"] += float((inside & promised_ledger & delivered & on_time).sum())
        c["promised_lost"] += float((inside & promised_ledger & (outcome == OUTCOME_LOST)).sum())
        c["late"] += float((inside & late).sum())
        c["compensation"] += float(comp[inside].sum())
        c["refunds"] += float(refunds[inside].sum())
        c["cost"] += float(stage_costs[inside].sum())
        c["attempts"] += float(r["attempts"][inside].sum())
        c["delivery_days_sum"] += float(days[d_in].sum())
        self.cohort_stage_cost += stage_costs[inside].sum(axis=0)
        self.cohort_hist += np.bincount(_bins(days[d_in]), minlength=N_BINS)
        self.cohort_business_hist += np.bincount(_bins(business[d_in]), minlength=N_BINS)
        d_promised = d_in & r["promised"].astype(bool)
        self.cohort_promised_business_hist += np.bincount(_bins(business[d_promised]), minlength=N_BINS)

    # ---- outputs -----------------------------------------------------------------------------------
    def held_at_end_of_day(self) -> NDArray[np.float64]:
        if self.held is not None:
            return self.held
        return (np.cumsum(self.entries, axis=0) - np.cumsum(self.exits, axis=0))[: self.n_days]

    def daily_table(self) -> pl.DataFrame:
        nd = self.n_days
        held = self.held_at_end_of_day()
        with np.errstate(invalid="ignore", divide="ignore"):
            cost_per_parcel = self.stage_cost / self.finished[:, None]
            table = {
                "day": np.arange(nd, dtype=np.int64),
                "date": [self.calendar.date_of(d) for d in range(nd)],
                "orders": count_column(self.orders),
                "delivered": count_column(self.delivered),
                "on_time_share": self.on_time / self.promised_delivered,
                "p50_delivery_days": [histogram_quantile(self.day_hist[d], 0.5) for d in range(nd)],
                "p95_delivery_days": [histogram_quantile(self.day_hist[d], 0.95) for d in range(nd)],
                "late_parcels": count_column(self.late),
                "lost": count_column(self.lost),
                "returned": count_column(self.returned),
                "compensation_eur": self.compensation,
                "gmv_eur": self.gmv,
            }
            fixed_per_parcel = self.fixed_cost / self.finished[:, None]
            for k, name in enumerate(STAGES):
                table[f"cost_per_parcel_{name}_eur"] = cost_per_parcel[:, k]
            for k, name in enumerate(FIXED_COST_LINES):
                table[f"cost_per_parcel_{name}_eur"] = fixed_per_parcel[:, k]
            table["cost_per_parcel_eur"] = costs.cost_per_parcel_eur(
                self.stage_cost.sum(axis=1) + self.fixed_cost.sum(axis=1), self.compensation, self.finished)
        for k, name in enumerate(STAGES):
            table[f"held_{name}"] = count_column(held[:, k])
        table["in_transit"] = count_column(held.sum(axis=1))
        table["created_cumulative"] = count_column(np.cumsum(self.orders))
        table["delivered_cumulative"] = count_column(np.cumsum(self.delivered))
        table["lost_cumulative"] = count_column(np.cumsum(self.lost))
        table["returned_cumulative"] = count_column(np.cumsum(self.returned))
        return pl.DataFrame(table)

    def order_day_table(self, horizon_days: int) -> pl.DataFrame:
        """One row per order day of the horizon: the cohort ordered that day and how it fared."""
        h = horizon_days
        b = self.by_order_day[:h]
        with np.errstate(invalid="ignore", divide="ignore"):
            return pl.DataFrame({
                "day": np.arange(h, dtype=np.int64),
                "orders": count_column(self.orders[:h]),
                "delivered": count_column(b[:, 0]),
                "on_time_share": b[:, 2] / b[:, 1],
                "mean_delivery_days": b[:, 3] / b[:, 0],
                "in_transit": count_column(self.held_at_end_of_day()[:h].sum(axis=1)),
            })

    def delivery_histogram_table(self, width_days: float = 0.1) -> pl.DataFrame:
        """Delivered parcels of the cohort by delivery time, calendar and business days, in `width_days` bins."""
        k = int(round(width_days / BIN_DAYS))
        calendar = self.cohort_hist.reshape(-1, k).sum(axis=1)
        business = self.cohort_business_hist.reshape(-1, k).sum(axis=1)
        last = int(max(np.flatnonzero(calendar).max(initial=0), np.flatnonzero(business).max(initial=0))) + 1
        return pl.DataFrame({
            "days_from": np.arange(last) * width_days,
            "parcels_calendar_days": calendar[:last].astype(np.int64),
            "parcels_business_days": business[:last].astype(np.int64),
        })

    def class_daily_table(self) -> pl.DataFrame | None:
        """With two classes, one row per day and class: orders, deliveries, on-time share and the
        conservation accounts (created = delivered + lost + returned + in transit, cumulative)."""
        if self.classes is None:
            return None
        return pl.concat([
            ledger.daily_table().select("day", *CLASS_DAILY_COLUMNS).with_columns(
                pl.lit(name).alias("parcel_class")).select("day", "parcel_class", *CLASS_DAILY_COLUMNS)
            for name, ledger in self.classes.items()])

    def class_table(self) -> pl.DataFrame | None:
        """With two classes, one row per class: the cohort's KPIs (the metrics of the same names), and its
        cost per finished parcel: its own stage costs and compensation plus the fixed costs of capacity
        shared per finished parcel (so the classes' costs average, weighted by parcels, to the whole's)."""
        if self.classes is None:
            return None
        fixed_per_parcel = self.cohort_fixed_cost.sum() / self.cohort["finished"] \
            if self.cohort["finished"] > 0 else float("nan")
        rows: dict[str, list[Any]] = {"parcel_class": [], **{k: [] for k in CLASS_KPIS}, "cost_per_parcel_eur": []}
        for name, ledger in self.classes.items():
            m = ledger.metrics(float("nan"))
            rows["parcel_class"].append(name)
            for k in CLASS_KPIS:
                rows[k].append(m[k])
            rows["cost_per_parcel_eur"].append(m["cost_per_parcel_eur"] + fixed_per_parcel)
        return pl.DataFrame(rows)

    def parcel_table(self) -> TableSpool | None:
        """The per-parcel table (rows in the order parcels finish), or None when parcels are not recorded."""
        return self.parcel_spool

    def metrics(self, repeat_purchase_rate: float) -> dict[str, float]:
        c = self.cohort

        def ratio(a: float, b: float) -> float:
            return a / b if b > 0 else float("nan")

        finished = c["finished"]
        stage = {f"cost_{name}_eur_per_parcel": ratio(self.cohort_stage_cost[k], finished)
                 for k, name in enumerate(STAGES)}
        fixed = {f"cost_{name}_eur_per_parcel": ratio(self.cohort_fixed_cost[k], finished)
                 for k, name in enumerate(FIXED_COST_LINES)}
        return {
            "on_time_share": ratio(c["on_time"], c["promised"]),
            "on_time_share_lost_as_late": ratio(c["on_time"], c["promised"] + c["promised_lost"]),
            "p50_delivery_days": histogram_quantile(self.cohort_hist, 0.5),
            "p95_delivery_days": histogram_quantile(self.cohort_hist, 0.95),
            "p50_delivery_business_days": histogram_quantile(self.cohort_business_hist, 0.5),
            "p50_promised_delivery_business_days": histogram_quantile(self.cohort_promised_business_hist, 0.5),
            "p95_delivery_business_days": histogram_quantile(self.cohort_business_hist, 0.95),
            "mean_delivery_days": ratio(c["delivery_days_sum"], c["delivered"]),
            "cost_per_parcel_eur": float(costs.cost_per_parcel_eur(c["cost"] + self.cohort_fixed_cost.sum(),
                                                                   c["compensation"], finished)),
            "compensation_eur_per_parcel": ratio(c["compensation"], finished),
            "compensation_cost_eur": c["compensation"],
            "late_parcels": c["late"],
            "refund_cost_eur": c["refunds"],
            "lost_share": ratio(c["lost"], finished),
            "returned_share": ratio(c["returned"], finished),
            "orders": c["orders"],
            "gmv_eur": c["gmv"],
            "unfinished_orders": c["orders"] - finished,
            "repeat_purchase_rate": repeat_purchase_rate,
            **stage,
            **fixed,
        }
