"""Fit the cloud model to the published share, market-size and revenue series, choose the specification
without looking at the hold-out, report how well each parameter is identified, and backtest on held-out
quarters.

Data: `docs/sources/cloud_published.csv` (read by `load_published`; the calibration, the figures and the
notebooks read this one file). Columns: `quarter` ("2024Q1"; for Alibaba, the fiscal quarter ending in
that calendar quarter), `series`, `provider`, `value`, `unit`, `source`, `grade` (the H/M/L grades of docs/sources.md)
and `note` ("published", or how a value was derived). Series:

* `revenue_share` (fraction of market revenue; Canalys, M/H) for Alibaba, Huawei and Tencent, 2020Q1-2025Q1.
* `market_revenue_usd_bn` (US$ bn a quarter; Canalys, M/H), 2020Q1-2025Q1 (8 quarters), put in RMB at the
  quarter's `cny_per_usd` (rounded PBoC averages entered from memory, M: to be checked; 1% is well below
  the fit's errors). Without it the level of the market between 2020 and 2023 is seen only through the
  scale anchor, and arrivals' level, growth and the pass-through of list cuts confound each other.
* `revenue_rmb_bn` (Alibaba Cloud Intelligence, RMB bn a quarter; Alibaba results, H/M). Mar-2024 25.6,
  Jun-2024 26.5, Sep-2024 29.6, Dec-2024 31.7 and Jun-2025 33.4 are published; Jun-2023, Sep-2023,
  Dec-2023 and Mar-2025 are derived from the published growth rates (the `note` says how).

Fitted (`FREE_PARAMETERS`, bounds there with their economic reasons): the traditional arrival level and
its growth, the Q1 seasonal factor, the share of a compute/storage list cut that reaches the average bill
(`market.list_price_pass_through`), and either a common trend in rivals' strength (`quality_trend_per_year` of
every provider but the leader) or Alibaba's quality advantage (`LEVEL`, the level its share tends to) or
both, in the form each `Specification` gives them. `scipy.optimize.least_squares` fits them to the in-sample
rows (shares in share points, revenues in percent of the published value) on the expected path of the
scenario's own policy history (`expected.expected_market`: smooth, from the same kernels and price book as
the simulation). The last two published quarters of each series are held out: shares 2024Q2 and 2025Q1,
Alibaba revenue 2025Q1 and 2025Q2, market 2024Q2 and 2025Q1.

Choosing the specification without the hold-out. Each specification in `SPECIFICATIONS` (the rival trend
free, absent, regularised towards 0, or starting in 2023Q1; each again with Alibaba's quality fitted) is
scored by rolling-origin validation on the in-sample quarters only (`VALIDATION_ORIGINS`: fit on the quarters
before an origin, predict the origin's published shares; Tashman 2000): the lowest root-mean-square share
error among the fits off their bounds wins. Every specification is then fitted to the whole in-sample set
and its held-out errors are reported beside it (`FitReport.specifications`), so a reader sees what the
hold-out would have chosen, but the hold-out never chooses. Why the rival trend alone forecast badly: with
the leader's quality fixed, the model's Alibaba share falls towards its logit level (about 32% of new
choices at equal prices) faster than the published series, and a falling rival trend (-0.1 utility a year)
was the only way to hold it up; extrapolated, that trend raised Alibaba's share after 2024Q1 (39% to 43% by
2025Q1) while the published share fell (37% to 33%). Fitting the level instead holds the share up without
a trend, and rolling-origin validation prefers it.

Identification. The reported standard errors (`FitReport.standard_errors` after `calibrate`) are a
parametric bootstrap (`bootstrap_standard_errors`): `BOOTSTRAP_REPLICATIONS` histories of the
discrete-event market simulated at the estimate (`simulated_histories`), each refitted by one Gauss-Newton
step from the estimate, the standard error being the spread of the refits. They measure how far the
estimate would move were the published series another draw of the model, with the simulated errors scaled,
series by series, to the size of the fit's own errors: the simulation gives their persistence and
correlation across quarters and providers, the data their size (the published series stray from the model
more than its own randomness does: `extra["residual_rms"]` against `extra["simulated_residual_rms"]`; the
unscaled standard errors are in `extra` too). Kept beside them:
heteroskedasticity- and autocorrelation-consistent ones (`standard_errors_hac`, Newey & West 1987, Bartlett
weights over `HAC_LAG_QUARTERS`), which on some 30 residuals under-cover (about 71% at a nominal 95% in a
check on short series with persistent errors, where the bootstrap covered 94%), and the independent-errors
`se_iid`. `FitReport.parameter_table()` gives each parameter's status: "fitted", "at bound" (no standard
error: the bound, not the data, set it) or "fixed".
Price sensitivity, review probability, switching cost and exits are not identified by these series
(profiles flat over their economic range; the switching cost correlated -0.96 with the rivals' trend) and
are held at the documented priors of `FIXED_PARAMETERS`, which a sweep can vary. `calibrate` writes a
scenario only when no fitted parameter is on a bound, never over its input.

Reproducibility: the start values are the base scenario's, the taste draws and the bootstrap's simulations
have fixed seeds, and the kernels are serial, so on one machine `calibrate` gives bit-identical numbers
(tested for a fit).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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

__all__ = ["PUBLISHED_CSV", "load_published", "FREE_PARAMETERS", "FIXED_PARAMETERS", "LEVEL", "Specification",
           "SPECIFICATIONS", "VALIDATION_ORIGINS", "HAC_LAG_QUARTERS", "FitReport", "apply_parameters", "fit",
           "rolling_origin_errors", "calibrate", "holdout_quarters", "standard_errors", "BOOTSTRAP_REPLICATIONS",
           "bootstrap_standard_errors", "simulated_histories"]

#: the published series (see the module docstring for the columns)
PUBLISHED_CSV = Path(__file__).resolve().parents[3] / "docs" / "sources" / "cloud_published.csv"


def load_published(path: str | Path = PUBLISHED_CSV) -> pl.DataFrame:
    """The published series as the fit uses them: (quarter_label, series, provider, published) with series
    "revenue_share" (fraction), "revenue_rmb_bn" (Alibaba, per quarter) and "market_revenue_rmb_bn"
    (provider "market": the US$ market at the quarter's CNY per US$)."""
    raw = pl.read_csv(path, schema_overrides={"value": pl.Float64, "quarter": pl.String})
    fx = raw.filter(pl.col("series") == "cny_per_usd").select("quarter", pl.col("value").alias("fx"))
    market = (raw.filter(pl.col("series") == "market_revenue_usd_bn").join(fx, on="quarter", how="left")
              .select("quarter", pl.lit("market_revenue_rmb_bn").alias("series"), "provider",
                      (pl.col("value") * pl.col("fx")).alias("value")))
    if market.get_column("value").is_null().any():
        raise ValueError(f"{path}: a market_revenue_usd_bn quarter has no cny_per_usd row")
    direct = raw.filter(pl.col("series").is_in(["revenue_share", "revenue_rmb_bn"])).select(
        "quarter", "series", "provider", "value")
    return pl.concat([direct, market]).rename({"quarter": "quarter_label", "value": "published"})


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
             "-1.2 for Alibaba's share of new choices ('modestly elastic', docs/sources.md; no numeric value "
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
               "docs/sources.md; sweep it)"),
}


#: the leader's quality relative to its rivals' (no outside option: only utility differences matter), in
#: [-0.5, 1.0] utility: Alibaba's logit share of new choices at equal prices and the rivals' scenario
#: qualities from 22% to 56% (32% at 0), bracketing every published share (33-45%) with room
LEVEL = "providers.alibaba.quality"
LEVEL_BOUNDS = (-0.5, 1.0)

TREND = "rival_quality_trend_per_year"
TREND_FROM = "rival_quality_trend_from"  # a quarter label set on every rival: the trend's first quarter


@dataclass(frozen=True)
class Specification:
    """One way to let rivals' strength move: which parameters are fitted (`free`, with bounds), values set
    before fitting (`settings`: numbers or, for `rival_quality_trend_from`, a quarter) and ridge priors
    (`prior_sd`: a penalty residual value / sd, i.e. a N(0, sd^2) prior in units where one residual is one
    share point or one percent of revenue)."""

    name: str
    description: str
    free: dict[str, tuple[float, float]]
    settings: dict[str, float | str] = field(default_factory=dict)
    prior_sd: dict[str, float] = field(default_factory=dict)


#: the specifications `calibrate` tries, chosen between by rolling-origin validation (never the hold-out)
SPECIFICATIONS: tuple[Specification, ...] = (
    Specification("free rival trend", "a common linear trend in rivals' utility from 2020, in [-0.5, 0.5] a year",
                  FREE_PARAMETERS),
    Specification("no rival trend", "rivals' utility constant: the trend held at 0",
                  {n: b for n, b in FREE_PARAMETERS.items() if n != TREND}, settings={TREND: 0.0}),
    Specification("regularised rival trend", "the free trend with a ridge prior N(0, 0.05^2): a trend of 0.05 a "
                  "year costs as much as one share point of error (assumption)", FREE_PARAMETERS,
                  prior_sd={TREND: 0.05}),
    Specification("rival trend from 2023Q1", "a break: rivals' utility constant to 2022Q4, then a common trend "
                  "(the GenAI era)", FREE_PARAMETERS, settings={TREND_FROM: "2023Q1"}),
    Specification("Alibaba's quality, no rival trend", "Alibaba's quality advantage (the level its share tends "
                  "to) fitted in [-0.5, 1.0] instead of a trend; rivals' utility constant",
                  {**{n: b for n, b in FREE_PARAMETERS.items() if n != TREND}, LEVEL: LEVEL_BOUNDS},
                  settings={TREND: 0.0}),
    Specification("Alibaba's quality, regularised rival trend", "Alibaba's quality advantage and the rival trend "
                  "with the ridge prior N(0, 0.05^2)", {**FREE_PARAMETERS, LEVEL: LEVEL_BOUNDS}, prior_sd={TREND: 0.05}),
    Specification("Alibaba's quality, rival trend from 2023Q1", "Alibaba's quality advantage and a rival trend "
                  "from 2023Q1", {**FREE_PARAMETERS, LEVEL: LEVEL_BOUNDS}, settings={TREND_FROM: "2023Q1"}),
)

#: rolling-origin validation (Tashman 2000): for each origin, fit on the in-sample quarters before it and
#: predict the shares published at it; all three lie before the first held-out quarter (2024Q2)
VALIDATION_ORIGINS: tuple[str, ...] = ("2022Q3", "2023Q3", "2024Q1")

#: Newey-West lag window in quarters: errors up to a year apart are allowed to correlate (assumption; the
#: workload stock turns over in about four quarters at annual contracts)
HAC_LAG_QUARTERS = 4


def holdout_quarters(published: pl.DataFrame, n: int = 2) -> pl.DataFrame:
    """`published` with a `sample` column: "out" for the last n published quarters of each series."""
    last = (published.select("series", "quarter_label").unique().sort("quarter_label")
            .group_by("series", maintain_order=True).agg(pl.col("quarter_label").tail(n).alias("held")))
    held = last.explode("held").rename({"held": "quarter_label"}).with_columns(pl.lit("out").alias("sample"))
    return (published.join(held, on=["series", "quarter_label"], how="left")
            .with_columns(pl.col("sample").fill_null("in")))


def apply_parameters(config: CloudScenario, values: dict[str, float] | dict[str, float | str]) -> CloudScenario:
    """A copy of `config` with the parameters set (re-validated); `rival_quality_trend_per_year` and
    `rival_quality_trend_from` set every non-leader provider's `quality_trend_per_year` / `_from`."""
    document = config.model_dump(mode="python")
    rivals = [name for name in document["providers"] if name != config.market.leader]
    for name, value in values.items():
        if name == TREND:
            for provider in rivals:
                document["providers"][provider]["quality_trend_per_year"] = float(value)
        elif name == TREND_FROM:
            for provider in rivals:
                document["providers"][provider]["quality_trend_from"] = str(value)
        else:
            set_key_path(document, name, float(value))
    return type(config).model_validate(document)


def current_values(config: CloudScenario, names) -> dict[str, float]:
    values = {}
    document = config.model_dump(mode="python")
    for name in names:
        if name == TREND:
            trends = [p["quality_trend_per_year"] for n, p in document["providers"].items()
                      if n != config.market.leader]
            values[name] = float(np.mean(trends))
            continue
        values[name] = float(get_key_path(document, name))
    return values


#: taste segments behind the expected path (their sampling error in shares is below 0.05 points)
SEGMENTS = 1000

#: the parametric bootstrap behind the reported standard errors: this many replications of the discrete-event
#: market at the estimate, from this seed (fixed, so that `calibrate` is bit-reproducible). 40 draws give an
#: SE within about +-11% of its limit (1 / sqrt(2 x 39)) for some 15 s of simulation on an idle core.
BOOTSTRAP_REPLICATIONS = 40
BOOTSTRAP_SEED = 14


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


def simulated_histories(config: CloudScenario, targets: pl.DataFrame, replications: int,
                        seed: int) -> np.ndarray:
    """(replications, rows): the value of every row of `targets` (shares, Alibaba's revenue, the market's
    revenue) in each replication of the discrete-event market under `config` (streams of `seed`,
    replications 0..n-1): histories the published series could have been, were the model true."""
    from sim.core.rng import Streams
    from sim.models.cloud.market import run_market

    draws = np.empty((replications, targets.height))
    for replication in range(replications):
        quarterly = run_market(config, Streams(seed, replication)).select(
            "quarter_label", "provider", "revenue_share", pl.col("revenue_rmb_bn_per_quarter").alias("revenue_rmb_bn"))
        long = quarterly.unpivot(index=["quarter_label", "provider"], on=["revenue_share", "revenue_rmb_bn"],
                                 variable_name="series", value_name="simulated")
        market = quarterly.group_by("quarter_label").agg(pl.col("revenue_rmb_bn").sum().alias("simulated")).select(
            "quarter_label", pl.lit("market").alias("provider"), pl.lit("market_revenue_rmb_bn").alias("series"),
            "simulated")
        long = pl.concat([long, market.select(long.columns)])
        draws[replication] = (targets.with_row_index("_row").join(long, on=["quarter_label", "series", "provider"],
                                                                   how="left").sort("_row")["simulated"].to_numpy())
    return draws


def bootstrap_standard_errors(jacobian: np.ndarray, residual_draws: np.ndarray,
                              prior_jacobian: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Linearised parametric bootstrap (Efron & Tibshirani 1993, ch. 6; the one-step refit of Davison &
    Hinkley 1997, sec. 7.2): `residual_draws` (B, m) are the fit's residuals at the estimate against B
    histories simulated at the estimate; each is refitted by one Gauss-Newton step from the estimate with
    the (m, k) Jacobian there, delta_b = -(J'J + P'P)^-1 J' r_b (P: ridge prior rows, which do not change
    between draws), and the standard error is the standard deviation of delta_b over b (ddof 1). Exact for
    a model linear in its parameters; to first order, the sandwich (J'J)^-1 J' Cov(r) J (J'J)^-1 with the
    error covariance estimated from independent simulated histories rather than from the one residual
    vector (which is what makes a HAC estimate under-cover on short series). Returns (standard errors,
    the (B, k) refitted deviations)."""
    information = jacobian.T @ jacobian
    if prior_jacobian is not None and prior_jacobian.size:
        information = information + prior_jacobian.T @ prior_jacobian
    deviations = -np.linalg.solve(information, jacobian.T @ residual_draws.T).T
    return deviations.std(axis=0, ddof=1), deviations


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


def standard_errors(jacobian: np.ndarray, residuals: np.ndarray, groups: np.ndarray | None = None,
                    times: np.ndarray | None = None, lag: int = HAC_LAG_QUARTERS,
                    prior_jacobian: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Nonlinear least-squares standard errors from the (m, k) Jacobian J of the residuals r at the optimum.

    * No groups, no times: the classical cov = s^2 (J'J)^-1, s^2 = r'r / (m - k) (Gallant 1987, ch. 1;
      Seber & Wild 1989, sec. 2.1), right for independent errors of equal variance.
    * `groups` (a label per residual, e.g. its series): one variance per group, cov = (J'J)^-1 [sum_g s_g^2
      J_g'J_g] (J'J)^-1 m / (m - k), right for independent errors whose variance differs between groups.
    * `times` (the quarter of each residual): heteroskedasticity- and autocorrelation-consistent (Newey &
      West 1987), cov = (J'J)^-1 S'WS (J'J)^-1 m / (m - k) with S_i = J_i r_i and Bartlett weights
      W_il = max(0, 1 - |t_i - t_l| / (lag + 1)): residuals of the same quarter, and of quarters up to
      `lag` apart, may be correlated. (For irregularly spaced quarters the Bartlett kernel is still positive
      semi-definite.)

    `prior_jacobian`: rows of a ridge prior (penalty residuals), added to J'J (the bread) but not to the
    meat. Returns (standard errors, correlation matrix, condition number of J'J). A singular J'J (a
    parameter the data do not move) gives infinite standard errors rather than an error."""
    m, k = jacobian.shape
    information = jacobian.T @ jacobian
    if prior_jacobian is not None and prior_jacobian.size:
        information = information + prior_jacobian.T @ prior_jacobian
    condition = float(np.linalg.cond(information))
    try:
        bread = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        return np.full(k, np.inf), np.full((k, k), np.nan), condition
    correction = m / max(m - k, 1)
    if times is not None:
        t = np.asarray(times, dtype=np.float64)
        weights = np.maximum(0.0, 1.0 - np.abs(t[:, None] - t[None, :]) / (lag + 1.0))
        scores = jacobian * residuals[:, None]
        covariance = bread @ (scores.T @ weights @ scores) @ bread * correction
    elif groups is None:
        covariance = float(residuals @ residuals) / max(m - k, 1) * bread
    else:
        groups = np.asarray(groups)
        meat = np.zeros((k, k))
        for group in np.unique(groups):
            rows = groups == group
            meat += float(residuals[rows] @ residuals[rows]) / rows.sum() * jacobian[rows].T @ jacobian[rows]
        covariance = bread @ meat @ bread * correction
    variance = np.diag(covariance)
    se = np.sqrt(np.where(variance > 0.0, variance, np.inf))
    correlation = covariance / np.outer(se, se)
    return se, correlation, condition


#: the order of the error table: Alibaba's share first
_SERIES_ORDER = [("revenue_share", "alibaba"), ("revenue_share", "huawei"), ("revenue_share", "tencent"),
                 ("revenue_rmb_bn", "alibaba"), ("market_revenue_rmb_bn", "market")]


@dataclass(frozen=True)
class FitReport:
    """The fit: parameter values, their standard errors, correlation and status ("fitted", "at bound" or
    "fixed"), the comparison table (one row per published value: quarter, series, provider, sample in/out,
    published, simulated, error) and summary errors; after `calibrate`, the chosen specification and the
    table of every specification tried."""

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
    standard_errors: dict[str, float] = field(default_factory=dict)  # see standard_error_method
    status: dict[str, str] = field(default_factory=dict)
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    correlation: pl.DataFrame | None = None  # among the fitted (not fixed) parameters
    fixed: dict[str, float] = field(default_factory=dict)  # held at their priors (see FIXED_PARAMETERS)
    in_sample_market_rmse_pct: float = float("nan")
    out_of_sample_market_mae_pct: float = float("nan")
    standard_errors_iid: dict[str, float] = field(default_factory=dict)  # s_g^2 (J'J)^-1, for comparison
    settings: dict[str, float | str] = field(default_factory=dict)  # set by the specification, not fitted
    specification: str = ""
    specifications: pl.DataFrame | None = None  # every specification tried (see `specification_table`)
    standard_errors_hac: dict[str, float] = field(default_factory=dict)  # Newey-West, see standard_errors
    standard_error_method: str = "HAC (Newey-West)"  # or the parametric bootstrap (`bootstrap_standard_errors`)

    @property
    def at_bound(self) -> list[str]:
        """The free parameters that ended on a bound (empty for a trustworthy fit)."""
        return [name for name, status in self.status.items() if status == "at bound"]

    def parameter_table(self) -> pl.DataFrame:
        """One row per parameter, fitted, set by the specification or fixed: status, where the fit started
        and ended, the reported standard error (`se`, by `standard_error_method`: the parametric bootstrap
        after `calibrate`; NaN when fixed or at a bound), the independent-errors one (`se_iid`), the bounds,
        the fitted parameter it is most correlated with, and the Newey-West one (`se_hac`)."""
        numeric_settings = {n: float(v) for n, v in self.settings.items() if not isinstance(v, str)}
        names = list(self.parameters) + [n for n in {**numeric_settings, **self.fixed} if n not in self.parameters]
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
        value = {**self.fixed, **numeric_settings, **self.parameters}

        def status(name: str) -> str:
            if name in self.status:
                return self.status[name]
            return "set by specification" if name in numeric_settings else "fixed"

        return pl.DataFrame({
            "parameter": names,
            "status": [status(n) for n in names],
            "initial": [self.initial.get(n, value[n]) for n in names],
            "fitted": [value[n] for n in names],
            "se": [self.standard_errors.get(n, float("nan")) for n in names],
            "se_iid": [self.standard_errors_iid.get(n, float("nan")) for n in names],
            "lower": [self.bounds.get(n, (float("nan"),) * 2)[0] for n in names],
            "upper": [self.bounds.get(n, (float("nan"),) * 2)[1] for n in names],
            "strongest_correlation": strongest,
            "se_hac": [self.standard_errors_hac.get(n, float("nan")) for n in names],
        }, schema={"parameter": pl.String, "status": pl.String, "initial": pl.Float64, "fitted": pl.Float64,
                   "se": pl.Float64, "se_iid": pl.Float64, "lower": pl.Float64, "upper": pl.Float64,
                   "strongest_correlation": pl.String, "se_hac": pl.Float64})

    def error_table(self) -> pl.DataFrame:
        """In-sample RMSE and held-out errors per series and provider, Alibaba's share first: shares in
        percentage points, revenue in percent of the published value; `held_out_errors` lists each held-out
        quarter's signed error."""
        return error_table(self.table)

    def specification_table(self) -> pl.DataFrame:
        """Every specification tried: its rolling-origin validation error (what chose it), its in-sample
        error and its held-out errors (reported, never used to choose), and whether it was chosen."""
        if self.specifications is None:
            return pl.DataFrame({"specification": [self.specification or "as given"], "chosen": [True]})
        return self.specifications


def error_table(table: pl.DataFrame) -> pl.DataFrame:
    """The per-provider error table of a fit's comparison `table` (see `FitReport.error_table`)."""
    rows = []
    for series, provider in _SERIES_ORDER:
        part = table.filter((pl.col("series") == series) & (pl.col("provider") == provider)).sort("quarter")
        if part.height == 0:
            continue
        inside = part.filter(pl.col("sample") == "in")["scaled_error"].to_numpy()
        out = part.filter(pl.col("sample") == "out")
        errors = out["scaled_error"].to_numpy()
        rows.append({
            "series": series, "provider": provider,
            "unit": "share points" if series == "revenue_share" else "percent",
            "in_sample_rmse": float(np.sqrt(np.mean(inside**2))) if inside.size else float("nan"),
            "held_out_rmse": float(np.sqrt(np.mean(errors**2))) if errors.size else float("nan"),
            "held_out_max_abs": float(np.max(np.abs(errors))) if errors.size else float("nan"),
            "held_out_errors": "; ".join(f"{q} {e:+.1f}" for q, e in zip(out["quarter"], errors)),
        })
    return pl.DataFrame(rows, schema={"series": pl.String, "provider": pl.String, "unit": pl.String,
                                      "in_sample_rmse": pl.Float64, "held_out_rmse": pl.Float64,
                                      "held_out_max_abs": pl.Float64, "held_out_errors": pl.String})


def _with_horizon(config: CloudScenario, last_quarter: str) -> CloudScenario:
    """`config` simulated just far enough to reach `last_quarter`."""
    document = config.model_dump(mode="python")
    document["run"]["horizon_days"] = (quarter_index(last_quarter, config.market.start_quarter) + 1) * QUARTER_DAYS
    return type(config).model_validate(document)


def fit(config: CloudScenario, published: pl.DataFrame | None = None,
        free: dict[str, tuple[float, float]] | None = None, taste_seed: int = 7, holdout: int = 2,
        start: dict[str, float] | None = None, fixed: dict[str, float] | None = None,
        prior_sd: dict[str, float] | None = None, settings: dict[str, float | str] | None = None,
        with_standard_errors: bool = True, bootstrap_replications: int = 0) -> FitReport:
    """Least-squares fit of the `free` parameters (default `FREE_PARAMETERS`) to the in-sample rows of
    `published` (default: `load_published()`), with the `fixed` parameters (default: the values of
    `FIXED_PARAMETERS`) and the specification's `settings` set first and ridge priors `prior_sd` on some
    free parameters; errors reported for both samples, standard errors (HAC and independent-errors) and
    correlations from the Jacobian at the optimum. With `bootstrap_replications` > 0 the reported standard
    errors (of the parameters off their bounds) are the parametric bootstrap's (`bootstrap_standard_errors` on that many simulated histories at
    the estimate), the HAC ones kept in `standard_errors_hac`."""
    published = load_published() if published is None else published
    free = dict(FREE_PARAMETERS if free is None else free)
    fixed = {n: v for n, (v, _) in FIXED_PARAMETERS.items()} if fixed is None else dict(fixed)
    fixed = {n: v for n, v in fixed.items() if n not in free}
    settings = dict(settings or {})
    prior_sd = dict(prior_sd or {})
    names = list(free)
    targets = holdout_quarters(published, holdout)
    short = apply_parameters(_with_horizon(config, str(published.get_column("quarter_label").max())),
                             {**fixed, **settings})
    initial = current_values(short, names) if start is None else {n: start[n] for n in names}
    lower = np.array([free[n][0] for n in names])
    upper = np.array([free[n][1] for n in names])
    x0 = np.clip(np.array([initial[n] for n in names]), lower + 1e-6 * (upper - lower),
                 upper - 1e-6 * (upper - lower))
    in_rows = targets.filter(pl.col("sample") == "in")
    prior_index = [names.index(n) for n in prior_sd if n in names]
    prior_scale = np.array([prior_sd[names[i]] for i in prior_index])

    def residuals(x):
        trial = apply_parameters(short, dict(zip(names, x)))
        data = _scaled_errors(predictions(trial, in_rows, taste_seed), in_rows)
        return np.concatenate([data, x[prior_index] / prior_scale]) if prior_index else data

    solution = least_squares(residuals, x0, bounds=(lower, upper), x_scale="jac", diff_step=1e-4,  # type: ignore[arg-type]  # a scalar is documented; the stubs want an array
                             xtol=1e-8, ftol=1e-10, max_nfev=400)
    values = dict(zip(names, map(float, solution.x)))
    status = {n: _status(values[n], *free[n]) for n in names}
    n_data = in_rows.height
    # standard errors from the parameters strictly inside their bounds (a parameter on a bound has no
    # two-sided derivative and no asymptotic normal distribution: its SE is reported as NaN)
    interior = [i for i, n in enumerate(names) if status[n] == "fitted"]
    se, se_iid, se_hac = (np.full(len(names), np.nan) for _ in range(3))
    correlation = None
    condition = float("nan")
    method = "HAC (Newey-West)"
    bootstrap: dict[str, float] = {}
    fitted = apply_parameters(short, values)
    if interior and with_standard_errors:
        jacobian = np.asarray(solution.jac)[:, interior]
        data_jacobian, prior_jacobian = jacobian[:n_data], jacobian[n_data:]
        data_residuals = solution.fun[:n_data]
        quarters = np.array([quarter_index(q, config.market.start_quarter) for q in in_rows["quarter_label"]])
        se_in, corr_in, condition = standard_errors(data_jacobian, data_residuals, times=quarters,
                                                    prior_jacobian=prior_jacobian)
        se[interior] = se_hac[interior] = se_in
        se_iid[interior] = standard_errors(data_jacobian, data_residuals, groups=in_rows["series"].to_numpy(),
                                           prior_jacobian=prior_jacobian)[0]
        inner = [names[i] for i in interior]
        correlation = pl.DataFrame({"parameter": inner, **{n: corr_in[:, i] for i, n in enumerate(inner)}})
        if bootstrap_replications > 0:
            at_estimate = predictions(fitted, in_rows, taste_seed)
            histories = simulated_histories(fitted, in_rows, bootstrap_replications, BOOTSTRAP_SEED)
            residual_draws = np.stack([_scaled_errors(at_estimate, in_rows.with_columns(pl.Series("published", h)))
                                       for h in histories])
            # the simulated errors' persistence and correlation, at the size of the published series' errors
            # (series by series): the model's own randomness alone is smaller than what it misses
            series = in_rows["series"].to_numpy()
            scale = np.ones(n_data)
            for name in np.unique(series):
                rows = series == name
                scale[rows] = np.sqrt(np.mean(data_residuals[rows] ** 2) / np.mean(residual_draws[:, rows] ** 2))
            unscaled, _ = bootstrap_standard_errors(data_jacobian, residual_draws, prior_jacobian)
            residual_draws = residual_draws * scale[None, :]
            se[interior], deviations = bootstrap_standard_errors(data_jacobian, residual_draws, prior_jacobian)
            covariance = np.cov(deviations, rowvar=False).reshape(len(interior), len(interior))
            corr_in = covariance / np.outer(se[interior], se[interior])
            correlation = pl.DataFrame({"parameter": inner, **{n: corr_in[:, i] for i, n in enumerate(inner)}})
            method = (f"parametric bootstrap ({bootstrap_replications} simulated histories, linearised refit, "
                      "errors scaled to the fit's)")
            # how the simulated histories' errors compare with the real ones: a ratio above 1 means the
            # published series stray from the model more than its own randomness does (misspecification)
            bootstrap = {"bootstrap_replications": bootstrap_replications,
                         "simulated_residual_rms": float(np.sqrt(np.mean((residual_draws / scale) ** 2))),
                         "residual_rms": float(np.sqrt(np.mean(data_residuals**2))),
                         **{f"se_unscaled[{n}]": float(v) for n, v in zip(inner, unscaled)}}
    simulated = predictions(fitted, targets, taste_seed)
    table = targets.with_columns(pl.Series("simulated", simulated)).with_columns(
        (pl.col("simulated") - pl.col("published")).alias("error"),
        pl.Series("scaled_error", _scaled_errors(simulated, targets))).rename({"quarter_label": "quarter"})

    def summary(series: str, sample: str, how: str) -> float:
        errors = table.filter((pl.col("series") == series) & (pl.col("sample") == sample))["scaled_error"].to_numpy()
        if errors.size == 0:
            return float("nan")
        return float(np.sqrt(np.mean(errors**2)) if how == "rmse" else np.mean(np.abs(errors)))

    data_cost = float(solution.fun[:n_data] @ solution.fun[:n_data])
    return FitReport(values, {**initial}, table, summary("revenue_share", "in", "rmse"),
                     summary("revenue_share", "out", "mae"), summary("revenue_rmb_bn", "in", "rmse"),
                     summary("revenue_rmb_bn", "out", "mae"), bool(solution.success), str(solution.message),
                     extra={"cost": float(solution.cost), "nfev": int(solution.nfev),
                            "residual_sd": float(np.sqrt(data_cost / max(n_data - len(names), 1))),
                            "condition_number": condition, "n_residuals": n_data, **bootstrap},
                     standard_errors={n: float(se[i]) for i, n in enumerate(names)},
                     status=status,
                     bounds={n: (float(free[n][0]), float(free[n][1])) for n in names}, correlation=correlation, fixed=fixed,
                     in_sample_market_rmse_pct=summary("market_revenue_rmb_bn", "in", "rmse"),
                     out_of_sample_market_mae_pct=summary("market_revenue_rmb_bn", "out", "mae"),
                     standard_errors_iid={n: float(se_iid[i]) for i, n in enumerate(names)},
                     settings=settings, standard_errors_hac={n: float(se_hac[i]) for i, n in enumerate(names)},
                     standard_error_method=method)


def rolling_origin_errors(config: CloudScenario, specification: Specification, published: pl.DataFrame,
                          taste_seed: int = 7, holdout: int = 2,
                          origins: tuple[str, ...] = VALIDATION_ORIGINS) -> pl.DataFrame:
    """Rolling-origin validation of a specification on the in-sample rows only: for each origin, fit on the
    in-sample rows of earlier quarters and predict the in-sample share rows published at the origin. One row
    per predicted value (origin, provider, published, simulated, error in share points)."""
    in_sample = holdout_quarters(published, holdout).filter(pl.col("sample") == "in").drop("sample")
    frames = []
    for origin in origins:
        train = in_sample.filter(pl.col("quarter_label") < origin)
        test = in_sample.filter((pl.col("quarter_label") == origin) & (pl.col("series") == "revenue_share"))
        report = fit(config, train, specification.free, taste_seed, holdout=0, prior_sd=specification.prior_sd,
                     settings=specification.settings, with_standard_errors=False)
        fitted = apply_parameters(_with_horizon(config, origin),
                                  {**report.fixed, **report.settings, **report.parameters})
        simulated = predictions(fitted, test, taste_seed)
        frames.append(test.select(pl.lit(origin).alias("origin"), "provider", "published").with_columns(
            pl.Series("simulated", simulated), pl.Series("error_points", _scaled_errors(simulated, test))))
    return pl.concat(frames)


def _rmse(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(values) ** 2))) if np.size(values) else float("nan")


def compare_specifications(config: CloudScenario, published: pl.DataFrame | None = None, taste_seed: int = 7,
                           specifications: tuple[Specification, ...] = SPECIFICATIONS,
                           bootstrap_replications: int = BOOTSTRAP_REPLICATIONS) -> tuple[FitReport, pl.DataFrame]:
    """Fit every specification, score each by rolling-origin validation (`rolling_origin_errors`, share RMSE
    over all providers' shares at the origins) and return the full fit of the best, its standard errors by
    the parametric bootstrap (`bootstrap_replications` simulated histories; 0: HAC), with the table of all:
    validation errors (what chose), in-sample errors and held-out errors per provider (reported only)."""
    published = load_published() if published is None else published
    validations = [rolling_origin_errors(config, specification, published, taste_seed)
                   for specification in specifications]
    scores = np.array([_rmse(v["error_points"].to_numpy()) for v in validations])
    # full fits in order of validation error: the first off its bounds is chosen, and the fits up to it are
    # bootstrapped (only it, unless a better-validated fit ended on a bound)
    reports: dict[int, FitReport] = {}
    best = None
    for i in np.argsort(scores, kind="stable"):
        specification = specifications[i]
        reports[i] = fit(config, published, specification.free, taste_seed, prior_sd=specification.prior_sd,
                         settings=specification.settings, bootstrap_replications=bootstrap_replications
                         if best is None else 0)
        if best is None and not reports[i].at_bound:
            best = int(i)
    if best is None:  # every fit on a bound: the best validated, reported but not written (`calibrate`)
        best = int(np.argmin(scores))
    rows = []
    for i, (specification, validation) in enumerate(zip(specifications, validations)):
        report = reports[i]
        errors = error_table(report.table)

        def held(provider: str, series: str = "revenue_share", errors=errors) -> tuple[float, str]:
            row = errors.filter((pl.col("series") == series) & (pl.col("provider") == provider))
            return float(row["held_out_rmse"][0]), str(row["held_out_errors"][0])

        trend = report.parameters.get(TREND, specification.settings.get(TREND, float("nan")))
        rows.append({
            "specification": specification.name, "description": specification.description,
            "validation_share_rmse_points": float(scores[i]),
            "validation_alibaba_share_rmse_points": _rmse(
                validation.filter(pl.col("provider") == "alibaba")["error_points"].to_numpy()),
            "rival_trend_per_year": float(trend),
            "in_sample_share_rmse_points": report.in_sample_share_rmse_points,
            "held_out_alibaba_share_rmse_points": held("alibaba")[0],
            "held_out_alibaba_share_errors": held("alibaba")[1],
            "held_out_huawei_share_errors": held("huawei")[1],
            "held_out_tencent_share_errors": held("tencent")[1],
            "held_out_alibaba_revenue_errors_pct": held("alibaba", "revenue_rmb_bn")[1],
            "at_bound": ", ".join(report.at_bound),
            "chosen": i == best,
        })
    table = pl.DataFrame(rows)
    return FitReport(**{**reports[best].__dict__, "specification": specifications[best].name,
                        "specifications": table}), table


def _comment(text: str) -> str:
    """`text` as one TOML comment line (a name with a line break cannot end the comment early)."""
    return ("# " + " ".join(text.split())).rstrip()


#: what each free parameter is, in the calibrated scenario's description
_PARAMETER_WORDS = {"workloads.traditional.arrivals_per_quarter": "arrivals",
                    "workloads.traditional.arrivals_growth_per_year": "their growth",
                    "market.seasonality.q1": "Q1 seasonality", "market.list_price_pass_through": "list-price pass-through",
                    TREND: "rivals' trend", LEVEL: "Alibaba's quality"}


def write_calibrated_scenario(report: FitReport, base_path: Path, out_path: Path, config: CloudScenario) -> None:
    """A scenario that `extends` the base and overrides only the fitted, specification and fixed keys, with
    the fit's provenance (date, specification and how it was chosen, held-out errors per provider, standard
    errors, fixed priors) in comments; written by a TOML writer (names and paths escaped) to a temporary file,
    synced and renamed into place (`atomic_write_bytes`), so a failure leaves nothing half-written. Refuses
    a fit with a free parameter on a bound (ValueError: such a value is an artefact of the search box, not
    an estimate) and an `out_path` that is the base itself (InputError)."""
    if report.at_bound:
        raise ValueError(f"not writing {out_path}: free parameters at a bound {report.at_bound}")
    if out_path.resolve() == base_path.resolve():
        raise InputError(f"{out_path}: it is the scenario being calibrated; choose another --out")
    relative = os.path.relpath(base_path.resolve(), out_path.resolve().parent)
    errors = report.error_table()
    header = {
        "description": f"{base_path.stem} with {', '.join(_PARAMETER_WORDS.get(n, n) for n in report.parameters)} "
                       "fitted to Canalys shares and market size and Alibaba Cloud revenue",
        "extends": relative,
    }
    comments = [
        f"Written by sim.models.cloud.calibration.calibrate on {datetime.date.today().isoformat()}: "
        "scipy.optimize.least_squares on the",
        "expected path (expected.py) against docs/sources/cloud_published.csv (docs/sources.md, Cloud).",
        f"Specification: {report.specification or 'as given'}, chosen by rolling-origin validation on quarters "
        f"before 2024Q2 (origins {', '.join(VALIDATION_ORIGINS)}), not by the hold-out.",
        "Errors (shares in points, revenue in percent; held out = the last two published quarters of each series):",
    ]
    for row in errors.iter_rows(named=True):
        comments.append(f"  {row['provider']} {row['series']}: in-sample RMSE {row['in_sample_rmse']:.1f}, "
                        f"held out {row['held_out_errors']}")
    if report.specifications is not None:
        comments.append("Specifications tried (validation share RMSE -> held-out Alibaba share errors):")
        for row in report.specifications.iter_rows(named=True):
            comments.append(f"  {row['specification']}: {row['validation_share_rmse_points']:.2f} -> "
                            f"{row['held_out_alibaba_share_errors']}{' (chosen)' if row['chosen'] else ''}")
    comments += [
        f"fitted: estimate and standard error ({report.standard_error_method}; Newey-West HAC in brackets, a "
        "lower bound on short series);",
        "fixed: a prior the data do not identify (calibration.FIXED_PARAMETERS).",
        "Use for the 2020-2024 history and policy comparisons; the held-out errors above are what to expect "
        "of it as a forecast.",
        "",
    ]

    def note(name: str) -> str:
        se, (low, high) = report.standard_errors.get(name, float("nan")), report.bounds[name]
        hac = report.standard_errors_hac.get(name, float("nan"))
        weak = 4.0 * se > 0.8 * (high - low)  # +-2 SE spans most of the economic range
        return (f"fitted, SE {se:.3g}" + (f" [HAC {hac:.3g}]" if hac != se and np.isfinite(hac) else "")
                + (" (weakly identified: +-2 SE spans most of its bounds)" if weak else ""))

    entries: list[tuple[str, float | str, str]] = [(n, v, note(n)) for n, v in report.parameters.items()]
    entries += [(n, v, f"assumption of the specification ({report.specification}), set, not fitted")
                for n, v in report.settings.items()]
    entries += [(n, v, "fixed prior, not identified by these data") for n, v in report.fixed.items()]
    tables: dict[str, Any] = {}
    inline: dict[str, str] = {}  # dotted key -> its comment, also written after the value
    for name, value, comment in entries:
        value = value if isinstance(value, str) else float(value)
        if name in (TREND, TREND_FROM):
            key = "quality_trend_per_year" if name == TREND else "quality_trend_from"
            for provider in config.providers:
                if provider != config.market.leader:
                    tables.setdefault("providers", {}).setdefault(provider, {})[key] = value
                    comments.append(f"providers.{provider}.{key} = {value!r}: {comment}")
                    inline[f"providers.{provider}.{key}"] = comment
            continue
        set_key_path(tables, name, value)
        comments.append(f"{name} = {value!r}: {comment}")
        inline[name] = comment
    text = tomli_w.dumps(header) + "\n" + "\n".join(_comment(line) if line else "#" for line in comments) \
        + "\n\n" + _with_inline_comments(tomli_w.dumps(tables), inline)
    atomic_write_bytes(out_path, text.encode("utf-8"))


def _with_inline_comments(text: str, comments: dict[str, str]) -> str:
    """TOML `text` (as tomli_w writes it: `[table]` headers, one `key = value` a line) with each key's
    comment after its value."""
    lines, table = [], ""
    for line in text.splitlines():
        if line.startswith("["):
            table = line.strip().strip("[]")
        elif " = " in line:
            comment = comments.get(f"{table}.{line.split(' = ', 1)[0].strip()}" if table else line.split(" = ", 1)[0])
            if comment:
                line = f"{line}  {_comment(comment)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def check_output_path(scenario: ScenarioSource, out_path: Path) -> None:
    """Refuse (InputError) an output that is the scenario itself or a file of its `extends` chain (the
    calibrated scenario extends the scenario, so it would extend itself), or a folder."""
    chain = [Path(p).resolve() for p in (*scenario.source_files, scenario.path) if p is not None]
    if out_path.resolve() in chain:
        raise InputError(f"{out_path}: the calibrated scenario cannot replace {scenario.path} or a file it "
                         "extends; choose another --out")
    if out_path.exists() and not out_path.is_file():
        raise InputError(f"{out_path}: not a file; choose another --out")


def calibrate(scenario: ScenarioSource, out_path: str | Path | None = None, taste_seed: int = 7,
              bootstrap_replications: int = BOOTSTRAP_REPLICATIONS) -> FitReport:
    """Fit the loaded scenario under every specification, keep the one rolling-origin validation prefers, and
    write a scenario that extends its file with the fitted values, the specification's settings and the
    fixed priors (default: `<scenario>_calibrated.toml` beside it) unless a free parameter ends on a bound
    (then nothing is written and `scenario_path` is None). Refuses to write over its own input. Returns the
    fit report: `table` (quarter, series, provider, sample, published, simulated, error), `error_table()`
    per provider, `parameter_table()` and `specification_table()`."""
    if scenario.path is None:
        raise ValueError("calibrate needs a scenario read from a file: the calibrated scenario extends it")
    config = scenario.config
    if not isinstance(config, CloudScenario):
        raise TypeError(f"calibrate fits a cloud scenario (got a {type(config).__name__})")
    scenario_path = Path(scenario.path)
    out = Path(out_path) if out_path is not None else scenario_path.with_name(f"{scenario_path.stem}_calibrated.toml")
    check_output_path(scenario, out)
    report, _ = compare_specifications(config, taste_seed=taste_seed, bootstrap_replications=bootstrap_replications)
    if report.at_bound:  # no scenario from a fit on a bound; the tables still show why
        return FitReport(**{**report.__dict__, "scenario_path": None,
                            "message": f"{report.message}; no scenario written: {report.at_bound} at a bound"})
    write_calibrated_scenario(report, scenario_path, out, config)
    return FitReport(**{**report.__dict__, "scenario_path": out})
