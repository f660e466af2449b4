"""The key table: every number the paper's text quotes, each under one name, with where it comes from.

Two kinds of entry:

* **results**, read from the CSVs the figure modules write (which are computed from the cached runs in
  `build/cache/`); each names its CSV and the rows it reads (`selection`);
* **inputs**, read from the resolved scenario files (`sim.scenario.load_scenario`); each names the file and
  the dotted key.

Each entry has a value (with a 95% interval where there is one), a unit, and the text the paper prints
(`text`, `ci_text`), formatted here once. The Typst source reads them through `#num("key")` and
`#ci("key")` from `key_table.json`; the README's "First answers" block is filled from the same table.
Table 1 is the entries with a `table1` label (`key_numbers.md` and `.csv`). An entry whose CSV is missing
(its figure was not built) is left out; a result that does not exist in the data (e.g. no grid point
reaches a threshold) has a null value and the text "none".
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

from paper.figures._common import LEVEL  # noqa: E402
from sim.core.documents import get_key_path  # noqa: E402
from sim.kernels.delivery_response import FISHER_MEASURED_RANGE_DAYS  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

__all__ = ["Display", "key_table", "write_key_table", "KEY_TABLE_JSON", "KEY_TABLE_CSV", "SCHEMA"]

REPO = Path(__file__).resolve().parents[1]
SCENARIOS = REPO / "scenarios"
KEY_TABLE_JSON = "key_table.json"
#: the on-time share whose interval a capacity must keep above to count as reliable (assumption: a reading
#: of "keeps the promise", not a published target)
RELIABILITY_TARGET = 0.99
KEY_TABLE_CSV = "key_table.csv"
SCHEMA = {"key": pl.String, "kind": pl.String, "value": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
          "unit": pl.String, "text": pl.String, "ci_text": pl.String, "table1": pl.String, "source": pl.String,
          "selection": pl.String, "band_text": pl.String}
BANDS_CSV = "uncertainty_bands.csv"  #: paper/uncertainty.py: Table 1's parameter band of each headline
PAYBACK_CSV = "uncertainty_payback.csv"


@dataclass(frozen=True)
class Display:
    """How a value is printed: multiplied by `scale`, `decimals` places, thousands separated, then `suffix`."""

    decimals: int = 1
    scale: float = 1.0
    suffix: str = ""
    signed: bool = False

    def __call__(self, value: float | None) -> str:
        if value is None or not math.isfinite(value):
            return "none"
        return _minus(f"{value * self.scale:{'+' if self.signed else ''},.{self.decimals}f}") + self.suffix

    def bare(self, value: float | None) -> str:
        """The number without its suffix or sign (interval bounds)."""
        if value is None or not math.isfinite(value):
            return "none"
        return _minus(f"{value * self.scale:,.{self.decimals}f}")


def _minus(number: str) -> str:
    """A typographic minus sign (a hyphen would be set, and extracted from the PDF, as a hyphen)."""
    return number.replace("-", "\N{MINUS SIGN}")


PERCENT = Display(1, 100.0, "%")
POINTS = Display(1, 100.0, " points", signed=True)
RELATIVE = Display(1, 1.0, "%", signed=True)
COUNT = Display(0)
EUR = Display(2)
RMB_BN = Display(0, signed=True)
DAYS = Display(1)


def _entry(key: str, kind: str, value: float | None, display: Display, unit: str, source: str, selection: str,
           low: float | None = None, high: float | None = None, table1: str = "") -> dict:
    value, low, high = (None if v is None or not math.isfinite(float(v)) else float(v) for v in (value, low, high))
    ci_text = f"[{display.bare(low)}, {display.bare(high)}]" if low is not None and high is not None else ""
    return {"key": key, "kind": kind, "value": value, "ci_low": low, "ci_high": high, "unit": unit,
            "text": display(value), "ci_text": ci_text, "table1": table1, "source": source, "selection": selection,
            "band_text": "", "_display": display}


def _label(key: str, text: str, source: str, selection: str, table1: str = "", unit: str = "quarter") -> dict:
    """An entry whose value is a label (a quarter such as 2026Q1), printed as it is."""
    return {"key": key, "kind": "result", "value": None, "ci_low": None, "ci_high": None, "unit": unit,
            "text": text or "none", "ci_text": "", "table1": table1, "source": source, "selection": selection,
            "band_text": ""}


# --- results: from the figure CSVs ---------------------------------------------------------------------------

def _customs(out: Path) -> list[dict]:
    name = "fig1_customs_validation.csv"
    frame = pl.read_csv(out / name)
    rows = [_entry("customs.officers", "input", frame["officers"][0], COUNT, "officers", name, "column officers"),
            _entry("customs.service_rate", "input", frame["service_rate_per_hour"][0], Display(0),
                   "parcels an hour per officer", name, "column service_rate_per_hour"),
            _entry("customs.utilisation_low", "input", frame["utilisation"].min(), Display(2), "utilisation", name,
                   "min of utilisation"),
            _entry("customs.utilisation_high", "input", frame["utilisation"].max(), Display(2), "utilisation", name,
                   "max of utilisation"),
            _entry("customs.replications", "input", frame["n"].max(), COUNT, "replications", name, "max of n"),
            _entry("customs.horizon_days", "input", frame["horizon_days"][0], Display(0), "days", name,
                   "column horizon_days")]
    for metric, short, label in (("mean_wait_hours", "wait", "mean wait in queue"),
                                 ("probability_of_waiting", "pwait", "probability of waiting")):
        part = frame.filter(pl.col("metric") == metric)
        error = ((part["simulated_mean"] - part["erlang_c"]).abs() / part["erlang_c"]).max()
        selection = f"metric == {metric}"
        rows += [
            _entry(f"customs.{short}.covered", "result", part["theory_inside_ci"].sum(), COUNT, "intervals", name,
                   f"{selection}, sum of theory_inside_ci",
                   table1=f"Erlang C inside the 95% interval, {label} (of {part.height} utilisations)"),
            _entry(f"customs.{short}.points", "result", part.height, COUNT, "utilisations", name, selection),
            _entry(f"customs.{short}.max_error", "result", error, PERCENT, "relative", name,
                   f"{selection}, max of abs(simulated_mean - erlang_c) / erlang_c",
                   table1=f"largest relative error against Erlang C, {label}")]
    return rows


#: scenario label in the figure CSVs -> short name in keys
CLOUD = {"status quo": "status_quo", "2024 cut": "cut_2024", "LLM API cut only": "api_cut", "rivals best-respond": "best_respond"}


def _cloud(out: Path) -> list[dict]:
    rows: list[dict] = []
    name = "fig2_cloud_share_paths.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name).filter(pl.col("series") == "revenue_share")
        first, last = frame["quarter"].min(), frame["quarter"].max()
        final = frame.filter(pl.col("quarter") == last)
        quarter = final["quarter_label"][0]
        rows += [_label("cloud.final_quarter", quarter, name, f"quarter_label at quarter == {last}"),
                 _entry("cloud.replications", "input", frame["n"].max(), COUNT, "replications", name, "max of n")]
        for row in final.iter_rows(named=True):
            rows.append(_entry(f"cloud.share.{CLOUD[row['scenario']]}", "result", row["mean"], PERCENT, "share", name,
                               f"series == revenue_share, scenario == {row['scenario']}, quarter == {last}",
                               row["ci_low"], row["ci_high"],
                               table1=f"Alibaba revenue share {quarter}, {row['scenario']}"))
        start = frame.filter((pl.col("quarter") == first) & (pl.col("scenario") == "status quo"))
        rows.append(_entry("cloud.share.start", "result", start["mean"][0], PERCENT, "share", name,
                           f"series == revenue_share, scenario == status quo, quarter == {first}"))
    name = "fig3_cloud_payback_quarters.csv"
    if (out / name).exists():
        for row in pl.read_csv(out / name).iter_rows(named=True):
            short = CLOUD[row["scenario"]]
            rows.append(_entry(f"cloud.profit.{short}", "result", row["final_difference_rmb_bn"], RMB_BN, "RMB bn",
                               name, f"scenario == {row['scenario']}, final_difference_rmb_bn",
                               row["final_ci_low"], row["final_ci_high"],
                               table1=f"cumulative contribution less capex to {row['final_quarter']}, "
                                      f"{row['scenario']} minus status quo"))
            rows.append(_label(f"cloud.payback.{short}", row["payback_quarter"] or "", name,
                               f"scenario == {row['scenario']}, payback_quarter",
                               table1=f"payback quarter, {row['scenario']}"))
    return rows


def _logistics(out: Path) -> list[dict]:
    rows: list[dict] = []
    name = "fig4_logistics_capacity.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name).filter((pl.col("lever") == "line_haul") & (pl.col("metric") == "on_time_share"))
        for flights in frame["flights_per_week"].unique().sort().to_list():
            part = frame.filter(pl.col("flights_per_week") == flights).sort("weekly_capacity_parcels")
            reliable = part.filter(pl.col("ci_low") >= RELIABILITY_TARGET)
            rows.append(_entry(f"logistics.capacity99.flights{flights}", "result",
                               reliable["weekly_capacity_parcels"][0] if reliable.height else None, COUNT,
                               "parcels a week", name,
                               f"lever == line_haul, flights_per_week == {flights}, first ci_low >= "
                               f"{RELIABILITY_TARGET}",
                               table1=f"smallest weekly line-haul capacity in the grid with on-time CI above "
                                      f"{PERCENT(RELIABILITY_TARGET)}, {flights} flights a week"))
        rows.append(_entry("logistics.reliability_target", "input", RELIABILITY_TARGET, Display(0, 100.0, "%"),
                           "share", "paper/key_numbers.py", "RELIABILITY_TARGET"))
        flights = frame["flights_per_week"].unique().sort()
        rows += [_entry("logistics.flights.base", "input", flights.min(), COUNT, "flights a week", name,
                        "min of flights_per_week"),
                 _entry("logistics.flights.more", "input", flights.max(), COUNT, "flights a week", name,
                        "max of flights_per_week")]
        rows.append(_entry("logistics.capacity.grid_low", "input", frame["weekly_capacity_parcels"].min(), COUNT,
                           "parcels a week", name, "min of weekly_capacity_parcels"))
    name = "fig5_logistics_promise.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)

        def row_of(metric: str) -> dict:
            return frame.filter(pl.col("metric") == metric).row(0, named=True)

        rows.append(_entry("logistics.replications", "input", frame["n"].max(), COUNT, "replications", name,
                           "max of n"))
        for metric, short, display, unit in (("on_time_share", "on_time", PERCENT, "share"),
                                             ("p95_delivery_days", "p95_days", DAYS, "calendar days"),
                                             ("p50_delivery_days", "p50_days", DAYS, "calendar days")):
            row = row_of(metric)
            rows.append(_entry(f"logistics.{short}.no_promise", "result", row["mean_baseline"], display, unit, name,
                               f"metric == {metric}, mean_baseline"))
            rows.append(_entry(f"logistics.{short}.promise", "result", row["mean_scenario"], display, unit, name,
                               f"metric == {metric}, mean_scenario"))
        row = row_of("on_time_share")
        rows.append(_entry("logistics.on_time.difference", "result", row["difference"], POINTS, "share", name,
                           "metric == on_time_share, difference, family-wise CI", row["ci_low"], row["ci_high"],
                           table1="on-time share, five-day promise minus no promise (percentage points)"))
        for metric, short, label in (("orders", "orders", "orders"), ("gmv_eur", "gmv", "GMV"),
                                     ("repeat_purchase_rate", "repeat", "repeat-purchase rate")):
            row = row_of(metric)
            rows.append(_entry(f"logistics.{short}.difference_pct", "result", row["difference_pct"], RELATIVE,
                               "% of the no-promise mean", name,
                               f"metric == {metric}, difference_pct, family-wise CI", row["ci_low_pct"],
                               row["ci_high_pct"], table1=f"{label}, five-day promise minus no promise (%)"))
    name = "fig5_logistics_promise_on_time.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name).filter(pl.col("scenario") == "aliexpress_spain_5day")
        rows.append(_entry("logistics.on_time.promise_ci", "result", frame["mean"][0], PERCENT, "share", name,
                           "scenario == aliexpress_spain_5day", frame["ci_low"][0], frame["ci_high"][0],
                           table1="on-time share of promised parcels, five-day promise"))
    name = "fig6_eu_duty_cost.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name).filter(pl.col("component") == "cost_per_parcel_eur")
        short = {"no promise": "no_promise", "five-day promise": "promise", "five-day, EU duty 2026": "eu_duty"}
        for row in frame.iter_rows(named=True):
            rows.append(_entry(f"logistics.cost.{short[row['scenario']]}", "result", row["mean"], EUR, "EUR/parcel",
                               name, f"component == cost_per_parcel_eur, scenario == {row['scenario']}",
                               row["ci_low"], row["ci_high"], table1=f"cost per parcel (EUR), {row['scenario']}"))
        means = dict(zip(frame["scenario"], frame["mean"]))
        rows.append(_entry("logistics.cost.eu_duty_ratio", "result",
                           means["five-day, EU duty 2026"] / means["five-day promise"], Display(1, suffix="-fold"),
                           "ratio", name, "mean EU duty 2026 / mean five-day promise"))
    return rows


# --- evidence: Table 2 (validation) and Table 4 (sources ledger) ----------------------------------------------

def _evidence(out: Path) -> list[dict]:
    rows = []
    name = "table2_validation.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        stochastic = frame.filter(pl.col("check") == "stochastic")
        rows += [_entry("validation.checks", "result", frame.height, COUNT, "checks", name, "rows"),
                 _entry("validation.passed", "result", frame["passed"].sum(), COUNT, "checks", name, "sum of passed"),
                 _entry("validation.models", "result", frame["model"].n_unique(), COUNT, "models", name,
                        "distinct model"),
                 _entry("validation.stochastic", "result", stochastic.height, COUNT, "checks", name,
                        "check == stochastic"),
                 _entry("validation.design_power_min", "result", stochastic["design_power"].min(), Display(2),
                        "power", name, "min of design_power, check == stochastic"),
                 _entry("validation.family_level", "input", frame["family_level"][0], Display(0, 100.0, "%"),
                        "family-wise level", name, "column family_level"),
                 _label("validation.size", frame["size"][0], name, "column size", unit="replications")]
    name = "table3_cloud_errors.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        short = {"cloud_calibrated.toml": "calibrated", "cloud_price_cut_2024.toml": "hand_set"}
        for row in frame.iter_rows(named=True):
            key = f"calibration.{short[row['scenario']]}.{row['provider']}_{row['series']}"
            selection = f"scenario == {row['scenario']}, series == {row['series']}, provider == {row['provider']}"
            unit = "share points" if row["series"] == "revenue_share" else "% of the published value"
            rows += [_entry(f"{key}.in_sample_rmse", "result", row["in_sample_rmse"], Display(1), unit, name,
                            f"{selection}, in_sample_rmse"),
                     _entry(f"{key}.held_out_rmse", "result", row["held_out_rmse"], Display(1), unit, name,
                            f"{selection}, held_out_rmse"),
                     _label(f"{key}.held_out_errors", _minus(row["held_out_errors"].replace("; ", ", ")), name,
                            f"{selection}, held_out_errors", unit=unit)]
    name = "table3_delivery_response.csv"
    if (out / name).exists():
        published = pl.read_csv(out / name).filter(pl.col("speed_response") == "linear")
        for row, short in zip(published.head(3).iter_rows(named=True), ("fisher", "cui_faster", "cui_slower")):
            rows.append(_entry(f"response.published.{short}", "input", row["published"],
                               Display(2, 100.0, "%", signed=True), "sales change", name,
                               f"speed_response == linear, experiment == {row['experiment']}, published"))
        frame = pl.read_csv(out / name).filter(pl.col("source") == "none: extrapolation")
        for row in frame.iter_rows(named=True):
            rows.append(_entry(f"response.extrapolation.{row['speed_response']}", "result", row["kernel"],
                               Display(1, 100.0, "%", signed=True), "sales change", name,
                               f"source == none: extrapolation, speed_response == {row['speed_response']}"))
    name = "table4_sources.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name).unique(["file", "key"])
        for label in ("source", "assumption", "fitted", "control"):
            rows.append(_entry(f"sources.{label}_keys", "input", frame.filter(pl.col("label") == label).height,
                               COUNT, "scenario keys", name, f"label == {label}, distinct file and key"))
        rows.append(_entry("sources.files", "input", frame["file"].n_unique(), COUNT, "files", name, "distinct file"))
        stated = frame.filter((pl.col("label") == "assumption") & (pl.col("range_rule") == "stated")).height
        rows.append(_entry("sources.stated_ranges", "input", stated, COUNT, "scenario keys", name,
                           "label == assumption, range_rule == stated"))
    return rows


# --- the README's "In more detail": paper/detail_runs.py and figure 10 ---------------------------------------

def _details(out: Path) -> list[dict]:
    rows = []
    name = "detail_demand_bracket.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        for row in frame.filter(pl.col("metric").is_in(["orders", "repeat_purchase_rate"])).iter_rows(named=True):
            short = "orders" if row["metric"] == "orders" else "repeat"
            rows.append(_entry(f"detail.bracket.{row['speed_response']}.{short}", "result", row["difference_pct"],
                               RELATIVE, "% of the no-promise mean", name,
                               f"speed_response == {row['speed_response']}, metric == {row['metric']}, "
                               "difference_pct, family-wise CI", row["ci_low_pct"], row["ci_high_pct"]))
    name = "detail_day_count.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        short = {"no promise": "no_promise", "business days": "business", "calendar days": "calendar",
                 "calendar days, end of the fifth day": "date_end"}
        displays = {"on_time_share": ("on_time", Display(2, 100.0, "%"), "share"),
                    "on_time_share_lost_as_late": ("on_time_lost_as_late", Display(2, 100.0, "%"), "share"),
                    "compensation_eur_per_parcel": ("compensation", Display(3), "EUR per parcel"),
                    "p50_delivery_days": ("p50_days", DAYS, "calendar days"),
                    "p50_delivery_business_days": ("p50_business_days", DAYS, "business days"),
                    "p95_delivery_business_days": ("p95_business_days", DAYS, "business days")}
        for row in frame.iter_rows(named=True):
            key, display, unit = displays[row["metric"]]
            rows.append(_entry(f"detail.day.{short[row['day_count']]}.{key}", "result", row["mean"], display, unit,
                               name, f"day_count == {row['day_count']}, metric == {row['metric']}", row["ci_low"],
                               row["ci_high"]))
        compensation = dict(frame.filter(pl.col("metric") == "compensation_eur_per_parcel")
                            .select("day_count", "mean").iter_rows())
        for label in ("calendar days", "calendar days, end of the fifth day"):
            rows.append(_entry(f"detail.day.{short[label]}.compensation_ratio", "result",
                               compensation[label] / compensation["business days"], Display(0, suffix="-fold"),
                               "ratio", name, f"compensation_eur_per_parcel: {label} / business days"))
    name = "fig5_logistics_promise.csv"
    if (out / name).exists():
        row = pl.read_csv(out / name).filter(pl.col("metric") == "cost_per_parcel_eur").row(0, named=True)
        rows.append(_entry("detail.cost.promise_minus_no_promise", "result", row["difference"], EUR, "EUR/parcel",
                           name, "metric == cost_per_parcel_eur, difference, family-wise CI", row["ci_low"],
                           row["ci_high"], table1="cost per parcel (EUR), five-day promise minus no promise"))
    name = "detail_promise_cost_range.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        rows += [_entry("detail.cost_range.low", "result", frame["difference"].min(), EUR, "EUR/parcel", name,
                        "min of difference"),
                 _entry("detail.cost_range.high", "result", frame["difference"].max(), EUR, "EUR/parcel", name,
                        "max of difference"),
                 _entry("detail.cost_range.points", "input", frame.height, COUNT, "design points", name, "rows")]
    name = "detail_cloud_reoptimise.csv"
    if (out / name).exists():
        frame = {row["quantity"]: row for row in pl.read_csv(out / name).iter_rows(named=True)}
        rows += [_entry("detail.reoptimise.share", "result", frame["share_final"]["value"], PERCENT, "share", name,
                        "quantity == share_final"),
                 _entry("detail.reoptimise.share_difference", "result", frame["share_difference"]["value"], POINTS,
                        "share points", name, "quantity == share_difference, family-wise CI",
                        frame["share_difference"]["ci_low"], frame["share_difference"]["ci_high"]),
                 _entry("detail.reoptimise.money", "result", frame["money_difference_rmb_bn"]["value"], RMB_BN,
                        "RMB bn", name, "quantity == money_difference_rmb_bn", frame["money_difference_rmb_bn"]["ci_low"],
                        frame["money_difference_rmb_bn"]["ci_high"])]
    name = "fig10_cloud_cut_depth.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        metrics = {"alibaba_share_gain_vs_no_cut_final": ("share", Display(1, 100.0, signed=True), "share points"),
                   "alibaba_npv_gain_vs_no_cut_rmb_bn": ("npv", RMB_BN, "RMB bn"),
                   "alibaba_workload_share_final": ("workload_share", PERCENT, "share")}
        for row in frame.iter_rows(named=True):
            short, display, unit = metrics[row["metric"]]
            rows.append(_entry(f"cutdepth.{row['rival_response']}.{round(100 * row['depth'])}.{short}", "result",
                               row["mean"], display, unit, name,
                               f"rival_response == {row['rival_response']}, depth == {row['depth']}, "
                               f"metric == {row['metric']}", row["ci_low"], row["ci_high"]))
        for metric, short, display in (("alibaba_share_gain_vs_no_cut_final", "share", Display(1, 100.0)),
                                       ("alibaba_npv_gain_vs_no_cut_rmb_bn", "npv", Display(0))):
            rows.append(_entry(f"cutdepth.max_half_width.{short}", "result",
                               frame.filter(pl.col("metric") == metric)["half_width"].max(), display, "half-width",
                               name, f"max of half_width, metric == {metric}"))
        rows.append(_entry("cutdepth.replications", "input", frame["n"].max(), COUNT, "replications", name, "max of n"))
    return rows


def _marketplace(out: Path) -> list[dict]:
    rows: list[dict] = []
    price = Display(3)
    name = "fig9_marketplace_prices.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        merchants = sorted(frame["merchants"].unique().to_list())
        shares = sorted(frame["agent_share"].unique().to_list())
        low_share = min(shares, key=lambda x: abs(x - 0.1))
        high_share = min(shares, key=lambda x: abs(x - 0.5))
        rows += [
            _entry("marketplace.replications", "input", frame["n"].max(), COUNT, "replications", name, "max of n"),
            _entry("marketplace.search_cost", "input", frame["search_cost"][0], Display(2), "share of v", name,
                   "column search_cost"),
            _entry("marketplace.effective_cost", "input", frame["effective_cost"][0], price, "share of v", name,
                   "column effective_cost"),
            _entry("marketplace.merchants.few", "input", merchants[0], COUNT, "merchants", name, "min of merchants"),
            _entry("marketplace.merchants.mid", "input", merchants[len(merchants) // 2], COUNT, "merchants", name,
                   "middle of merchants"),
            _entry("marketplace.merchants.many", "input", merchants[-1], COUNT, "merchants", name, "max of merchants"),
            _entry("marketplace.share.low", "input", low_share, Display(1), "agent share", name,
                   "agent_share nearest 0.1"),
            _entry("marketplace.share.high", "input", high_share, Display(1), "agent share", name,
                   "agent_share nearest 0.5"),
            _entry("marketplace.covered", "result", frame["theory_inside_ci"].sum(), COUNT, "intervals", name,
                   "sum of theory_inside_ci",
                   table1=f"Stahl's price inside the 95% interval (of {frame.height} market points)"),
            _entry("marketplace.points", "result", frame.height, COUNT, "intervals", name, "rows"),
            _entry("marketplace.max_error", "result",
                   ((frame["simulated_mean"] - frame["stahl"]).abs() / frame["stahl"]).max(), Display(2, 100.0, "%"),
                   "relative", name, "max of abs(simulated_mean - stahl) / stahl",
                   table1="largest relative error of a simulated price against Stahl's")]
        for metric, short in (("mean_posted_price", "posted"), ("mean_price_paid", "paid")):
            for n in (merchants[0], merchants[-1]):
                for share, level in ((low_share, "low"), (high_share, "high")):
                    row = frame.filter((pl.col("metric") == metric) & (pl.col("merchants") == n)
                                       & (pl.col("agent_share") == share)).row(0, named=True)
                    rows.append(_entry(f"marketplace.{short}.n{n}.{level}", "result", row["simulated_mean"], price,
                                       "share of v", name, f"metric == {metric}, merchants == {n}, agent_share == "
                                       f"{share}", low=row["ci_low"], high=row["ci_high"],
                                       table1=(f"mean price paid, {n} merchants, agent share {share:g}"
                                               if short == "paid" and n == merchants[-1] else "")))
    name = "fig8_marketplace_price_cdf_ks.csv"
    if (out / name).exists():
        row = pl.read_csv(out / name).row(0, named=True)
        rows += [
            _entry("marketplace.cdf.merchants", "input", row["merchants"], COUNT, "merchants", name, "merchants"),
            _entry("marketplace.cdf.agent_share", "input", row["agent_share"], Display(1), "agent share", name,
                   "agent_share"),
            _entry("marketplace.cdf.prices", "result", row["prices"], COUNT, "prices", name, "prices"),
            _entry("marketplace.cdf.ks", "result", row["ks_statistic"], Display(4), "KS distance", name,
                   "ks_statistic", table1="KS distance of simulated posted prices from Stahl's F"),
            _entry("marketplace.cdf.pvalue", "result", row["ks_pvalue"], Display(2), "p-value", name, "ks_pvalue")]
    name = "fig12_marketplace_genai.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        shares = sorted(frame["agent_share"].unique().to_list())
        rows += [_entry("marketplace.revenue.share.low", "input", shares[0], Display(1), "agent share", name,
                        "min of agent_share"),
                 _entry("marketplace.revenue.share.high", "input", shares[-1], Display(1), "agent share", name,
                        "max of agent_share")]
        for metric, short in (("platform_total_revenue_per_day", "total"), ("platform_revenue_per_day", "take"),
                              ("ad_revenue_per_day", "ads"), ("agent_access_revenue_per_day", "access"),
                              ("direct_service_revenue_per_day", "direct")):
            for share, level in ((shares[0], "low"), (shares[-1], "high")):
                row = frame.filter((pl.col("metric") == metric) & (pl.col("agent_share") == share)).row(0, named=True)
                rows.append(_entry(f"marketplace.revenue.{short}.{level}", "result", row["simulated_mean"], Display(2),
                                   "price units a day", name, f"metric == {metric}, agent_share == {share}",
                                   low=row["ci_low"], high=row["ci_high"]))
    name = "fig12_marketplace_genai_agent_market.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        prices = sorted(frame["api_price_per_million_tokens"].unique().to_list())
        bonuses = sorted(frame["self_preferencing"].unique().to_list())
        rows += [_entry("marketplace.agents.api.low", "input", prices[0], Display(2), "price units per million tokens",
                        name, "min of api_price_per_million_tokens"),
                 _entry("marketplace.agents.api.high", "input", prices[-1], Display(2),
                        "price units per million tokens", name, "max of api_price_per_million_tokens"),
                 _entry("marketplace.agents.bonus.high", "input", bonuses[-1], Display(2), "utils", name,
                        "max of self_preferencing")]
        for metric, short, display in (("platform_agent_share", "share", Display(3)),
                                       ("consumer_surplus_per_visit", "surplus", Display(3))):
            for price, price_level in ((prices[0], "low"), (prices[-1], "high")):
                for bonus, bonus_level in ((bonuses[0], "none"), (bonuses[-1], "high")):
                    row = frame.filter((pl.col("metric") == metric) & (pl.col("api_price_per_million_tokens") == price)
                                       & (pl.col("self_preferencing") == bonus)).row(0, named=True)
                    rows.append(_entry(f"marketplace.agents.{short}.{price_level}.{bonus_level}", "result",
                                       row["simulated_mean"], display, "share of visits" if short == "share"
                                       else "price units per visit", name,
                                       f"metric == {metric}, api price == {price}, self_preferencing == {bonus}",
                                       low=row["ci_low"], high=row["ci_high"]))
    name = "fig12_marketplace_genai_strategies.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        for arm, short in (("AI 1.0", "ai1"), ("AI 2.0", "ai2")):
            for metric, key in (("gmv_per_day", "gmv"), ("contact_wait_minutes", "wait"),
                                ("service_cost_per_contact", "cost_per_contact"),
                                ("platform_purchase_share", "share"), ("single_homing_share", "single_homing"),
                                ("consumer_surplus_per_visit", "surplus")):
                row = frame.filter((pl.col("scenario") == arm) & (pl.col("metric") == metric)).row(0, named=True)
                rows.append(_entry(f"marketplace.strategy.{short}.{key}", "result", row["difference_pct"],
                                   Display(1, 1.0, "%", signed=True), "% of the base's mean", name,
                                   f"scenario == {arm}, metric == {metric}, difference_pct",
                                   low=row["ci_low_pct"], high=row["ci_high_pct"]))
    return rows


def _cainiao(out: Path) -> list[dict]:
    """Figures 13 to 17: the markup against the closed form, the buy-out's decomposed NPV gain, where infrastructure
    loses, what the group's priority changes, and the promise under each regime."""
    rows: list[dict] = []
    usd = Display(2, suffix="", signed=True)
    name = "fig14_cainiao_buyout_decomposition.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        for row in frame.iter_rows(named=True):
            rows.append(_entry(f"cainiao.gain.{row['part']}", "result", row["npv_attributable_gain_usd_bn"], usd,
                               "US$ bn", name, f"part == {row['part']}", row["ci_low"], row["ci_high"],
                               table1=("NPV gain of the Cainiao buy-out to Alibaba's shareholders (US$ bn, 2020Q2)"
                                       if row["part"] == "total" else "")))
        first = frame.row(0, named=True)
        rows += [_entry("cainiao.offer_discounted", "input", first["offer_discounted_usd_bn"], Display(2), "US$ bn",
                        name, "offer_discounted_usd_bn"),
                 _entry("cainiao.replications", "input", first["n"], COUNT, "replications", name, "n"),
                 _label("cainiao.payback", first["buyout_payback_quarter"] if first["buyout_payback_quarter"] != "none"
                        else "", name, "buyout_payback_quarter", table1="payback quarter of the Cainiao buy-out"),
                 _label("cainiao.horizon", first["horizon_quarter"], name, "horizon_quarter")]
    name = "fig14_cainiao_buyout.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        last = frame["quarter"].max()
        for label, short in (("infrastructure (63.7%)", "infrastructure"), ("cost plus (63.7%)", "cost_plus")):
            row = frame.filter((pl.col("scenario") == label) & (pl.col("quarter") == last)).row(0, named=True)
            rows.append(_entry(f"cainiao.cumulative.{short}", "result", row["difference"], usd, "US$ bn", name,
                               f"scenario == {label}, quarter == {last}, difference", row["ci_low"], row["ci_high"]))
    name = "fig14_cainiao_buyout_welfare.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        for label, short in (("infrastructure (63.7%)", "infrastructure"),
                             ("buy-out 2024Q2, infrastructure", "buyout")):
            for who in ("shoppers", "third_party_merchants"):
                row = frame.filter((pl.col("scenario") == label) & (pl.col("surplus_of") == who)).row(0, named=True)
                rows.append(_entry(f"cainiao.welfare.{short}.{who}", "result", row["difference"],
                                   Display(0, signed=True), "RMB m a quarter", name,
                                   f"scenario == {label}, surplus_of == {who}, difference", row["ci_low"],
                                   row["ci_high"]))
            row = frame.filter((pl.col("scenario") == label) & (pl.col("surplus_of") == "shoppers")).row(0, named=True)
            rows.append(_entry(f"cainiao.welfare.{short}.shoppers_relative", "result",
                               row["difference"] / row["standalone"], Display(0, 100.0, "%", signed=True), "share",
                               name, f"scenario == {label}, surplus_of == shoppers, difference / standalone"))
    name = "fig15_cainiao_where_infrastructure_loses.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        losing = frame.filter(pl.col("gain_rmb_m_per_quarter") < 0)
        rows += [_entry("cainiao.loses.threshold", "result", frame["threshold_rmb_per_parcel"][0], Display(2),
                        "RMB per parcel", name, "threshold_rmb_per_parcel",
                        table1="capacity cost above which infrastructure loses to standalone (RMB per parcel)"),
                 _entry("cainiao.loses.first_simulated", "result",
                        losing["capacity_cost_rmb_per_parcel"].min() if losing.height else None, Display(2),
                        "RMB per parcel", name, "min capacity_cost_rmb_per_parcel with gain < 0"),
                 _entry("cainiao.loses.points", "input", frame.height, COUNT, "capacity cost x third-party points",
                        name, "rows"),
                 _entry("cainiao.loses.max_error", "result",
                        ((frame["gain_rmb_m_per_quarter"] - frame["gain_closed_form"]).abs()).max(), Display(6),
                        "RMB m a quarter", name, "max abs(gain - gain_closed_form)")]
    name = "fig15_cainiao_where_infrastructure_loses_boundary.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        rows.append(_entry("cainiao.loses.located", "result", frame["located_boundary_rmb_per_parcel"].min(),
                           Display(2), "RMB per parcel", name, "min located_boundary_rmb_per_parcel"))
    name = "fig13_cainiao_markup.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        standalone = frame.filter(pl.col("regime") == "standalone").row(0, named=True)
        rows += [_entry("cainiao.markup.max_error", "result",
                        max(frame["retail_price_error"].max(), frame["orders_error"].max()), Display(6),
                        "relative", name, "max of retail_price_error and orders_error"),
                 _entry("cainiao.markup.standalone", "result", standalone["markup"], PERCENT, "share", name,
                        "regime == standalone, markup"),
                 _entry("cainiao.markup.points", "input", frame.height - 1, COUNT, "markups", name,
                        "rows with regime == cost_plus")]
    rows += _cainiao_priority(out)
    name = "fig17_cainiao_promise.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        for row in frame.iter_rows(named=True):
            short, selection = row["regime"].replace(" ", "_"), f"regime == {row['regime']}"
            rows += [_entry(f"cainiao.promise.{short}.share", "result", row["promised_share"], PERCENT, "share",
                            name, f"{selection}, promised_share"),
                     _entry(f"cainiao.promise.{short}.orders", "result", row["orders_gain_share"],
                            Display(1, 100.0, "%", signed=True), "share", name, f"{selection}, orders_gain_share"),
                     _entry(f"cainiao.promise.{short}.group_profit", "result", row["group_profit_gain_rmb_m"],
                            Display(0, signed=True), "RMB m a quarter", name, f"{selection}, group_profit_gain_rmb_m"),
                     _entry(f"cainiao.promise.{short}.shoppers", "result", row["shoppers_surplus_gain_rmb_m"],
                            Display(0, signed=True), "RMB m a quarter", name,
                            f"{selection}, shoppers_surplus_gain_rmb_m")]
    return rows


def _cainiao_priority(out: Path) -> list[dict]:
    """Figure 16: what the group's priority changes for third parties and the group, at the tightest and the
    reference-nearest load factors of the sweep, at each value of on-time delivery."""
    rows: list[dict] = []
    name = "fig16_cainiao_priority_change.csv"
    if not (out / name).exists():
        return rows
    frame = pl.read_csv(out / name)
    loads = sorted(frame["load_factor_at_capacity"].unique().to_list())
    values = sorted(frame["third_party_value_rmb_per_unit"].unique().to_list())
    tight, middle = loads[-1], loads[len(loads) // 2]
    rows += [_entry("cainiao.priority.load.tight", "input", tight, Display(2), "load factor", name,
                    "max of load_factor_at_capacity"),
             _entry("cainiao.priority.load.middle", "input", middle, Display(2), "load factor", name,
                    "middle of load_factor_at_capacity"),
             _entry("cainiao.priority.value.low", "input", values[0], Display(0), "RMB per unit of on-time share",
                    name, "min of third_party_value_rmb_per_unit"),
             _entry("cainiao.priority.value.high", "input", values[-1], Display(0), "RMB per unit of on-time share",
                    name, "max of third_party_value_rmb_per_unit")]
    points = pl.read_csv(out / "fig16_cainiao_priority.csv")
    rows.append(_entry("cainiao.priority.fit_rmse", "input",
                       points["third_party_on_time_fit_rmse"].max(), Display(1, 100.0, " points"), "on-time share",
                       "fig16_cainiao_priority.csv", "max of third_party_on_time_fit_rmse"))
    rows.append(_entry("cainiao.priority.group_on_time_min", "result", points["group_on_time_share"].min(),
                       PERCENT, "on-time share", "fig16_cainiao_priority.csv", "min of group_on_time_share"))
    signed_percent = Display(1, 100.0, "%", signed=True)
    for load, at in ((tight, "tight"), (middle, "middle")):
        for value, level in ((values[0], "low"), (values[-1], "high")):
            row = frame.filter((pl.col("load_factor_at_capacity") == load)
                               & (pl.col("third_party_value_rmb_per_unit") == value)).row(0, named=True)
            selection = f"load_factor_at_capacity == {load}, third_party_value_rmb_per_unit == {value}"
            rows += [_entry(f"cainiao.priority.{at}.{level}.on_time", "result", row["third_party_on_time_change"],
                            POINTS, "on-time share", name, f"{selection}, third_party_on_time_change"),
                     _entry(f"cainiao.priority.{at}.{level}.third_parties", "result",
                            row["third_party_surplus_change_share"], signed_percent, "share", name,
                            f"{selection}, third_party_surplus_change_share"),
                     _entry(f"cainiao.priority.{at}.{level}.group_profit", "result", row["group_profit_change_share"],
                            Display(2, 100.0, "%", signed=True), "share", name,
                            f"{selection}, group_profit_change_share"),
                     _entry(f"cainiao.priority.{at}.{level}.group_profit_rmb", "result",
                            row["group_profit_change_rmb_m"], Display(1, signed=True), "RMB m a quarter", name,
                            f"{selection}, group_profit_change_rmb_m")]
    return rows


# --- parameter uncertainty and sensitivity: paper/uncertainty.py and figure 11 --------------------------------

def _bands(out: Path, rows: list[dict]) -> None:
    """Fill `band_text` of each headline with its parameter band: the 5-95% range of the replication mean
    over the LHS points, or for a payback quarter the share of points paid back by the estimate's quarter
    and by the horizon."""
    if not (out / BANDS_CSV).exists():
        return
    bands = {row["key"]: row for row in pl.read_csv(out / BANDS_CSV).iter_rows(named=True)}
    shares = pl.read_csv(out / PAYBACK_CSV) if (out / PAYBACK_CSV).exists() else None
    for row in rows:
        band = bands.get(row["key"])
        if band is None:
            continue
        if band["band_low"] is not None:
            display = row["_display"]
            row["band_text"] = f"[{display.bare(band['band_low'])}, {display.bare(band['band_high'])}]"
            continue
        assert shares is not None
        part = shares.filter(pl.col("key") == row["key"])
        by_quarter = dict(zip(part["quarter_label"], part["share_paid_back"]))
        last = part["quarter_label"][-1]
        text = f"{PERCENT_WHOLE(by_quarter[last])} by {last}"
        if row["text"] in by_quarter and row["text"] != last:
            text = f"{PERCENT_WHOLE(by_quarter[row['text']])} by {row['text']}, {text}"
        row["band_text"] = text


PERCENT_WHOLE = Display(0, 100.0, "%")


def _uncertainty(out: Path) -> list[dict]:
    rows: list[dict] = []
    if (out / BANDS_CSV).exists():
        frame = pl.read_csv(out / BANDS_CSV)
        for group, key in (("promise", "logistics.orders.difference_pct"), ("cloud", "cloud.profit.cut_2024")):
            row = frame.filter(pl.col("key") == key).row(0, named=True)
            rows += [_entry(f"uncertainty.{group}.points", "input", row["points"], COUNT, "design points", BANDS_CSV,
                            f"key == {key}, points"),
                     _entry(f"uncertainty.{group}.replications", "input", row["replications"], COUNT, "replications",
                            BANDS_CSV, f"key == {key}, replications"),
                     _entry(f"uncertainty.{group}.parameters", "input", row["parameters"], COUNT, "parameters",
                            BANDS_CSV, f"key == {key}, parameters"),
                     _label(f"uncertainty.{group}.size", row["size"], BANDS_CSV, f"key == {key}, size",
                            unit="design")]
    name = "fig11_sensitivity.csv"
    if (out / name).exists():
        frame = pl.read_csv(out / name)
        for group in frame["group"].unique(maintain_order=True).to_list():
            part = frame.filter(pl.col("group") == group)
            rows += [_entry(f"sensitivity.{group}.parameters", "input", part["parameter"].n_unique(), COUNT,
                            "parameters", name, f"group == {group}, distinct parameter"),
                     _entry(f"sensitivity.{group}.points", "input", part["points"][0], COUNT, "design points", name,
                            f"group == {group}, points"),
                     _entry(f"sensitivity.{group}.replications", "input", part["replications"][0], COUNT,
                            "replications", name, f"group == {group}, replications"),
                     _entry(f"sensitivity.{group}.base_sample", "input",
                            part["points"][0] // (part["parameter"].n_unique() + 2), COUNT, "points", name,
                            f"group == {group}, points / (parameters + 2)")]
        for key in frame["key"].unique(maintain_order=True).to_list():
            part = frame.filter(pl.col("key") == key).sort("ST", descending=True, nulls_last=True)
            rows += [_entry(f"sensitivity.{key}.noise_share", "result", part["noise_share"][0],
                            Display(0, 100.0, "%"), "share of variance", name, f"key == {key}, noise_share"),
                     _label(f"sensitivity.{key}.top", part["parameter"][0], name, f"key == {key}, largest ST",
                            unit="parameter"),
                     _entry(f"sensitivity.{key}.top_total", "result", part["ST"][0], Display(2), "total index", name,
                            f"key == {key}, largest ST", part["ST"][0] - part["ST_conf"][0],
                            part["ST"][0] + part["ST_conf"][0])]
    return rows


# --- inputs: from the resolved scenario files ----------------------------------------------------------------

def _input(key: str, file: str, path: str, display: Display, unit: str,
           transform: Callable[[object], float] = float) -> dict:
    document = load_scenario(SCENARIOS / file).config.model_dump(mode="json")
    return _entry(key, "input", transform(get_key_path(document, path)), display, unit, f"scenarios/{file}", path)


def _price_factor(product: str, quarter: str) -> Callable[[object], float]:
    """The cut (1 - factor) Alibaba's price book applies to `product` in `quarter`."""
    def cut(changes: object) -> float:
        factors = [c["factor"] for c in changes if c["product"] == product and c["quarter"] == quarter]  # type: ignore[attr-defined]
        return 1.0 - factors[0]
    return cut


def _inputs() -> list[dict]:
    base, eu = "aliexpress_spain_5day.toml", "aliexpress_spain_5day_eu_duty_2026.toml"
    return [
        _entry("paper.level", "input", LEVEL, Display(0, 100.0, "%"), "confidence level", "paper/figures/_common.py",
               "LEVEL"),
        _input("input.promise_days", base, "logistics.guarantee.promised_days", COUNT, "business days"),
        _input("input.reference_business_days", base, "logistics.demand.reference_days", Display(1),
               "business days"),
        _input("input.expected_days", base, "logistics.demand.expected_days", Display(1), "business days"),
        _input("input.choice_share", base, "logistics.demand.choice_share", Display(0, 100.0, "%"), "share"),
        _entry("input.fisher_range_low", "input", FISHER_MEASURED_RANGE_DAYS[0], Display(1), "business days",
               "sim/kernels/delivery_response.py", "FISHER_MEASURED_RANGE_DAYS[0]"),
        _entry("input.fisher_range_high", "input", FISHER_MEASURED_RANGE_DAYS[1], Display(0), "business days",
               "sim/kernels/delivery_response.py", "FISHER_MEASURED_RANGE_DAYS[1]"),
        _input("input.cloud_price_sensitivity", "cloud_status_quo.toml",
               "workloads.traditional.price_sensitivity_mean", Display(1), "utility per unit of price index"),
        _input("input.calibrated_rival_trend", "cloud_calibrated.toml", "providers.huawei.quality_trend_per_year",
               Display(3), "utility a year"),
        _input("input.shoppers_per_day", base, "logistics.demand.shoppers_per_day", COUNT, "shoppers a day"),
        _input("input.flights_per_day", base, "logistics.line_haul.departure_hours", COUNT, "flights a day", len),
        _input("input.capacity_per_flight", base, "logistics.line_haul.capacity_parcels", COUNT, "parcels"),
        _input("input.customs_officers", base, "logistics.customs.officers", COUNT, "officers"),
        _input("input.pre_cleared_share", base, "logistics.customs.pre_cleared_share", Display(0, 100.0, "%"),
               "share"),
        _input("input.coupon_eur", base, "logistics.guarantee.coupon_eur", EUR, "EUR"),
        _input("input.eu_duty_eur", eu, "logistics.costs.duty_per_item_eur", Display(0), "EUR per item"),
        _input("input.eu_handling_fee_eur", eu, "logistics.costs.handling_fee_per_item_eur", Display(0),
               "EUR per item"),
        _input("input.cloud_compute_cut", "cloud_price_cut_2024.toml", "providers.alibaba.price_changes",
               Display(0, 100.0, "%"), "share of list price", _price_factor("compute", "2024Q1")),
        _input("input.cloud_api_cut", "cloud_price_cut_2024.toml", "providers.alibaba.price_changes",
               Display(0, 100.0, "%"), "share of list price", _price_factor("model_api", "2024Q2")),
        _input("input.token_elasticity", "cloud_status_quo.toml", "workloads.genai.price_elasticity", Display(1),
               "elasticity"),
        _input("input.cainiao_ownership", "cainiao_standalone.toml", "cainiao.ownership_share", PERCENT, "share"),
        _input("input.cainiao_discount_rate", "cainiao_standalone.toml", "cainiao.discount_rate_per_year", PERCENT,
               "a year"),
        _input("input.cainiao_cost_plus_markup", "cainiao_cost_plus.toml", "cainiao.transfer_markup",
               Display(0, 100.0, "%"), "share"),
        _input("input.cainiao_growth", "cainiao_standalone_calibrated.toml", "demand.growth_per_quarter", PERCENT,
               "a quarter"),
        _input("input.cainiao_offer_usd_bn", "cainiao_buyout_2024.toml", "cainiao.change.outlay_usd_bn", Display(2),
               "US$ bn"),
    ]


def key_table(out_dir: Path) -> pl.DataFrame:
    """Every key number: results from the figure CSVs in `out_dir`, inputs from the scenario files."""
    out = Path(out_dir)
    rows = _customs(out) if (out / "fig1_customs_validation.csv").exists() else []
    rows += _cloud(out) + _logistics(out) + _marketplace(out) + _evidence(out) + _details(out) + _inputs()
    rows += _uncertainty(out)
    rows += _cainiao(out)
    _bands(out, rows)
    for row in rows:
        row.pop("_display", None)
    table = pl.DataFrame(rows, schema=SCHEMA)
    duplicated = table.filter(pl.col("key").is_duplicated())["key"].unique().to_list()
    if duplicated:
        raise ValueError(f"key table: keys defined twice: {duplicated}")
    return table


def table1_markdown(table: pl.DataFrame) -> str:
    lines = ["# Table 1. Key numbers", "",
             "Read by `paper/key_numbers.py` from the figure CSVs in this directory; 95% intervals across "
             "replications (simulation noise only); parameter band: 5-95% range of the replication mean over an "
             "LHS design of the assumptions (payback: share of design points paid back), `paper/uncertainty.py`.", "",
             "| quantity | value | 95% CI | parameter band | unit | key | source | selection |",
             "|---|---|---|---|---|---|---|---|"]
    for row in table.filter(pl.col("table1") != "").iter_rows(named=True):
        lines.append(f"| {row['table1']} | {row['text']} | {row['ci_text']} | {row['band_text']} | {row['unit']} | "
                     f"`{row['key']}` | `{row['source']}` | {row['selection']} |")
    return "\n".join(lines) + "\n"


def write_key_table(out_dir: Path) -> list[Path]:
    """`key_table.csv` and `.json` (every entry) and Table 1 (`key_numbers.md`, `key_numbers.csv`)."""
    out = Path(out_dir)
    table = key_table(out)
    paths = [out / KEY_TABLE_CSV, out / KEY_TABLE_JSON, out / "key_numbers.csv", out / "key_numbers.md"]
    table.write_csv(paths[0], float_precision=6)
    entries = {row.pop("key"): row for row in table.iter_rows(named=True)}
    paths[1].write_text(json.dumps(entries, indent=1) + "\n")  # in the table's order (Table 1's row order)
    table.filter(pl.col("table1") != "").write_csv(paths[2], float_precision=6)
    paths[3].write_text(table1_markdown(table))
    return paths


if __name__ == "__main__":
    from paper.figures._common import DEFAULT_OUT

    for written in write_key_table(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT):
        print(written)
