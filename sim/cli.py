"""The command line: `sim run | list | show | validate | ...`. Argument parsing, tables and exit codes
only; the work is done by `sim.api`, `sim.scenario` and the models.

Exit codes: see `EXIT_CODES` (shown by `sim --help`). Only input the user can fix maps to 2; a fault of the
machine (disk full, permission, name too long, a missing optional tool) to 3; anything else is a bug (70),
reported in one line naming a file that holds the traceback.
"""

from __future__ import annotations

import contextlib
import errno
import math
import sys
import tempfile
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from sim.core.errors import InputError

# Everything else is imported inside the command that needs it: `sim --help` and `sim list` load neither
# Polars, NumPy, SciPy, SimPy, numba nor a model (tests/test_import_side_effects.py), so they start fast.
if TYPE_CHECKING:
    import polars as pl

    from sim.core.model import Metric
    from sim.core.options import RunOptions
    from sim.core.results import RunResult

# Tables are the output people read; when piped (CI logs, files) rich would squeeze them to 80 columns.
console = Console(width=None if sys.stdout.isatty() else 160)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 70  # EX_SOFTWARE of sysexits.h
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_CHECK_FAILED: "a check failed (sim validate)",
    EXIT_BAD_INPUT: "bad input: one line names the file, key and value",
    EXIT_ENVIRONMENT: "environment fault: disk full, permission, name too long, a missing optional tool",
    EXIT_INTERNAL: "internal error (a bug): one line names the file holding the traceback",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C): rerun a sweep to resume it",
}

#: OS errors that are faults of the machine or its limits, not of the input or the package: exit 3
ENVIRONMENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS,
                                errno.ENAMETOOLONG, errno.EMFILE, errno.ENFILE, errno.EIO, errno.EBUSY})
#: optional tools: importing them may fail on a machine that lacks them (exit 3)
OPTIONAL_MODULES = frozenset({"dask", "distributed", "SALib", "typst"})


def _fail(message: str, code: int) -> typer.Exit:
    errors.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def write_traceback_file(error: BaseException) -> Path:
    """The traceback of an internal error, written to a new file in the temp directory."""
    handle, name = tempfile.mkstemp(prefix="sim-error-", suffix=".txt")
    with open(handle, "w", encoding="utf-8") as stream:
        stream.write(f"sim {' '.join(sys.argv[1:])}\n\n")
        stream.write("".join(traceback.format_exception(error)))
    return Path(name)


def exit_for(error: BaseException) -> typer.Exit:
    """The one line on stderr and the exit code (see `EXIT_CODES`) for an exception a command raised."""
    if isinstance(error, InputError):  # what the user can fix by changing the input
        return _fail(str(error), EXIT_BAD_INPUT)
    if isinstance(error, OSError) and error.errno in ENVIRONMENT_ERRNOS:
        where = error.filename if error.filename is not None else "?"
        return _fail(f"{where}: {error.strerror or error}", EXIT_ENVIRONMENT)
    if isinstance(error, ImportError) and (error.name or "").split(".")[0] in OPTIONAL_MODULES:
        return _fail(f"optional tool missing: {error} (install it, e.g. pip install {error.name})", EXIT_ENVIRONMENT)
    try:
        path: Any = write_traceback_file(error)
    except OSError:
        path = "(could not be written; rerun with python -X dev -m sim for it)"
    summary = (str(error).splitlines() or [""])[0][:200]
    return _fail(f"internal error {type(error).__name__}: {summary}; please report it with the traceback in {path}",
                 EXIT_INTERNAL)


class SimGroup(TyperGroup):
    """The command group: every exception a command raises becomes one line and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # the framework's own exits and usage errors (exit 2: an unknown option, a missing argument;
            # typer vendors click, so these are typer's classes); KeyboardInterrupt is no Exception: 130
        except Exception as error:  # noqa: BLE001 - classified by exit_for: 2, 3 or 70, never a traceback
            raise exit_for(error) from None


app = typer.Typer(
    name="sim",
    cls=SimGroup,
    help="Discrete-event economics of platform businesses: run scenarios, validate models, analyse results.",
    epilog="Exit codes: " + " | ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items()) + ".",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def run_options(**settings) -> RunOptions:
    """The command's `RunOptions`; a value it rejects is bad input (exit 2), not a traceback."""
    from sim.core.options import RunOptions
    from sim.scenario import NO_VALUE, ScenarioError

    try:
        return RunOptions(**settings)
    except ValueError as error:
        raise ScenarioError("command line", None, NO_VALUE, str(error)) from None


def _format_number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    magnitude = abs(value)
    if magnitude == 0:
        return "0"
    if magnitude >= 1e5 or magnitude < 1e-3:
        return f"{value:.4g}"
    if magnitude >= 100:
        return f"{value:,.1f}"
    return f"{value:.4f}"


def statistics_table(result: RunResult, title: str | None = None) -> Table:
    """The readable summary: metric, unit, mean, 95% CI, n. The CI shown is clipped to the range of the
    metric's kind (shares to [0, 1], counts to >= 0: `Metric.clip`); `statistics.parquet` keeps it raw."""
    from sim.core.model import Metric

    level = result.statistics.get_column("level")[0] if result.statistics.height else 0.95
    table = Table(title=title or f"{result.scenario_name}: {result.model_name} model", title_justify="left")
    table.add_column("metric")
    table.add_column("unit")
    table.add_column("mean", justify="right")
    table.add_column(f"{level:.0%} CI", justify="right")
    table.add_column("n", justify="right")
    for row in result.statistics.iter_rows(named=True):
        low, high = Metric(row["metric"], "", "", kind=row.get("kind") or "mean").clip(row["ci_low"], row["ci_high"])
        interval = f"[{_format_number(low)}, {_format_number(high)}]"
        table.add_row(row["metric"], row.get("unit") or "", _format_number(row["mean"]), interval, str(row["n"]))
    table.caption = ("CIs are Student t across independent replications: simulation noise, not parameter uncertainty "
                     "(shown clipped to each metric's range).")
    return table


def _clipped_to_metric_ranges(frame: pl.DataFrame, metrics: Iterable[Metric]) -> pl.DataFrame:
    """`frame`'s ci_low and ci_high as shown: each row clipped to the range of its metric (`Metric.clip`:
    shares to [0, 1], counts to >= 0); rows of metrics not in `metrics` unchanged."""
    import polars as pl

    names = frame.get_column("metric").to_numpy()
    low, high = frame.get_column("ci_low").to_numpy().copy(), frame.get_column("ci_high").to_numpy().copy()
    for metric in metrics:
        rows = names == metric.name
        low[rows], high[rows] = metric.clip(low[rows], high[rows])
    return frame.with_columns(pl.Series("ci_low", low, dtype=pl.Float64), pl.Series("ci_high", high, dtype=pl.Float64))


def dataframe_table(frame: pl.DataFrame, title: str = "") -> Table:
    """Any Polars frame as a rich table (floats shown with 4 significant figures)."""
    table = Table(title=title, title_justify="left")
    for name in frame.columns:
        table.add_column(name, justify="right" if frame[name].dtype.is_numeric() else "left")
    for row in frame.iter_rows():
        table.add_row(*[_format_number(v) if isinstance(v, float) else str(v) for v in row])
    return table


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file")],
    reps: Annotated[Optional[int], typer.Option("--reps", min=1, help="replications (default: the file's)")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", min=0, help="run seed (default: the file's)")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="override KEY.PATH=VALUE (TOML literal)")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="run directory to write")] = None,
    results: Annotated[Path, typer.Option("--results", help="results root when --out is not given")] = Path("results"),
    force: Annotated[bool, typer.Option("--force", help="replace an existing --out directory")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="show a progress bar")] = True,
    precision: Annotated[Optional[float], typer.Option(
        "--precision", min=0.0, help="replicate until every key metric's 95% CI half-width is within this "
        "fraction of its mean (e.g. 0.02)")] = None,
    max_reps: Annotated[int, typer.Option("--max-reps", min=2, help="cap for --precision")] = 1000,
) -> None:
    """Run a scenario's replications, write Parquet results and a manifest, print the summary table."""
    from sim.api import run_scenario
    from sim.scenario import load_scenario

    loaded = load_scenario(scenario, set_ or ())
    options = run_options(progress=progress, precision=precision, max_replications=max_reps)
    result = run_scenario(loaded, reps=reps, seed=seed, options=options, out=out,
                          results_root=None if out else results, force=force)
    console.print(statistics_table(result))
    if "precision" in result.manifest:
        record = result.manifest["precision"]
        verdict = "reached" if record["reached"] else "NOT reached (cap hit)"
        console.print(f"precision {record['target_relative_half_width']:.1%} {verdict} after "
                      f"{record['replications']} replications; binding metric: {record['binding_metric']}")
    if "warmup" in result.manifest:
        console.print(f"warm-up (MSER-5 on a pilot replication): {result.manifest['warmup']['warmup_days']:.3f} days")
    console.print(f"results: [bold]{result.path}[/]  ({result.manifest['wall_seconds']:.1f} s)", highlight=False)


@app.command("list")
def list_(directory: Annotated[Path, typer.Argument(help="folder of scenario files")] = Path("scenarios")) -> None:
    """Every scenario file with its model and one-line description."""
    from sim.scenario import list_scenarios

    table = Table(title=f"scenarios in {directory}", title_justify="left")
    table.add_column("file")
    table.add_column("model")
    table.add_column("description")
    for path, model, description in list_scenarios(directory):
        table.add_row(str(path), model, description)
    console.print(table)


@app.command()
def show(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file")],
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="override KEY.PATH=VALUE")] = None,
    keys: Annotated[bool, typer.Option("--keys", help="a table of every numeric key: value, unit, bounds")] = False,
) -> None:
    """Print the fully resolved configuration (after extends, overrides and defaults) as TOML."""
    from sim.core.config import numeric_keys
    from sim.scenario import dump_config, load_scenario

    loaded = load_scenario(scenario, set_ or ())
    if not keys:
        sys.stdout.write(dump_config(loaded.config))
        return
    table = Table(title=f"numeric keys of {scenario}", title_justify="left")
    for column in ("key", "value", "unit", "bounds", "note"):
        table.add_column(column)
    for key, value, unit, bounds, note in numeric_keys(loaded.config):
        table.add_row(key, str(value), unit, bounds, note)
    console.print(table)


def _power(row: dict) -> tuple[str, str]:
    """The design power and the realised-SE power as shown: "exact" for a deterministic row."""
    if row["check"] == "deterministic":
        return "exact", "exact"
    return f"{row['design_power']:.3f}", f"{row['realised_power']:.3f}"


def validation_table(report: pl.DataFrame, model_name: str, quick: bool) -> Table:
    """One model's validation rows, with its Bonferroni family in the caption."""
    table = Table(title=f"analytic validation: {model_name}", title_justify="left")
    for column in ("case", "metric", "theory", "n", "simulated", "CI / max dev", "analytic", "error", "z",
                   "design power", "realised-SE power", "result"):
        table.add_column(column, justify="left" if column in ("case", "metric", "theory", "result") else "right")
    for row in report.iter_rows(named=True):
        design, realised = _power(row)
        if row["check"] == "deterministic":
            spread, error, z = f"{_format_number(row['max_deviation'])} <= {row['tolerance']:.0e}", "", ""
        else:
            spread = f"[{_format_number(row['ci_low'])}, {_format_number(row['ci_high'])}]"
            error, z = f"+-{_format_number(row['error_to_detect'])}", f"{row['z']:+.2f}"
        table.add_row(row["case"], row["metric"], row["theory"], str(row["replications"]),
                      _format_number(row["simulated"]), spread, _format_number(row["analytic"]), error, z, design,
                      realised, "[green]pass[/]" if row["passed"] else "[bold red]FAIL[/]")
    m = report.get_column("checks_in_family")[0]
    family_level = report.get_column("family_level")[0]
    caption = (f"Family: the {m} stochastic checks of {model_name}, family-wise {100 * family_level:g}% (Bonferroni): "
               f"each CI at {1 - (1 - family_level) / m:.4%}, so a correct model fails this table with "
               f"probability at most {100 * (1 - family_level):.3g}%. " if m else "")
    caption += ("Replications designed for power >= 0.9 against the error shown (5% of the analytic value, "
                "0.01 for a share, 0.02 x scale for a zero expectation), sd from a pilot at another seed; "
                "realised-SE power is read from this run's own sd and is no gate. Deterministic rows pass "
                "within tolerance x max(1, |analytic|) in every replication and are outside the family.")
    if quick:
        caption += " QUICK smoke pass: 2 replications per case, far below the design power."
    table.caption = caption
    return table


@app.command()
def validate(
    model: Annotated[Optional[list[str]], typer.Option("--model", help="only these models")] = None,
    family_level: Annotated[float, typer.Option(help="family-wise confidence level of each model's checks")] = 0.95,
    quick: Annotated[bool, typer.Option("--quick", help="smoke pass: 2 replications per case")] = False,
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="process-pool workers (default: "
                                                   "cores); 1 runs in this process")] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="show a progress bar")] = True,
) -> None:
    """Run every model's closed-form validation checks; exit 1 if any fails. Each model's stochastic checks
    are one Bonferroni family, whichever models run."""
    import polars as pl

    from sim.core.validation import run_validation
    from sim.scenario import ScenarioError, get_model, model_names
    from sim.sweeps.executors import default_workers, process_pool

    suites = []
    if not 0.0 < family_level < 1.0:
        raise ScenarioError("--family-level", None, family_level, "must lie strictly between 0 and 1")
    for name in model or model_names():
        loaded_model = get_model(name, "--model")
        if loaded_model.validation_checks is None:
            errors.print(f"model {name!r} declares no validation checks", highlight=False)
            continue
        suites.append((loaded_model, list(loaded_model.validation_checks())))
    if not suites:
        raise typer.Exit(EXIT_BAD_INPUT)
    pool_size = workers or default_workers()
    pool = process_pool(pool_size) if pool_size > 1 else contextlib.nullcontext()
    reports = []
    with pool as executor:
        for loaded_model, cases in suites:
            report = run_validation(loaded_model, cases, family_level=family_level, quick=quick,
                                    executor=executor, progress=progress)
            console.print(validation_table(report, loaded_model.name, quick))
            reports.append(report)
    report = pl.concat(reports, how="vertical")
    failed = report.filter(~pl.col("passed")).height
    if failed:
        errors.print(f"[bold red]{failed} of {report.height} checks failed[/]")
        raise typer.Exit(EXIT_CHECK_FAILED)
    console.print(f"all {report.height} checks passed")


def _sweep_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a sweep folder; None when `folder` is not one."""
    import json

    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    sweep = isinstance(manifest, dict) and (manifest.get("kind") == "sweep" or "fingerprint" in manifest)
    return manifest if sweep else None


@app.command()
def plot(
    run_directory: Annotated[Path, typer.Argument(help="a run directory results/<scenario>/<run-id>")],
    out: Annotated[Optional[Path], typer.Option("--out", help="folder for the PNGs (default: RUN/charts)")] = None,
) -> None:
    """Draw the model's standard charts from a finished run (or, for a sweep folder, each key metric
    against each varied parameter) as PNG files."""
    from sim.core.results import load_run
    from sim.scenario import get_model

    if _sweep_manifest(run_directory) is not None:
        from sim.sweeps import load_sweep
        from sim.sweeps.charts import plot_sweep

        swept = load_sweep(run_directory)
        sweep_model = get_model(swept.model_name, run_directory / "manifest.json")
        key = [m for m in sweep_model.key_metrics if m in swept.metrics] or list(swept.metrics[:2])
        folder = out or run_directory / "charts"
        paths = [plot_sweep(swept, key, folder, {m.name: m.unit for m in sweep_model.metrics})]
        if swept.manifest.get("design", {}).get("kind") == "saltelli":  # and the Sobol' indices of each
            from sim.sweeps.charts import plot_sobol
            from sim.sweeps.sensitivity import sobol_analysis

            paths += [plot_sobol(sobol_analysis(swept, name), name, folder / f"sobol_{name}.png") for name in key]
        for path in paths:
            console.print(f"wrote {path}", highlight=False)
        return
    result = load_run(run_directory)
    model = get_model(result.model_name, run_directory / "manifest.json")
    if model.charts is None:
        errors.print(f"model {model.name!r} declares no charts")
        raise typer.Exit(EXIT_BAD_INPUT)
    for path in model.charts(result, out or run_directory / "charts"):
        console.print(f"wrote {path}", highlight=False)


def comparison_table(comparison: Any, *, every_metric: bool) -> Table:
    """The paired differences as read: whole metric names with their unit, baseline and scenario means,
    the difference with its family-wise CI and a verdict; the model's key metrics
    unless `every_metric`; the scenario column only when more than one scenario is compared."""
    import polars as pl

    from sim.comparison import metric_units
    from sim.scenario import get_model

    table = comparison.differences
    baseline = comparison.results[comparison.baseline]
    if not every_metric:
        key = get_model(baseline.model_name).key_metrics
        table = table.filter(pl.col("metric").is_in(list(key))) if key else table
    units = metric_units(baseline)
    several = table["scenario"].n_unique() > 1
    level = f"{table['family_level'][0]:.0%}" if table.height else "95%"
    title = (f"{'each scenario' if several else (table['scenario'][0] if table.height else '')} against "
             f"{comparison.baseline} (baseline): paired differences ({table['n'][0] if table.height else 0} replications, "
             "common random numbers)")
    rich_table = Table(title=title, title_justify="left")
    if several:
        rich_table.add_column("scenario")
    if several:
        rich_table.columns[0].no_wrap = True
    for name, justify in (("metric", "left"), ("unit", "left"), ("baseline", "right"), ("scenario", "right"),
                          ("difference", "right"), (f"{level} CI", "right"), ("verdict", "left")):
        rich_table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for row in table.iter_rows(named=True):
        scale = max(abs(row["mean_baseline"]), abs(row["mean_scenario"]))

        def number(value: float, scale: float = scale) -> str:  # rounding noise (1e-18 beside 1e-4) shown as 0
            return "0" if value is not None and abs(value) <= 1e-12 * scale else _format_number(value)

        if row["no_difference"]:
            difference, interval = "0", "-"
            verdict = "no difference (constant)" if row["constant"] else "no difference"
        else:
            difference = number(row["difference"])
            interval = "-" if row["constant"] else f"[{number(row['ci_low'])}, {number(row['ci_high'])}]"
            separated = row["ci_low"] > 0 or row["ci_high"] < 0
            verdict = "differs (constant)" if row["constant"] else "differs" if separated else "not separated"
        cells = [row["metric"], units.get(row["metric"], ""), number(row["mean_baseline"]),
                 number(row["mean_scenario"]), difference, interval, verdict]
        rich_table.add_row(*([row["scenario"]] if several else []), *cells)
    every_row = comparison.differences
    family = every_row.filter(~pl.col("constant"))
    constant = table.filter(pl.col("constant")).height
    shown = "" if every_metric else f"key metrics ({table.height} of {every_row.height} rows; --all for every metric). "
    rich_table.caption = shown + (
        (f"{level} family-wise CIs over all {family.height} non-constant rows ({family['adjustment'][0]}: each at "
         f"{family['level_per_interval'][0]:.4%}). " if family.height else "")
        + (f"{constant} constant rows (every replication equal) are outside the family. " if constant else "")
        + "baseline, scenario: the two means. Every column, with the width independent seeds would have given: "
          "paired_differences.parquet."
    )
    return rich_table


@app.command()
def compare(
    scenarios: Annotated[list[Path], typer.Argument(help="two or more scenario files; the first is the baseline")],
    reps: Annotated[Optional[int], typer.Option("--reps", min=2, help="replications (same for all)")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", min=0, help="seed (same for all)")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="override applied to every scenario")] = None,
    metric: Annotated[Optional[list[str]], typer.Option("--metric", help="only these metrics")] = None,
    rank: Annotated[Optional[str], typer.Option(help="rank the scenarios on this metric, e.g. on_time_share")] = None,
    smaller_is_better: Annotated[bool, typer.Option(help="with --rank: smaller values are better")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="folder for the paired-differences chart and table "
                                                "(default: results/comparisons/<names>/<time>-seed<seed>)")] = None,
    force: Annotated[bool, typer.Option("--force", help="replace an existing --out folder that sim wrote")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    all_: Annotated[bool, typer.Option("--all", help="print every metric (default: the model's key metrics)")] = False,
) -> None:
    """Run scenarios under common random numbers and report paired differences against the first."""
    from sim.comparison import compare as run_comparison
    from sim.comparison import plot_differences
    from sim.core.results import check_run_target, environment_record, new_run_directory, publish_folder
    from sim.scenario import ScenarioError
    from sim.core.results import column_metadata

    stem = "_vs_".join(path.stem for path in scenarios)[:150]
    if out is not None:
        check_run_target(out, force=force)
    comparison = run_comparison(scenarios, reps=reps, seed=seed, overrides=set_ or (), metrics=metric,
                                options=run_options(progress=progress))
    table = comparison.differences
    console.print(comparison_table(comparison, every_metric=all_ or bool(metric)))
    baseline = comparison.results[comparison.baseline]
    directory = out or new_run_directory(Path("results") / "comparisons", stem, baseline.manifest["seed"])

    def fill(staging: Path) -> dict[str, Any]:
        table.write_parquet(staging / "paired_differences.parquet", statistics=True,
                            metadata=column_metadata(table.columns))
        plot_differences(comparison, staging, metric)
        return {"kind": "comparison", "baseline": comparison.baseline, "scenarios": [str(p) for p in scenarios],
                "overrides": list(set_ or ()), **comparison.manifest_record(), **environment_record()}

    publish_folder(directory, fill, force=force)
    console.print(f"table and chart: {directory}", highlight=False)
    reports = comparison.model_reports()
    if reports is not None:
        console.print(dataframe_table(reports, f"{comparison.results[comparison.baseline].model_name} model: "
                                               f"each scenario against {comparison.baseline}"))
    if rank:
        if rank not in comparison.results[comparison.baseline].statistics["metric"].to_list():
            raise ScenarioError("--rank", "rank", rank, "not a metric of this model")
        ranking = comparison.ranking(rank, larger_is_better=not smaller_is_better)
        ranked = dataframe_table(ranking.select("scenario", "mean", "advantage_of_best", "advantage_low",
                                                "advantage_high", "separated_from_best", "could_be_best",
                                                "probability_best"), f"ranking on {rank}")
        ranked.caption = ranking["correction"][0]
        console.print(ranked)


@app.command()
def warmup(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file")],
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="override KEY.PATH=VALUE")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="folder for the plot (default: "
                                                "results/warmup/<scenario>/<time>-seed<seed>)")] = None,
    force: Annotated[bool, typer.Option("--force", help="replace an existing --out folder that sim wrote")] = False,
) -> None:
    """Suggest a warm-up by MSER-5 on a pilot replication, with a plot of the series and the cut."""
    from sim.core.results import check_run_target, environment_record, new_run_directory, publish_folder
    from sim.core.runner import choose_warmup
    from sim.core.warmup import plot_mser
    from sim.scenario import ScenarioError, load_scenario

    loaded = load_scenario(scenario, set_ or ())
    if loaded.model.warmup_series is None:
        raise ScenarioError(scenario, "model", loaded.model.name, "this model declares no warm-up series")
    directory = out or new_run_directory(Path("results") / "warmup", loaded.name, loaded.config.run.seed)
    check_run_target(directory, force=force)
    choice = choose_warmup(loaded.model, loaded.config)
    spec = loaded.model.warmup_series
    period = {1.0: "day", 1.0 / 24.0: "hour"}.get(spec.time_unit_days, "period")

    def fill(staging: Path) -> dict[str, Any]:
        plot_mser(choice.series, choice.mser, staging / "warmup.png", label=f"{spec.table}.{spec.value_column}",
                  period=period)
        from sim.core.results import config_hash

        return {"kind": "warmup", "scenario": loaded.name, "model": loaded.model.name, "scenario_file": str(scenario),
                "seed": loaded.config.run.seed, "source_hash": loaded.source_hash,
                "config_hash": config_hash(loaded.config.model_dump(mode="json", exclude_none=True)),
                "overrides": list(set_ or ()), "series": f"{spec.table}.{spec.value_column}",
                "truncation_index": choice.truncation_index, "warmup_days": choice.warmup_days,
                **environment_record()}

    publish_folder(directory, fill, force=force)
    path = directory / "warmup.png"
    console.print(f"MSER-5 on {spec.table}.{spec.value_column}: cut after {choice.truncation_index} observations "
                  f"= [bold]warmup_days = {choice.warmup_days:.3f}[/]", highlight=False)
    if choice.mser.at_search_limit:
        console.print("[yellow]the cut sits at the end of the search window: the run may be too short to settle[/]")
    console.print(f"plot: {path}", highlight=False)


def sweep_table(result: Any, metrics: list[str], model_metrics: Iterable[Metric]) -> Table:
    """A sweep's summary pivoted: one row per design point (its parameter values), one column per metric
    headed with its unit, each cell the mean over replications and its 95% CI (clipped to the metric's
    range, as every displayed interval)."""
    import polars as pl

    model_metrics = list(model_metrics)
    units = {m.name: m.unit for m in model_metrics}
    summary = _clipped_to_metric_ranges(result.summary().filter(pl.col("metric").is_in(metrics)), model_metrics)
    table = Table(title=f"sweep {result.name}: mean and 95% CI over {result.replications} replications per point",
                  title_justify="left")
    table.add_column("point", justify="right")
    for parameter in result.parameters:
        table.add_column(parameter, justify="right")
    for name in metrics:
        table.add_column(f"{name} ({units.get(name, '')})" if units.get(name) else name, justify="right")
    cells = {(r["point"], r["metric"]): r for r in summary.iter_rows(named=True)}
    for row in result.design.sort("point").iter_rows(named=True):
        values = [_format_number(v) if isinstance(v, float) else str(v) for v in (row[p] for p in result.parameters)]
        shown = []
        for name in metrics:
            cell = cells.get((row["point"], name))
            shown.append("" if cell is None else f"{_format_number(cell['mean'])} "
                         f"[{_format_number(cell['ci_low'])}, {_format_number(cell['ci_high'])}]")
        table.add_row(str(row["point"]), *values, *shown)
    return table


@app.command()
def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="sweep TOML file (scenarios/sweeps/...)")],
    workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="process-pool workers (default: cores)")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Dask scheduler address tcp://host:port, "
                                                     "or 'local' for a local Dask cluster")] = None,
    serial: Annotated[bool, typer.Option("--serial", help="run in this process, one run at a time")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="sweep folder (default: the file's `out`)")] = None,
    chunk_size: Annotated[Optional[int], typer.Option("--chunk-size", min=1, help="runs sent per task")] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed/--no-retry-failed",
                                               help="rerun runs that failed last time")] = True,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate every design point and show the design")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
    metric: Annotated[Optional[list[str]], typer.Option("--metric", help="show these metrics (default: the key ones)")] = None,
    reps: Annotated[Optional[int], typer.Option("--reps", min=1, help="replications per point (default: the file's)")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", min=0, help="seed of every point (default: the file's)")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="override KEY.PATH=VALUE of the base scenario")] = None,
) -> None:
    """Run a parameter sweep: every design point validated first, common random numbers across points,
    each run saved as it finishes (rerun to resume)."""
    from sim.scenario import get_model
    from sim.sweeps import SweepInterrupted, prepare_sweep_file, run_sweep_file

    if dry_run:
        _, prepared = prepare_sweep_file(sweep_file, replications=reps, seed=seed, overrides=set_ or ())
        console.print(dataframe_table(prepared.design.table(), f"design of {sweep_file}"))
        return
    try:
        result = run_sweep_file(sweep_file, workers=workers, scheduler=scheduler, out=out, progress=progress,
                                executor="serial" if serial else None, chunk_size=chunk_size,
                                retry_failed=retry_failed, replications=reps, seed=seed, overrides=set_ or ())
    except SweepInterrupted as interrupted:
        errors.print(str(interrupted), highlight=False, markup=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    model = get_model(result.model_name)
    key = list(metric or model.key_metrics or result.metrics)
    console.print(sweep_table(result, key, model.metrics))
    if result.failures.height:
        errors.print(f"[bold red]{result.failures.height} runs failed[/]; see {result.path}/failures")
    console.print(f"{result!r}", highlight=False)


@app.command()
def calibrate(
    scenario: Annotated[Path, typer.Argument(help="scenario TOML file of a model that can be calibrated")],
    out: Annotated[Optional[Path], typer.Option("--out", help="calibrated scenario to write "
                                                "(default: <scenario>_calibrated.toml beside it)")] = None,
    force: Annotated[bool, typer.Option("--force", help="replace an existing calibrated scenario")] = False,
) -> None:
    """Fit the scenario's free parameters to published data; print the fit table and write a scenario
    that extends the original with the fitted values."""
    from sim.scenario import ScenarioError, load_scenario

    loaded = load_scenario(scenario)
    if loaded.model.calibrate is None:
        raise ScenarioError(scenario, "model", loaded.model.name, "this model has no calibration")
    out = out or scenario.with_name(f"{scenario.stem}_calibrated.toml")
    if out.exists() and not force:
        raise ScenarioError("--out", None, str(out), "already exists (use --force to replace it)")
    report = loaded.model.calibrate(loaded, out)
    console.print(dataframe_table(report.table, "fit: published vs simulated"))
    console.print(dataframe_table(report.parameter_table(), "fitted parameters"))
    console.print(dataframe_table(report.error_table(), "fit errors (in sample and held out)"))
    specifications = getattr(report, "specification_table", None)  # a model that compares specifications
    if specifications is not None:
        console.print(dataframe_table(specifications(), "specifications tried (chosen before the hold-out)"))
    if report.scenario_path is None:
        errors.print("[yellow]no calibrated scenario written: a free parameter sits on its bound (see the table)[/]")
    else:
        console.print(f"wrote {report.scenario_path}", highlight=False)


@app.command()
def rerun(
    run_directory: Annotated[Path, typer.Argument(help="a finished run folder results/<scenario>/<run-id>")],
    out: Annotated[Optional[Path], typer.Option("--out", help="run folder to write (default: "
                                                "results/<scenario>/<time>-seed<seed>)")] = None,
    results: Annotated[Path, typer.Option("--results", help="results root when --out is not given")] = Path("results"),
    force: Annotated[bool, typer.Option("--force", help="replace an existing --out folder that sim wrote")] = False,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
) -> None:
    """Run a finished run again from its folder (its resolved scenario, name, seed and replications) and
    check that every table comes out byte for byte the same (exit 1 if one differs)."""
    from sim.api import differing_tables
    from sim.api import rerun as rerun_folder

    result = rerun_folder(run_directory, out=out, results_root=None if out else results, force=force,
                          options=run_options(progress=progress))
    assert result.path is not None
    differing = differing_tables(run_directory, result.path)
    tables = sorted(p.name for p in result.path.glob("*.parquet"))
    console.print(f"rerun of {run_directory}: [bold]{result.path}[/]", highlight=False)
    if differing:
        errors.print(f"[bold red]differs[/] from the original: {', '.join(differing)} (another version of the code "
                     "or of a dependency? compare the two manifests)", highlight=False)
        raise typer.Exit(EXIT_CHECK_FAILED)
    console.print(f"identical: {len(tables)} tables and scenario.toml, byte for byte", highlight=False)


@app.command()
def runs(
    folder: Annotated[Path, typer.Argument(help="results folder to search")] = Path("results"),
    model: Annotated[Optional[str], typer.Option("--model", help="only runs of this model")] = None,
    kind: Annotated[Optional[str], typer.Option("--kind", help="only run, comparison, sweep or warmup")] = None,
    since: Annotated[Optional[str], typer.Option("--since", help="only folders made on or after this date "
                                                 "(ISO, e.g. 2026-12-01; UTC)")] = None,
    limit: Annotated[int, typer.Option("--limit", min=0, help="show the newest N folders (0: all)")] = 100,
) -> None:
    """List every run, comparison, sweep and warm-up under FOLDER: kind, scenario, model, seed,
    replications, commit, date, status and two key metrics (a damaged manifest is one warning)."""
    import warnings

    from sim.run_catalog import CatalogWarning, catalog
    from sim.scenario import ScenarioError

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CatalogWarning)
        try:
            table = catalog(folder, model=model, kind=kind, since=since)
        except ValueError as error:
            raise ScenarioError("--since", None, since, str(error)) from None
    for warning in caught:
        errors.print(f"[yellow]warning:[/] {escape(str(warning.message))}", highlight=False, soft_wrap=True)
    found = table.height
    if limit and found > limit:  # rendering a thousand rows takes seconds; sim.catalog() has them all
        table = table.tail(limit)
    shown_rows = f"the newest {table.height} of " if table.height < found else ""
    rich_table = Table(title=f"{shown_rows}{found} results folders in {folder} (oldest first)", title_justify="left")
    if table.height < found:
        rich_table.caption = f"--limit 0 shows all {found}; sim.catalog() returns them as a Polars frame"
    show_status = bool(table.height) and (table["status"] != "complete").any()
    for name in ("folder", "created (UTC)", "kind", "scenario", "model", "seed", "reps", "commit",
                 *(["status"] if show_status else []), "key metrics"):
        rich_table.add_column(name, justify="right" if name in {"seed", "reps"} else "left",
                              no_wrap=name not in {"folder", "scenario", "key metrics"}, overflow="fold",
                              min_width={"folder": 20, "scenario": 18, "key metrics": 28}.get(name))
    for row in table.iter_rows(named=True):
        metrics = "\n".join(f"{'Δ ' if row['kind'] == 'comparison' else ''}{row[f'metric_{i}']} "
                            f"{_format_number(row[f'value_{i}'])}{' ' + row[f'unit_{i}'] if row[f'unit_{i}'] else ''}"
                            for i in (1, 2) if row[f"metric_{i}"] is not None)
        shown_path = Path(row["path"])
        with contextlib.suppress(ValueError):
            shown_path = shown_path.relative_to(folder)
        rich_table.add_row(str(shown_path), row["created"].strftime("%Y-%m-%d %H:%M"), row["kind"],
                           row["scenario"] or "", row["model"] or "", "" if row["seed"] is None else str(row["seed"]),
                           "" if row["replications"] is None else str(row["replications"]),
                           (row["commit"] or "")[:7], *([row["status"]] if show_status else []), metrics)
    console.print(rich_table)


@app.command()
def report(
    folder: Annotated[Path, typer.Argument(help="a run, comparison, sweep or warm-up folder")],
    out: Annotated[Optional[Path], typer.Option("--out", help="HTML file to write (default: FOLDER/report.html)")] = None,
) -> None:
    """Write one self-contained HTML file (manifest, statistics with units and CIs, charts embedded) to send
    to someone without Python."""
    from sim.html_report import write_report

    path = write_report(folder, out)
    console.print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB, self-contained)", highlight=False)


@app.command()
def sensitivity(
    sweep_folder: Annotated[Path, typer.Argument(help="folder of a finished sweep of a Saltelli design")],
    metric: Annotated[Optional[list[str]], typer.Option("--metric", help="metrics (default: the key ones)")] = None,
    resamples: Annotated[int, typer.Option("--resamples", min=10, help="bootstrap resamples for the CIs")] = 100,
) -> None:
    """Print and plot the first-order and total Sobol' indices of a Saltelli sweep, with bootstrap CIs."""
    from sim.scenario import NO_VALUE, ScenarioError, get_model
    from sim.sweeps import load_sweep
    from sim.sweeps.charts import plot_sobol
    from sim.sweeps.sensitivity import sobol_analysis

    manifest = _sweep_manifest(sweep_folder)
    if manifest is None:
        raise ScenarioError(sweep_folder, None, str(sweep_folder), "not a sweep folder (no sweep manifest.json)")
    design = (manifest.get("design") or {}).get("kind")
    if design != "saltelli":
        raise ScenarioError(sweep_folder / "manifest.json", "design.kind", design,
                            "Sobol' indices need a sweep of a Saltelli design ([design] kind = \"saltelli\")")
    result = load_sweep(sweep_folder)
    model = get_model(result.model_name, sweep_folder / "manifest.json")
    chosen = list(metric or [m for m in model.key_metrics if m in result.metrics] or result.metrics[:1])
    unknown = [m for m in chosen if m not in result.metrics]
    if unknown:
        raise ScenarioError("--metric", "metric", unknown, f"not metrics of this sweep: {list(result.metrics)}")
    for name in chosen:
        try:
            indices = sobol_analysis(result, name, num_resamples=resamples)
        except ValueError as error:
            raise ScenarioError(sweep_folder, name, NO_VALUE, str(error)) from None
        table = dataframe_table(indices, f"Sobol' indices of {name} ({result.design.height} points, "
                                         f"{result.replications} replications each; 95% bootstrap half-widths)")
        table.caption = "S1: share of the variance from the parameter alone; ST: in any interaction."
        console.print(table)
        path = plot_sobol(indices, name, sweep_folder / "charts" / f"sobol_{name}.png")
        console.print(f"wrote {path}", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
