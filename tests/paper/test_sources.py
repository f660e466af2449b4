"""The sources in the repository: every machine-readable table under docs/sources/ is described in
docs/sources.md with the grades it uses, the bibliography holds every key the sources cite, and nothing
cites the source list by a name or path the repository does not ship."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[2]
SOURCES_MD = REPO / "docs" / "sources.md"
GRADES = {"H", "M", "L", "M/H", "H/M", "L/M"}


def test_every_source_table_is_described_and_graded():
    text = SOURCES_MD.read_text()
    tables = sorted((REPO / "docs" / "sources").glob("*.csv"))
    assert tables
    for path in tables:
        assert f"docs/sources/{path.name}" in text
        frame = pl.read_csv(path)
        assert {"source", "grade"} <= set(frame.columns), f"{path.name}: every row names its source and grade"
        assert frame["source"].null_count() == 0 and set(frame["grade"]) <= GRADES
        assert not frame["source"].str.contains("CALIBRATION").any()


def test_every_cloud_series_the_calibration_reads_is_in_sources_md():
    series = set(pl.read_csv(REPO / "docs" / "sources" / "cloud_published.csv")["series"])
    text = SOURCES_MD.read_text()
    assert series and all(f"`{name}` rows" in text for name in series)


def test_bibliography_keys_cited_in_sources_md_exist():
    keys = set(re.findall(r"@\w+\{(\w+),", (REPO / "docs" / "references.bib").read_text()))
    cited = set(re.findall(r"\[([a-z0-9_]+)\]", SOURCES_MD.read_text()))
    assert cited and cited <= keys


def test_no_file_cites_a_source_list_the_repository_does_not_ship():
    files = [p for folder in ("sim", "scenarios", "paper", "docs", "tests") for p in (REPO / folder).rglob("*")
             if p.is_file() and p.suffix in (".py", ".toml", ".md", ".typ", ".csv") and "build" not in p.parts
             and p.name != "test_sources.py"]
    offenders = [str(p.relative_to(REPO)) for p in files if "CALIBRATION.md" in p.read_text()]
    assert offenders == []
