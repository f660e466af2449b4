"""Dotted keys: set and read in a nested document, with the errors a user sees."""

import pytest

from sim.core.documents import KeyPathError, get_key_path, set_key_path


def test_set_creates_missing_tables_and_get_reads_back():
    document = {"run": {"seed": 1}}
    set_key_path(document, "logistics.customs.officers", 3)
    set_key_path(document, "run.seed", 7)
    assert document == {"run": {"seed": 7}, "logistics": {"customs": {"officers": 3}}}
    assert get_key_path(document, "logistics.customs.officers") == 3


def test_a_scalar_on_the_way_or_a_table_replaced_by_a_scalar_is_an_error():
    document = {"run": {"seed": 1}}
    with pytest.raises(KeyPathError, match="run.seed is not a table"):
        set_key_path(document, "run.seed.x", 2)
    with pytest.raises(KeyPathError, match="is a table; set one of its keys"):
        set_key_path(document, "run", 2)
    with pytest.raises(KeyPathError, match="run.horizon_days is not in the document"):
        get_key_path(document, "run.horizon_days")
    assert document == {"run": {"seed": 1}}
