"""`sim report PATH`: one self-contained HTML file for a run, a comparison or a sweep, to send to someone
without Python: what was run (the manifest: scenario, seed, replications, versions, command, machine), the
statistics table with units and CIs, and the charts embedded as base64 PNG. No scripts, no style sheets
or fonts from elsewhere, no links: the file opens offline in any browser.

    >>> from sim.html_report import write_report
    >>> write_report("results/customs_clearance/20261201T142717Z-seed1")   # doctest: +SKIP
"""

from __future__ import annotations

import base64
import html
import json
import tempfile
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from sim.core.errors import InputError
from sim.core.results import MANIFEST, REPORT, RunFolderError, RunResult, atomic_write_bytes

__all__ = ["write_report", "report_html", "REPORT_NAME"]

REPORT_NAME = REPORT

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 70em;
       color: #222; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 0.25em 0.7em; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th { background: #f4f4f4; } code { font-size: 0.9em; background: #f6f6f6; padding: 0.1em 0.3em; }
img { max-width: 100%; border: 1px solid #eee; margin: 0.5em 0; } .note { color: #666; font-size: 0.85em; }
"""


def _number(value: Any) -> str:
    from sim.cli import _format_number  # the one number format of every table the package prints

    return _format_number(value)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f'<td class="num">{html.escape(_number(value))}</td>'
    if isinstance(value, int) and not isinstance(value, bool):
        return f'<td class="num">{value}</td>'
    return f"<td>{html.escape('' if value is None else str(value))}</td>"


def _table(frame: pl.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(name)}</th>" for name in frame.columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in frame.iter_rows())
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _key_values(rows: Iterable[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows
                   if v not in (None, "", [], {}))
    return f"<table>{body}</table>"


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{html.escape(path.stem)}" src="data:image/png;base64,{data}">'
            f'<figcaption class="note">{html.escape(path.name)}</figcaption></figure>')


def _provenance(manifest: dict[str, Any]) -> str:
    def mapping(value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else {}

    host = mapping(manifest.get("host"))
    threads, git, versions = mapping(host.get("threads")), mapping(manifest.get("git")), mapping(manifest.get("versions"))
    command = manifest.get("command")
    rows = [
        ("kind", manifest.get("kind", "run")), ("status", manifest.get("status", "complete")),
        ("scenario", manifest.get("scenario") or manifest.get("sweep")), ("model", manifest.get("model")),
        ("seed", manifest.get("seed")), ("replications", manifest.get("replications")),
        ("confidence level", manifest.get("confidence_level")),
        ("created (UTC)", manifest.get("created_utc") or manifest.get("started_utc")),
        ("run id", manifest.get("run_id")),
        ("command", " ".join(map(str, command)) if isinstance(command, list) else None),
        ("rerun with", manifest.get("rerun")),
        ("scenario file", manifest.get("scenario_file") or manifest.get("base_scenario") or manifest.get("sweep_file")),
        ("overrides (--set)", ", ".join(manifest.get("overrides") or []) or None),
        ("config hash", manifest.get("config_hash")), ("source hash", manifest.get("source_hash")),
        ("git commit", f"{git.get('commit', '')}{' (uncommitted changes)' if git.get('dirty') else ''}" or None),
        ("machine", ", ".join(str(host[k]) for k in ("os", "cpu") if host.get(k)) or None),
        ("cores", host.get("cores")), ("numba threads", threads.get("numba_threads")),
        ("versions", ", ".join(f"{k} {v}" for k, v in versions.items())),
        ("environment hash", manifest.get("environment_hash")),
        ("manifest version", manifest.get("manifest_version", 1)),
    ]
    return _key_values(rows)


def _run_sections(folder: Path, charts: Path) -> tuple[str, list[Path]]:
    from sim.core.results import load_run
    from sim.scenario import get_model

    from sim.cli import _clipped_to_metric_ranges  # intervals shown as every table shows them

    result = load_run(folder)
    model = get_model(result.model_name, folder / MANIFEST)
    level = result.statistics["level"][0] if result.statistics.height else 0.95
    statistics = _clipped_to_metric_ranges(result.statistics, model.metrics)
    table = statistics.select("metric", "unit", "mean", pl.col("ci_low").alias(f"{level:.0%} CI low"),
                              pl.col("ci_high").alias(f"{level:.0%} CI high"), "n", "description")
    text = (f"<h2>Statistics</h2>{_table(table)}<p class='note'>Student-t intervals across {result.manifest.get('replications')} "
            "independent replications: simulation noise, not parameter uncertainty (shown clipped to each "
            "metric's range; statistics.parquet keeps them raw).</p>")
    text += _table_columns(result)
    drawn: list[Path] = sorted((folder / "charts").glob("*.png")) if (folder / "charts").is_dir() else []
    if not drawn:
        if model.charts is not None:
            drawn = list(model.charts(result, charts))
    return text, drawn


def _table_columns(result: RunResult) -> str:
    """Each model table of a run with its row count and its columns' units and descriptions (from the
    tables' Parquet metadata)."""
    rows = result.manifest.get("tables", {})
    sections = "".join(f"<h3>{html.escape(name)} ({rows.get(name, '?')} rows)</h3>{_table(result.columns(name))}"
                       for name in sorted(result.tables))
    return f"<h2>Tables</h2>{sections}" if sections else ""


def _comparison_sections(folder: Path, manifest: dict[str, Any]) -> tuple[str, list[Path]]:
    path = folder / "paired_differences.parquet"
    if not path.is_file():
        raise RunFolderError(f"{path}: missing from the comparison folder")
    differences = pl.read_parquet(path)
    units = {m["metric"]: m.get("unit", "") for m in manifest.get("key_metrics", []) if isinstance(m, dict)}
    statistics = _sibling_units(manifest)
    units = {**statistics, **units}
    table = differences.select(
        "scenario", "metric", pl.col("metric").replace_strict(units, default="").alias("unit"),
        pl.col("mean_baseline").alias("baseline mean"), pl.col("mean_scenario").alias("scenario mean"),
        "difference", pl.col("ci_low").alias("CI low"), pl.col("ci_high").alias("CI high"),
        pl.col("independent_half_width_estimate").alias("independent half-width (est.)"), "adjustment")
    level = f"{differences['family_level'][0]:.0%}" if differences.height else ""
    text = (f"<h2>Paired differences against {html.escape(str(manifest.get('baseline', '')))}</h2>{_table(table)}"
            f"<p class='note'>{level} family-wise intervals of each scenario's paired difference from the baseline "
            "under common random numbers (same seed and replications).</p>")
    return text, sorted(folder.glob("*.png"))


def _sibling_units(manifest: dict[str, Any]) -> dict[str, str]:
    """Each metric's unit from the model's metric list (empty if the model is not known here)."""
    from sim.scenario import get_model

    try:
        return {m.name: m.unit for m in get_model(str(manifest.get("model"))).metrics}
    except Exception:  # a comparison of an older manifest without a model: units stay blank
        return {}


def _sweep_sections(folder: Path, charts: Path) -> tuple[str, list[Path]]:
    from sim.sweeps import load_sweep
    from sim.sweeps.charts import plot_sobol, plot_sweep

    from sim.cli import _clipped_to_metric_ranges
    from sim.scenario import get_model

    result = load_sweep(folder)
    units = _sibling_units(result.manifest)
    summary = _clipped_to_metric_ranges(result.summary(), get_model(result.model_name, folder / MANIFEST).metrics)
    table = summary.select("point", *result.parameters, "metric",
                           pl.col("metric").replace_strict(units, default="").alias("unit"), "n", "mean",
                           pl.col("ci_low").alias("95% CI low"), pl.col("ci_high").alias("95% CI high"), "failed")
    text = (f"<h2>Summary by design point</h2>{_table(table)}<p class='note'>{result.design.height} design points x "
            f"{result.replications} replications, common random numbers across points.</p>")
    key = [m for m in _key_metrics(result.manifest) if m in result.metrics] or list(result.metrics[:2])
    drawn = [plot_sweep(result, key, charts, units)]
    if result.manifest.get("design", {}).get("kind") == "saltelli":
        from sim.sweeps.sensitivity import sobol_analysis

        for metric in key:
            indices = sobol_analysis(result, metric)
            text += f"<h2>Sobol' indices of {html.escape(metric)}</h2>{_table(indices)}"
            drawn.append(plot_sobol(indices, metric, charts / f"sobol_{metric}.png"))
    return text, drawn


def _key_metrics(manifest: dict[str, Any]) -> list[str]:
    from sim.scenario import get_model

    try:
        return list(get_model(str(manifest.get("model"))).key_metrics)
    except Exception:  # an unknown model: the caller falls back to the first metrics
        return []


def report_html(folder: str | Path) -> str:
    """The report of a results folder (run, comparison, sweep or warm-up) as one HTML document."""
    folder = Path(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise RunFolderError(f"{folder}: not a results folder (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise RunFolderError(f"{path}: damaged manifest ({type(error).__name__}: {error})") from None
    if not isinstance(manifest, dict):
        raise RunFolderError(f"{path}: damaged manifest (not a JSON object)")
    kind = manifest.get("kind") or ("sweep" if "fingerprint" in manifest else "run")
    with tempfile.TemporaryDirectory(prefix="sim-report-") as scratch:
        charts = Path(scratch)
        if kind == "run":
            sections, images = _run_sections(folder, charts)
        elif kind == "comparison":
            sections, images = _comparison_sections(folder, manifest)
        elif kind == "sweep":
            sections, images = _sweep_sections(folder, charts)
        elif kind == "warmup":
            sections, images = "", sorted(folder.glob("*.png"))
        else:
            raise InputError(f"{path}: kind {kind!r} has no report (run, comparison, sweep or warmup)")
        figures = "".join(_image(image) for image in images)
    name = manifest.get("scenario") or manifest.get("sweep") or folder.name
    title = f"{kind}: {name}"
    description = (manifest.get("resolved_scenario") or {}).get("description") or manifest.get("description")
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(str(title))}</title>"
        f"<style>{STYLE}</style></head><body><h1>{html.escape(str(title))}</h1>"
        + (f"<p>{html.escape(str(description))}</p>" if description else "")
        + f"<h2>What was run</h2>{_provenance(manifest)}{sections}"
        + (f"<h2>Charts</h2>{figures}" if figures else "")
        + f"<p class='note'>Report of {html.escape(str(folder))}, written {made} by sim report.</p></body></html>\n"
    )


def write_report(folder: str | Path, out: str | Path | None = None) -> Path:
    """Write `report_html(folder)` to `out` (default: `folder/report.html`) atomically; returns the path."""
    target = Path(out) if out is not None else Path(folder) / REPORT_NAME
    atomic_write_bytes(target, report_html(folder).encode("utf-8"))
    return target
