"""Calibration of the standalone regime to Cainiao's published accounts (`sim calibrate`).

Targets (Cainiao's prospectus, 2023-09; docs/sources.md, Cainiao): revenue in fiscal years 2021-2023 (years to
31 March), the share of it paid by Alibaba Group in each year, and a gross margin of about 10.5% over the three
years. Held out: the December-2023 quarter's revenue and its growth on a year earlier (Alibaba's results,
docs/sources.md), which the fit never sees.

The model's counterparts, in the deterministic linear limit from quarter 2020Q2 (the first quarter of FY2021):
revenue = Cainiao's group plus third-party revenue summed over the fiscal year's four quarters; group share =
group revenue / revenue; gross margin = (revenue - carriage - capacity cost) / revenue over FY2021-23.

What the data identify, and what is a fixed prior:
* fitted: the group's demand intercept a (the revenue level), the group's choke price a / b (with the margin:
  under standalone pricing the Lerner index (w - c) / w equals one over the elasticity of Cainiao's demand, so
  the margin pins the slope), the third-party intercept a_3 (the group share) and the market's growth per
  quarter (the revenue path). Four parameters, seven published numbers.
* fixed priors: the marginal cost c (only revenue = price x parcels is published, not the parcels of the
  model's unit, so c sets the unit; the parcel counts are parcel-equivalents of revenue); no separate capacity
  cost; third parties' choke price equal to the group's derived demand's, a_3 / b_3 = a / b (the data give the
  split of revenue, not two separate elasticities).
The published group share includes Taobao and Tmall's domestic logistics; the model reads all of it as
AliExpress's (one group customer).

Standard errors are those of nonlinear least squares (residual variance over n - k = 3 degrees of freedom,
times (J'J)^-1): indicative of how well the numbers pin each parameter, not sampling error of the accounts.
"""

from __future__ import annotations

import datetime
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import tomli_w

from sim.core.calibration import ScenarioSource
from sim.core.errors import InputError
from sim.core.quarters import QUARTER_DAYS
from sim.core.results import atomic_write_bytes
from sim.core.rng import Streams
from sim.models.cainiao.config import CainiaoScenario
from sim.models.cainiao.model import simulate

__all__ = ["PUBLISHED_REVENUE_RMB_BN", "PUBLISHED_GROUP_SHARE", "PUBLISHED_GROSS_MARGIN", "FIRST_QUARTER",
           "HELD_OUT_QUARTER", "HELD_OUT_REVENUE_RMB_BN", "HELD_OUT_GROWTH", "FITTED", "FIXED",
           "CainiaoFitReport", "fiscal_year", "fiscal_year_accounts", "moments", "fit", "calibrate"]

#: Cainiao revenue by fiscal year (to 31 March), RMB bn (Cainiao prospectus 2023-09, docs/sources.md, H)
PUBLISHED_REVENUE_RMB_BN = {2021: 52.7, 2022: 66.9, 2023: 77.8}
#: share of that revenue from Alibaba Group (Cainiao prospectus 2023-09, docs/sources.md, H)
PUBLISHED_GROUP_SHARE = {2021: 0.292, 2022: 0.308, 2023: 0.282}
#: gross margin, "about 10.5%", read as FY2021-23 together (Cainiao prospectus 2023-09, docs/sources.md, H)
PUBLISHED_GROSS_MARGIN = 0.105
#: held out: the December-2023 quarter's revenue, RMB bn, and its growth on Dec-2022 (Alibaba results for the
#: quarter to 2023-12-31, published 2024-02, docs/sources.md, H)
HELD_OUT_QUARTER, HELD_OUT_REVENUE_RMB_BN, HELD_OUT_GROWTH = "2023Q4", 28.5, 0.24
FIRST_QUARTER = "2020Q2"  #: calendar 2020Q2 = the first quarter of FY2021 (fiscal years end on 31 March)
QUARTERS = 15  #: 2020Q2-2023Q4: the three fitted fiscal years and the held-out quarter

#: fitted scenario keys -> (lower, upper) bounds of the search
FITTED = {"demand.group_intercept_m_parcels": (1.0, 1e6), "group_choke_rmb": (0.0, 1e4),
          "demand.third_party_intercept_m_parcels": (0.0, 1e6), "demand.growth_per_quarter": (-0.2, 0.3)}
#: fixed priors the report and the calibrated scenario's comments name (values from the scenario being calibrated)
FIXED = ("cainiao.marginal_cost_rmb_per_parcel", "cainiao.capacity_cost_rmb_per_parcel_quarter")


def fiscal_year(quarter_label: str) -> int:
    """Cainiao's fiscal year (to 31 March) of a calendar quarter: 2020Q2-2021Q1 is FY2021."""
    year, quarter = int(quarter_label[:4]), int(quarter_label[-1])
    return year + 1 if quarter >= 2 else year


def fiscal_year_accounts(quarterly: pl.DataFrame) -> pl.DataFrame:
    """Per fiscal year with four simulated quarters: revenue (RMB bn), group share of revenue and gross profit
    (RMB bn), from the model's quarterly table."""
    return (quarterly
            .with_columns(pl.col("quarter_label").map_elements(fiscal_year, return_dtype=pl.Int64).alias("fiscal_year"),
                          (pl.col("cainiao_group_revenue_rmb_m") + pl.col("cainiao_third_party_revenue_rmb_m"))
                          .alias("revenue"))
            .group_by("fiscal_year", maintain_order=True)
            .agg(pl.len().alias("quarters"), (pl.col("revenue").sum() / 1000.0).alias("revenue_rmb_bn"),
                 (pl.col("cainiao_group_revenue_rmb_m").sum() / pl.col("revenue").sum()).alias("group_share"),
                 ((pl.col("revenue") - pl.col("cainiao_carriage_cost_rmb_m") - pl.col("cainiao_capacity_cost_rmb_m"))
                  .sum() / 1000.0).alias("gross_profit_rmb_bn"))
            .filter(pl.col("quarters") == 4))


def _history(config: CainiaoScenario) -> CainiaoScenario:
    """The scenario as the fit runs it: standalone, deterministic, 2020Q2-2023Q4, no ownership change."""
    return config.model_copy(update={
        "run": config.run.model_copy(update={"horizon_days": QUARTERS * QUARTER_DAYS, "replications": 1}),
        "cainiao": config.cainiao.model_copy(update={"change": None, "start_quarter": FIRST_QUARTER}),
        "demand": config.demand.model_copy(update={"noise": "none"})})


def with_parameters(config: CainiaoScenario, values: dict[str, float]) -> CainiaoScenario:
    """`config` with the fitted parameters set (the group slope from its choke price; the third-party slope
    from the equal-choke prior)."""
    a, choke = values["demand.group_intercept_m_parcels"], values["group_choke_rmb"]
    a3 = values["demand.third_party_intercept_m_parcels"]
    return config.model_copy(update={"demand": config.demand.model_copy(update={
        "group_intercept_m_parcels": a, "group_slope_m_parcels_per_rmb": a / choke,
        "third_party_intercept_m_parcels": a3, "third_party_slope_m_parcels_per_rmb": max(a3, 1e-12) / choke,
        "growth_per_quarter": values["demand.growth_per_quarter"]})})


def moments(config: CainiaoScenario) -> pl.DataFrame:
    """The published numbers beside the model's, one row each: moment, sample (in/out), published, simulated,
    error (simulated - published) and scaled error (revenue in percent of the published value, shares and
    margin in points)."""
    quarterly = simulate(_history(config), Streams(0, 0)).tables["quarterly"]
    assert isinstance(quarterly, pl.DataFrame)  # the model returns frames, never spools
    years = fiscal_year_accounts(quarterly)
    rows = []
    for row in years.iter_rows(named=True):
        year = row["fiscal_year"]
        if year in PUBLISHED_REVENUE_RMB_BN:
            rows.append((f"FY{year} revenue (RMB bn)", "in", PUBLISHED_REVENUE_RMB_BN[year], row["revenue_rmb_bn"], 100.0))
            rows.append((f"FY{year} group share", "in", PUBLISHED_GROUP_SHARE[year], row["group_share"], 100.0))
    fitted = years.filter(pl.col("fiscal_year").is_in(list(PUBLISHED_REVENUE_RMB_BN)))
    rows.append(("FY2021-23 gross margin", "in", PUBLISHED_GROSS_MARGIN,
                 float(fitted["gross_profit_rmb_bn"].sum()) / float(fitted["revenue_rmb_bn"].sum()), 100.0))
    revenue = (quarterly["cainiao_group_revenue_rmb_m"] + quarterly["cainiao_third_party_revenue_rmb_m"]) / 1000.0
    labels = quarterly["quarter_label"].to_list()
    held, year_before = labels.index(HELD_OUT_QUARTER), labels.index(f"{int(HELD_OUT_QUARTER[:4]) - 1}Q4")
    rows.append((f"{HELD_OUT_QUARTER} revenue (RMB bn)", "out", HELD_OUT_REVENUE_RMB_BN, float(revenue[held]), 100.0))
    rows.append((f"{HELD_OUT_QUARTER} growth on a year earlier", "out", HELD_OUT_GROWTH,
                 float(revenue[held] / revenue[year_before]) - 1.0, 100.0))
    table = pl.DataFrame(rows, schema=["moment", "sample", "published", "simulated", "scale"], orient="row")
    relative = pl.col("moment").str.contains("revenue")
    return (table.with_columns((pl.col("simulated") - pl.col("published")).alias("error"))
            .with_columns(pl.when(relative).then(100.0 * pl.col("error") / pl.col("published"))
                          .otherwise(100.0 * pl.col("error")).alias("scaled_error"))
            .drop("scale"))


def _residuals(config: CainiaoScenario, values: dict[str, float]) -> np.ndarray:
    table = moments(with_parameters(config, values)).filter(pl.col("sample") == "in")
    return table["scaled_error"].to_numpy()


def starting_values(config: CainiaoScenario) -> dict[str, float]:
    """A start from the Lerner condition: price w = c / (1 - margin), Cainiao's demand's choke price 2w - c,
    volume from FY2021 revenue at the published growth, split by the mean published group share."""
    cost = config.cainiao.marginal_cost_rmb_per_parcel + config.cainiao.capacity_cost_rmb_per_parcel_quarter
    price = cost / (1.0 - PUBLISHED_GROSS_MARGIN)
    choke = 2.0 * price - cost
    growth = (PUBLISHED_REVENUE_RMB_BN[2023] / PUBLISHED_REVENUE_RMB_BN[2021]) ** (1 / 8) - 1.0
    volume = PUBLISHED_REVENUE_RMB_BN[2021] * 1000.0 / price / sum((1 + growth) ** q for q in range(4))
    share = float(np.mean(list(PUBLISHED_GROUP_SHARE.values())))
    slope_total = volume / (price - cost)  # Cainiao's demand A - B w, with A = B x choke
    return {"demand.group_intercept_m_parcels": 2.0 * share * slope_total * choke, "group_choke_rmb": choke,
            "demand.third_party_intercept_m_parcels": (1.0 - share) * slope_total * choke,
            "demand.growth_per_quarter": growth}


@dataclass(frozen=True)
class CainiaoFitReport:
    """The fit as `sim calibrate` prints it."""

    table: pl.DataFrame
    parameters: dict[str, float]
    standard_errors: dict[str, float]
    fixed: dict[str, float]
    converged: bool
    scenario_path: Path | None = None

    @property
    def at_bound(self) -> list[str]:
        return [name for name, value in self.parameters.items()
                if any(math.isclose(value, bound, rel_tol=1e-6, abs_tol=1e-9) for bound in FITTED[name])]

    def parameter_table(self) -> pl.DataFrame:
        rows = [(name, value, self.standard_errors[name], "fitted") for name, value in self.parameters.items()]
        rows += [(name, value, math.nan, "fixed prior, not identified by these data") for name, value in self.fixed.items()]
        return pl.DataFrame(rows, schema=["parameter", "value", "standard_error", "status"], orient="row")

    def error_table(self) -> pl.DataFrame:
        """In-sample RMSE of the scaled errors and each held-out error (revenue in percent, shares in points)."""
        inside = self.table.filter(pl.col("sample") == "in")["scaled_error"].to_numpy()
        rows = [("in-sample RMSE (7 numbers)", float(np.sqrt(np.mean(inside ** 2))))]
        rows += [(f"held out: {r['moment']}", r["scaled_error"])
                 for r in self.table.filter(pl.col("sample") == "out").iter_rows(named=True)]
        return pl.DataFrame(rows, schema=["error", "percent_or_points"], orient="row")


def fit(config: CainiaoScenario) -> CainiaoFitReport:
    """Least squares (`scipy.optimize.least_squares`, trust region within `FITTED`'s bounds) of the in-sample
    scaled errors over the four fitted parameters, from `starting_values`."""
    from scipy.optimize import least_squares

    names = list(FITTED)
    start = starting_values(config)
    lower, upper = np.array([FITTED[n][0] for n in names]), np.array([FITTED[n][1] for n in names])
    scale = np.array([abs(start[n]) or 1.0 for n in names])
    cost = config.cainiao.marginal_cost_rmb_per_parcel
    lower[names.index("group_choke_rmb")] = cost * (1.0 + 1e-6)  # the validator's a > b c

    def residuals(x: np.ndarray) -> np.ndarray:
        return _residuals(config, dict(zip(names, x, strict=True)))

    solution = least_squares(residuals, np.array([start[n] for n in names]), bounds=(lower, upper), x_scale=scale,
                             diff_step=[1e-7] * len(names), xtol=1e-12, ftol=1e-12, gtol=1e-12)
    values = dict(zip(names, (float(v) for v in solution.x), strict=True))
    residual = np.asarray(solution.fun, dtype=np.float64)
    jacobian = np.asarray(solution.jac, dtype=np.float64)
    sigma2 = float(residual @ residual) / (residual.size - len(names))
    covariance = sigma2 * np.linalg.pinv(jacobian.T @ jacobian)
    errors = dict(zip(names, (float(v) for v in np.sqrt(np.diag(covariance))), strict=True))
    fixed = {name: float(getattr(config.cainiao, name.split(".")[1])) for name in FIXED}
    return CainiaoFitReport(moments(with_parameters(config, values)), values, errors, fixed, bool(solution.success))


def _check_calibratable(scenario: ScenarioSource, out_path: Path) -> CainiaoScenario:
    config = scenario.config
    if not isinstance(config, CainiaoScenario):
        raise TypeError(f"this calibration fits a cainiao scenario (got a {type(config).__name__})")
    where = scenario.path
    if config.cainiao.regime != "standalone":
        raise InputError(f"{where}: cainiao.regime = {config.cainiao.regime!r}: the accounts are those of a "
                         "listed standalone Cainiao; calibrate the standalone scenario")
    if config.demand.form != "linear":
        raise InputError(f"{where}: demand.form = {config.demand.form!r}: the calibration fits the linear form")
    if config.cainiao.start_quarter != FIRST_QUARTER:
        raise InputError(f"{where}: cainiao.start_quarter = {config.cainiao.start_quarter!r}: the fit starts in "
                         f"{FIRST_QUARTER}, the first quarter of FY2021; set it so")
    chain = [Path(p).resolve() for p in (*scenario.source_files, scenario.path) if p is not None]
    if out_path.resolve() in chain:
        raise InputError(f"{out_path}: the calibrated scenario cannot replace {where} or a file it extends; "
                         "choose another --out")
    return config


def write_calibrated_scenario(report: CainiaoFitReport, base_path: Path, out_path: Path) -> None:
    """A scenario that `extends` the base with the fitted demand, each key labelled `fitted` (with its standard
    error) and the fit's errors in comments; written whole or not at all (`atomic_write_bytes`)."""
    values = dict(report.parameters)
    choke = values.pop("group_choke_rmb")
    a, a3 = values["demand.group_intercept_m_parcels"], values["demand.third_party_intercept_m_parcels"]
    se = report.standard_errors
    demand = {
        "group_intercept_m_parcels": (a, f"fitted, SE {se['demand.group_intercept_m_parcels']:.3g}: the revenue level"),
        "group_slope_m_parcels_per_rmb": (a / choke, f"fitted: a / the group's choke price {choke:.6g} RMB "
                                                     f"(SE {se['group_choke_rmb']:.3g}), pinned by the gross margin"),
        "third_party_intercept_m_parcels": (a3, f"fitted, SE {se['demand.third_party_intercept_m_parcels']:.3g}: "
                                                "the group share"),
        "third_party_slope_m_parcels_per_rmb": (a3 / choke, "fitted: a_3 / the same choke price (fixed prior: "
                                                            "equal choke prices)"),
        "growth_per_quarter": (values["demand.growth_per_quarter"],
                               f"fitted, SE {se['demand.growth_per_quarter']:.3g}: the revenue path"),
    }
    header = tomli_w.dumps({"description": f"{base_path.stem} with its demand fitted to Cainiao's FY2021-23 revenue, "
                                           "group share and gross margin",
                            "extends": os.path.relpath(base_path.resolve(), out_path.resolve().parent)})
    comments = [f"Written by sim.models.cainiao.calibration.calibrate on {datetime.date.today().isoformat()}: "
                "scipy.optimize.least_squares,",
                "deterministic linear limit from 2020Q2, against the Cainiao prospectus (docs/sources.md, Cainiao).",
                "Errors (revenue in percent, shares and margin in points):"]
    comments += [f"  {r['moment']}: published {r['published']:.4g}, simulated {r['simulated']:.4g}, "
                 f"error {r['scaled_error']:+.2f}" for r in report.table.iter_rows(named=True)]
    comments += ["Fixed priors, not identified by these data: "
                 + ", ".join(f"{n} = {v:g}" for n, v in report.fixed.items()) + " (the base file)."]
    lines = [header, *("# " + " ".join(c.split()) if not c.startswith("  ") else "#" + c for c in comments),
             "", "[demand]"]
    lines += [f"{key} = {value!r}  # {comment}" for key, (value, comment) in demand.items()]
    atomic_write_bytes(out_path, ("\n".join(lines) + "\n").encode("utf-8"))


def calibrate(scenario: ScenarioSource, out_path: str | Path | None = None) -> CainiaoFitReport:
    """Fit the standalone scenario's demand (see the module doc) and write a scenario that extends it
    (default `<scenario>_calibrated.toml` beside it) unless a fitted parameter ends on a bound of its search
    (then nothing is written and `scenario_path` is None)."""
    if scenario.path is None:
        raise ValueError("calibrate needs a scenario read from a file: the calibrated scenario extends it")
    base = Path(scenario.path)
    out = Path(out_path) if out_path is not None else base.with_name(f"{base.stem}_calibrated.toml")
    config = _check_calibratable(scenario, out)
    report = fit(config)
    if report.at_bound:
        return report
    write_calibrated_scenario(report, base, out)
    return CainiaoFitReport(**{**report.__dict__, "scenario_path": out})
