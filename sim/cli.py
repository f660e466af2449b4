"""The command line: `sim run | list | show | validate | ...`. Argument parsing, tables and exit codes
only; the work is done by `sim.api`, `sim.scenario` and the models.

Exit codes: 0 success, 1 a validation check failed, 2 bad input (scenario, override, path).
"""

from __future__ import annotations

import contextlib
import math
import sys
from pathlib import Path
from typing import Annotated, Optional

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from sim.core.results import RunExistsError, RunResult, load_run
from sim.scenario import MODEL_REGISTRY, ScenarioError, dump_config, get_model, list_scenarios, load_scenario

app = typer.Typer(
    name="sim",
    help="Discrete-event economics of platform businesses: run scenarios, validate models, analyse results.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2


@contextlib.contextmanager
def user_errors():
    """Turn bad input into one clear line on stderr and exit code 2, with no traceback."""
    try:
        yield
    except ScenarioError as error:
        errors.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except (RunExistsError, FileNotFoundError, FileExistsError) as error:
        errors.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


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
    """The readable summary: metric, unit, mean, 95% CI, n."""
    level = result.statistics.get_column("level")[0] if result.statistics.height else 0.95
    table = Table(title=title or f"{result.scenario_name}: {result.model_name} model", title_justify="left")
    table.add_column("metric")
    table.add_column("unit")
    table.add_column("mean", justify="right")
    table.add_column(f"{level:.0%} CI", justify="right")
    table.add_column("n", justify="right")
    for row in result.statistics.iter_rows(named=True):
        interval = f"[{_format_number(row['ci_low'])}, {_format_number(row['ci_high'])}]"
        table.add_row(row["metric"], row.get("unit") or "", _format_number(row["mean"]), interval, str(row["n"]))
    table.caption = "CIs are Student t across independent replications: simulation noise, not parameter uncertainty."
    return table


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
) -> None:
    """Run a scenario's replications, write Parquet results and a manifest, print the summary table."""
    from sim.api import run_scenario

    with user_errors():
        loaded = load_scenario(scenario, set_ or ())
        if out is not None and out.exists() and not force:
            raise RunExistsError(f"{out} already exists (use --force to replace it)")
        result = run_scenario(loaded, reps=reps, seed=seed, out=out, results_root=None if out else results,
                              force=force, progress=progress)
    console.print(statistics_table(result))
    console.print(f"results: [bold]{result.path}[/]  ({result.manifest['wall_seconds']:.1f} s)", highlight=False)


@app.command("list")
def list_(directory: Annotated[Path, typer.Argument(help="folder of scenario files")] = Path("scenarios")) -> None:
    """Every scenario file with its model and one-line description."""
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
) -> None:
    """Print the fully resolved configuration (after extends, overrides and defaults) as TOML."""
    with user_errors():
        loaded = load_scenario(scenario, set_ or ())
    sys.stdout.write(dump_config(loaded.config))


@app.command()
def validate(
    model: Annotated[Optional[list[str]], typer.Option("--model", help="only these models")] = None,
    family_level: Annotated[float, typer.Option(help="family-wise confidence level")] = 0.95,
) -> None:
    """Run every model's closed-form validation checks; exit 1 if any fails."""
    from sim.core.validation import run_validation

    names = model or sorted(MODEL_REGISTRY)
    suites = []
    with user_errors():
        for name in names:
            loaded_model = get_model(name, "--model")
            if loaded_model.validation_checks is not None:
                suites.append((loaded_model, list(loaded_model.validation_checks())))
    total = sum(len(case.expectations) for _, cases in suites for case in cases)
    frames = []
    for loaded_model, cases in suites:
        frames.append(
            run_validation(loaded_model, cases, family_level=family_level, family_size=total,
                           on_case=lambda case: errors.print(f"running {case} ...", highlight=False))
        )
    report = pl.concat(frames, how="vertical")
    table = Table(title="analytic validation", title_justify="left")
    for column in ("case", "metric", "theory", "simulated", "CI", "analytic", "z", "result"):
        table.add_column(column, justify="right" if column in ("simulated", "analytic", "z") else "left")
    for row in report.iter_rows(named=True):
        table.add_row(
            row["case"], row["metric"], row["theory"], _format_number(row["simulated"]),
            f"[{_format_number(row['ci_low'])}, {_format_number(row['ci_high'])}]",
            _format_number(row["analytic"]), f"{row['z']:+.2f}",
            "[green]pass[/]" if row["passed"] else "[bold red]FAIL[/]",
        )
    level = report.get_column("level_per_check")[0]
    table.caption = (
        f"Family-wise {family_level:.0%} confidence over {total} checks (Bonferroni): each CI is at "
        f"{level:.4%}, so a correct model fails this table with probability at most {1 - family_level:.0%}."
    )
    console.print(table)
    failed = report.filter(~pl.col("passed")).height
    if failed:
        errors.print(f"[bold red]{failed} of {report.height} checks failed[/]")
        raise typer.Exit(EXIT_CHECK_FAILED)
    console.print(f"all {report.height} checks passed")


@app.command()
def plot(
    run_directory: Annotated[Path, typer.Argument(help="a run directory results/<scenario>/<run-id>")],
    out: Annotated[Optional[Path], typer.Option("--out", help="folder for the PNGs (default: RUN/charts)")] = None,
) -> None:
    """Draw the model's standard charts from a finished run as PNG files."""
    with user_errors():
        result = load_run(run_directory)
        model = get_model(result.model_name, run_directory / "manifest.json")
    if model.charts is None:
        errors.print(f"model {model.name!r} declares no charts")
        raise typer.Exit(EXIT_BAD_INPUT)
    for path in model.charts(result, out or run_directory / "charts"):
        console.print(f"wrote {path}", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
