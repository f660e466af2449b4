"""Parameter uncertainty of the headline numbers (Table 1's band column) and their Sobol' sensitivity
indices (the Sensitivity section), through the build's cache.

**Which parameters.** A headline is a paired comparison of two scenario files (its arms: the five-day
promise against no promise; each cloud cut against the status quo) that extend one base file. Its
candidate parameters are the base file's scalar `assumption` keys (`paper.sources_ledger`) with a finite
range that holds the key's own value, minus the keys an arm file sets itself (those define the comparison),
minus the keys whose range the schema rejects at an end (a range that crosses 0 where the schema
requires a sign is cut at 0). Each ranges over the interval its comment
states, else the ledger's default ([x/2, 2x] for a positive scale, +-0.5 for a utility); integer keys over
the integers inside it.

**The band.** A Latin hypercube (`sim.sweeps.designs.latin_hypercube_design`) over every candidate of the
group; at each point both arms run the same replications with the same seed (common random numbers: within
a point across arms, and across points). The band of a headline is the 5-95% range (`numpy.percentile`,
linear interpolation) of its replication mean over the points. A payback quarter is censored ("not within
the horizon"), so its band is the share of points whose replication-mean cumulative difference is above 0
by each quarter (`uncertainty_payback.csv`), and Table 1 quotes the share by the point estimate's payback
quarter and by the horizon.

**Screening and Sobol' indices.** Each scalar headline ranks the candidates by the absolute Spearman rank
correlation of the parameter with the headline's replication mean over the same LHS points (the "LHS
regression" screening, on ranks); the group keeps the union of each headline's strongest, taken in turn,
up to `size["sobol_parameters"]` (at most 10). A Saltelli design over those (`sim.sweeps.sensitivity.
saltelli_design`) runs the same way (its own replication count), and SALib's estimator (`sim.sweeps.sensitivity.sobol_table`) gives the
first-order and total indices of the replication means with bootstrap intervals. The share of the variance
of the replication means that is simulation noise is mean_points(s_k^2 / R) / Var(point means). Payback
quarters have no Sobol' index (censored); the cumulative difference they are read from has.

Every simulation result is one cached table per group and design (`ResultCache.table`), holding each arm's
per-replication metrics at every point; bands, screening and indices are computed from it, so a rebuild
simulates nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from scipy import stats  # noqa: E402

from paper.cache import ResultCache  # noqa: E402
from paper.figures import fig2_cloud_share_paths as fig2  # noqa: E402
from paper.figures import fig5_logistics_promise as fig5  # noqa: E402
from paper.figures._common import SCENARIOS  # noqa: E402
from paper.sources_ledger import ledger  # noqa: E402
from sim.api import run_scenario  # noqa: E402
from sim.core.errors import InputError  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.sweeps.designs import Design, Parameter, latin_hypercube_design  # noqa: E402
from sim.sweeps.sensitivity import saltelli_design, sobol_table  # noqa: E402

__all__ = ["GROUPS", "FULL", "QUICK", "candidates", "lhs_runs", "saltelli_runs", "bands", "payback_shares",
           "screening", "sensitivity", "point_means", "write_tables", "BAND_PERCENTILES"]

#: the band: these percentiles of the replication means over the LHS points
BAND_PERCENTILES = (5.0, 95.0)
#: full size: the LHS points and replications of each group, the Saltelli base size N, its replications and
#: the parameters kept by the screening. A cloud point runs four scenarios of 32 quarters (about 6 CPU-seconds
#: at 5 replications, a promise point about 1.5), so the cloud group is at lower resolution (48 LHS points;
#: Saltelli N = 16 over 4 parameters, 16 x 6 = 96 points) to keep the cold build within its 30 CPU-minutes;
#: the promise group runs 128 LHS points and N = 32 over 4 parameters (192 points). The Saltelli points take
#: 2 replications: the noise share of the indices' variance was 0% at 5 (CRN), and SALib's bootstrap
#: intervals narrow with N, not with replications; 4 parameters, not 8, because past the fourth the
#: screening's rank correlations fell below 0.2 and the indices of a base sample of 8 had intervals of +-1.
FULL = {"promise": {"lhs_points": 128, "reps": 5, "saltelli_n": 32, "saltelli_reps": 2, "sobol_parameters": 4},
        "cloud": {"lhs_points": 48, "reps": 5, "saltelli_n": 16, "saltelli_reps": 2, "sobol_parameters": 4}}
#: quick size (the test build): a smoke pass, labelled as such in the tables and the text
QUICK = {"promise": {"lhs_points": 4, "reps": 2, "saltelli_n": 2, "saltelli_reps": 3, "sobol_parameters": 2},
         "cloud": {"lhs_points": 4, "reps": 2, "saltelli_n": 2, "saltelli_reps": 2, "sobol_parameters": 2}}
DESIGN_SEED = 20  #: the LHS and Saltelli samplers' seed
BOOTSTRAP_RESAMPLES = 200  #: SALib's bootstrap resamples of each index
CONF_LEVEL = 0.95


@dataclass(frozen=True)
class Difference:
    """A scalar headline: `metric` of arm minus baseline, per replication; `percent` divides by the
    baseline's mean over the point's replications (x 100), as Table 1 does."""

    key: str
    label: str
    metric: str
    arm: str
    baseline: str
    percent: bool = False

    def per_replication(self, values: dict[tuple[str, str], np.ndarray]) -> np.ndarray:
        difference = values[(self.arm, self.metric)] - values[(self.baseline, self.metric)]
        return 100.0 * difference / values[(self.baseline, self.metric)].mean() if self.percent else difference


@dataclass(frozen=True)
class Payback:
    """A censored headline: the first quarter whose replication-mean cumulative difference (arm minus
    baseline, `PATH_METRIC`) is above 0."""

    key: str
    label: str
    arm: str
    baseline: str


@dataclass(frozen=True)
class Group:
    """Headlines that share their runs: the arms (label -> scenario file), the base file whose assumptions
    vary, the run seed and the test size's overrides."""

    name: str
    base: str
    arms: dict[str, str]
    seed: int
    quick_overrides: tuple[str, ...]
    metrics: tuple[str, ...]
    headlines: tuple[Difference | Payback, ...]
    path_provider: str | None = None


PATH_METRIC = "cumulative_contribution_less_capex_rmb_bn"
_PROFIT = "alibaba_cumulative_contribution_less_capex_rmb_bn"
_CUTS = {"cut_2024": ("2024 cut", "cloud_price_cut_2024.toml"), "api_cut": ("LLM API cut only", "cloud_llm_api_cut.toml"),
         "best_respond": ("rivals best-respond", "cloud_rivals_best_respond.toml")}
GROUPS = {
    "promise": Group(
        "promise", "aliexpress_spain_5day.toml",
        {"no_promise": "aliexpress_spain_5day_no_promise.toml", "promise": "aliexpress_spain_5day.toml"},
        fig5.SEED, tuple(fig5.QUICK["overrides"]), ("orders", "cost_per_parcel_eur"),
        (Difference("logistics.orders.difference_pct", "orders, promise minus no promise (%)", "orders", "promise",
                    "no_promise", percent=True),
         Difference("detail.cost.promise_minus_no_promise", "cost per parcel, promise minus no promise (EUR)",
                    "cost_per_parcel_eur", "promise", "no_promise"))),
    "cloud": Group(
        "cloud", "cloud_status_quo.toml",
        {"status_quo": "cloud_status_quo.toml", **{arm: file for arm, (_, file) in _CUTS.items()}},
        fig2.SEED, tuple(fig2.QUICK["overrides"]), (_PROFIT,),
        tuple([Difference(f"cloud.profit.{arm}", f"cumulative contribution less capex, {label} (RMB bn)", _PROFIT,
                          arm, "status_quo") for arm, (label, _) in _CUTS.items()]
              + [Payback(f"cloud.payback.{arm}", f"payback quarter, {label}", arm, "status_quo")
                 for arm, (label, _) in _CUTS.items()]),
        path_provider="alibaba"),
}
RAW_SCHEMA = {"point": pl.Int64, "arm": pl.String, "metric": pl.String, "replication": pl.Int64,
              "quarter": pl.Int64, "quarter_label": pl.String, "value": pl.Float64}


def _size(cache: ResultCache, group: Group) -> dict[str, int]:
    return (QUICK if cache.quick else FULL)[group.name]


def _size_label(cache: ResultCache, group: Group, design: str) -> str:
    size = _size(cache, group)
    text = (f"{size['lhs_points']} LHS points" if design == "lhs" else
            f"Saltelli N = {size['saltelli_n']} over {size['sobol_parameters']} parameters")
    return ("quick build (smoke pass): " if cache.quick else "") + f"{text} x {_reps(cache, group, design)} replications, CRN"


def _reps(cache: ResultCache, group: Group, design: str) -> int:
    """Replications at each point of the LHS (`lhs`) or the Saltelli design (`saltelli`)."""
    return _size(cache, group)["reps" if design == "lhs" else "saltelli_reps"]


def _overrides(point: dict[str, object]) -> list[str]:
    return [f"{path}={json.dumps(value)}" for path, value in point.items()]


def _loads(group: Group, overrides: Sequence[str]) -> bool:
    """Whether every arm of `group` validates with these overrides."""
    try:
        for file in group.arms.values():
            load_scenario(SCENARIOS / file, list(overrides))
    except InputError:
        return False
    return True


#: candidates of each group, once a process (they are read from the scenario files, which a build does not change)
_CANDIDATES: dict[str, tuple[Parameter, ...]] = {}


def candidates(group: Group) -> tuple[Parameter, ...]:
    """The group's candidate parameters (module docstring), in the base file's order."""
    if group.name in _CANDIDATES:
        return _CANDIDATES[group.name]
    table = ledger()
    arm_keys = set(table.filter(pl.col("file").is_in([f for f in group.arms.values() if f != group.base]))["key"])
    rows = (table.filter((pl.col("file") == group.base) & (pl.col("label") == "assumption"))
            .group_by("key", maintain_order=True)
            .agg(pl.len().alias("count"), pl.col("value").first(), pl.col("range_low").first(),
                 pl.col("range_high").first()))
    resolved = load_scenario(SCENARIOS / group.base).config.model_dump(mode="json")
    parameters = []
    for row in rows.iter_rows(named=True):
        key, low, high, value = row["key"], row["range_low"], row["range_high"], row["value"]
        if row["count"] != 1 or key in arm_keys or not (math.isfinite(low) and math.isfinite(high)):
            continue
        if not low <= value <= high or low == high:
            continue  # a range that does not hold the key's own value is a mislabelled comment, not a range
        current = resolved
        for part in key.split("."):
            current = current.get(part) if isinstance(current, dict) else None
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            continue
        integer = isinstance(current, int)
        if integer:
            low, high = math.ceil(low), math.floor(high)
        low, high = (_valid_end(group, key, value, end, integer) for end in (low, high))
        if low is None or high is None or low >= high:
            continue
        parameters.append(Parameter.integer(key, int(low), int(high)) if integer
                          else Parameter.continuous(key, float(low), float(high)))
    _CANDIDATES[group.name] = tuple(parameters)
    return _CANDIDATES[group.name]


def _valid_end(group: Group, key: str, value: float, end: float, integer: bool) -> float | None:
    """`end` if every arm validates with `key` at it; else 0 when the range crosses 0 and 0 validates (the
    schema's sign bound: a utility that must stay negative); else None (the key is left out)."""
    for trial in (end, 0.0) if value != 0 and end * value < 0 else (end,):
        trial = int(trial) if integer else float(trial)
        if _loads(group, _overrides({key: trial})):
            return trial
    return None


def _simulate(group: Group, design: Design, cache: ResultCache, reps: int) -> pl.DataFrame:
    """Every arm at every design point: the group's metrics per replication (and the cumulative path per
    quarter when the group has one), same seed everywhere."""
    extra = list(group.quick_overrides) if cache.quick else []
    frames = []
    for index in range(len(design)):
        overrides = [*extra, *_overrides(design.point(index))]
        for arm, file in group.arms.items():
            result = run_scenario(load_scenario(SCENARIOS / file, overrides), reps=reps, seed=group.seed)
            frames.append(result.summary.filter(pl.col("metric").is_in(group.metrics)).select(
                pl.lit(index, pl.Int64).alias("point"), pl.lit(arm).alias("arm"), "metric",
                pl.col("replication").cast(pl.Int64), pl.lit(None, pl.Int64).alias("quarter"),
                pl.lit(None, pl.String).alias("quarter_label"), pl.col("value").cast(pl.Float64)))
            if group.path_provider:
                frames.append(result.frame("quarterly").filter(pl.col("provider") == group.path_provider).select(
                    pl.lit(index, pl.Int64).alias("point"), pl.lit(arm).alias("arm"), pl.lit(PATH_METRIC).alias("metric"),
                    pl.col("replication").cast(pl.Int64), pl.col("quarter").cast(pl.Int64), "quarter_label",
                    pl.col(PATH_METRIC).cast(pl.Float64).alias("value")))
    return pl.concat(frames).cast(RAW_SCHEMA)  # type: ignore[arg-type]


def _inputs(group: Group, design: Design, cache: ResultCache, reps: int) -> dict[str, object]:
    """Everything besides the code that decides the runs: each arm's resolved scenario, the design, sizes."""
    extra = list(group.quick_overrides) if cache.quick else []
    resolved = {arm: hashlib.sha256(json.dumps(load_scenario(SCENARIOS / file, extra).config.model_dump(mode="json"),
                                               sort_keys=True, default=str).encode()).hexdigest()
                for arm, file in group.arms.items()}
    return {"group": group.name, "arms": resolved, "overrides": extra, "seed": group.seed, "reps": reps,
            "design": design.describe(), "points": design.table().to_dicts()}


def _lhs_design(group: Group, cache: ResultCache) -> Design:
    return latin_hypercube_design(candidates(group), _size(cache, group)["lhs_points"], seed=DESIGN_SEED)


def lhs_runs(cache: ResultCache, group: Group) -> tuple[Design, pl.DataFrame]:
    """The LHS design over every candidate and its runs (cached)."""
    design = _lhs_design(group, cache)
    reps = _reps(cache, group, "lhs")
    raw = cache.table(f"uncertainty_lhs_{group.name}", _inputs(group, design, cache, reps),
                      lambda: _simulate(group, design, cache, reps), code_file=Path(__file__))
    return design, raw


def point_values(raw: pl.DataFrame, headline: Difference, points: int) -> list[np.ndarray]:
    """Per design point, the headline per replication (common replications of both arms)."""
    scalars = raw.filter(pl.col("quarter").is_null() & (pl.col("metric") == headline.metric)
                         & pl.col("arm").is_in([headline.arm, headline.baseline]))
    out = []
    for index in range(points):
        part = scalars.filter(pl.col("point") == index).pivot("arm", index="replication", values="value").sort(
            "replication")
        values = {(arm, headline.metric): part[arm].to_numpy() for arm in (headline.arm, headline.baseline)}
        out.append(headline.per_replication(values))
    return out


def point_means(raw: pl.DataFrame, headline: Difference, points: int) -> np.ndarray:
    """The headline's replication mean at each design point."""
    return np.array([values.mean() for values in point_values(raw, headline, points)])


def _payback_points(raw: pl.DataFrame, headline: Payback) -> tuple[list[str | None], list[str]]:
    """Per point, the payback quarter label (None: not within the horizon); and every quarter label in order."""
    path = raw.filter((pl.col("metric") == PATH_METRIC) & pl.col("arm").is_in([headline.arm, headline.baseline]))
    wide = path.pivot("arm", index=["point", "replication", "quarter", "quarter_label"], values="value")
    means = (wide.with_columns((pl.col(headline.arm) - pl.col(headline.baseline)).alias("d"))
             .group_by("point", "quarter", "quarter_label").agg(pl.col("d").mean()).sort("point", "quarter"))
    labels = means.select("quarter", "quarter_label").unique().sort("quarter")["quarter_label"].to_list()
    paid = []
    for _, part in means.group_by("point", maintain_order=True):
        above = part.filter(pl.col("d") > 0)
        paid.append(above["quarter_label"][0] if above.height else None)
    return paid, labels


def payback_shares(raw: pl.DataFrame, headline: Payback) -> pl.DataFrame:
    """The share of design points paid back by each quarter (cumulative), one row per quarter."""
    paid, labels = _payback_points(raw, headline)
    order = {label: i for i, label in enumerate(labels)}
    rows = [{"key": headline.key, "quarter_label": label, "points": len(paid),
             "share_paid_back": sum(q is not None and order[q] <= i for q in paid) / len(paid)}
            for i, label in enumerate(labels)]
    return pl.DataFrame(rows, schema={"key": pl.String, "quarter_label": pl.String, "points": pl.Int64,
                                      "share_paid_back": pl.Float64})


def bands(cache: ResultCache) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(the band of every scalar headline, the payback shares by quarter of every payback headline)."""
    rows, shares = [], []
    for group in GROUPS.values():
        design, raw = lhs_runs(cache, group)
        size = _size(cache, group)
        for headline in group.headlines:
            if isinstance(headline, Payback):
                table = payback_shares(raw, headline)
                shares.append(table.with_columns(pl.lit(_size_label(cache, group, "lhs")).alias("size")))
                rows.append({"key": headline.key, "headline": headline.label, "band_low": None, "band_high": None,
                             "median": None, "share_by_horizon": table["share_paid_back"][-1],
                             "points": len(design), "replications": size["reps"], "parameters": len(design.paths),
                             "size": _size_label(cache, group, "lhs")})
                continue
            means = point_means(raw, headline, len(design))
            low, high = np.percentile(means, BAND_PERCENTILES)
            rows.append({"key": headline.key, "headline": headline.label, "band_low": float(low),
                         "band_high": float(high), "median": float(np.median(means)), "share_by_horizon": None,
                         "points": len(design), "replications": size["reps"], "parameters": len(design.paths),
                         "size": _size_label(cache, group, "lhs")})
    schema = {"key": pl.String, "headline": pl.String, "band_low": pl.Float64, "band_high": pl.Float64,
              "median": pl.Float64, "share_by_horizon": pl.Float64, "points": pl.Int64, "replications": pl.Int64,
              "parameters": pl.Int64, "size": pl.String}
    return pl.DataFrame(rows, schema=schema), pl.concat(shares)


def screening(cache: ResultCache, group: Group) -> pl.DataFrame:
    """Every candidate's |Spearman rank correlation| with each scalar headline over the LHS points, its rank
    within the headline, and whether the group keeps it for the Sobol' design (module docstring)."""
    design, raw = lhs_runs(cache, group)
    table = design.table()
    rows = []
    for headline in group.headlines:
        if isinstance(headline, Payback):
            continue
        means = point_means(raw, headline, len(design))
        for path in design.paths:
            column = table[path].cast(pl.Float64).to_numpy()
            rho = stats.spearmanr(column, means).statistic if np.ptp(means) > 0 else 0.0
            rows.append({"group": group.name, "key": headline.key, "parameter": path,
                         "abs_spearman": 0.0 if not np.isfinite(rho) else abs(float(rho))})
    frame = pl.DataFrame(rows).with_columns(
        pl.col("abs_spearman").rank("ordinal", descending=True).over("key").cast(pl.Int64).alias("rank"))
    ranked = {key: frame.filter(pl.col("key") == key).sort("rank")["parameter"].to_list()
              for key in frame["key"].unique(maintain_order=True)}
    kept: list[str] = []
    limit = min(_size(cache, group)["sobol_parameters"], len(design.paths))
    depth = 0
    while len(kept) < limit:
        for order in ranked.values():
            if depth < len(order) and order[depth] not in kept and len(kept) < limit:
                kept.append(order[depth])
        depth += 1
    return frame.with_columns(pl.col("parameter").is_in(kept).alias("selected"))


def saltelli_runs(cache: ResultCache, group: Group) -> tuple[Design, pl.DataFrame]:
    """The Saltelli design over the screened parameters and its runs (cached)."""
    kept = screening(cache, group).filter(pl.col("selected"))["parameter"].unique(maintain_order=True).to_list()
    by_path = {p.path: p for p in candidates(group)}
    design = saltelli_design([by_path[path] for path in kept], _size(cache, group)["saltelli_n"], seed=DESIGN_SEED)
    reps = _reps(cache, group, "saltelli")
    raw = cache.table(f"sensitivity_saltelli_{group.name}", _inputs(group, design, cache, reps),
                      lambda: _simulate(group, design, cache, reps), code_file=Path(__file__))
    return design, raw


def sensitivity(cache: ResultCache) -> pl.DataFrame:
    """First-order and total Sobol' indices with bootstrap half-widths, and the noise share of the variance
    of the replication means, of every scalar headline over its group's screened parameters."""
    frames = []
    for group in GROUPS.values():
        design, raw = saltelli_runs(cache, group)
        for headline in group.headlines:
            if isinstance(headline, Payback):
                continue
            values = point_values(raw, headline, len(design))
            means = np.array([v.mean() for v in values])
            spread = means.var(ddof=1)
            # no spread at all (the screened parameters do not move this headline): no share to report
            noise = (float(np.mean([v.var(ddof=1) / len(v) for v in values]) / spread)
                     if spread > 1e-12 * (1.0 + means.mean() ** 2) else None)
            indices = sobol_table(list(design.paths), means, num_resamples=BOOTSTRAP_RESAMPLES,
                                  conf_level=CONF_LEVEL, seed=DESIGN_SEED)
            frames.append(indices.with_columns(
                pl.lit(group.name).alias("group"), pl.lit(headline.key).alias("key"),
                pl.lit(headline.label).alias("headline"), pl.lit(noise, pl.Float64).alias("noise_share"),
                pl.lit(len(design)).alias("points"), pl.lit(_reps(cache, group, "saltelli")).alias("replications"),
                pl.lit(_size_label(cache, group, "saltelli")).alias("size")))
    return pl.concat(frames).select("group", "key", "headline", "parameter", "S1", "S1_conf", "ST", "ST_conf",
                                    "noise_share", "points", "replications", "size")


def write_tables(cache: ResultCache, out_dir: Path) -> list[Path]:
    """`uncertainty_bands.csv` (Table 1's band column), `uncertainty_payback.csv` (share paid back by each
    quarter) and `uncertainty_screening.csv` (every candidate's rank; the Sobol' indices are figure 11's CSV)."""
    band, shares = bands(cache)
    screened = pl.concat([screening(cache, group) for group in GROUPS.values()])
    paths = [Path(out_dir) / f"uncertainty_{name}.csv" for name in ("bands", "payback", "screening")]
    for path, frame in zip(paths, (band, shares, screened)):
        frame.write_csv(path, float_precision=6)
    return paths
