"""Figure 14: Cainiao as infrastructure or profit centre. (a) Cumulative discounted cash attributable to
Alibaba's shareholders under each regime and the 2024 buy-out, paired against the calibrated standalone
Cainiao, by quarter; (b) the buy-out's NPV gain split into ownership alone and the regime change at 100%,
against the US$3.75bn offer.

Every scenario extends `cainiao_standalone_calibrated.toml` and runs with Poisson orders
(`demand.noise = "poisson"`) and the same seed (common random numbers), so each difference is paired by
replication (`sim.core.payback.cumulative_difference_table`, 95% paired-t). The buy-out's cumulative cash
includes the outlay, paid at the start of 2024Q2; its payback quarter is `sim.models.cainiao.buyout`'s
(the rule the cloud model's payback uses). The decomposition is `buyout_decomposition`: ownership = the
buy-out with the regime kept against standalone; regime = the buy-out against the buy-out with the regime
kept. NPVs are discounted to the first simulated quarter (2020Q2) at the scenario's rate, the offer likewise.
Writes `fig14_cainiao_buyout.png`, `.pdf`, `fig14_cainiao_buyout.csv` (scenario x quarter),
`fig14_cainiao_buyout_decomposition.csv` (one row per part, and the offer) and
`fig14_cainiao_buyout_welfare.csv` (shoppers' and third-party merchants' surplus, RMB m a quarter averaged over
the quarters, each scenario paired against standalone; not drawn).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import polars as pl  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from paper.cache import ResultCache  # noqa: E402
from paper.figures._common import SCENARIOS, cli, figure_main  # noqa: E402
from sim.core.payback import cumulative_difference_table  # noqa: E402
from sim.core.quarters import quarter_index  # noqa: E402
from sim.core.results import RunResult  # noqa: E402
from sim.core.stats import paired_comparison  # noqa: E402
from sim.models.cainiao.buyout import buyout_decomposition, buyout_report  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

NAME = "fig14_cainiao_buyout"
DECOMPOSITION = f"{NAME}_decomposition"
WELFARE = f"{NAME}_welfare"
#: welfare metrics: shoppers' surplus (area under AliExpress's demand above its price) and third-party
#: merchants' surplus (area under their demand for shipping above Cainiao's price), RMB m a quarter
WELFARE_METRICS = {"consumer_surplus_rmb_m_per_quarter": "shoppers", "third_party_surplus_rmb_m_per_quarter":
                   "third_party_merchants"}
STANDALONE = "cainiao_standalone_calibrated.toml"
BUYOUT, OWNERSHIP_ONLY = "cainiao_buyout_2024.toml", "cainiao_buyout_2024_ownership_only.toml"
SCENARIO_LABELS = {"infrastructure (63.7%)": "cainiao_infrastructure.toml", "cost plus (63.7%)": "cainiao_cost_plus.toml",
                   "buy-out 2024Q2, infrastructure": BUYOUT, "buy-out 2024Q2, regime kept": OWNERSHIP_ONLY}
SEED = 2024
POISSON = 'demand.noise="poisson"'
FULL = {"reps": 20, "overrides": [POISSON]}
QUICK = {"reps": 3, "overrides": [POISSON, "run.horizon_days=1825"]}  # 20 quarters: past the 2024Q2 change
CUMULATIVE = "cumulative_attributable_cash_discounted_rmb_m"


def run_scenario(cache: ResultCache, file: str) -> RunResult:
    size = QUICK if cache.quick else FULL
    return cache.run(SCENARIOS / file, reps=size["reps"], seed=SEED, overrides=size["overrides"])


def data(cache: ResultCache) -> dict[str, pl.DataFrame]:
    runs = {file: run_scenario(cache, file) for file in {STANDALONE, *SCENARIO_LABELS.values()}}
    return numbers(runs)


def numbers(runs: dict[str, RunResult]) -> dict[str, pl.DataFrame]:
    """The figure's tables from finished runs, keyed by scenario file (same seed)."""
    config = load_scenario(SCENARIOS / BUYOUT).config
    usd_bn = config.cainiao.rmb_per_usd * 1000.0  # type: ignore[attr-defined]
    standalone = runs[STANDALONE]
    tables = []
    for label, file in SCENARIO_LABELS.items():
        table = cumulative_difference_table(standalone.frame("quarterly"), runs[file].frame("quarterly"), CUMULATIVE)
        tables.append(table.with_columns(pl.lit(label).alias("scenario"), pl.lit(file).alias("file"),
                                         *(pl.col(c) / usd_bn for c in ("baseline", "decision", "difference",
                                                                        "ci_low", "ci_high"))))
    parts = buyout_decomposition(standalone, runs[OWNERSHIP_ONLY], runs[BUYOUT])
    report = buyout_report(standalone, runs[BUYOUT])
    change = config.cainiao.change  # type: ignore[attr-defined]
    offset = quarter_index(change.quarter, config.cainiao.start_quarter)  # type: ignore[attr-defined]
    offer = change.outlay_usd_bn * (1.0 + config.cainiao.discount_rate_per_year) ** (-offset / 4.0)  # type: ignore[attr-defined]
    total = pl.DataFrame({"part": ["total"], "npv_attributable_gain_usd_bn": report["npv_attributable_gain_usd_bn"],
                          "ci_low": report["ci_low"], "ci_high": report["ci_high"], "level": report["level"]})
    decomposition = pl.concat([parts, total]).with_columns(
        pl.lit(offer).alias("offer_discounted_usd_bn"), pl.lit(change.outlay_usd_bn).alias("offer_usd_bn"),
        pl.lit(report["payback_quarter"][0]).alias("buyout_payback_quarter"),
        pl.lit(report["horizon_quarter"][0]).alias("horizon_quarter"),
        pl.lit(int(tables[0]["n"].max())).alias("n"))
    welfare = []
    for label, file in SCENARIO_LABELS.items():
        for metric, who in WELFARE_METRICS.items():
            compared = paired_comparison(standalone.metric_values(metric).to_numpy(),
                                         runs[file].metric_values(metric).to_numpy())
            welfare.append({"scenario": label, "file": file, "surplus_of": who, "standalone": compared.mean_a,
                            "scenario_mean": compared.mean_b, "difference": compared.mean_difference,
                            "ci_low": compared.difference.low, "ci_high": compared.difference.high})
    return {NAME: pl.concat(tables).select("scenario", "file", pl.exclude("scenario", "file")),
            DECOMPOSITION: decomposition, WELFARE: pl.DataFrame(welfare)}


def plot(frames: dict[str, pl.DataFrame]) -> Figure:
    paths, parts = frames[NAME], frames[DECOMPOSITION]
    labels = paths.select("quarter", "quarter_label").unique().sort("quarter")["quarter_label"].to_list()
    figure = Figure(figsize=(11, 4.6))
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.7, 1]})
    for index, label in enumerate(SCENARIO_LABELS):
        part = paths.filter(pl.col("scenario") == label).sort("quarter")
        left.plot(part["quarter"], part["difference"], color=f"C{index}", label=label)
        left.fill_between(part["quarter"], part["ci_low"], part["ci_high"], color=f"C{index}", alpha=0.2)
    payback = parts["buyout_payback_quarter"][0]
    if payback in labels:
        left.axvline(labels.index(payback), color="C2", linestyle=":", linewidth=1.2)
        left.annotate(f"buy-out pays back {payback}", (labels.index(payback), 0), textcoords="offset points",
                      xytext=(-4, 10), ha="right", fontsize=8, color="C2")
    left.axhline(0.0, color="k", linewidth=0.8)
    ticks = [i for i, label in enumerate(labels) if label.endswith("Q1")]
    left.set_xticks(ticks, [labels[i][:4] for i in ticks])
    left.set_xlabel("quarter (ticks at Q1)")
    left.set_ylabel("cumulative discounted attributable cash,\nminus standalone (US$ bn)")
    left.set_title(f"(a) paired against standalone at 63.7%, 95% CI, {parts['n'][0]} replications", fontsize=10)
    left.legend(fontsize=8, loc="upper left")
    names = {"ownership": "ownership\nalone", "regime": "regime\nat 100%", "total": "buy-out\n(total)"}
    x = list(range(parts.height))
    gain = parts["npv_attributable_gain_usd_bn"]
    right.bar(x, gain, color=["C3", "C2", "C7"], yerr=[gain - parts["ci_low"], parts["ci_high"] - gain], capsize=4)
    right.axhline(parts["offer_discounted_usd_bn"][0], color="k", linestyle="--", linewidth=1,
                  label=f"offer US${parts['offer_usd_bn'][0]:.2f}bn, discounted")
    right.set_xticks(x, [names[p] for p in parts["part"]])
    right.set_ylabel("NPV gain attributable to Alibaba (US$ bn, 2020Q2)")
    right.set_title("(b) the buy-out's gain, decomposed", fontsize=10)
    right.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    return figure


def main(out_dir: Path, quick: bool = False) -> list[Path]:
    return figure_main(NAME, data, plot, out_dir, quick)


if __name__ == "__main__":
    cli(main, __doc__.splitlines()[0])
