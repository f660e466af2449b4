"""Calibration: the expected path agrees with the simulation (also with exits, seasonality and list-price
pass-through; a Bonferroni family of 80 checks, false failure <= 0.001), exits and seasonality match their
closed forms, the standard errors have their nominal coverage, the fit recovers known parameters (from the
expected path plus i.i.d. noise within the Bonferroni t point of its i.i.d. standard errors, a family of 10
checks with false failure <= 0.001; from a series the simulation generated within tolerances derived from
the fit's sampling distribution at a pilot, with its in- and out-of-sample errors under bounds from the same
pilot, a family of 9 checks with false failure <= 0.001), and
`calibrate` writes a loadable scenario, at a minimum of the objective, only from a fit off the bounds."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from scipy import stats

from sim.core.errors import InputError
from sim.core.runner import run_model
from sim.core.stats import t_interval, t_test_power
from sim.models.cloud.calibration import (FIXED_PARAMETERS, FREE_PARAMETERS, LEVEL, SPECIFICATIONS, FitReport,
                                          apply_parameters, bootstrap_standard_errors, calibrate, current_values, fit, holdout_quarters,
                                          load_published, predictions, standard_errors,
                                          write_calibrated_scenario)
from sim.models.cloud.config import QUARTER_DAYS, quarter_index, quarter_label
from sim.models.cloud.expected import expected_arrivals, expected_market
from sim.models.cloud.customers import arrival_times_quarters
from sim.scenario import load_scenario

from .conftest import SCENARIOS, scenario

TRUTH = {"workloads.traditional.arrivals_per_quarter": 60.0, "workloads.traditional.arrivals_growth_per_year": 0.25,
         "market.seasonality.q1": 0.9, "market.list_price_pass_through": 0.7, "rival_quality_trend_per_year": 0.05}
START = {"workloads.traditional.arrivals_per_quarter": 110.0, "workloads.traditional.arrivals_growth_per_year": 0.0,
         "market.seasonality.q1": 1.05, "market.list_price_pass_through": 0.3, "rival_quality_trend_per_year": -0.05}
#: the fit's sampling distribution at TRUTH: the sd of each estimate over PILOT_FITS runs of `fit_generated`
#: at generator seeds 1001 to 1020 (not the test's 123), every fit successful with every parameter fitted.
#: The estimates spread 1.6 to 3.5 times wider than the fit's mean reported standard errors (see the test).
PILOT_FITS = 20
PILOT_SD = {"workloads.traditional.arrivals_per_quarter": 1.63, "workloads.traditional.arrivals_growth_per_year": 0.0114,
            "market.seasonality.q1": 0.0042, "market.list_price_pass_through": 0.0351, "rival_quality_trend_per_year": 0.00777}
#: the same pilot's error statistics (the FitReport attributes), each on the scale on which its 20 values are
#: closest to normal (Shapiro-Wilk p on that scale, and on the raw scale): scale, mean and sd on that scale.
#: Pilot values (raw): in-sample share RMSE 0.246 to 0.627 points, held-out share MAE 0.127 to 0.493 points,
#: held-out Alibaba revenue MAE 0.123% to 2.895%, held-out market revenue MAE 0.092% to 1.951%.
PILOT_ERRORS = {"in_sample_share_rmse_points": ("log", -1.0678, 0.2702),       # p 0.053 (raw 0.003)
                "out_of_sample_share_mae_points": ("sqrt", 0.5054, 0.1045),   # p 0.36 (raw 0.24)
                "out_of_sample_revenue_mae_pct": ("sqrt", 0.9546, 0.3694),    # p 0.72 (raw 0.09)
                "out_of_sample_market_mae_pct": ("sqrt", 0.8842, 0.3116)}     # p 0.80 (raw 0.26)
FIT_FAMILY_LEVEL = 0.001  # false failure of the recovery test's family
FIT_FAMILY_CHECKS = len(TRUTH) + len(PILOT_ERRORS)  # 5 parameters (two-sided) + 4 error bounds (one-sided)


def recovery_tolerance(name: str) -> float:
    """Half-width of the two-sided prediction interval for one more estimate drawn from the pilot's normal
    sampling distribution centred on the truth, at the Bonferroni level FIT_FAMILY_LEVEL / FIT_FAMILY_CHECKS:
    t(1 - 0.001 / 18; PILOT_FITS - 1) x sd x sqrt(1 + 1 / PILOT_FITS) = 4.97 pilot sd."""
    c = float(stats.t.ppf(1.0 - FIT_FAMILY_LEVEL / (2 * FIT_FAMILY_CHECKS), PILOT_FITS - 1))
    return c * PILOT_SD[name] * (1.0 + 1.0 / PILOT_FITS) ** 0.5


def error_bound(name: str) -> float:
    """Upper end of the one-sided prediction interval for one more value of the error statistic `name` from
    the pilot's normal distribution on its scale, at the Bonferroni level FIT_FAMILY_LEVEL / FIT_FAMILY_CHECKS:
    mean + t(1 - 0.001 / 9; PILOT_FITS - 1) x sd x sqrt(1 + 1 / PILOT_FITS) (4.66 pilot sd), in the
    statistic's own units."""
    scale, mean, sd = PILOT_ERRORS[name]
    c = float(stats.t.ppf(1.0 - FIT_FAMILY_LEVEL / FIT_FAMILY_CHECKS, PILOT_FITS - 1))
    bound = mean + c * sd * (1.0 + 1.0 / PILOT_FITS) ** 0.5
    return float(np.exp(bound)) if scale == "log" else bound**2


K = 4  # the generating market at 4x the resolution (4x the workloads, 1/4 the revenue each): less noise
ECONOMICS = (  # the same market for the generator and the fit
    "run.horizon_days=2007.5", "workloads.traditional.multihome_share=0.0", "workloads.genai.multihome_share=0.0",
    "providers.alibaba.capex=[]", "providers.alibaba.gpu_capacity=3000.0",
    'providers.tencent.response="ignore"', 'providers.baidu.response="ignore"', 'providers.others.response="ignore"',
)
RESOLUTION = (
    f"workloads.traditional.initial_workloads={600 * K}",
    f"workloads.traditional.revenue_per_workload_quarter_rmb_bn={0.045 / K}",
    f"workloads.genai.arrivals_per_quarter={20.0 * K}", f"workloads.genai.revenue_per_workload_quarter_rmb_bn={0.005 / K}",
    f"providers.alibaba.gpu_capacity={3000.0 * K}",
)
#: a market with every new mechanism switched on, for the expected-path-vs-simulation checks
MECHANISMS = ("workloads.traditional.exit_probability_per_quarter=0.06", "workloads.genai.exit_probability_per_quarter=0.1",
              "market.seasonality.q1=0.85", "market.seasonality.q3=1.1", "market.list_price_pass_through=0.6")


def test_expected_arrivals_integrate_the_simulated_arrival_process():
    rng = np.random.default_rng(4)
    counts = np.array([np.histogram(arrival_times_quarters(rng, 30.0, 0.8, 2.0, 8.0), bins=np.arange(2, 9))[0]
                       for _ in range(400)])
    expected = np.array([expected_arrivals(30.0, 0.8, 2.0, q) for q in range(2, 8)])
    for q in range(6):
        interval = t_interval(counts[:, q], 0.999)
        assert interval.low <= expected[q] <= interval.high
    assert expected_arrivals(30.0, 0.8, 2.0, 1) == 0.0


# Design of the expected-path-vs-simulation family (m = 80 checks: 2 markets x 10 quarters x 4 series): a pilot
# of 32 replications at seed 8 (not the test's seed) gave these largest per-replication standard deviations,
# relative to the simulated mean, over the checked quarters of both markets. Each check is a two-sided
# Student-t test at level 1 - 0.001 / 80 (Bonferroni), so a mean-field path equal to the simulated mean fails
# the family with probability <= 0.001; 48 replications give power >= 0.9 against the relative errors below.
EXPECTED_PATH_CHECKS = 80
EXPECTED_PATH_LEVEL = 1.0 - 0.001 / EXPECTED_PATH_CHECKS
EXPECTED_PATH_REPLICATIONS = 48
#: series -> (pilot relative SD per replication, relative error the check has power >= 0.9 against)
EXPECTED_PATH_DESIGN = {"alibaba revenue share": (0.0130 * 32**0.5, 0.07),
                        "alibaba revenue": (0.0165 * 32**0.5, 0.09),
                        "market revenue": (0.0099 * 32**0.5, 0.06),
                        "workloads": (0.0060 * 32**0.5, 0.05)}


def test_the_expected_path_checks_have_their_design_power():
    for name, (relative_sd, error) in EXPECTED_PATH_DESIGN.items():
        assert t_test_power(error, relative_sd, EXPECTED_PATH_REPLICATIONS, EXPECTED_PATH_LEVEL) >= 0.9, name


@pytest.mark.parametrize("mechanisms", [(), MECHANISMS], ids=["baseline", "exits-seasonality-pass-through"])
def test_expected_path_lies_within_the_simulations_confidence_band(mechanisms):
    """The mean-field path the fit uses equals the simulated mean, every 4th quarter (and the quarters
    after it, so both Q1 and non-Q1 seasonal factors are checked): Alibaba's revenue share, Alibaba's and
    the market's revenue and the number of live workloads (arrivals less exits) each lie inside the
    simulation's Student-t interval at the family's Bonferroni level, with no added slack. Family (both
    markets): false failure <= 0.001 when the path is the simulated mean; power >= 0.9 against the relative
    errors of EXPECTED_PATH_DESIGN (7% share, 9% Alibaba revenue, 6% market revenue, 5% workloads)."""
    loaded = scenario("cloud_price_cut_2024.toml", "run.horizon_days=1825.0", *mechanisms)
    result = run_model(loaded.model, loaded.config, scenario_name="x", replications=EXPECTED_PATH_REPLICATIONS,
                       seed=9)
    path = expected_market(loaded.config, taste_seed=1, segments=1000)
    quarterly = result.tables["quarterly"]
    market = quarterly.group_by("replication", "quarter").agg(pl.col("revenue_rmb_bn_per_quarter").sum(),
                                                              pl.col("workloads").sum())
    expected_market_path = path.group_by("quarter").agg(pl.col("revenue_rmb_bn_per_quarter").sum(),
                                                        pl.col("workloads").sum())
    alibaba, simulated = path.filter(pl.col("provider") == "alibaba"), quarterly.filter(pl.col("provider") == "alibaba")
    checks = [("alibaba revenue share", simulated, alibaba, "revenue_share"),
              ("alibaba revenue", simulated, alibaba, "revenue_rmb_bn_per_quarter"),
              ("market revenue", market, expected_market_path, "revenue_rmb_bn_per_quarter"),
              ("workloads", market, expected_market_path, "workloads")]
    quarters = sorted({*range(0, 20, 4), *range(2, 20, 4)})
    assert 2 * len(quarters) * len(checks) == EXPECTED_PATH_CHECKS
    for q in quarters:
        for what, sim_table, expected_table, column in checks:
            interval = t_interval(sim_table.filter(pl.col("quarter") == q)[column].to_numpy(), EXPECTED_PATH_LEVEL)
            value = expected_table.filter(pl.col("quarter") == q)[column][0]
            assert interval.low <= value <= interval.high, (what, q, interval, value)


def test_exits_thin_a_closed_market_geometrically():
    """No arrivals: the live workloads at the end of quarter q are Binomial(N, (1 - x)^(q + 1)) in the
    simulation and exactly N (1 - x)^(q + 1) on the expected path; with x = 0 nobody leaves."""
    closed = ("run.horizon_days=730.0", "workloads.traditional.arrivals_per_quarter=0.0",
              "workloads.genai.arrivals_per_quarter=0.0", "workloads.traditional.initial_workloads=2000")
    n, x = 2000, 0.1
    loaded = scenario("cloud_status_quo.toml", *closed, f"workloads.traditional.exit_probability_per_quarter={x}")
    result = run_model(loaded.model, loaded.config, scenario_name="x", replications=6, seed=3)
    live = result.tables["quarterly"].group_by("replication", "quarter").agg(pl.col("workloads").sum())
    path = expected_market(loaded.config, segments=50).group_by("quarter").agg(pl.col("workloads").sum())
    for q in range(8):
        theory = n * (1 - x) ** (q + 1)
        counts = live.filter(pl.col("quarter") == q)["workloads"].to_numpy()
        sd = np.sqrt(n * (1 - x) ** (q + 1) * (1 - (1 - x) ** (q + 1)))
        assert np.all(np.abs(counts - theory) < 4.5 * sd), (q, counts, theory)  # Bonferroni over 48 draws
        assert abs(counts.mean() - theory) < 3.5 * sd / np.sqrt(counts.size)
        assert path.filter(pl.col("quarter") == q)["workloads"][0] == pytest.approx(theory, rel=1e-9)
    no_exits = scenario("cloud_status_quo.toml", *closed)
    kept = run_model(no_exits.model, no_exits.config, scenario_name="y", replications=1, seed=3).tables["quarterly"]
    np.testing.assert_allclose(kept.group_by("quarter").agg(pl.col("workloads").sum())["workloads"], n)


def test_seasonality_scales_volume_exactly_under_common_random_numbers():
    """Same seed, same choices: with q1 = 0.8 (relative to the 2020Q1 start) every non-Q1 quarter's revenue
    is 1 / 0.8 times the no-seasonality run's and every Q1's is unchanged, in the simulation and on the
    expected path; shares are untouched. GPU capacity is ample (no rationing) and no rival best-responds,
    so prices do not depend on volume."""
    common = ("run.horizon_days=730.0", "providers.alibaba.gpu_capacity=1e12", "providers.alibaba.capex=[]")
    runs, paths = [], []
    for q1 in (1.0, 0.8):
        loaded = scenario("cloud_status_quo.toml", *common, f"market.seasonality.q1={q1}")
        runs.append(run_model(loaded.model, loaded.config, scenario_name="s", replications=2, seed=4)
                    .tables["quarterly"].sort("replication", "quarter", "provider"))
        paths.append(expected_market(loaded.config, segments=50).sort("quarter", "provider"))
    for base, seasonal in (runs, paths):
        ratio = (seasonal["revenue_rmb_bn_per_quarter"] / base["revenue_rmb_bn_per_quarter"]).to_numpy()
        q1 = base["quarter_label"].str.ends_with("Q1").to_numpy()
        np.testing.assert_allclose(ratio[q1], 1.0, rtol=1e-12)
        np.testing.assert_allclose(ratio[~q1], 1.0 / 0.8, rtol=1e-12)
        np.testing.assert_allclose(seasonal["revenue_share"], base["revenue_share"], rtol=1e-12)


def test_list_price_pass_through_scales_the_cut_and_the_matched_cut():
    """A 20% list cut on compute (2023Q2) with pass-through 0.5 moves Alibaba's compute price index by
    10%; Tencent's partial match (80%) copies 80% of the effective cut; the model-API cut passes whole."""
    loaded = scenario("cloud_price_cut_2024.toml", "run.horizon_days=1825.0", "market.list_price_pass_through=0.5")
    table = run_model(loaded.model, loaded.config, scenario_name="p", replications=1, seed=1).tables["quarterly"]

    def price(provider, label, product):
        return table.filter((pl.col("provider") == provider) & (pl.col("quarter_label") == label))[f"price_{product}"][0]

    assert price("alibaba", "2023Q1", "compute") == pytest.approx(1.0)
    assert price("alibaba", "2023Q2", "compute") == pytest.approx(0.9)
    assert price("tencent", "2023Q2", "compute") == pytest.approx(1.0 - 0.8 * 0.1)
    assert price("alibaba", "2024Q1", "compute") == pytest.approx(0.9 * (1.0 - 0.5 * 0.22))
    assert price("alibaba", "2024Q2", "model_api") == pytest.approx(0.03)
    assert price("huawei", "2024Q2", "compute") == pytest.approx(1.0)


def test_standard_errors_cover_the_truth_at_their_nominal_rate():
    """Theory check of `standard_errors` (cov = s^2 (J'J)^-1): over 300 fits of y = a exp(-b t) + e with
    known (a, b) and normal noise, the z-scores (estimate - truth) / SE have standard deviation near 1 and
    95% of the nominal intervals cover the truth; the same with one variance per group when two halves of
    the data have different noise."""
    from scipy.optimize import least_squares

    rng = np.random.default_rng(11)
    t = np.linspace(0.0, 4.0, 30)
    truth = np.array([2.0, 0.7])
    z, z_grouped = [], []
    groups = np.arange(t.size) % 2
    sd = np.where(groups == 0, 0.05, 0.2)
    for _ in range(300):
        y = truth[0] * np.exp(-truth[1] * t) + rng.normal(0.0, 0.1, t.size)
        solution = least_squares(lambda x, y=y: x[0] * np.exp(-x[1] * t) - y, np.array([1.0, 1.0]))
        se, correlation, _ = standard_errors(solution.jac, solution.fun)
        assert correlation[0, 1] == pytest.approx(correlation[1, 0]) and abs(correlation[0, 1]) < 1.0
        z.append((solution.x - truth) / se)
        y = truth[0] * np.exp(-truth[1] * t) + rng.normal(0.0, 1.0, t.size) * sd
        solution = least_squares(lambda x, y=y: x[0] * np.exp(-x[1] * t) - y, np.array([1.0, 1.0]))
        z_grouped.append((solution.x - truth) / standard_errors(solution.jac, solution.fun, groups=groups)[0])
    for scores in (np.array(z), np.array(z_grouped)):
        assert np.all(np.abs(scores.std(axis=0) - 1.0) < 0.15), scores.std(axis=0)
        coverage = (np.abs(scores) < 1.96).mean(axis=0)
        assert np.all((coverage > 0.89) & (coverage < 0.985)), coverage  # s_g^2 from 15 residuals: t, not normal
    singular, _, _ = standard_errors(np.column_stack([t, t]), np.ones(t.size))
    assert np.all(np.isinf(singular) | (singular > 1e6))  # an unidentified pair is reported, not hidden


def test_published_series_are_read_from_the_csv_in_their_units():
    """Hand checks against docs/sources.md: Alibaba's 2020Q1 share 44.5%; the 2020Q1 market $3.9bn at 6.98
    CNY per US$; Mar-2025 revenue derived as 25.6 x 1.18; no row without a value."""
    published = load_published()
    assert published.columns == ["quarter_label", "series", "provider", "published"]

    def value(quarter: str, series: str, provider: str) -> float:
        return published.filter((pl.col("quarter_label") == quarter) & (pl.col("series") == series)
                                & (pl.col("provider") == provider))["published"].item()

    assert value("2020Q1", "revenue_share", "alibaba") == 0.445
    assert value("2020Q1", "market_revenue_rmb_bn", "market") == pytest.approx(3.9 * 6.98)
    assert value("2025Q1", "revenue_rmb_bn", "alibaba") == pytest.approx(25.6 * 1.18)
    assert published["published"].is_finite().all()
    assert published.height == 24 + 9 + 8


def test_holdout_marks_the_last_two_published_quarters_of_each_series():
    published = load_published()
    marked = holdout_quarters(published)
    out = marked.filter(pl.col("sample") == "out")
    assert sorted(out.filter(pl.col("series") == "revenue_share")["quarter_label"].unique()) == ["2024Q2", "2025Q1"]
    assert sorted(out.filter(pl.col("series") == "revenue_rmb_bn")["quarter_label"].unique()) == ["2025Q1", "2025Q2"]
    assert sorted(out.filter(pl.col("series") == "market_revenue_rmb_bn")["quarter_label"].unique()) == [
        "2024Q2", "2025Q1"]
    assert marked.height == published.height


def generated_series(result) -> pl.DataFrame:
    """A simulated stand-in for the published series: replication means of the three share series, Alibaba's revenue
    and the market's revenue, every quarter."""
    quarterly = result.tables["quarterly"]
    means = quarterly.group_by("quarter_label", "provider").agg(
        pl.col("revenue_share").mean(), pl.col("revenue_rmb_bn_per_quarter").mean().alias("revenue_rmb_bn"))
    series = means.unpivot(index=["quarter_label", "provider"], on=["revenue_share", "revenue_rmb_bn"],
                           variable_name="series", value_name="published").filter(
        pl.col("provider").is_in(["alibaba", "huawei", "tencent"])
        & ((pl.col("series") == "revenue_share") | (pl.col("provider") == "alibaba")))
    market = (quarterly.group_by("replication", "quarter_label").agg(pl.col("revenue_rmb_bn_per_quarter").sum())
              .group_by("quarter_label").agg(pl.col("revenue_rmb_bn_per_quarter").mean().alias("published"))
              .select("quarter_label", pl.lit("market").alias("provider"),
                      pl.lit("market_revenue_rmb_bn").alias("series"), "published"))
    return pl.concat([series, market.select(series.columns)]).sort("quarter_label", "series", "provider")


def fit_generated(generator_seed: int) -> FitReport:
    """The recovery experiment at one generator seed: the generator has the fixed priors of
    FIXED_PARAMETERS and the TRUTH values (4 replications at K times the resolution); the fit starts from
    START, with taste draws of another seed, at a quarter of the generator's resolution. The test runs it
    at seed 123; the pilot behind PILOT_SD ran it at seeds 1001 to 1020."""
    fixed = {name: value for name, (value, _) in FIXED_PARAMETERS.items()}
    base = load_scenario(SCENARIOS / "cloud_price_cut_2024.toml", list(ECONOMICS))
    generator = load_scenario(SCENARIOS / "cloud_price_cut_2024.toml", [*ECONOMICS, *RESOLUTION])
    truth_config = apply_parameters(generator.config, {**fixed, **TRUTH,
                                    "workloads.traditional.arrivals_per_quarter": TRUTH[
                                        "workloads.traditional.arrivals_per_quarter"] * K})
    generated = run_model(generator.model, truth_config, scenario_name="truth", replications=4,
                          seed=generator_seed)
    return fit(apply_parameters(base.config, fixed), generated_series(generated), taste_seed=99, start=START)


@pytest.mark.slow
def test_fit_recovers_parameters_from_a_simulated_series():
    """Every free parameter comes back within `recovery_tolerance` of the truth, and the fit's in-sample
    share RMSE and held-out errors stay under `error_bound`, both derived from the fit's own sampling
    distribution at the truth (a pilot of PILOT_FITS fits at other generator seeds), not chosen by hand.
    Not within a multiple of the fit's reported standard errors: the simulated series' errors are
    persistent (the stock of workloads is a cumulated Poisson process and sizes are heavy-tailed), so the
    estimates spread 1.6 (list-price pass-through) to 3.5 times (arrivals) wider than those errors say;
    see the next test for the standard errors under their own assumptions.

    False failure: the family is 9 checks at Bonferroni level 0.001 / 9 each, so a correct fit fails it
    with probability <= 0.001. Each parameter check is the two-sided t prediction interval for a new
    estimate from the pilot's distribution (c = t(1 - 0.001 / 18; 19) = 4.85, tolerance 4.97 pilot sd),
    assuming normal, unbiased estimates (the pilot's mean deviations from the truth are within 0.33 sd; a
    pilot mean's own standard error is 0.22 sd). Each error statistic (positive, right-skewed) is held to
    the one-sided t prediction bound on the scale where the pilot's values are closest to normal (log for
    the RMSE, square root for the three MAEs; c = t(1 - 0.001 / 9; 19) = 4.54, bound 4.66 pilot sd):
    1.21 share points in-sample RMSE, 0.98 points held-out share MAE, 7.2% and 5.5% held-out revenue and
    market MAE, assuming normality on that scale (20 values cannot check a 1e-4 tail).
    Power (normal approximation, the pilot sd taken as known): a fit biased by (4.97 + 1.28) pilot sd in
    any one parameter fails with probability >= 0.9; so does one whose error statistic is (4.66 + 1.28)
    pilot sd worse on its scale, a typical in-sample share RMSE of 1.7 points (pilot mean 0.36), held-out
    share MAE of 1.3 points (pilot 0.27), revenue MAE of 9.9% (pilot 1.0%) or market MAE of 7.5% (pilot
    0.87%): two held-out quarters of a persistent process vary that much at the truth.

    Before (hand-picked): parameter tolerances (10, 0.05, 0.03, 0.15, 0.03), 6.1, 4.4, 7.1, 4.3 and 3.9
    pilot sd (a family false failure of about 1.4e-4 in the normal approximation, uneven power), then
    4.70 pilot sd at level 0.001 / 5 with the four error bounds (0.5, 1.0, 3.0, 3.0) outside the family:
    3 of the 20 pilot fits had an in-sample RMSE above 0.5 (0.55, 0.56, 0.63), about 8% per seed on the
    log-normal fit, and 1.8% for the revenue MAE above 3%."""
    report = fit_generated(123)
    assert report.success
    assert set(report.status.values()) == {"fitted"}, report.status
    for name, value in TRUTH.items():
        estimate = report.parameters[name]
        assert abs(estimate - value) <= recovery_tolerance(name), (name, estimate, value, recovery_tolerance(name))
        assert 0.0 < report.standard_errors[name] < recovery_tolerance(name), (name, report.standard_errors[name])
        assert abs(START[name] - value) > recovery_tolerance(name)  # the fit had to move to get there
    for name in PILOT_ERRORS:
        assert getattr(report, name) <= error_bound(name), (name, getattr(report, name), error_bound(name))
    out = report.table.filter(pl.col("sample") == "out")
    assert out.height == 2 * 3 + 2 + 2  # two held-out quarters of three share series, revenue and market
    np.testing.assert_allclose(report.table["error"], report.table["simulated"] - report.table["published"])
    table = report.parameter_table()
    assert table.filter(pl.col("status") == "fixed")["parameter"].to_list() == list(FIXED_PARAMETERS)
    assert table.filter(pl.col("status") == "fitted")["se"].is_finite().all()


SE_FAMILY_CHECKS = 10  # TRUTH's 5 parameters x the 2 noise seeds below


@pytest.mark.slow
@pytest.mark.parametrize("noise_seed", [1, 2])
def test_reported_standard_errors_are_consistent_under_their_assumptions(noise_seed):
    """Standard errors of the calibration itself (bounds, the taste draws of another seed, the real
    parameter set), on data that meet their assumptions: the expected path at TRUTH, every quarter
    2020Q1-2025Q2, plus independent normal errors (0.5 share points; 2% of Alibaba's and of the market's
    revenue). Every fitted parameter must lie within c of its i.i.d. standard errors (`se_iid`, whose
    assumptions these data meet) of the truth, c the two-sided Student-t point (m - k degrees of freedom, m
    in-sample residuals, k = 5 parameters) at the Bonferroni level 0.001 / 10 over the family of this test's
    10 checks (5 parameters x 2 noise seeds): false failure <= 0.001 for the family, to the accuracy of the
    fit's asymptotic normality; power >= 0.9 against a bias of (c + 1.28) standard errors in any one
    parameter (c = 4.06). The Newey-West errors (`se_hac`) are not held to this test (on short series they
    covered about 71% at a nominal 95%); the reported ones after `calibrate` are the parametric bootstrap's,
    checked in `test_bootstrap_standard_errors_match_the_exact_sandwich_and_cover`."""
    fixed = {name: value for name, (value, _) in FIXED_PARAMETERS.items()}
    base = apply_parameters(load_scenario(SCENARIOS / "cloud_price_cut_2024.toml", list(ECONOMICS)).config, fixed)
    labels = [quarter_label("2020Q1", q) for q in range(22)]
    template = pl.DataFrame(
        [(label, "revenue_share", provider, 0.0) for label in labels for provider in ("alibaba", "huawei", "tencent")]
        + [(label, "revenue_rmb_bn", "alibaba", 0.0) for label in labels]
        + [(label, "market_revenue_rmb_bn", "market", 0.0) for label in labels],
        schema=load_published().schema, orient="row")
    clean = predictions(apply_parameters(base, TRUTH), template, taste_seed=5)
    rng = np.random.default_rng(noise_seed)
    is_share = (template["series"] == "revenue_share").to_numpy()
    noisy = np.where(is_share, clean + rng.normal(0.0, 0.005, clean.size), clean * (1.0 + rng.normal(0.0, 0.02, clean.size)))
    report = fit(base, template.with_columns(pl.Series("published", noisy)), taste_seed=99, start=START)
    assert set(report.status.values()) == {"fitted"}, report.status
    residuals = report.table.filter(pl.col("sample") == "in").height
    critical = float(stats.t.isf(0.001 / SE_FAMILY_CHECKS / 2, residuals - len(TRUTH)))
    assert 4.0 < critical < 4.1  # the design in the docstring (about 100 in-sample residuals)
    for name, value in TRUTH.items():
        estimate, se = report.parameters[name], report.standard_errors_iid[name]
        assert np.isfinite(se) and abs(estimate - value) <= critical * se, (name, estimate, value, se)


@pytest.mark.slow
def test_calibrate_writes_a_scenario_that_extends_the_base(tmp_path):
    """The real-data fit: no free parameter on a bound, so `calibrate` writes a scenario with the fitted
    values and the fixed priors, which loads. The written fit is a minimum of the least-squares objective,
    recomputed here from the published file (`in_sample_objective`): moving any one free parameter by half
    its reported i.i.d. standard error either way (inside the bounds) does not lower it. A deterministic
    check (no family): to second order each move raises the objective by at least s^2 / 4 (s^2 the residual
    variance; more when parameters are correlated), far above the solver's tolerance; on the shipped fit the
    rises are 12 to 367 on an objective of 197. The reported in-sample share RMSE equals the written
    scenario's, recomputed from the published file, and is below the uncalibrated base scenario's. (No
    comparison with the shipped cloud_calibrated.toml: that file is this fit's own output.)"""
    out = tmp_path / "cloud_calibrated.toml"
    report = calibrate(load_scenario(SCENARIOS / "cloud_price_cut_2024.toml"), out, bootstrap_replications=4)
    assert report.at_bound == [], report.parameter_table()
    assert report.scenario_path == out
    specification = next(s for s in SPECIFICATIONS if s.name == report.specification)
    assert set(report.parameters) == set(specification.free)
    assert set(report.fixed) == set(FIXED_PARAMETERS)
    assert report.standard_error_method.startswith("parametric bootstrap (4 ")
    for name, (low, high) in specification.free.items():
        assert low < report.parameters[name] < high
        assert 0.0 < report.standard_errors[name] < np.inf and 0.0 < report.standard_errors_hac[name] < np.inf
    table = report.specification_table()
    assert table.height == len(SPECIFICATIONS) and table["chosen"].sum() == 1
    scores = table.filter(pl.col("at_bound") == "")["validation_share_rmse_points"]
    assert table.filter(pl.col("chosen"))["validation_share_rmse_points"][0] == scores.min()  # the hold-out did not choose
    assert {"quarter", "published", "simulated", "error", "sample"} <= set(report.table.columns)
    assert np.isfinite(report.in_sample_share_rmse_points) and np.isfinite(report.out_of_sample_share_mae_points)
    # the reported in-sample share RMSE is the written scenario's, recomputed here from the published file, and
    # below that of the uncalibrated base scenario as shipped (the comparison is the calibration's purpose;
    # it replaces a hand-picked bound of 3 points)
    fitted_share_rmse = in_sample_share_rmse_points(load_scenario(out).config)
    prior_share_rmse = in_sample_share_rmse_points(load_scenario(SCENARIOS / "cloud_price_cut_2024.toml").config)
    assert report.in_sample_share_rmse_points == pytest.approx(fitted_share_rmse, rel=1e-9)
    assert fitted_share_rmse < prior_share_rmse, (fitted_share_rmse, prior_share_rmse)
    errors = report.error_table()
    # Alibaba's share first, then the rivals' shares and the two revenue series (the published series)
    assert errors.row(0, named=True)["provider"] == "alibaba" and errors["series"][0] == "revenue_share"
    assert errors.height == 5 and errors["in_sample_rmse"].is_finite().all()
    text = out.read_text()
    assert text.startswith("description = ") and "extends = " in text
    values = [line for line in text.splitlines() if " = " in line and not line.startswith("#")]
    for line in values[2:]:  # after description and extends, every value says what it is on its own line
        assert any(f"  # {label}" in line for label in ("fitted, SE", "fixed prior", "assumption of the")), line
    loaded = load_scenario(out)
    traditional = loaded.config.workloads["traditional"]
    assert traditional.arrivals_growth_per_year == pytest.approx(
        report.parameters["workloads.traditional.arrivals_growth_per_year"])
    assert traditional.exit_probability_per_quarter == pytest.approx(
        FIXED_PARAMETERS["workloads.traditional.exit_probability_per_quarter"][0])
    assert loaded.config.market.list_price_pass_through == pytest.approx(
        report.parameters["market.list_price_pass_through"])
    trend = {**specification.settings, **report.parameters}["rival_quality_trend_per_year"]
    assert loaded.config.providers["huawei"].quality_trend_per_year == pytest.approx(trend)
    assert loaded.config.providers["alibaba"].prices == load_scenario(
        SCENARIOS / "cloud_price_cut_2024.toml").config.providers["alibaba"].prices
    at_fit = in_sample_objective(loaded.config, report.parameters, specification.prior_sd)
    for name, (low, high) in specification.free.items():
        assert current_values(loaded.config, [name])[name] == pytest.approx(report.parameters[name], rel=1e-12)
        for step in (-0.5, 0.5):
            moved = report.parameters[name] + step * report.standard_errors_iid[name]
            if low < moved < high:
                values = {**report.parameters, name: moved}
                assert at_fit <= in_sample_objective(loaded.config, values, specification.prior_sd), (name, step)


def test_no_scenario_is_written_from_a_fit_on_a_bound(tmp_path):
    report = FitReport({"market.seasonality.q1": 0.8}, {"market.seasonality.q1": 1.0}, pl.DataFrame(), 1.0, 1.0,
                       1.0, 1.0, True, "", status={"market.seasonality.q1": "at bound"},
                       bounds={"market.seasonality.q1": (0.8, 1.2)})
    assert report.at_bound == ["market.seasonality.q1"]
    assert report.parameter_table()["status"].to_list() == ["at bound"]
    with pytest.raises(ValueError, match="at a bound"):
        write_calibrated_scenario(report, SCENARIOS / "cloud_price_cut_2024.toml", tmp_path / "x.toml",
                                  scenario("cloud_price_cut_2024.toml").config)
    assert not (tmp_path / "x.toml").exists()


def test_hac_standard_errors_reduce_to_the_white_sandwich_without_lags():
    """Hand formula: with lag 0 and one residual per quarter the Newey-West estimator is White's
    (J'J)^-1 [sum_i r_i^2 J_i J_i'] (J'J)^-1 times m / (m - k), computed here by an explicit loop."""
    rng = np.random.default_rng(2)
    jacobian, residuals = rng.normal(size=(12, 3)), rng.normal(size=12)
    bread = np.linalg.inv(jacobian.T @ jacobian)
    meat = sum(residuals[i] ** 2 * np.outer(jacobian[i], jacobian[i]) for i in range(12))
    white = np.sqrt(np.diag(bread @ meat @ bread) * 12 / 9)
    se, _, _ = standard_errors(jacobian, residuals, times=np.arange(12), lag=0)
    np.testing.assert_allclose(se, white, rtol=1e-12)


def test_hac_standard_errors_cover_better_than_iid_ones_when_errors_persist():
    """Theory check at a fixed seed: 1000 least-squares fits of a line on 40 quarters with AR(1) errors
    (rho = 0.7). Independent-errors SEs cover the truth in about 58% of the fits (nominal 95%); Newey-West
    with a four-quarter window in about 71% (Newey-West is known to under-cover in short series, so the
    calibration's HAC SEs are still lower bounds). Asserted: HAC coverage above the iid one by at least 0.08
    for both coefficients (observed +0.13; the coverage difference has SE below 0.02) and, with independent
    errors (rho = 0), HAC coverage at least 0.82 (observed 0.87)."""
    rng = np.random.default_rng(3)
    T = 40
    t = np.arange(T)
    X = np.column_stack([np.ones(T), t / T])
    truth = np.array([1.0, 0.5])
    for rho, check in ((0.7, "better"), (0.0, "adequate")):
        hac, iid = [], []
        for _ in range(1000):
            e = np.zeros(T)
            e[0] = rng.normal() / np.sqrt(1 - rho**2)
            for i in range(1, T):
                e[i] = rho * e[i - 1] + rng.normal()
            y = X @ truth + 0.1 * e
            b = np.linalg.lstsq(X, y, rcond=None)[0]
            r = X @ b - y
            hac.append(np.abs(b - truth) < 1.96 * standard_errors(X, r, times=t, lag=4)[0])
            iid.append(np.abs(b - truth) < 1.96 * standard_errors(X, r)[0])
        hac_coverage, iid_coverage = np.mean(hac, axis=0), np.mean(iid, axis=0)
        if check == "better":
            assert np.all(hac_coverage - iid_coverage >= 0.08), (hac_coverage, iid_coverage)
        else:
            assert np.all(hac_coverage >= 0.82), hac_coverage


def _ar1(rng, rho: float, shape: tuple[int, int]) -> np.ndarray:
    """Stationary AR(1) series with unit innovations along the last axis."""
    e = np.empty(shape)
    e[:, 0] = rng.normal(size=shape[0]) / np.sqrt(1 - rho**2)
    for i in range(1, shape[1]):
        e[:, i] = rho * e[:, i - 1] + rng.normal(size=shape[0])
    return e


def test_bootstrap_standard_errors_match_the_exact_sandwich_and_cover():
    """Theory check of the linearised parametric bootstrap, for a line on 40 quarters with AR(1) errors
    (rho = 0.7), where it is exact: (1) from 4,000 simulated histories its SEs equal the exact
    sqrt(diag((X'X)^-1 X' Sigma X (X'X)^-1)), Sigma_il = rho^|i-l| / (1 - rho^2) (hand formula), within 5%
    (the SE of an SE from 4,000 draws is 1.1%: a 4.4-sigma band), also with a ridge row added to the bread;
    (2) over 1,000 fits, each with 200 bootstrap histories, the 95% intervals cover the truth at 0.925-0.975
    (observed 0.936 and 0.941; the coverage's SE is 0.007, so a 3.6-sigma band), where Newey-West covered about
    0.71 in the test above."""
    rng = np.random.default_rng(5)
    T, rho = 40, 0.7
    t = np.arange(T)
    X = np.column_stack([np.ones(T), t / T])
    sigma = rho ** np.abs(t[:, None] - t[None, :]) / (1 - rho**2)
    ridge = np.array([[0.0, 3.0]])
    for prior in (None, ridge):
        bread = np.linalg.inv(X.T @ X + (0.0 if prior is None else prior.T @ prior))
        exact = np.sqrt(np.diag(bread @ X.T @ sigma @ X @ bread))
        se, deviations = bootstrap_standard_errors(X, -_ar1(rng, rho, (4000, T)), prior)
        assert deviations.shape == (4000, 2)
        np.testing.assert_allclose(se, exact, rtol=0.05)
    truth = np.array([1.0, 0.5])
    covered = []
    for _ in range(1000):
        y = X @ truth + _ar1(rng, rho, (1, T))[0]
        estimate = np.linalg.lstsq(X, y, rcond=None)[0]
        se, _ = bootstrap_standard_errors(X, -_ar1(rng, rho, (200, T)))
        covered.append(np.abs(estimate - truth) < 1.96 * se)
    coverage = np.mean(covered, axis=0)
    assert np.all((coverage > 0.925) & (coverage < 0.975)), coverage


def _held_out_and_in_sample_rmse(name: str) -> tuple[float, float]:
    """The expected path of a shipped scenario against the published series: RMSE (share points) over the
    held-out Alibaba share quarters, and over all in-sample rows (shares in points, revenue in percent)."""
    targets = holdout_quarters(load_published())
    config = scenario(name, "run.horizon_days=2007.5").config  # 2020Q1-2025Q2
    errors = targets.with_columns(pl.Series("e", _scaled(predictions(config, targets, 7), targets)))
    alibaba_out = errors.filter((pl.col("series") == "revenue_share") & (pl.col("provider") == "alibaba")
                                & (pl.col("sample") == "out"))["e"].to_numpy()
    inside = errors.filter(pl.col("sample") == "in")["e"].to_numpy()
    return float(np.sqrt(np.mean(alibaba_out**2))), float(np.sqrt(np.mean(inside**2)))


def _scaled(simulated, targets):
    published = targets["published"].to_numpy()
    share = (targets["series"] == "revenue_share").to_numpy()
    return np.where(share, 100 * (simulated - published), 100 * (simulated - published) / published)


def in_sample_share_rmse_points(config) -> float:
    """RMSE (share points) of the expected path (taste seed 7, as `calibrate`) of `config` against the
    in-sample published share rows, 2020Q1-2025Q2 less the held-out quarters."""
    targets = holdout_quarters(load_published()).filter((pl.col("sample") == "in") & (pl.col("series") == "revenue_share"))
    document = config.model_dump(mode="python")
    document["run"]["horizon_days"] = 2007.5  # 22 quarters: 2020Q1-2025Q2
    errors = 100.0 * (predictions(type(config).model_validate(document), targets, 7) - targets["published"].to_numpy())
    return float(np.sqrt(np.mean(errors**2)))


def in_sample_objective(config, values: dict[str, float], prior_sd: dict[str, float] | None = None) -> float:
    """The calibration's least-squares objective written out from its definition: squared errors over the
    in-sample published rows (shares in points, revenues in percent of the published value) of the
    expected path (taste seed 7, as `calibrate`) at `values`, on the published quarters, plus the ridge
    penalties (value / prior sd)^2."""
    targets = holdout_quarters(load_published()).filter(pl.col("sample") == "in")
    quarters = quarter_index(str(load_published()["quarter_label"].max()), config.market.start_quarter) + 1
    document = config.model_dump(mode="python")
    document["run"]["horizon_days"] = quarters * QUARTER_DAYS
    short = type(config).model_validate(document)
    simulated = predictions(apply_parameters(short, values), targets, 7)
    errors = _scaled(simulated, targets)
    penalty = sum((values[name] / sd) ** 2 for name, sd in (prior_sd or {}).items() if name in values)
    return float(np.sum(errors**2) + penalty)


def test_calibrated_scenario_fits_better_in_sample_than_its_prior():
    """On the expected path: the in-sample RMSE of cloud_calibrated is strictly below that of its
    uncalibrated prior, cloud_price_cut_2024 (errors recomputed here from the published file, not read
    from the fit)."""
    _, calibrated_in = _held_out_and_in_sample_rmse("cloud_calibrated.toml")
    _, prior_in = _held_out_and_in_sample_rmse("cloud_price_cut_2024.toml")
    assert calibrated_in < prior_in, (calibrated_in, prior_in)


@pytest.mark.xfail(strict=True, reason="issue 14's target, not met: the calibrated scenario (Alibaba's quality "
                   "fitted, no rival trend, chosen by rolling-origin validation) misses Alibaba's held-out shares "
                   "by +3.2 (2024Q2) and +7.0 (2025Q1) points, RMSE 5.5 (8.0 with the earlier rival-trend fit), "
                   "against 1.5 for cloud_status_quo, which has no 2024 cuts; no specification chosen without the "
                   "hold-out forecasts the ten points that moved to providers outside the top three by 2025Q1 "
                   "(README, Cloud price cuts)")
def test_calibrated_scenario_forecasts_alibaba_no_worse_than_the_status_quo():
    """On the expected path: the held-out Alibaba share RMSE of cloud_calibrated is no worse than that of
    cloud_status_quo."""
    calibrated_out, _ = _held_out_and_in_sample_rmse("cloud_calibrated.toml")
    status_quo_out, _ = _held_out_and_in_sample_rmse("cloud_status_quo.toml")
    assert calibrated_out <= status_quo_out, (calibrated_out, status_quo_out)


def test_a_fit_is_bit_reproducible_on_one_machine():
    """Same inputs, same numbers to the last bit: fixed start values, a seeded taste draw, seeded bootstrap
    simulations and serial kernels (a short fit: two free parameters on the in-sample shares, standard
    errors from two simulated histories)."""
    config = scenario("cloud_price_cut_2024.toml").config
    free = {"workloads.traditional.arrivals_per_quarter": (10.0, 200.0), "market.seasonality.q1": (0.8, 1.2)}
    published = load_published().filter(pl.col("series") == "revenue_share")
    first, second = (fit(config, published, free, bootstrap_replications=2) for _ in range(2))
    assert first.standard_error_method.startswith("parametric bootstrap")
    np.testing.assert_array_equal(list(first.parameters.values()), list(second.parameters.values()))
    np.testing.assert_array_equal(list(first.standard_errors.values()), list(second.standard_errors.values()))
    assert first.table.equals(second.table)
    assert first.parameters != first.initial  # it moved: the comparison is of a real fit


def test_calibrate_refuses_to_write_over_its_input(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text((SCENARIOS / "cloud_price_cut_2024.toml").read_text().replace(
        'extends = "cloud_status_quo.toml"', f'extends = "{SCENARIOS / "cloud_status_quo.toml"}"'))
    before = base.read_text()
    with pytest.raises(InputError, match="cannot replace"):  # bad input: the CLI exits 2
        calibrate(load_scenario(base), base)
    assert base.read_text() == before


def test_every_specification_is_a_valid_fit_setup():
    """The specifications differ only in the rival trend and in whether Alibaba's quality is fitted, and each
    sets keys the scenario has; Alibaba's quality moves Alibaba's share of new choices (its bounds are
    -0.5 and 1.0 utility: 22% and 56% at equal prices, a hand computation from the rivals' scenario
    qualities -0.45, -0.6, -1.2 and -0.5)."""
    config = scenario("cloud_price_cut_2024.toml").config
    names = [s.name for s in SPECIFICATIONS]
    assert len(set(names)) == len(names) >= 3
    varying = {"rival_quality_trend_per_year", LEVEL}
    for specification in SPECIFICATIONS:
        assert set(specification.free) - varying == set(FREE_PARAMETERS) - varying
        apply_parameters(config, {**specification.settings, **{n: (lo + hi) / 2 for n, (lo, hi) in
                                                               specification.free.items()}})
        if LEVEL in specification.free:
            rivals = np.exp([-0.45, -0.6, -1.2, -0.5]).sum()
            low, high = specification.free[LEVEL]
            assert np.exp(low) / (np.exp(low) + rivals) == pytest.approx(0.225, abs=0.005)
            assert np.exp(high) / (np.exp(high) + rivals) == pytest.approx(0.565, abs=0.005)
            moved = apply_parameters(config, {LEVEL: 0.5})
            assert moved.providers["alibaba"].quality == 0.5 and moved.providers["huawei"].quality == -0.45
