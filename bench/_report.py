"""What the benchmark scripts share: their JSON record under bench/results/ and their printed tables.

The scripts run as `python bench/NAME.py`, so this folder is first on sys.path and `import _report` finds this
module (it is not part of the package, like the scripts).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console, JustifyMethod
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"


def write_record(name: str, record: dict[str, Any]) -> Path:
    """`record` as indented JSON in bench/results/<name>.json (values JSON cannot hold, such as paths, as their
    text), written to a temporary file and renamed, so an interrupted benchmark leaves the last record whole;
    prints where it went and returns the path."""
    path = RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8")
    temporary.replace(path)
    print(f"written to {path.relative_to(REPO)}")
    return path


def print_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[str]], *, caption: str | None = None,
                console: Console | None = None, title_justify: JustifyMethod = "center") -> None:
    """A rich table of formatted values: the first column (what is measured) left-aligned, the figures right."""
    table = Table(title=title, caption=caption, title_justify=title_justify)
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index == 0 else "right")
    for row in rows:
        table.add_row(*row)
    (console or Console()).print(table)


def print_measures(rows: Sequence[tuple[str, str, str]]) -> None:
    """The plain-text table of (measure, value, target) rows that the model benchmarks end with."""
    width = max(len(name) for name, _, _ in rows)
    print(f"\n{'measure':<{width}}  {'value':>14}  target")
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>14}  {target}")
