"""Table 3, calibration and backtest.

* **Cloud:** each cloud scenario the paper uses as history (`BACKTESTED`: the calibrated one and the
  hand-set one it extends) on its expected path (`sim.models.cloud.expected`, what `sim calibrate` fits)
  against the published series of `docs/sources/cloud_published.csv`, with the last two published quarters
  of each series held out as `sim calibrate` holds them out (`calibration.holdout_quarters`): the in-sample
  RMSE and the held-out errors per series and provider (`calibration.error_table`; shares in points,
  revenue in percent). No fit is run here: the scenario files are evaluated as they stand.
* **Delivery response:** the kernel's sales changes (`sim.kernels.delivery_response.sales_change`) as the
  logistics scenario calibrates it, under both speed responses, in the three experiments its published
  anchors measured, beside the published values: one business day faster from 7 days (Fisher, Gallino &
  Xu 2019), a promise one day faster and one day slower than expected (Cui, Lu, Sun & Golden 2024); and in
  the scenario's own extrapolation, which no study measured.
* **Cainiao:** the calibrated standalone scenario (`CAINIAO_CALIBRATED`, fitted by `sim calibrate`) against
  Cainiao's published accounts (`sim.models.cainiao.calibration.moments`): FY2021-23 revenue and group share
  and the gross margin in sample, the December-2023 quarter held out.

Both go through the build's cache (`ResultCache.table`).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import math  # noqa: E402
import re  # noqa: E402

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from paper.cache import ResultCache  # noqa: E402
from sim.kernels import delivery_response as kernel  # noqa: E402
from sim.kernels.logit import purchase_probability  # noqa: E402
from sim.models.cainiao import calibration as cainiao_calibration  # noqa: E402
from sim.models.cloud import calibration  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

__all__ = ["cloud_fit", "cloud_errors", "kernel_anchors", "cainiao_fit", "write_tables", "BACKTESTED", "TASTE_SEED",
           "HOLDOUT", "CAINIAO_CALIBRATED"]

REPO = Path(__file__).resolve().parents[1]
#: scenario file -> short name in the key table
BACKTESTED = {"cloud_calibrated.toml": "calibrated", "cloud_price_cut_2024.toml": "hand_set"}
TASTE_SEED = 7  #: the taste draws of the expected path (`sim calibrate`'s default)
LOGISTICS_BASE = "aliexpress_spain_5day.toml"  #: the scenario whose delivery response Table 3 shows
HOLDOUT = 2  #: published quarters held out at the end of each series (`sim calibrate`'s default)
CAINIAO_CALIBRATED = "cainiao_standalone_calibrated.toml"  #: the Cainiao scenario Table 3 checks


def cloud_fit(scenario: str) -> pl.DataFrame:
    """One row per published value: quarter, series, provider, sample (in/out), published, simulated,
    error, scaled_error (points or percent), for the scenario file `scenario` in `scenarios/`."""
    config = load_scenario(REPO / "scenarios" / scenario).config
    published = calibration.load_published()
    targets = calibration.holdout_quarters(published, HOLDOUT)
    short = calibration._with_horizon(config, str(published.get_column("quarter_label").max()))
    simulated = calibration.predictions(short, targets, TASTE_SEED)
    return (targets.with_columns(pl.Series("simulated", simulated))
            .with_columns((pl.col("simulated") - pl.col("published")).alias("error"),
                          pl.Series("scaled_error", calibration._scaled_errors(simulated, targets)))
            .rename({"quarter_label": "quarter"}).with_columns(pl.lit(scenario).alias("scenario")))


def cloud_errors(fits: pl.DataFrame) -> pl.DataFrame:
    """Per scenario, series and provider: in-sample RMSE and the held-out errors."""
    return pl.concat([calibration.error_table(fits.filter(pl.col("scenario") == scenario))
                      .with_columns(pl.lit(scenario).alias("scenario")) for scenario in BACKTESTED])


def kernel_anchors(scenario: str = LOGISTICS_BASE) -> pl.DataFrame:
    """The delivery response as the logistics scenario `scenario` calibrates it (at the purchase
    probability of its `base_utility`, its reference days), under each speed response: its sales change in
    each published experiment beside the published value, and in the scenario's own extrapolation (no
    promise at R business days to a promise kept at E), where no published value exists."""
    demand = load_scenario(REPO / "scenarios" / scenario).config.logistics.demand  # type: ignore[attr-defined]
    p0 = float(purchase_probability(np.array([demand.base_utility]))[0])
    rows = []
    for speed_response, speed_range in (("linear", (0.0, math.inf)),
                                        ("flat_outside_measured", kernel.FISHER_MEASURED_RANGE_DAYS)):
        response = kernel.DeliveryResponse.calibrated(p0, reference_days=demand.reference_days,
                                                      speed_range_days=speed_range)
        experiments = [
            ("Fisher, Gallino & Xu (2019)", "delivery one business day faster, from 7 days",
             kernel.sales_change(response, 7.0, 6.0, p0), kernel.FISHER_SALES_CHANGE_PER_DAY_FASTER),
            ("Cui, Lu, Sun & Golden (2024)", "promise one day faster than expected (5 to 4 days)",
             kernel.sales_change(response, 5.0, 4.0, p0, expected_days=5.0), kernel.CUI_SALES_CHANGE_PROMISE_FASTER),
            ("Cui, Lu, Sun & Golden (2024)", "promise one day slower than expected (5 to 6 days)",
             kernel.sales_change(response, 5.0, 6.0, p0, expected_days=5.0), kernel.CUI_SALES_CHANGE_PROMISE_SLOWER),
            ("none: extrapolation", "speed term: expected delivery from R to E business days",
             kernel.sales_change(response, 0.0, demand.expected_days, p0), math.nan),
        ]
        rows += [{"speed_response": speed_response, "source": source, "experiment": experiment,
                  "kernel": change, "published": published, "error": change - published}
                 for source, experiment, change, published in experiments]
    return pl.DataFrame(rows)


def cainiao_fit(scenario: str = CAINIAO_CALIBRATED) -> pl.DataFrame:
    """One row per published Cainiao number: moment, sample (in/out), published, simulated, error and scaled
    error (revenue in percent, shares and margin in points), for the scenario file `scenario`."""
    return cainiao_calibration.moments(load_scenario(REPO / "scenarios" / scenario).config)


def cainiao_display(fit: pl.DataFrame) -> pl.DataFrame:
    """The Cainiao rows as printed: shares and margin in percent, revenue in RMB bn, the error signed."""
    def shown(moment: str, value: float) -> str:
        return f"{value:.1f}" if "revenue" in moment else f"{100 * value:.1f}%"

    return pl.DataFrame([{"moment": r["moment"].replace(" (RMB bn)", ", RMB bn"),
                          "sample": "held out" if r["sample"] == "out" else "fitted",
                          "published": shown(r["moment"], r["published"]),
                          "simulated": shown(r["moment"], r["simulated"]),
                          "error": _signed(r["scaled_error"]) + ("%" if "revenue" in r["moment"] else " pt")}
                         for r in fit.iter_rows(named=True)])


#: (series, provider) -> how the paper names it
SERIES_NAMES = {("revenue_share", "alibaba"): "Alibaba share (points)", ("revenue_share", "huawei"): "Huawei share (points)",
                ("revenue_share", "tencent"): "Tencent share (points)",
                ("revenue_rmb_bn", "alibaba"): "Alibaba Cloud revenue (%)",
                ("market_revenue_rmb_bn", "market"): "market revenue (%)"}


def _signed(value: float, decimals: int = 1) -> str:
    return "" if value != value else f"{value:+.{decimals}f}".replace("-", "\N{MINUS SIGN}")


def errors_display(errors: pl.DataFrame) -> pl.DataFrame:
    """One row per series: in-sample RMSE and held-out errors of each backtested scenario, as printed."""
    rows = []
    for (series, provider), name in SERIES_NAMES.items():
        row = {"series": name}
        for scenario, short in BACKTESTED.items():
            part = errors.filter((pl.col("scenario") == scenario) & (pl.col("series") == series)
                                 & (pl.col("provider") == provider))
            if part.is_empty():
                row |= {f"{short}_in_sample_rmse": "", f"{short}_held_out": ""}
                continue
            held = part["held_out_errors"][0]
            row |= {f"{short}_in_sample_rmse": f"{part['in_sample_rmse'][0]:.1f}",
                    f"{short}_held_out": re.sub(r"(?<=\s)-", "\N{MINUS SIGN}", held)}
        rows.append(row)
    return pl.DataFrame(rows)


def anchors_display(anchors: pl.DataFrame) -> pl.DataFrame:
    return anchors.select("speed_response", "source", "experiment",
                          pl.col("kernel").map_elements(lambda v: _signed(100 * v, 2) + "%", return_dtype=pl.String),
                          pl.col("published").map_elements(lambda v: _signed(100 * v, 2) + "%" if v == v else "none",
                                                           return_dtype=pl.String))


def write_tables(cache: ResultCache, out_dir: Path) -> list[Path]:
    """`table3_cloud_fit.csv` (every published value beside the simulated one), `table3_cloud_errors.csv`
    (per series and provider), `table3_delivery_response.csv` and `table3_cainiao_fit.csv`, with their
    display versions."""
    def resolved(scenario: str) -> object:
        return load_scenario(REPO / "scenarios" / scenario).config.model_dump(mode="json")

    fits = pl.concat([cache.table("cloud_backtest", {"scenario": s, "resolved": resolved(s), "taste_seed": TASTE_SEED,
                                                     "holdout": HOLDOUT,
                                                     "published": calibration.PUBLISHED_CSV.read_text()},
                                  lambda s=s: cloud_fit(s), code_file=Path(__file__)) for s in BACKTESTED])
    anchors = cache.table("delivery_response_anchors", {"scenario": LOGISTICS_BASE,
                                                        "resolved": resolved(LOGISTICS_BASE)}, kernel_anchors,
                          code_file=Path(__file__))
    cainiao = cache.table("cainiao_fit", {"scenario": CAINIAO_CALIBRATED, "resolved": resolved(CAINIAO_CALIBRATED)},
                          cainiao_fit, code_file=Path(__file__))
    out = Path(out_dir)
    paths = [out / "table3_cloud_fit.csv", out / "table3_cloud_errors.csv", out / "table3_delivery_response.csv",
             out / "table3_cloud_errors_display.csv", out / "table3_delivery_response_display.csv",
             out / "table3_cainiao_fit.csv", out / "table3_cainiao_fit_display.csv"]
    errors = cloud_errors(fits)
    fits.write_csv(paths[0], float_precision=6)
    errors.write_csv(paths[1], float_precision=6)
    anchors.write_csv(paths[2], float_precision=6)
    errors_display(errors).write_csv(paths[3])
    anchors_display(anchors).write_csv(paths[4])
    cainiao.write_csv(paths[5], float_precision=6)
    cainiao_display(cainiao).write_csv(paths[6])
    return paths
