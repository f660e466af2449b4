"""Fit the cloud model to the published share, market-size and revenue series, report how well each
parameter is identified, and backtest on held-out quarters.

Data (CALIBRATION.md, section "Cloud"):

* China public-cloud revenue shares (Canalys, M/H) for Alibaba, Huawei and Tencent, 2020Q1-2025Q1.
* China public-cloud market size (Canalys, M/H), US$ bn a quarter, 2020Q1-2025Q1 (8 quarters), put in
  RMB at the quarter's average exchange rate (`USD_CNY`). Without it the level of the market between
  2020 and 2023 is seen only through the scale anchor, and arrivals' level, growth and the pass-through
  of list cuts confound each other.
* Alibaba Cloud Intelligence revenue, RMB bn a quarter (Alibaba results, H/M). Mar-2024 25.6, Jun-2024
  26.5, Sep-2024 29.6, Dec-2024 31.7 and Jun-2025 33.4 are published; Jun-2023 (26.5 / 1.06), Sep-2023
  (29.6 / 1.07), Dec-2023 (31.7 / 1.13) and Mar-2025 (25.6 x 1.18) are derived from the published growth
  rates. Calendar quarter = Alibaba's fiscal quarter ending in it.

Fitted (`FREE_PARAMETERS`, bounds there with their economic reasons): the traditional arrival level and
its growth, the Q1 seasonal factor, the share of a compute/storage list cut that reaches the average bill
(`market.list_price_pass_through`), and a common trend in rivals' strength (`quality_trend_per_year` of
every provider but the leader). `scipy.optimize.least_squares` fits them to the in-sample rows (shares in
share points, revenues in percent of the published value) on the expected path of the scenario's own
policy history (`expected.expected_market`: smooth, from the same kernels and price book as the
simulation). The last two published quarters of each series are held out: shares 2024Q2 and 2025Q1,
Alibaba revenue 2025Q1 and 2025Q2, market 2024Q2 and 2025Q1.

Identification. Standard errors are s_g^2 (J'J)^-1 at the optimum with one error variance per series
(`standard_errors`), with the correlations between fitted parameters; `FitReport.parameter_table()` gives
each parameter's status: "fitted", "at bound" (no standard error: the bound, not the data, set it) or
"fixed". With the earlier free set the fit put the price sensitivity on its lower bound (0.2), review
probability on its upper bound (1.0) and exits on 0; profiles of the cost (each value refitted over the
others) showed them flat over their economic range, and the switching cost's SE (7.8 on 3.8) spanned its
range with a -0.96 correlation with the rivals' trend: the share series fix the net drift of Alibaba's
share, not how it divides between price response, stickiness and rivals' quality. These are held at the
documented priors of `FIXED_PARAMETERS` (status "fixed"), which a sweep can vary; refitting with other
priors (price sensitivity 1, switching cost 3, no exits) moves every fitted value by less than one SE.
Caveats: the pass-through is only weakly identified (SE about 0.3 on [0, 1]; it is correlated +0.87 with
arrival growth, since both set how revenue grows through the 2023 and 2024 cuts); and the standard
errors assume errors independent over quarters. On series the simulation itself generates, whose errors
persist (the stock of workloads is a cumulated Poisson process; sizes are heavy-tailed), estimates spread
across seeds several times wider than these SEs (about 5x for the rivals' trend), so read them as lower
bounds. `calibrate` writes a scenario only when no fitted parameter is on a bound.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import tomli_w
from scipy.optimize import least_squares

from sim.core.calibration import ScenarioSource
from sim.core.documents import get_key_path, set_key_path
from sim.core.errors import InputError
from sim.core.results import atomic_write_bytes
from sim.models.cloud.config import QUARTER_DAYS, CloudScenario, quarter_index
from sim.models.cloud.expected import expected_market

__all__ = ["PUBLISHED", "FREE_PARAMETERS", "FIXED_PARAMETERS", "FitReport", "apply_parameters",
           "fit", "calibrate", "holdout_quarters", "standard_errors"]

#: Canalys China public-cloud market size, US$ bn a quarter (CALIBRATION.md, M/H)
MARKET_USD_BN = {"2020Q1": 3.9, "2021Q1": 6.0, "2021Q3": 7.2, "2022Q3": 7.8, "2023Q3": 9.2, "2024Q1": 9.2,
                 "2024Q2": 9.4, "2025Q1": 11.6}
#: quarterly average CNY per US$ (rounded PBoC central-parity averages; not in CALIBRATION.md and entered
#: from memory, not downloaded: M, to be checked against the PBoC series; an error of about 1% is well below
#: the fit's errors) to put the market in RMB as the model
USD_CNY = {"2020Q1": 6.98, "2021Q1": 6.48, "2021Q3": 6.47, "2022Q3": 6.92, "2023Q3": 7.20, "2024Q1": 7.10,
           "2024Q2": 7.11, "2025Q1": 7.17}

#: (quarter, series, provider, value): series "revenue_share" (fraction), "revenue_rmb_bn" (Alibaba, per
#: quarter) or "market_revenue_rmb_bn" (provider "market": the sum over providers, per quarter)
PUBLISHED = pl.DataFrame(
    [
        ("2020Q1", "revenue_share", "alibaba", 0.445), ("2020Q1", "revenue_share", "huawei", 0.141),
        ("2020Q1", "revenue_share", "tencent", 0.139),
        ("2020Q3", "revenue_share", "alibaba", 0.409), ("2020Q3", "revenue_share", "huawei", 0.162),
        ("2020Q3", "revenue_share", "tencent", 0.158),
        ("2021Q1", "revenue_share", "alibaba", 0.40), ("2021Q1", "revenue_share", "huawei", 0.20),
        ("2021Q1", "revenue_share", "tencent", 0.14),
        ("2021Q3", "revenue_share", "alibaba", 0.383), ("2021Q3", "revenue_share", "huawei", 0.17),
        ("2021Q3", "revenue_share", "tencent", 0.166),
        ("2022Q3", "revenue_share", "alibaba", 0.36), ("2022Q3", "revenue_share", "huawei", 0.19),
        ("2023Q3", "revenue_share", "alibaba", 0.39), ("2023Q3", "revenue_share", "huawei", 0.19),
        ("2023Q3", "revenue_share", "tencent", 0.15),
        ("2024Q1", "revenue_share", "alibaba", 0.37),
        ("2024Q2", "revenue_share", "alibaba", 0.36), ("2024Q2", "revenue_share", "huawei", 0.19),
        ("2024Q2", "revenue_share", "tencent", 0.16),
        ("2025Q1", "revenue_share", "alibaba", 0.33), ("2025Q1", "revenue_share", "huawei", 0.18),
        ("2025Q1", "revenue_share", "tencent", 0.10),
        ("2023Q2", "revenue_rmb_bn", "alibaba", 26.5 / 1.06), ("2023Q3", "revenue_rmb_bn", "alibaba", 29.6 / 1.07),
        ("2023Q4", "revenue_rmb_bn", "alibaba", 31.7 / 1.13), ("2024Q1", "revenue_rmb_bn", "alibaba", 25.6),
        ("2024Q2", "revenue_rmb_bn", "alibaba", 26.5), ("2024Q3", "revenue_rmb_bn", "alibaba", 29.6),
        ("2024Q4", "revenue_rmb_bn", "alibaba", 31.7), ("2025Q1", "revenue_rmb_bn", "alibaba", 25.6 * 1.18),
        ("2025Q2", "revenue_rmb_bn", "alibaba", 33.4),
        *[(quarter, "market_revenue_rmb_bn", "market", usd * USD_CNY[quarter])
          for quarter, usd in MARKET_USD_BN.items()],
    ],
    schema={"quarter_label": pl.String, "series": pl.String, "provider": pl.String, "published": pl.Float64},
    orient="row",
)

#: name -> (lower bound, upper bound); names are config keys, "rival_quality_trend_per_year" sets every
#: non-leader provider's quality_trend_per_year. Bounds are economic limits, not search boxes:
#:  * arrivals_per_quarter in [10, 200] new accounts a quarter in 2020Q1 against 600 installed: 1.7% to 33%
#:    a quarter; the upper end more than doubles the market in a year before any growth of the rate.
#:  * arrivals_growth_per_year in [-0.3, 1.0]: the arrival rate at most halving every 2.3 years or growing
#:    e-fold a year, outside anything the Canalys market (+10% 2022, +16% 2023) allows.
#:  * seasonality.q1 in [0.8, 1.2]: the Chinese New Year takes at most 2 of Q1's 13 weeks (15%).
#:  * list_price_pass_through in [0, 1]: a share of the list cut, by definition.
#:  * rival_quality_trend_per_year in [-0.5, 0.5] utility a year: 0.5 a year would take a rival from
#:    Baidu's quality to Alibaba's in under 3 years.
FREE_PARAMETERS: dict[str, tuple[float, float]] = {
    "workloads.traditional.arrivals_per_quarter": (10.0, 200.0),
    "workloads.traditional.arrivals_growth_per_year": (-0.3, 1.0),
    "market.seasonality.q1": (0.8, 1.2),
    "market.list_price_pass_through": (0.0, 1.0),
    "rival_quality_trend_per_year": (-0.5, 0.5),
}

#: name -> (prior value, why it is fixed): parameters these data do not identify (profile of the fit's
#: cost, each refitted over the others with the market series: 2 x change in cost / s^2 below 3.84, the
#: chi-square 95% point, across the whole economic range), held at a documented prior instead of drifting
#: to a bound. Each is a scenario key, so a sweep can vary it.
FIXED_PARAMETERS: dict[str, tuple[float, str]] = {
    "workloads.traditional.price_sensitivity_mean": (
        2.0, "not identified: profile flat from 0.2 to 2 (2 dcost / s^2 = 3.1 at 2); rivals matched most cuts, "
             "so relative prices barely moved. Prior: the scenario's 2.0, an own-price elasticity of about "
             "-1.2 for Alibaba's share of new choices ('modestly elastic', CALIBRATION.md; no numeric value "
             "found)"),
    "workloads.traditional.review_probability": (
        0.35, "not identified: only the stickiness of review x switching cost is; profile flat over "
              "0.2-1 (2 dcost / s^2 < 1.3). Prior: the scenario's 0.35 (assumption: a third of renewals "
              "re-tendered)"),
    "workloads.traditional.switching_cost_mean": (
        1.5, "not identified: with exits at their prior its SE is 7.8 on an estimate of 3.8 (the whole range "
             "0-10) and its correlation with the rival trend -0.96: the share series fix the net drift of "
             "Alibaba's share, not how much of it is rivals' quality and how much stickiness. Prior: the "
             "scenario's 1.5 utility units, 0.75 of the 2020 price at alpha = 2 (assumption)"),
    "workloads.traditional.exit_probability_per_quarter": (
        0.025, "not identified against the arrival level: profile flat over 0-0.02 (2 dcost / s^2 = 0.8). "
               "Prior: assumption, a mean workload life of 1 / 0.025 = 40 quarters = 10 years (not in "
               "CALIBRATION.md; sweep it)"),
}


def holdout_quarters(published: pl.DataFrame, n: int = 2) -> pl.DataFrame:
    """`published` with a `sample` column: "out" for the last n published quarters of each series."""
    last = (published.select("series", "quarter_label").unique().sort("quarter_label")
            .group_by("series", maintain_order=True).agg(pl.col("quarter_label").tail(n).alias("held")))
    held = last.explode("held").rename({"held": "quarter_label"}).with_columns(pl.lit("out").alias("sample"))
    return (published.join(held, on=["series", "quarter_label"], how="left")
            .with_columns(pl.col("sample").fill_null("in")))


def apply_parameters(config: CloudScenario, values: dict[str, float]) -> CloudScenario:
    """A copy of `config` with the free parameters set (re-validated)."""
    document = config.model_dump(mode="python")
    for name, value in values.items():
        if name == "rival_quality_trend_per_year":
            for provider in document["providers"]:
                if provider != config.market.leader:
                    document["providers"][provider]["quality_trend_per_year"] = float(value)
            continue
        set_key_path(document, name, float(value))
    return type(config).model_validate(document)


def current_values(config: CloudScenario, names) -> dict[str, float]:
    values = {}
    document = config.model_dump(mode="python")
    for name in names:
        if name == "rival_quality_trend_per_year":
            trends = [p["quality_trend_per_year"] for n, p in document["providers"].items()
                      if n != config.market.leader]
            values[name] = float(np.mean(trends))
            continue
        values[name] = float(get_key_path(document, name))
    return values


#: taste segments behind the expected path (their sampling error in shares is below 0.05 points)
SEGMENTS = 1000


def predictions(config: CloudScenario, targets: pl.DataFrame, taste_seed: int) -> np.ndarray:
    """The expected path's value for every row of `targets` (same order)."""
    path = expected_market(config, taste_seed=taste_seed, segments=SEGMENTS).select(
        "quarter_label", "provider", pl.col("revenue_share"),
        pl.col("revenue_rmb_bn_per_quarter").alias("revenue_rmb_bn"))
    long = path.unpivot(index=["quarter_label", "provider"], on=["revenue_share", "revenue_rmb_bn"],
                        variable_name="series", value_name="simulated")
    market = path.group_by("quarter_label").agg(pl.col("revenue_rmb_bn").sum().alias("simulated")).select(
        "quarter_label", pl.lit("market").alias("provider"), pl.lit("market_revenue_rmb_bn").alias("series"),
        "simulated")
    long = pl.concat([long, market.select(long.columns)])
    joined = targets.with_row_index("_row").join(long, on=["quarter_label", "series", "provider"], how="left")
    return joined.sort("_row").get_column("simulated").to_numpy()


def _scaled_errors(simulated: np.ndarray, targets: pl.DataFrame) -> np.ndarray:
    """Share errors in share points; revenue errors (Alibaba's and the market's) in percent of the
    published value."""
    published = targets.get_column("published").to_numpy()
    is_share = (targets.get_column("series") == "revenue_share").to_numpy()
    return np.where(is_share, 100.0 * (simulated - published), 100.0 * (simulated - published) / published)


def _status(value: float, low: float, high: float) -> str:
    """"at bound" within 0.1% of the range of a bound (least_squares stops just inside it), else "fitted"."""
    tolerance = 1e-3 * (high - low)
    return "at bound" if (value - low <= tolerance or high - value <= tolerance) else "fitted"


def standard_errors(jacobian: np.ndarray, residuals: np.ndarray, groups: np.ndarray | None = None
                    ) -> tuple[np.ndarray, np.ndarray, float]:
    """Nonlinear least-squares standard errors from the (m, k) Jacobian J of the residuals r at the optimum.

    No groups: the classical cov = s^2 (J'J)^-1, s^2 = r'r / (m - k) (Gallant 1987, ch. 1; Seber & Wild
    1989, sec. 2.1), right for independent errors of equal variance. With `groups` (a label per residual,
    e.g. its series): one variance per group, cov = (J'J)^-1 [sum_g s_g^2 J_g'J_g] (J'J)^-1 m / (m - k),
    s_g^2 the mean squared residual of group g, right for independent errors whose variance differs
    between groups (share points and revenue percent do: 1.3 against 3.9 in the real-data fit). Neither
    allows for errors persistent over time, which make them too small (see the module docstring).

    Returns (standard errors, correlation matrix, condition number of J'J). A singular J'J (a parameter
    the data do not move) gives infinite standard errors rather than an error."""
    m, k = jacobian.shape
    information = jacobian.T @ jacobian
    condition = float(np.linalg.cond(information))
    try:
        bread = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        return np.full(k, np.inf), np.full((k, k), np.nan), condition
    if groups is None:
        covariance = float(residuals @ residuals) / max(m - k, 1) * bread
    else:
        groups = np.asarray(groups)
        meat = np.zeros((k, k))
        for group in np.unique(groups):
            rows = groups == group
            meat += float(residuals[rows] @ residuals[rows]) / rows.sum() * jacobian[rows].T @ jacobian[rows]
        covariance = bread @ meat @ bread * m / max(m - k, 1)
    variance = np.diag(covariance)
    se = np.sqrt(np.where(variance > 0.0, variance, np.inf))
    correlation = covariance / np.outer(se, se)
    return se, correlation, condition


@dataclass(frozen=True)
class FitReport:
    """The fit: parameter values, their standard errors, correlation and status ("fitted", "at bound" or
    "fixed"), the comparison table (one row per published value: quarter, series, provider, sample in/out,
    published, simulated, error) and summary errors."""

    parameters: dict[str, float]
    initial: dict[str, float]
    table: pl.DataFrame
    in_sample_share_rmse_points: float
    out_of_sample_share_mae_points: float
    in_sample_revenue_rmse_pct: float
    out_of_sample_revenue_mae_pct: float
    success: bool
    message: str
    scenario_path: Path | None = None
    extra: dict = field(default_factory=dict)
    standard_errors: dict[str, float] = field(default_factory=dict)  # s_g^2 (J'J)^-1, a variance per series
    status: dict[str, str] = field(default_factory=dict)
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    correlation: pl.DataFrame | None = None  # among the fitted (not fixed) parameters
    fixed: dict[str, float] = field(default_factory=dict)  # held at their priors (see FIXED_PARAMETERS)
    in_sample_market_rmse_pct: float = float("nan")
    out_of_sample_market_mae_pct: float = float("nan")

    @property
    def at_bound(self) -> list[str]:
        """The free parameters that ended on a bound (empty for a trustworthy fit)."""
        return [name for name, status in self.status.items() if status == "at bound"]

    def parameter_table(self) -> pl.DataFrame:
        """One row per parameter, fitted or fixed: status, where the fit started and ended, the standard
        error (`se`, s^2 (J'J)^-1 with one error variance per series; NaN when fixed or at a bound), the
        bounds, and the fitted parameter it is most correlated with."""
        names = list(self.parameters) + [n for n in self.fixed if n not in self.parameters]
        strongest = []
        for name in names:
            if self.correlation is None or name not in self.correlation.columns:
                strongest.append("")
                continue
            column = self.correlation.get_column(name).to_numpy().copy()
            others = self.correlation.get_column("parameter").to_list()
            column[others.index(name)] = 0.0
            if not np.isfinite(column).any() or column.size < 2:
                strongest.append("")
                continue
            i = int(np.nanargmax(np.abs(column)))
            strongest.append(f"{others[i].rsplit('.', 1)[-1]} ({column[i]:+.2f})")
        value = {**self.fixed, **self.parameters}
        return pl.DataFrame({
            "parameter": names,
            "status": [self.status.get(n, "fixed" if n in self.fixed else "fitted") for n in names],
            "initial": [self.initial.get(n, value[n]) for n in names],
            "fitted": [value[n] for n in names],
            "se": [self.standard_errors.get(n, float("nan")) for n in names],
            "lower": [self.bounds.get(n, (float("nan"),) * 2)[0] for n in names],
            "upper": [self.bounds.get(n, (float("nan"),) * 2)[1] for n in names],
            "strongest_correlation": strongest,
        }, schema={"parameter": pl.String, "status": pl.String, "initial": pl.Float64, "fitted": pl.Float64,
                   "se": pl.Float64, "lower": pl.Float64, "upper": pl.Float64, "strongest_correlation": pl.String})

    def error_table(self) -> pl.DataFrame:
        """In-sample and held-out errors, shares in percentage points and revenue in percent."""
        return pl.DataFrame({
            "series": ["revenue share (points)", "revenue (percent)", "market revenue (percent)"],
            "in_sample_rmse": [self.in_sample_share_rmse_points, self.in_sample_revenue_rmse_pct,
                               self.in_sample_market_rmse_pct],
            "held_out_mae": [self.out_of_sample_share_mae_points, self.out_of_sample_revenue_mae_pct,
                             self.out_of_sample_market_mae_pct],
        })


def fit(config: CloudScenario, published: pl.DataFrame = PUBLISHED, free: dict[str, tuple[float, float]] | None = None,
        taste_seed: int = 7, holdout: int = 2, start: dict[str, float] | None = None,
        fixed: dict[str, float] | None = None) -> FitReport:
    """Least-squares fit of the `free` parameters (default `FREE_PARAMETERS`) to the in-sample rows of
    `published`, with the `fixed` parameters (default: the values of `FIXED_PARAMETERS`) set first;
    errors reported for both samples, standard errors and correlations from the Jacobian at the optimum."""
    free = dict(FREE_PARAMETERS if free is None else free)
    fixed = {n: v for n, (v, _) in FIXED_PARAMETERS.items()} if fixed is None else dict(fixed)
    fixed = {n: v for n, v in fixed.items() if n not in free}
    names = list(free)
    horizon = published.get_column("quarter_label").max()
    targets = holdout_quarters(published, holdout)
    # simulate just far enough to cover the data
    n_quarters = quarter_index(horizon, config.market.start_quarter) + 1
    document = config.model_dump(mode="python")
    document["run"]["horizon_days"] = n_quarters * QUARTER_DAYS
    short = apply_parameters(type(config).model_validate(document), fixed)
    initial = current_values(short, names) if start is None else {n: start[n] for n in names}
    lower = np.array([free[n][0] for n in names])
    upper = np.array([free[n][1] for n in names])
    x0 = np.clip(np.array([initial[n] for n in names]), lower + 1e-6 * (upper - lower),
                 upper - 1e-6 * (upper - lower))
    in_rows = targets.filter(pl.col("sample") == "in")

    def residuals(x):
        trial = apply_parameters(short, dict(zip(names, x)))
        return _scaled_errors(predictions(trial, in_rows, taste_seed), in_rows)

    solution = least_squares(residuals, x0, bounds=(lower, upper), x_scale="jac", diff_step=1e-4,
                             xtol=1e-8, ftol=1e-10, max_nfev=400)
    values = dict(zip(names, map(float, solution.x)))
    status = {n: _status(values[n], *free[n]) for n in names}
    # standard errors from the parameters strictly inside their bounds (a parameter on a bound has no
    # two-sided derivative and no asymptotic normal distribution: its SE is reported as NaN)
    interior = [i for i, n in enumerate(names) if status[n] == "fitted"]
    se = np.full(len(names), np.nan)
    correlation = None
    condition = float("nan")
    if interior:
        jacobian = np.asarray(solution.jac)[:, interior]
        series = in_rows["series"].to_numpy()
        se_in, corr_in, condition = standard_errors(jacobian, solution.fun, groups=series)
        se[interior] = se_in
        inner = [names[i] for i in interior]
        correlation = pl.DataFrame({"parameter": inner, **{n: corr_in[:, i] for i, n in enumerate(inner)}})
    fitted = apply_parameters(short, values)
    simulated = predictions(fitted, targets, taste_seed)
    table = targets.with_columns(pl.Series("simulated", simulated)).with_columns(
        (pl.col("simulated") - pl.col("published")).alias("error"),
        pl.Series("scaled_error", _scaled_errors(simulated, targets))).rename({"quarter_label": "quarter"})

    def summary(series: str, sample: str, how: str) -> float:
        errors = table.filter((pl.col("series") == series) & (pl.col("sample") == sample))["scaled_error"].to_numpy()
        if errors.size == 0:
            return float("nan")
        return float(np.sqrt(np.mean(errors**2)) if how == "rmse" else np.mean(np.abs(errors)))

    return FitReport(values, {**initial}, table, summary("revenue_share", "in", "rmse"),
                     summary("revenue_share", "out", "mae"), summary("revenue_rmb_bn", "in", "rmse"),
                     summary("revenue_rmb_bn", "out", "mae"), bool(solution.success), str(solution.message),
                     extra={"cost": float(solution.cost), "nfev": int(solution.nfev),
                            "residual_sd": float(np.sqrt(2.0 * solution.cost / max(solution.fun.size - len(names), 1))),
                            "condition_number": condition, "n_residuals": int(solution.fun.size)},
                     standard_errors={n: float(se[i]) for i, n in enumerate(names)},
                     status=status,
                     bounds={n: tuple(free[n]) for n in names}, correlation=correlation, fixed=fixed,
                     in_sample_market_rmse_pct=summary("market_revenue_rmb_bn", "in", "rmse"),
                     out_of_sample_market_mae_pct=summary("market_revenue_rmb_bn", "out", "mae"))


def _comment(text: str) -> str:
    """`text` as one TOML comment line (a name with a line break cannot end the comment early)."""
    return "# " + " ".join(text.split())


def write_calibrated_scenario(report: FitReport, base_path: Path, out_path: Path, config: CloudScenario) -> None:
    """A scenario that `extends` the base and overrides only the fitted and fixed keys, with the fit's
    provenance (date, errors, standard errors, fixed priors) in comments; written by a TOML writer (names
    and paths escaped) to a temporary file renamed into place. Refuses (ValueError) a fit with a free
    parameter on a bound: such a value is an artefact of the search box, not an estimate."""
    if report.at_bound:
        raise ValueError(f"not writing {out_path}: free parameters at a bound {report.at_bound}")
    relative = os.path.relpath(base_path.resolve(), out_path.resolve().parent)
    header = {
        "description": f"{base_path.stem} with growth, seasonality, list-price pass-through and rivals' trend "
                       "fitted to Canalys shares and market size and Alibaba Cloud revenue",
        "extends": relative,
    }
    comments = [
        f"Written by sim.models.cloud.calibration.calibrate on {datetime.date.today().isoformat()}: "
        "scipy.optimize.least_squares on the",
        "expected path (expected.py) against the Canalys and Alibaba series in calibration.PUBLISHED "
        "(CALIBRATION.md, Cloud).",
        f"In-sample RMSE: shares {report.in_sample_share_rmse_points:.2f} points, Alibaba revenue "
        f"{report.in_sample_revenue_rmse_pct:.1f}%, market revenue {report.in_sample_market_rmse_pct:.1f}%.",
        f"Held out (last two published quarters) MAE: shares {report.out_of_sample_share_mae_points:.2f} points, "
        f"Alibaba revenue {report.out_of_sample_revenue_mae_pct:.1f}%, market {report.out_of_sample_market_mae_pct:.1f}%.",
        "fitted: estimate and standard error (s^2 (J'J)^-1 at the optimum, one error variance per series;",
        "too small if the errors persist over quarters, see calibration.py);",
        "fixed: a prior the data do not identify (calibration.FIXED_PARAMETERS).",
        "Use for the 2020-2024 history and policy comparisons; the held-out errors above are what to expect "
        "of it as a forecast.",
        "",
    ]

    def note(name: str) -> str:
        se, (low, high) = report.standard_errors.get(name, float("nan")), report.bounds[name]
        weak = 4.0 * se > 0.8 * (high - low)  # +-2 SE spans most of the economic range
        return f"fitted, SE {se:.3g}" + (" (weakly identified: +-2 SE spans most of its bounds)" if weak else "")

    tables: dict[str, object] = {}
    entries = [(n, v, note(n)) for n, v in report.parameters.items()]
    entries += [(n, v, "fixed prior, not identified by these data") for n, v in report.fixed.items()]
    for name, value, why in entries:
        if name == "rival_quality_trend_per_year":
            for provider in config.providers:
                if provider != config.market.leader:
                    providers = tables.setdefault("providers", {})
                    assert isinstance(providers, dict)
                    providers.setdefault(provider, {})["quality_trend_per_year"] = float(value)
                    comments.append(f"providers.{provider}.quality_trend_per_year = {float(value)!r}: {why}")
            continue
        set_key_path(tables, name, float(value))
        comments.append(f"{name} = {float(value)!r}: {why}")
    text = tomli_w.dumps(header) + "\n" + "\n".join(_comment(line) if line else "#" for line in comments) + "\n\n" \
        + tomli_w.dumps(tables)
    atomic_write_bytes(out_path, text.encode("utf-8"))


def check_output_path(scenario: ScenarioSource, out_path: Path) -> None:
    """Refuse (InputError) an output that is the scenario itself or a file of its `extends` chain: the
    calibrated scenario extends the scenario, so it would extend itself."""
    chain = [Path(p).resolve() for p in (*scenario.source_files, scenario.path) if p is not None]
    if out_path.resolve() in chain:
        raise InputError(f"{out_path}: the calibrated scenario cannot replace {scenario.path} or a file it "
                         "extends; choose another --out")
    if out_path.exists() and not out_path.is_file():
        raise InputError(f"{out_path}: not a file; choose another --out")


def calibrate(scenario: ScenarioSource, out_path: str | Path | None = None, taste_seed: int = 7) -> FitReport:
    """Fit the loaded scenario's free parameters to the published series and write a scenario that extends
    its file with the fitted values and the fixed priors (default: `<scenario>_calibrated.toml` beside it)
    unless a free parameter ends on a bound (then nothing is written and `scenario_path` is None). Returns
    the fit report, whose `table` has quarter, series, provider, sample, published, simulated and error."""
    if scenario.path is None:
        raise ValueError("calibrate needs a scenario read from a file: the calibrated scenario extends it")
    config = scenario.config
    if not isinstance(config, CloudScenario):
        raise TypeError(f"calibrate fits a cloud scenario (got a {type(config).__name__})")
    scenario_path = Path(scenario.path)
    out = Path(out_path) if out_path is not None else scenario_path.with_name(f"{scenario_path.stem}_calibrated.toml")
    check_output_path(scenario, out)
    report = fit(config, taste_seed=taste_seed)
    if report.at_bound:  # no scenario from a fit on a bound; the tables still show why
        return FitReport(**{**report.__dict__, "scenario_path": None,
                            "message": f"{report.message}; no scenario written: {report.at_bound} at a bound"})
    write_calibrated_scenario(report, scenario_path, out, config)
    return FitReport(**{**report.__dict__, "scenario_path": out})
