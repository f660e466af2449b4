"""Designs: grids are full products, Latin hypercubes stratify every axis, integer and categorical
parameters are sampled uniformly, and bad declarations fail with the parameter's path."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.sweeps.designs import (
    Parameter,
    grid_design,
    latin_hypercube_design,
    make_design,
    parameters_from_vary,
    sobol_design,
)


def test_grid_is_the_full_product_with_the_first_parameter_slowest():
    design = grid_design(parameters_from_vary({"a.x": range(7, 22, 2), "b.y": [4, 6, 8]}))
    assert len(design) == 8 * 3
    assert design.point(0) == {"a.x": 7, "b.y": 4}
    assert design.point(1) == {"a.x": 7, "b.y": 6}
    assert design.point(23) == {"a.x": 21, "b.y": 8}
    assert all(type(v) is int for row in design.values for v in row)  # strict schemas reject np.int64


def test_grid_of_a_float_range_uses_evenly_spaced_points_and_integer_range_every_integer():
    design = grid_design([Parameter.continuous("a.x", 24.0, 40.0, grid_points=5), Parameter.integer("b.n", 2, 4)])
    assert sorted({row[0] for row in design.values}) == [24.0, 28.0, 32.0, 36.0, 40.0]
    assert sorted({row[1] for row in design.values}) == [2, 3, 4]
    with pytest.raises(ValueError, match="a.x: a float range needs grid_points"):
        grid_design([Parameter.continuous("a.x", 0.0, 1.0)])


def test_latin_hypercube_puts_exactly_one_point_in_each_stratum_of_every_axis():
    n = 20
    design = latin_hypercube_design([Parameter.continuous("a.x", -1.0, 3.0),
                                     Parameter.continuous("b.y", 10.0, 30.0)], n, seed=3)
    x = np.array(design.values, dtype=float)
    for column, (low, high) in zip(x.T, [(-1.0, 3.0), (10.0, 30.0)]):
        strata = np.floor((column - low) / (high - low) * n).astype(int)
        assert sorted(strata) == list(range(n))
    again = latin_hypercube_design(design.parameters, n, seed=3)
    assert again.values == design.values


def test_sobol_design_is_seeded_and_fills_the_box_evenly():
    design = sobol_design([Parameter.continuous("a.x", 0.0, 1.0), Parameter.continuous("b.y", 0.0, 1.0)], 256, seed=1)
    x = np.array(design.values)
    # a (t, m, s)-net in base 2: every one of the 16 x 16 cells of side 1/16 holds exactly one point
    cells = np.floor(x * 16).astype(int)
    assert len({tuple(c) for c in cells}) == 256
    assert make_design("sobol", design.parameters, points=256, seed=1).values == design.values


def test_integer_and_categorical_parameters_are_uniform_over_their_values():
    u = (np.arange(6000) + 0.5) / 6000
    integers = Parameter.integer("a.n", 1, 6).from_unit(u)
    assert np.bincount(integers, minlength=7)[1:].tolist() == [1000] * 6
    levels = Parameter.categorical("a.mode", ["air", "rail", "sea"]).from_unit(u)
    assert [levels.count(v) for v in ("air", "rail", "sea")] == [2000, 2000, 2000]
    assert Parameter.continuous("a.x", 2.0, 4.0).from_unit(np.array([0.0, 0.25, 1.0])) == [2.0, 2.5, 4.0]


def test_levels_pick_their_kind():
    assert Parameter.with_levels("a.x", [4, 6]).kind == "integer"
    assert Parameter.with_levels("a.x", [4, 6.5]).kind == "float"
    assert Parameter.with_levels("a.x", ["batch", "parcel"]).kind == "categorical"


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: Parameter.continuous("a.x", 3.0, 1.0), "a.x: low must be below high"),
        (lambda: Parameter.integer("a.n", 1.5, 4), "a.n: low of an integer parameter must be a whole number"),
        (lambda: Parameter.continuous("a.x", 0.0, math.inf), "a.x: high must be a finite number"),
        (lambda: Parameter.categorical("a.m", []), "a.m: levels must not be empty"),
        (lambda: Parameter("a..x", "float", 0.0, 1.0), "dotted key path"),
    ],
)
def test_bad_declarations_name_the_parameter(build, message):
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        build()


@settings(max_examples=60, deadline=None)
@given(low=st.integers(-50, 50), span=st.integers(1, 40), n=st.integers(1, 40), seed=st.integers(0, 2**32 - 1))
def test_sampled_values_stay_in_range_and_are_python_scalars(low, span, n, seed):
    parameters = [Parameter.integer("a.n", low, low + span), Parameter.continuous("a.x", float(low), float(low + span)),
                  Parameter.categorical("a.c", ["p", "q", "r"])]
    for design in (latin_hypercube_design(parameters, n, seed=seed), sobol_design(parameters, n, seed=seed)):
        assert len(design) == n
        for integer, real, level in design.values:
            assert type(integer) is int and low <= integer <= low + span
            assert type(real) is float and low <= real <= low + span
            assert level in {"p", "q", "r"}
        assert design.table().height == n
