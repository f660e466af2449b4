"""Table 2, validation: every row of `sim validate` (`sim.core.validation.run_validation` over each registered
model's `validation_checks`), with its design power, one Bonferroni family per model.

The full build runs each model's designed replications (power >= `DESIGN_POWER` for every stochastic check);
the quick build (the test size) runs a reduced set: the first `QUICK_CASES` case of each model, as a smoke
pass (`QUICK_REPLICATIONS` a case), whose intervals keep their level but whose power is far below the
design: the table's `size` column, and the paper's caption, say which it is. Each model's table goes through the
build's cache (`ResultCache.table`), so a rebuild runs no replication.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

from paper.cache import ResultCache  # noqa: E402
from sim.core.validation import DESIGN_POWER, QUICK_REPLICATIONS, run_validation  # noqa: E402
from sim.scenario import get_model, model_names  # noqa: E402

__all__ = ["data", "write_table", "TABLE", "FAMILY_LEVEL", "COLUMNS"]

TABLE = "table2_validation.csv"
FAMILY_LEVEL = 0.95  #: each model's family-wise confidence level (`sim validate`'s default)
QUICK_CASES = 1  #: cases of each model in the quick build
COLUMNS = ["model", "case", "metric", "theory", "check", "replications", "simulated", "ci_low", "ci_high", "analytic",
           "error_to_detect", "design_power", "realised_power", "max_deviation", "tolerance", "passed",
           "level_per_check", "family_level", "checks_in_family", "size"]


def _validate(name: str, quick: bool) -> pl.DataFrame:
    model = get_model(name, "validation table")
    assert model.validation_checks is not None
    cases = list(model.validation_checks())
    report = run_validation(model, cases[:QUICK_CASES] if quick else cases, family_level=FAMILY_LEVEL, quick=quick)
    size = (f"quick build: the first case of each model, a smoke pass of {QUICK_REPLICATIONS} replications"
            if quick else f"every case, replications designed for power {DESIGN_POWER:g}")
    return report.with_columns(pl.lit(size).alias("size")).select(COLUMNS)


def data(cache: ResultCache) -> pl.DataFrame:
    """Every validation row of every model that declares checks, through the cache."""
    frames = []
    for name in model_names():
        if get_model(name, "validation table").validation_checks is None:
            continue
        frames.append(cache.table("validation", {"model": name, "quick": cache.quick, "family_level": FAMILY_LEVEL},
                                  lambda name=name: _validate(name, cache.quick), code_file=Path(__file__)))
    return pl.concat(frames, how="vertical")


def _g(value: float | None) -> str:
    return "" if value is None or value != value else f"{value:.4g}".replace("-", "\N{MINUS SIGN}")


def display(frame: pl.DataFrame) -> pl.DataFrame:
    """The rows as the paper prints them: the interval (stochastic) or the largest deviation against its
    tolerance (deterministic), the design power, pass/fail."""
    rows = []
    for row in frame.iter_rows(named=True):
        stochastic = row["check"] == "stochastic"
        rows.append({"model": row["model"], "case": row["case"], "metric": row["metric"],
                     "theory": row["theory"], "replications": str(row["replications"]),
                     "simulated": _g(row["simulated"]), "analytic": _g(row["analytic"]),
                     "evidence": (f"[{_g(row['ci_low'])}, {_g(row['ci_high'])}]" if stochastic else
                                  f"max dev. {_g(row['max_deviation'])} <= {_g(row['tolerance'])}"),
                     "design_power": _g(row["design_power"]) if stochastic else "exact",
                     "passed": "yes" if row["passed"] else "NO"})
    return pl.DataFrame(rows, schema={name: pl.String for name in
                                      ["model", "case", "metric", "theory", "replications", "simulated", "analytic",
                                       "evidence", "design_power", "passed"]})


def write_table(cache: ResultCache, out_dir: Path) -> list[Path]:
    """`table2_validation.csv` (every column of `sim validate`) and `table2_validation_display.csv` (what
    the paper prints)."""
    frame = data(cache)
    paths = [Path(out_dir) / TABLE, Path(out_dir) / TABLE.replace(".csv", "_display.csv")]
    frame.write_csv(paths[0], float_precision=6)
    display(frame).write_csv(paths[1])
    return paths
