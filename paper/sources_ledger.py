"""Table 4, the sources ledger: every number of the scenario files (`scenarios/`, sweep files included)
with the label its comment gives it, parsed from the comments.

A key's label is the first of: its inline comment (on the key's line, or on the continuation lines of a
multi-line array), the comment block directly above the key (no blank line between), the comment block
directly above its table header. Elements of a list or an inline table inherit their key's label. A label
classifies the key as:

* `source`: the comment cites a graded source, a grade in parentheses as the last item, e.g.
  `(European Commission, H)`, `(M)`, `(docs/sources.md, M/H)` -- the grades of `docs/sources.md`;
* `fitted`: the comment says `fitted` (written by `sim calibrate`, against `docs/sources/`);
* `assumption`: the comment says `assumption` (or `fixed prior`, what `sim calibrate` writes for a value
  the data do not identify), with or without a cited source;
* `control`: a key that sets how the model runs rather than the world (`CONTROL_KEYS`, and `[run]`);
* `unlabelled`: none of these -- a test fails on it.

An assumption's range is the one its own comment states (`range [lo, hi]` or `range lo-hi`, inline or in
the block directly above the key; a table header's block labels its keys but gives them no range, since it
speaks of many keys), else the stated default: +-0.5 for a utility (a key named `*utility*` or `*quality*`), [x/2, 2x] for a positive scale
(capped at 1 for a probability or share), none for a zero or negative value.
"""

from __future__ import annotations

import math
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402

__all__ = ["ledger", "key_labels", "classify", "assumption_range", "CONTROL_KEYS", "LEDGER_SCHEMA",
           "write_ledger", "SCENARIOS"]

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
#: keys (last dotted part) that set how a model runs or is sampled, not a number about the world: the
#: simulation fidelity and recording switches, sampling sizes, sweep-run settings, index conventions
CONTROL_KEYS = frozenset({
    "replications", "seed", "points", "grid_points", "taste_draws", "drain_days", "record_parcels",
    "business_weekdays", "weekdays", "delivery_weekdays", "kpi_days", "start_quarter", "horizon_days",
    "warmup_days",
})
#: a grade of docs/sources.md as the last item in parentheses: "(H)", "(EC, H)", "(36Kr, M)", "(M/H)"
_GRADE = re.compile(r"\((?:[^()]*[,;:]\s*)?\b((?:H|M|L)(?:/(?:H|M|L))?)\)")
_ASSUMPTION = re.compile(r"\bassum(?:ptions?|ed)\b|\bfixed prior\b", re.I)
_FITTED = re.compile(r"^\s*fitted\b", re.I)
_NUMBER = r"-?[0-9][0-9,]*(?:\.[0-9]+)?"
_RANGE = re.compile(rf"range\s*\[\s*({_NUMBER})\s*,\s*({_NUMBER})\s*\]|range\s+({_NUMBER})\s*-\s*({_NUMBER})")
_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\"-]+)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^([A-Za-z0-9_\"-]+)\s*=")

LEDGER_SCHEMA = {"file": pl.String, "key": pl.String, "value": pl.Float64, "label": pl.String, "grade": pl.String,
                 "range_low": pl.Float64, "range_high": pl.Float64, "range_rule": pl.String, "comment": pl.String}


def _split_comment(line: str) -> tuple[str, str]:
    """(code, comment) of a TOML line: the comment starts at the first `#` outside a string."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:i], line[i + 1:].strip()
    return line, ""


def key_labels(text: str, *, own_only: bool = False) -> dict[str, str]:
    """Dotted key (array-of-tables elements as `name[i]`) -> its label text, for every key a TOML document
    assigns, by the rules of the module docstring; with `own_only`, only the keys labelled by their own
    comment (inline or the block directly above), not by their table header's block."""
    labels, inherited = _labels(text)
    return {key: label for key, label in labels.items() if not (own_only and key in inherited)}


def _labels(text: str) -> tuple[dict[str, str], set[str]]:
    """(every key's label, the keys whose label is their table header's block)."""
    labels: dict[str, str] = {}
    inherited: set[str] = set()  # keys labelled by their table header's block
    table, table_label = "", ""
    block: list[str] = []  # the comment lines directly above the current line
    arrays: dict[str, int] = {}
    open_key, open_comments, open_fallback, open_inherited, depth = None, [], "", False, 0
    for line in text.splitlines():
        code, comment = _split_comment(line)
        if open_key is not None:  # inside a multi-line value
            if comment:
                open_comments.append(comment)
            depth += code.count("[") + code.count("{") - code.count("]") - code.count("}")
            if depth <= 0:
                labels[open_key] = " ".join(open_comments) or open_fallback
                if not open_comments and open_inherited:
                    inherited.add(open_key)
                open_key = None
            continue
        if not code.strip():
            block = block + [comment] if comment else []
            continue
        header = _HEADER.match(code)
        if header:
            name = header.group(2).replace('"', "")
            if header.group(1) == "[[":
                arrays[name] = arrays.get(name, -1) + 1
                name = f"{name}[{arrays[name]}]"
            table, table_label, block = name, " ".join(block), []
            continue
        key = _KEY.match(code.strip())
        if key:
            dotted = f"{table}.{key.group(1)}" if table else key.group(1)
            label = comment or " ".join(block) or table_label
            label_inherited = not (comment or block)
            value = code.split("=", 1)[1]
            depth = value.count("[") + value.count("{") - value.count("]") - value.count("}")
            if depth > 0:
                open_key, open_comments, open_fallback = dotted, [comment] if comment else [], label
                open_inherited = label_inherited
            else:
                labels[dotted] = label
                if label_inherited:
                    inherited.add(dotted)
        block = []
    return labels, inherited


def _leaves(value: object, path: str) -> Iterator[tuple[str, float]]:
    """(dotted path, number) of every number inside `value` (list elements and inline-table members keep
    the path of their key)."""
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield path, float(value)
    elif isinstance(value, list):
        for element in value:
            yield from _leaves(element, path)
    elif isinstance(value, dict):
        for element in value.values():
            yield from _leaves(element, path)


def _keys(document: dict, labels: dict[str, str], prefix: str = "") -> Iterator[tuple[str, object]]:
    """(key path as `key_labels` names it, value) of every key a parsed document assigns: a dict or list is
    a leaf when the labels name it (an inline table or array), else a table or array of tables."""
    for name, value in document.items():
        path = f"{prefix}.{name}" if prefix else name
        if isinstance(value, dict) and path not in labels:
            yield from _keys(value, labels, path)
        elif isinstance(value, list) and path not in labels:
            for i, element in enumerate(value):
                yield from _keys(element, labels, f"{path}[{i}]")
        else:
            yield path, value


def classify(label: str, key: str) -> tuple[str, str]:
    """(label class, grade) of a key's label text (module docstring)."""
    if key.rsplit(".", 1)[-1] in CONTROL_KEYS or key.startswith("run."):
        return "control", ""
    if _FITTED.search(label):
        return "fitted", ""
    if _ASSUMPTION.search(label):
        return "assumption", ""
    grade = _GRADE.search(label)
    if grade:
        return "source", grade.group(1)
    return "unlabelled", ""


def assumption_range(label: str, key: str, value: float) -> tuple[float, float, str]:
    """(low, high, rule) of an assumption: the range its comment states, else the stated default."""
    found = _RANGE.search(label)
    if found:
        low, high = (g for g in found.groups() if g is not None)
        return float(low.replace(",", "")), float(high.replace(",", "")), "stated"
    name = key.rsplit(".", 1)[-1]
    if "utility" in name or "quality" in name:
        return value - 0.5, value + 0.5, "default +-0.5 (utility)"
    if value > 0:
        high = 2 * value
        if ("probability" in name or "share" in name) and high > 1:
            high = 1.0
        return value / 2, high, "default [x/2, 2x]"
    return math.nan, math.nan, "none"


def ledger(scenarios: Path = SCENARIOS) -> pl.DataFrame:
    """One row per number of every scenario and sweep file under `scenarios`: file, key, value, label class,
    grade, range (assumptions) and the comment it was read from."""
    rows = []
    for path in sorted(Path(scenarios).rglob("*.toml")):
        text = path.read_text()
        labels, inherited = _labels(text)
        for dotted, value in _keys(tomllib.loads(text), labels):
            label = labels.get(dotted, "")
            for _, number in _leaves(value, dotted):
                kind, grade = classify(label, dotted)
                low, high, rule = (assumption_range("" if dotted in inherited else label, dotted, number) if kind == "assumption"
                                   else (math.nan, math.nan, ""))
                rows.append({"file": path.relative_to(scenarios).as_posix(), "key": dotted, "value": number,
                             "label": kind, "grade": grade, "range_low": low, "range_high": high,
                             "range_rule": rule, "comment": label})
    return pl.DataFrame(rows, schema=LEDGER_SCHEMA)


def write_ledger(out_dir: Path, scenarios: Path = SCENARIOS) -> list[Path]:
    """`table4_sources.csv` (every number), `table4_sources_summary.csv` (counts by label class and grade)
    and `table4_sources_graded.csv` (one row per key with a graded source: what the paper's Table 4 prints)."""
    table = ledger(scenarios)
    paths = [Path(out_dir) / "table4_sources.csv", Path(out_dir) / "table4_sources_summary.csv",
             Path(out_dir) / "table4_sources_graded.csv"]
    table.write_csv(paths[0], float_precision=6)
    (table.filter(pl.col("label") == "source")
     .group_by("file", "key", "grade", "comment", maintain_order=True)
     .agg(pl.col("value").map_elements(lambda v: f"{v:g}", return_dtype=pl.String).unique(maintain_order=True)
          .str.join(", ").alias("values"))
     .select("file", "key", "values", "grade", "comment").write_csv(paths[2]))
    (table.group_by("label", "grade").agg(pl.len().alias("numbers"), pl.col("key").n_unique().alias("keys"))
     .sort("label", "grade").write_csv(paths[1]))
    return paths


if __name__ == "__main__":
    with pl.Config(tbl_rows=-1, fmt_str_lengths=80, tbl_width_chars=200):
        print(ledger().filter(pl.col("label") == "unlabelled").select("file", "key", "value", "comment"))
