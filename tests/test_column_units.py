"""Units travel in the files: every column of every table a shipped scenario writes carries a unit ("-" for
identifiers, labels and flags) and a description as Parquet key-value metadata, declared once on the
model's `tables` (sim.core.model.TableSpec); `RunResult.columns` reads them back; the README's data
dictionary names the same columns as the declarations."""

import re

import polars as pl
import pytest

import sim
from sim.core.model import Column, TableSpec
from sim.core.results import COLUMN_DOCS, column_docs, column_metadata
from sim.scenario import get_model, load_scenario, model_names

from tests.conftest import REPO, SCENARIOS

SCENARIO_FILES = sorted(SCENARIOS.glob("*.toml"))

#: the smallest run of each model that writes every optional table: short horizons (above each file's
#: warm-up), parcel and price recording on
SMALLEST_RUN = {
    "customs": ["run.horizon_days=1.5", "run.warmup_days=0.5", "customs.record_parcels=true"],
    "customs_classes": ["run.horizon_days=1.5", "run.warmup_days=0.5"],
    "logistics": ["run.horizon_days=8", "logistics.drain_days=10", "logistics.record_parcels=true"],
    "cloud": ["run.horizon_days=182.5"],
    "marketplace": ["run.horizon_days=10", "run.warmup_days=0", "pricing.record_prices=true"],
    "cainiao": ["run.horizon_days=1825"],  # 20 quarters from 2020Q2: the buy-out files change at 2024Q2 (index 16)
}


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.stem for p in SCENARIO_FILES])
def test_every_written_column_has_a_unit_and_a_description(path, tmp_path):
    model = load_scenario(path).model
    out = tmp_path / "run"
    sim.run(path, reps=1, overrides=SMALLEST_RUN[model.name], out=out)
    tables = sorted(out.glob("*.parquet"))
    assert {"summary", "statistics"} <= {p.stem for p in tables}
    for table in tables:
        documented = column_docs(table)
        for column in pl.read_parquet_schema(table):
            unit, description = documented.get(column, ("", ""))
            assert unit.strip() and description.strip(), f"{path.name}: {table.name} column {column!r} undocumented"
    loaded = sim.load(out)
    for name in [*loaded.tables, "summary", "statistics"]:
        columns = loaded.columns(name)
        assert columns["column"].to_list() == loaded.table(name).collect_schema().names()
        assert columns["unit"].null_count() == 0 and columns["description"].null_count() == 0
        for column, unit, description in columns.iter_rows():  # the declarations, back from the files
            assert (unit, description) == tuple(model.table_columns(name).get(column) or COLUMN_DOCS[column])


def test_metadata_round_trip(tmp_path):
    """Declared (unit, description) pairs written with a table come back unchanged, spooled tables too;
    a declaration overrides the shared one; an undeclared column has no metadata."""
    declared = {"wait_hours": Column("h", "time waiting, hours"), "seed": Column("-", "overridden")}
    frame = pl.DataFrame({"wait_hours": [1.5], "seed": [3], "mystery": [0.0]})
    path = tmp_path / "t.parquet"
    frame.write_parquet(path, metadata=column_metadata(frame.columns, declared))
    assert column_docs(path) == {"wait_hours": ("h", "time waiting, hours"), "seed": ("-", "overridden")}
    lazy_path = tmp_path / "lazy.parquet"
    frame.lazy().sink_parquet(lazy_path, metadata=column_metadata(frame.columns, {"mystery": Column("m", "d")}))
    assert column_docs(lazy_path) == {"mystery": ("m", "d"), "seed": COLUMN_DOCS["seed"]}

def _readme_dictionary() -> dict[tuple[str, str], set[str]]:
    """(model, table) -> the backticked column names in the README's data dictionary row of that table."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found: dict[tuple[str, str], set[str]] = {}
    model = None
    for line in text.splitlines():
        heading = re.match(r'\*\*\w+\*\* \(`model = "(\w+)"', line)
        if heading:
            model = heading.group(1)
        elif line.startswith("**"):
            model = None
        row = re.match(r"\| `(\w+)`[^|]*\|[^|]*\|(.*)\|$", line)
        if model and row:
            found[(model, row.group(1))] = set(re.findall(r"`([\w<>]+)`", row.group(2)))
    return found


def _as_written_in_readme(name: str, stages: tuple[str, ...]) -> str:
    """A per-stage column as the README names the family (`held_<stage>`)."""
    for stage in stages:
        name = name.replace(f"_{stage}_", "_<stage>_") if name.startswith("cost_per_parcel_") else name
        if name == f"held_{stage}":
            return "held_<stage>"
    return name


def test_readme_dictionary_lists_the_declared_columns():
    from sim.models.logistics.network import STAGES

    readme = _readme_dictionary()
    declared = {(name, spec.name): spec for name in model_names() for spec in get_model(name).tables}
    assert set(readme) == set(declared)
    for key, spec in declared.items():
        names = {_as_written_in_readme(column, STAGES) for column in spec.columns}
        assert readme[key] == names, f"README table {key}: missing {names - readme[key]}, extra {readme[key] - names}"


def test_every_declared_column_has_a_unit_and_a_description():
    for name in model_names():
        for spec in get_model(name).tables:
            assert isinstance(spec, TableSpec) and spec.row
            for column, (unit, description) in spec.columns.items():
                assert unit.strip() and description.strip(), (name, spec.name, column)


def test_sim_report_shows_each_tables_columns_with_units(tmp_path):
    from sim.html_report import report_html

    out = tmp_path / "run"
    sim.run(SCENARIOS / "customs_clearance.toml", reps=1, overrides=SMALLEST_RUN["customs"], out=out)
    text = report_html(out)
    for column, unit in [("arrivals", "parcels"), ("busy_officers", "officers"), ("wait_hours", "h"),
                         ("replication", "-")]:
        assert f"<td>{column}</td><td>{unit}</td>" in text, column
    assert re.search(r"<h3>hourly \(\d+ rows\)</h3>", text) and "<h3>parcels (" in text


def test_every_comparison_column_is_documented():
    from sim.core.stats import _COMPARISON_SCHEMA

    assert set(_COMPARISON_SCHEMA) <= set(COLUMN_DOCS), set(_COMPARISON_SCHEMA) - set(COLUMN_DOCS)
