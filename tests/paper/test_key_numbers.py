"""The key table's formatting, and its inputs read from the scenario files (without any figure built)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from paper.key_numbers import COUNT, PERCENT, POINTS, RMB_BN, Display, key_table

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("display", "value", "text"), [
    (PERCENT, 0.9991, "99.9%"),
    (POINTS, 0.9991, "+99.9 points"),
    (RMB_BN, -52.4, "\N{MINUS SIGN}52"),
    (RMB_BN, 57.6, "+58"),
    (COUNT, 6202.0, "6,202"),
    (Display(2), None, "none"),
    (Display(2), float("nan"), "none"),
])
def test_display(display, value, text):
    assert display(value) == text


def test_inputs_come_from_the_scenario_files(tmp_path):
    """With no figure CSV the key table holds the inputs only, each equal to its key in the file."""
    table = key_table(tmp_path)
    assert set(table["kind"]) == {"input"}
    values = dict(zip(table["key"], table["value"]))
    eu = tomllib.loads((REPO / "scenarios" / "aliexpress_spain_5day_eu_duty_2026.toml").read_text())
    base = tomllib.loads((REPO / "scenarios" / "aliexpress_spain_5day.toml").read_text())
    assert values["input.eu_duty_eur"] == eu["logistics"]["costs"]["duty_per_item_eur"]
    assert values["input.eu_handling_fee_eur"] == eu["logistics"]["costs"]["handling_fee_per_item_eur"]
    assert values["input.promise_days"] == base["logistics"]["guarantee"]["promised_days"]
    assert values["input.flights_per_day"] == len(base["logistics"]["line_haul"]["departure_hours"])
    assert values["input.capacity_per_flight"] == base["logistics"]["line_haul"]["capacity_parcels"]
