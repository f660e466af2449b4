"""Table 1 of the paper: the headline numbers, read from the CSVs the figure scripts wrote.

The text of `paper/paper.md` quotes no number itself; it points to this table (`paper/build/key_numbers.md`,
also `key_numbers.csv`), which `build_figures.py` writes after the figures. Each row names the CSV and the
rows it comes from, so every number can be traced to the figure that plots it. Rows whose CSV is missing
(a figure not built) are left out.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

__all__ = ["key_numbers", "write_key_numbers"]


def _row(quantity: str, value, low=None, high=None, source: str = "", selection: str = "", unit: str = "") -> dict:
    return {"quantity": quantity, "value": None if value is None else float(value),
            "ci_low": None if low is None else float(low), "ci_high": None if high is None else float(high),
            "unit": unit, "source": source, "selection": selection}


def _customs(out: Path) -> list[dict]:
    path = out / "fig1_customs_validation.csv"
    frame = pl.read_csv(path)
    rows = []
    for metric in ("mean_wait_hours", "probability_of_waiting"):
        part = frame.filter(pl.col("metric") == metric)
        inside = int(part["theory_inside_ci"].sum())
        error = ((part["simulated_mean"] - part["erlang_c"]).abs() / part["erlang_c"]).max()
        rows.append(_row(f"{metric}: 95% CIs covering Erlang C (of {part.height})", inside, source=path.name,
                         selection=f"metric == {metric}, column theory_inside_ci", unit="intervals"))
        rows.append(_row(f"{metric}: largest relative error, abs(simulated - Erlang C) / Erlang C", error,
                         source=path.name,
                         selection=f"metric == {metric}", unit="relative"))
    return rows


def _cloud(out: Path) -> list[dict]:
    rows = []
    path = out / "fig2_cloud_share_paths.csv"
    if path.exists():
        frame = pl.read_csv(path).filter(pl.col("series") == "revenue_share")
        last = frame["quarter"].max()
        for row in frame.filter(pl.col("quarter") == last).iter_rows(named=True):
            rows.append(_row(f"Alibaba revenue share {row['quarter_label']}, {row['scenario']}", row["mean"],
                             row["ci_low"], row["ci_high"], path.name,
                             f"series == revenue_share, quarter == {last}", "share"))
    path = out / "fig3_cloud_payback_quarters.csv"
    if path.exists():
        for row in pl.read_csv(path).iter_rows(named=True):
            rows.append(_row(f"{row['scenario']} minus status quo, cumulative profit to {row['final_quarter']}",
                             row["final_difference_rmb_bn"], row["final_ci_low"], row["final_ci_high"], path.name,
                             f"scenario == {row['scenario']}; payback quarter: {row['payback_quarter'] or 'none'}",
                             "RMB bn"))
    return rows


def _logistics(out: Path) -> list[dict]:
    rows = []
    path = out / "fig4_logistics_capacity.csv"
    if path.exists():
        frame = pl.read_csv(path).filter((pl.col("lever") == "line_haul") & (pl.col("metric") == "on_time_share"))
        for flights in frame["flights_per_week"].unique().sort().to_list():
            part = frame.filter(pl.col("flights_per_week") == flights).sort("weekly_capacity_parcels")
            reliable = part.filter(pl.col("ci_low") >= 0.99)
            rows.append(_row(f"smallest weekly line-haul capacity in the grid with on-time CI >= 99%, "
                             f"{flights} flights a week",
                             reliable["weekly_capacity_parcels"][0] if reliable.height else None, source=path.name,
                             selection=f"lever == line_haul, flights_per_week == {flights}, ci_low >= 0.99",
                             unit="parcels a week"))
    path = out / "fig5_logistics_promise.csv"
    if path.exists():
        frame = pl.read_csv(path)
        for metric, unit in (("on_time_share", "share"), ("p95_delivery_days", "days"),
                             ("cost_per_parcel_eur", "EUR/parcel")):
            row = frame.filter(pl.col("metric") == metric).row(0, named=True)
            rows.append(_row(f"{metric}: no promise", row["mean_baseline"], source=path.name,
                             selection=f"metric == {metric}, mean_baseline", unit=unit))
            rows.append(_row(f"{metric}: five-day promise minus no promise", row["difference"], row["ci_low"],
                             row["ci_high"], path.name, f"metric == {metric}, family-wise CI", unit))
        for metric in ("orders", "gmv_eur", "repeat_purchase_rate"):
            row = frame.filter(pl.col("metric") == metric).row(0, named=True)
            rows.append(_row(f"{metric}: five-day promise minus no promise", row["difference_pct"],
                             row["ci_low_pct"], row["ci_high_pct"], path.name,
                             f"metric == {metric}, % of the no-promise mean, family-wise CI", "%"))
    path = out / "fig6_eu_duty_cost.csv"
    if path.exists():
        frame = pl.read_csv(path).filter(pl.col("component") == "cost_per_parcel_eur")
        for row in frame.iter_rows(named=True):
            rows.append(_row(f"cost per parcel, {row['scenario']}", row["mean"], row["ci_low"], row["ci_high"],
                             path.name, "component == cost_per_parcel_eur", "EUR/parcel"))
    return rows


def key_numbers(out_dir: Path) -> pl.DataFrame:
    """One row per headline number: quantity, value, CI (where there is one), unit, source CSV, selection."""
    out = Path(out_dir)
    rows = []
    if (out / "fig1_customs_validation.csv").exists():
        rows += _customs(out)
    rows += _cloud(out) + _logistics(out)
    schema = {"quantity": pl.String, "value": pl.Float64, "ci_low": pl.Float64, "ci_high": pl.Float64,
              "unit": pl.String, "source": pl.String, "selection": pl.String}
    return pl.DataFrame(rows, schema=schema)


def _format(value) -> str:
    if value is None:
        return ""
    return f"{value:.0f}" if abs(value) >= 1000 or float(value).is_integer() else f"{value:.4g}"


def write_key_numbers(out_dir: Path) -> list[Path]:
    """`key_numbers.csv` and `key_numbers.md` (Table 1) in `out_dir`."""
    out = Path(out_dir)
    table = key_numbers(out)
    csv = out / "key_numbers.csv"
    table.write_csv(csv, float_precision=6)
    lines = ["# Table 1. Key numbers", "",
             "Read from the figure CSVs in this directory by `paper/key_numbers.py`; 95% intervals across "
             "replications (simulation noise only).", "",
             "| quantity | value | 95% CI | unit | source | selection |", "|---|---|---|---|---|---|"]
    for row in table.iter_rows(named=True):
        ci = f"[{_format(row['ci_low'])}, {_format(row['ci_high'])}]" if row["ci_low"] is not None else ""
        lines.append(f"| {row['quantity']} | {_format(row['value'])} | {ci} | {row['unit']} | `{row['source']}` | "
                     f"{row['selection']} |")
    markdown = out / "key_numbers.md"
    markdown.write_text("\n".join(lines) + "\n")
    return [markdown, csv]


if __name__ == "__main__":
    from paper.figures._common import DEFAULT_OUT

    for written in write_key_numbers(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT):
        print(written)
