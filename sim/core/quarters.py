"""Calendar quarters written YYYYQn: the clock of the quarterly models (cloud, cainiao). One quarter is
QUARTER_DAYS = 91.25 days (365 / 4)."""

from __future__ import annotations

import re

__all__ = ["QUARTER_DAYS", "QUARTER_PATTERN", "quarter_index", "quarter_label", "check_quarter"]

QUARTER_DAYS = 91.25
QUARTER_PATTERN = re.compile(r"^(\d{4})Q([1-4])$")


def quarter_index(label: str, start: str) -> int:
    """Quarters from `start` to `label` ("2024Q1" is 16 quarters after "2020Q1")."""
    a, b = QUARTER_PATTERN.match(label), QUARTER_PATTERN.match(start)
    if a is None or b is None:
        raise ValueError(f"quarters are written YYYYQn, e.g. 2024Q1 (got {label!r}, {start!r})")
    return (int(a.group(1)) - int(b.group(1))) * 4 + int(a.group(2)) - int(b.group(2))


def quarter_label(start: str, index: int) -> str:
    """The label of quarter `index` counted from `start` (index 0 is `start`)."""
    m = QUARTER_PATTERN.match(start)
    if m is None:
        raise ValueError(f"quarters are written YYYYQn (got {start!r})")
    q = int(m.group(1)) * 4 + int(m.group(2)) - 1 + index
    return f"{q // 4}Q{q % 4 + 1}"


def check_quarter(value: str) -> str:
    """A pydantic field validator's body: `value` unchanged if it is a quarter written YYYYQn."""
    if QUARTER_PATTERN.match(value) is None:
        raise ValueError("must be a quarter written YYYYQn, e.g. 2024Q1")
    return value
