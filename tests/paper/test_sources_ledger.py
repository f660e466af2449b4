"""Table 4, the sources ledger: every number in `scenarios/` carries a graded source or the word
`assumption`, and the parser reads the comment conventions it documents."""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path

import polars as pl
import pytest

from paper.sources_ledger import SCENARIOS, assumption_range, classify, key_labels, ledger

#: the grades docs/sources.md defines
SOURCES_MD = Path(__file__).resolve().parents[2] / "docs" / "sources.md"


def test_every_numeric_scenario_key_has_a_graded_source_or_says_assumption():
    table = ledger()
    assert table.height > 300  # the files were read (every number is counted in the next test)
    unlabelled = table.filter(pl.col("label") == "unlabelled").unique(["file", "key"], maintain_order=True)
    assert unlabelled.is_empty(), "\n".join(f"scenarios/{r['file']}: {r['key']} = {r['value']}: its comment names "
                                            "no graded source and no assumption"
                                            for r in unlabelled.iter_rows(named=True))


def test_every_number_of_every_file_is_in_the_ledger():
    """Counted independently of the parser: the numbers tomllib reads, file by file."""
    def numbers(value: object) -> int:
        if isinstance(value, bool):
            return 0
        if isinstance(value, (int, float)):
            return 1
        if isinstance(value, list):
            return sum(numbers(v) for v in value)
        if isinstance(value, dict):
            return sum(numbers(v) for v in value.values())
        return 0

    table = ledger()
    for path in SCENARIOS.rglob("*.toml"):
        document = tomllib.loads(path.read_text())
        document.pop("run", None)
        expected = numbers(document)
        counted = table.filter((pl.col("file") == path.relative_to(SCENARIOS).as_posix())
                               & ~pl.col("key").str.starts_with("run."))
        assert counted.height == expected, path


def test_every_grade_is_one_docs_sources_defines():
    grades = set(re.findall(r"\*\*Grades\.\*\* (.*?)\n\n", SOURCES_MD.read_text(), re.S)[0].split())
    assert {"H:", "M:", "L:"} <= grades
    cited = set(ledger().filter(pl.col("label") == "source")["grade"])
    assert cited and all(set(grade.split("/")) <= {"H", "M", "L"} for grade in cited)


DOCUMENT = """\
title = "x"  # not a number
# a block above the table
[a]
inline = 1.0  # assumption, range [0.5, 3]
# a block above the key (Canalys, M/H)
above = 2
plain = 3
mix = { x = 0.7, y = 0.3 }  # (EC, H)
profile = [0.1, 0.2,
           0.3]  # assumption, Monday first

[b]
name = "M/M/4"  # M/M/4 is no grade
queue = 4       # an M/M/4 queue

[[parameters]]
low = 1.0  # assumption, range 1,000-32,000
[[parameters]]
low = 2.0
"""


def test_key_labels_follow_inline_then_block_then_table():
    labels = key_labels(DOCUMENT)
    assert labels["a.inline"] == "assumption, range [0.5, 3]"
    assert labels["a.above"] == "a block above the key (Canalys, M/H)"
    assert labels["a.plain"] == "a block above the table"  # no comment of its own: the table's
    assert labels["a.mix"] == "(EC, H)"
    assert labels["a.profile"] == "assumption, Monday first"
    assert labels["parameters[0].low"].startswith("assumption")
    assert labels["parameters[1].low"] == ""


def test_classify_reads_grades_and_assumptions():
    assert classify("a block above the key (Canalys, M/H)", "a.above") == ("source", "M/H")
    assert classify("(EC, H)", "a.mix") == ("source", "H")
    assert classify("an M/M/4 queue", "b.queue") == ("unlabelled", "")
    assert classify("Assumptions, all of them (M)", "x.y") == ("assumption", "")  # assumption wins
    assert classify("fitted, SE 0.1", "x.y") == ("fitted", "")
    assert classify("fixed prior, not identified", "x.y") == ("assumption", "")
    assert classify("", "x.replications") == ("control", "")


@pytest.mark.parametrize("label, key, value, expected", [
    ("assumption, range [0.5, 3]", "a.scale", 1.0, (0.5, 3.0, "stated")),
    ("assumption, range 4,000-32,000", "a.gpu", 8000.0, (4000.0, 32000.0, "stated")),
    ("assumption", "a.base_utility", -0.6, (-1.1, -0.1, "default +-0.5 (utility)")),
    ("assumption", "a.hours", 3.0, (1.5, 6.0, "default [x/2, 2x]")),
    ("assumption", "a.pre_cleared_share", 0.8, (0.4, 1.0, "default [x/2, 2x]")),
])
def test_assumption_ranges(label, key, value, expected):
    low, high, rule = assumption_range(label, key, value)
    assert (low, high, rule) == pytest.approx(expected) if rule == expected[2] else False


def test_an_assumption_of_zero_has_no_default_range():
    low, high, rule = assumption_range("assumption", "a.fee", 0.0)
    assert math.isnan(low) and math.isnan(high) and rule == "none"


def test_an_unlabelled_key_is_found(tmp_path):
    (tmp_path / "x.toml").write_text("[m]\nrate = 2.0  # assumption\nsize = 3\n")
    table = ledger(tmp_path)
    assert table.filter(pl.col("label") == "unlabelled")["key"].to_list() == ["m.size"]


def test_a_range_in_a_table_block_labels_its_keys_but_gives_them_no_range(tmp_path):
    """A table header's comment block speaks of many keys: `quality` inherits its label (assumption) but not
    the range the block states for `floor`, so it takes the default +-0.5 of a utility (the bug this guards
    against: cloud_status_quo's [providers.alibaba] keys took the floor's range 0.0075-0.03 and fell out of
    the uncertainty design); `floor`'s own inline range and `lead`'s block-above range still hold."""
    (tmp_path / "x.toml").write_text(
        "# Providers: floor = 0.015 (assumption, range 0.0075-0.03)\n[p]\nquality = 0.2\n"
        "floor = 0.015  # assumption, range 0.0075-0.03\n# assumption, range [2, 8]\nlead = 4\n"
        "rates = [0.1,\n  0.2]\n")
    assert key_labels((tmp_path / "x.toml").read_text(), own_only=True).keys() == {"p.floor", "p.lead"}
    rows = {row["key"]: row for row in ledger(tmp_path).iter_rows(named=True)}
    assert rows["p.quality"]["label"] == "assumption"
    assert (rows["p.quality"]["range_low"], rows["p.quality"]["range_high"]) == pytest.approx((-0.3, 0.7))
    assert rows["p.quality"]["range_rule"] == "default +-0.5 (utility)"
    assert (rows["p.floor"]["range_low"], rows["p.floor"]["range_high"]) == (0.0075, 0.03)
    assert (rows["p.lead"]["range_low"], rows["p.lead"]["range_high"]) == (2.0, 8.0)
    assert rows["p.rates"]["range_rule"] == "default [x/2, 2x]"  # a multi-line array labelled by the table block
