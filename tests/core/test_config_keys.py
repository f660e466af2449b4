"""`sim show --keys`: every numeric key's bounds read from the schema as a reader states them (an unbounded
side left out, never 1e308), and the unit its name states."""

from __future__ import annotations

from typing import Annotated, Optional

import pytest
from pydantic import Field, create_model
from typer.testing import CliRunner

from sim.cli import app
from sim.core.config import FiniteFloat, NonNegative, Positive, Probability, bounds_text, unit_of
from tests.conftest import REPO
from tests.core.test_finite_fields import FIELDS


@pytest.mark.parametrize("annotation, expected", [
    (FiniteFloat, "any finite number"),
    (int, "any integer"),
    (NonNegative, "≥ 0"),
    (Positive, "> 0"),
    (Probability, "in [0, 1]"),
    (Annotated[FiniteFloat, Field(le=0.0)], "≤ 0"),
    (Annotated[FiniteFloat, Field(gt=1.0, le=100.0)], "in (1, 100]"),
    (Annotated[int, Field(ge=0, lt=2**63)], "in [0, 9223372036854775808)"),
    (Optional[Positive], "> 0"),
    (list[Positive], "each > 0"),
    (list[list[Annotated[FiniteFloat, Field(ge=0.0, lt=24.0)]]], "each in [0, 24)"),
    (str, None),
    (bool, None),
])
def test_bounds_read_as_a_reader_states_them(annotation, expected):
    probe = create_model("Probe", value=(annotation, ...))
    assert bounds_text(probe.model_fields["value"]) == expected


@pytest.mark.parametrize("key, unit", [("transit_hours", "hours"), ("shoppers_per_day", "per day"),
                                       ("air_freight_eur_per_kg", "EUR per kg"), ("coupon_eur", "EUR"),
                                       ("loss_probability", "probability"), ("base_utility", "")])
def test_units_come_from_the_key_name(key, unit):
    assert unit_of(key) == unit


def test_every_numeric_field_of_every_schema_states_finite_bounds():
    """The walk of tests/core/test_finite_fields.py (defaults, optional tables and list elements included)."""
    for where, cls, name in FIELDS:
        text = bounds_text(cls.model_fields[name])
        assert text is not None, where
        assert "inf" not in text and "e+" not in text and "308" not in text, (where, text)


def test_show_keys_prints_each_numeric_key_with_unit_and_bounds():
    result = CliRunner().invoke(app, ["show", str(REPO / "scenarios" / "customs_clearance.toml"), "--keys"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    rows = {line.split("│")[1].strip(): [cell.strip() for cell in line.split("│")[2:-1]]
            for line in result.stdout.splitlines() if line.startswith("│")}
    assert rows["customs.arrivals_per_hour"] == ["32.0", "per hour", "> 0", ""]
    assert rows["customs.officers"][2] == "in [1, 10000]"
    assert rows["run.warmup_days"][:3] == ["1.0", "days", "≥ 0"]


def test_every_numeric_field_states_its_unit_by_name_or_description():
    missing = [where for where, cls, name in FIELDS if not unit_of(name) and not cls.model_fields[name].description]
    assert missing == []
