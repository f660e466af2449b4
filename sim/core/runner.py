"""Run one scenario: independent replications with named streams, warm-up deletion, progress, and the
tidy tables and statistics of a `RunResult`.

This module owns the replication: `resolve_warmup` settles a `warmup_days = "auto"` once (one pilot
replication), and `simulate_replication` runs replication k. `run_model` loops over them for one scenario;
a sweep resolves the warm-up once per design point in the parent and its workers call
`simulate_replication` for each (point, replication).

The runner is handed a `Model` and its validated config; it knows nothing of scenario files.
Replication k always uses `Streams(seed, k)`, so replication k's numbers do not depend on how many
replications run, and two scenarios run with the same seed share their random numbers (common random
numbers) wherever their models ask for the same stream names.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np
import polars as pl
from rich.progress import TextColumn

from sim.core.config import ScenarioConfig
from sim.core.model import Model, ReplicationOutput
from sim.core.options import RunOptions
from sim.core.progress import progress_bar
from sim.core.results import RunResult, config_hash, environment_record
from sim.core.rng import Streams
from sim.core.spool import TableSpool
from sim.core.stats import precision_reached, summarise_metrics
from sim.core.warmup import MserResult, mser5

__all__ = ["with_run_settings", "simulate_replication", "run_model", "assemble_result", "choose_warmup", "WarmupChoice",
           "resolve_warmup", "PILOT_REPLICATION"]

ReplicationCallback = Callable[[int, ReplicationOutput], None]


def with_run_settings(config: ScenarioConfig, **settings: Any) -> ScenarioConfig:
    """A copy of `config` with fields of its `[run]` table replaced (re-validated)."""
    updated = {key: value for key, value in settings.items() if value is not None}
    if not updated:
        return config
    document = config.model_dump(mode="python")
    document["run"].update(updated)
    return type(config).model_validate(document)


def simulate_replication(model: Model, config: ScenarioConfig, replication: int) -> ReplicationOutput:
    """One replication with its own streams; checks that the model reported exactly its declared metrics.
    The warm-up must be resolved (`resolve_warmup`): the replication never runs a pilot of its own."""
    if config.run.warmup_days == "auto":
        raise ValueError('warmup_days = "auto" must be resolved before replications run (resolve_warmup)')
    output = model.simulate(config, Streams(config.run.seed, replication))
    declared = {metric.name for metric in model.metrics}
    reported = set(output.metrics)
    if declared != reported:
        raise RuntimeError(
            f"model {model.name!r} reported metrics {sorted(reported)} but declares {sorted(declared)}"
        )
    return output


def assemble_result(
    model: Model,
    config: ScenarioConfig,
    scenario_name: str,
    outputs: dict[int, ReplicationOutput],
    *,
    level: float = 0.95,
    manifest: dict[str, Any] | None = None,
) -> RunResult:
    """Tidy tables from per-replication outputs, in replication order (never completion order)."""
    seed = config.run.seed
    order = sorted(outputs)
    summary = pl.DataFrame(
        {
            "scenario": [scenario_name] * (len(order) * len(model.metrics)),
            "replication": [k for k in order for _ in model.metrics],
            "seed": [seed] * (len(order) * len(model.metrics)),
            "metric": [metric.name for _ in order for metric in model.metrics],
            "value": [float(outputs[k].metrics[metric.name]) for k in order for metric in model.metrics],
        },
        schema={"scenario": pl.String, "replication": pl.Int64, "seed": pl.Int64, "metric": pl.String,
                "value": pl.Float64},
    )
    metric_info = pl.DataFrame(
        {
            "metric": [m.name for m in model.metrics],
            "unit": [m.unit for m in model.metrics],
            "kind": [m.kind for m in model.metrics],
            "description": [m.description for m in model.metrics],
        }
    )
    statistics = summarise_metrics(summary, level).join(metric_info, on="metric", how="left", maintain_order="left")
    tables: dict[str, pl.DataFrame | pl.LazyFrame] = {}
    spools: list[TableSpool] = []
    table_names = sorted({name for k in order for name in outputs[k].tables})
    for name in table_names:
        parts: list[pl.DataFrame | pl.LazyFrame] = []
        for k in order:
            produced = outputs[k].tables.get(name)
            if produced is None:
                continue
            table: pl.DataFrame | pl.LazyFrame
            if isinstance(produced, TableSpool):
                spools.append(produced)
                table = produced.scan()
            else:
                table = produced
            parts.append(table.select(
                pl.lit(scenario_name).alias("scenario"),
                pl.lit(k, dtype=pl.Int64).alias("replication"),
                pl.lit(seed, dtype=pl.Int64).alias("seed"),
                pl.all(),
            ))
        # a table is spooled in every replication or in none, so the parts are all eager or all lazy
        tables[name] = pl.concat(parts, how="vertical")  # type: ignore[type-var]
    return RunResult(
        scenario_name=scenario_name,
        model_name=model.name,
        resolved_scenario=config.model_dump(mode="json", exclude_none=True),
        summary=summary,
        statistics=statistics,
        tables=tables,
        manifest=manifest or {},
        spools=spools,
        column_docs={name: model.table_columns(name) for name in tables},
    )


PILOT_REPLICATION = 2**32 - 1  # the warm-up pilot's streams, never used by a counted replication


@dataclass(frozen=True)
class WarmupChoice:
    """The MSER-5 warm-up found on a pilot replication run with no warm-up."""

    warmup_days: float
    truncation_index: int
    series: np.ndarray
    mser: MserResult


def choose_warmup(model: Model, config: ScenarioConfig) -> WarmupChoice:
    """Run a pilot replication (its own streams) without warm-up and apply MSER-5 to the model's declared
    warm-up series (White 1997). The warm-up is the time of the first kept observation."""
    if model.warmup_series is None:
        raise ValueError(f"model {model.name!r} declares no warm-up series, so warmup_days cannot be 'auto'")
    spec = model.warmup_series
    pilot_config = with_run_settings(config, warmup_days=0.0)
    output = model.simulate(pilot_config, Streams(config.run.seed, PILOT_REPLICATION))
    produced = output.tables[spec.table]
    if isinstance(produced, TableSpool):
        raise ValueError(f"the warm-up series {spec.table!r} must be an in-memory table, not a spooled one")
    table = produced.sort(spec.time_column)
    series = table.get_column(spec.value_column).to_numpy().astype(np.float64)
    result = mser5(series)
    times = table.get_column(spec.time_column).to_numpy()
    warmup_days = float(times[result.truncation_index]) * spec.time_unit_days if result.truncation_index else 0.0
    return WarmupChoice(warmup_days, result.truncation_index, series, result)


def resolve_warmup(model: Model, config: ScenarioConfig) -> tuple[ScenarioConfig, dict[str, Any]]:
    """`config` with a `warmup_days = "auto"` replaced by the MSER-5 choice on one pilot replication, and
    the manifest's record of that choice; a given warm-up is kept, with an empty record."""
    if config.run.warmup_days != "auto":
        return config, {}
    choice = choose_warmup(model, config)
    spec = model.warmup_series
    assert spec is not None  # choose_warmup refuses a model without one
    record = {"warmup": {"method": "MSER-5 on a pilot replication", "warmup_days": choice.warmup_days,
                         "series": f"{spec.table}.{spec.value_column}",
                         "truncation_index": choice.truncation_index,
                         "at_search_limit": choice.mser.at_search_limit}}
    return with_run_settings(config, warmup_days=choice.warmup_days), record


def _replication_plan(config: ScenarioConfig, replications: int | Iterable[int] | None) -> list[int]:
    if replications is None:
        return list(range(config.run.replications))
    if isinstance(replications, int):
        return list(range(replications))
    return sorted(set(int(k) for k in replications))


def run_model(
    model: Model,
    config: ScenarioConfig,
    *,
    scenario_name: str,
    replications: int | Iterable[int] | None = None,
    seed: int | None = None,
    options: RunOptions | None = None,
    provenance: dict[str, Any] | None = None,
    on_replication: ReplicationCallback | None = None,
) -> RunResult:
    """Run `model` under `config` for the given replications (a count means 0..n-1) and collect the result.

    `seed` and the replication count override the scenario's `[run]` table; the result's resolved scenario
    records the values used, so it reruns exactly. A `warmup_days = "auto"` is replaced by the MSER-5
    choice on a pilot replication. `options` sets the confidence level, precision stopping and progress.

    With `options.precision` (a relative half-width such as 0.02), replications continue one at a time
    after the planned ones until every metric in `options.precision_metrics` (default: the model's key
    metrics) has a CI half-width below `precision` x |mean|, or `options.max_replications` is reached; the
    manifest says which metric bound the run (Law 2015, sequential procedure; coverage is only
    asymptotically nominal).
    """
    options = options or RunOptions()
    level, precision, max_replications = options.level, options.precision, options.max_replications
    replication_ids = _replication_plan(config, replications)
    if not replication_ids:
        raise ValueError("at least one replication is needed")
    config = with_run_settings(config, seed=seed)
    config, warmup_record = resolve_warmup(model, config)
    metrics_for_precision = list(options.precision_metrics or model.key_metrics) if precision else []
    if precision and not metrics_for_precision:
        raise ValueError(f"model {model.name!r} has no key metrics; name the metrics for precision stopping")

    started = datetime.now(timezone.utc)
    clock = time.perf_counter()
    outputs: dict[int, ReplicationOutput] = {}
    precision_record: dict[str, Any] = {}
    # with precision stopping the count after the planned replications is unknown: the bar then shows the
    # widest relative half-width against the target instead of a count toward max_replications
    with progress_bar("replications", TextColumn("{task.fields[precision]}"), enabled=options.progress) as bar:
        task = bar.add_task(scenario_name, total=len(replication_ids), precision="")
        queue = list(replication_ids)
        while queue:
            k = queue.pop(0)
            outputs[k] = simulate_replication(model, config, k)
            if on_replication is not None:
                on_replication(k, outputs[k])
            bar.advance(task)
            if precision and not queue:
                summary = summarise_metrics(_long_metrics(outputs, metrics_for_precision), level)
                check = precision_reached(summary, metrics_for_precision, precision)
                precision_record = {"precision": {"target_relative_half_width": precision, "reached": check.reached,
                                                  "binding_metric": check.binding_metric,
                                                  "metrics": metrics_for_precision, "replications": len(outputs),
                                                  "max_replications": max_replications}}
                if not check.reached and len(outputs) < max_replications:
                    queue.append(max(outputs) + 1)
                    binding = summary.filter(pl.col("metric") == check.binding_metric).row(0, named=True)
                    relative = binding["half_width"] / abs(binding["mean"]) if binding["mean"] else float("inf")
                    bar.update(task, total=None, precision=f"half-width {relative:.1%} of the mean of "
                               f"{check.binding_metric} (target {precision:.1%})")
    wall_seconds = time.perf_counter() - clock

    ids = sorted(outputs)
    config = with_run_settings(config, replications=len(ids))
    resolved = config.model_dump(mode="json", exclude_none=True)
    manifest = {
        "scenario": scenario_name,
        "model": model.name,
        "seed": config.run.seed,
        "replications": len(ids) if ids == list(range(len(ids))) else ids,
        "confidence_level": level,
        **(provenance or {}),
        **warmup_record,
        **precision_record,
        "resolved_scenario": resolved,
        "config_hash": config_hash(resolved),
        **environment_record(),
        "started_utc": started.isoformat(),
        "finished_utc": datetime.now(timezone.utc).isoformat(),
        "wall_seconds": round(wall_seconds, 3),
    }
    result = assemble_result(model, config, scenario_name, outputs, level=level, manifest=manifest)
    result.manifest["key_metrics"] = key_metric_record(result.statistics, model.key_metrics)
    return result


def key_metric_record(statistics: pl.DataFrame, names: Iterable[str]) -> list[dict[str, Any]]:
    """The key metrics' mean and CI with their unit, in the model's order, for the manifest (what `sim runs`
    and `sim.catalog()` show without opening a table)."""
    order = {name: i for i, name in enumerate(names)}
    rows = statistics.filter(pl.col("metric").is_in(list(order))).select("metric", "unit", "mean", "ci_low", "ci_high")
    return sorted(rows.to_dicts(), key=lambda row: order[row["metric"]])


def _long_metrics(outputs: dict[int, ReplicationOutput], metrics: list[str]) -> pl.DataFrame:
    rows = [(k, name, float(outputs[k].metrics[name])) for k in sorted(outputs) for name in metrics]
    return pl.DataFrame(rows, schema={"replication": pl.Int64, "metric": pl.String, "value": pl.Float64},
                        orient="row")
