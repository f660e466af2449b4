"""fast_exp against np.exp over the whole double range, the clamps and the special values.

Bound asserted: at most 2 ulp from np.exp for normal results (fast_exp is within 1 ulp of the true value,
measured 1 ulp at most from np.exp, and np.exp itself is not correctly rounded on every CPU), and at most
2 units of the smallest subnormal (2 * 2**-1074) where the result is subnormal.
"""

from __future__ import annotations

import platform
import re

import llvmlite.binding as llvm
import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from sim.kernels.fast_exp import fast_exp

SMALLEST_NORMAL = np.finfo(np.float64).tiny
SMALLEST_SUBNORMAL = np.nextafter(0.0, 1.0)
MAX_ULP = 2.0


@njit
def fast_exp_array(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = fast_exp(x[i])
    return out


def exp_ulp_error(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(error in ulp of np.exp(x) where the result is normal, absolute error where it is subnormal or 0)."""
    with np.errstate(over="ignore"):
        exact = np.exp(x)
    fast = fast_exp_array(x)
    normal = np.isfinite(exact) & (exact >= SMALLEST_NORMAL)
    ulp = np.abs(fast[normal] - exact[normal]) / np.spacing(exact[normal])
    absolute = np.abs(fast[~normal & np.isfinite(exact)] - exact[~normal & np.isfinite(exact)])
    return ulp, absolute


def test_within_two_ulp_on_a_dense_grid_over_the_whole_range():
    x = np.linspace(-745.2, 709.78, 4_000_001)
    ulp, absolute = exp_ulp_error(x)
    assert ulp.max() <= MAX_ULP
    assert absolute.max() <= 2 * SMALLEST_SUBNORMAL


def test_within_two_ulp_near_zero_where_the_reduction_is_exact():
    tiny = np.geomspace(1e-300, 1e-3, 1000)
    x = np.concatenate([np.linspace(-1.0, 1.0, 200_001), tiny, -tiny])
    ulp, _ = exp_ulp_error(x)
    assert ulp.max() <= MAX_ULP
    assert fast_exp(0.0) == 1.0


def test_subnormal_results_are_rounded_once():
    x = np.linspace(-745.13, -708.4, 200_001)  # exp(x) from the smallest subnormal up to the smallest normal
    with np.errstate(under="ignore"):
        exact = np.exp(x)
    assert np.abs(fast_exp_array(x) - exact).max() <= 2 * SMALLEST_SUBNORMAL
    assert fast_exp(-745.1) > 0.0  # still the smallest subnormal, not flushed to 0


def test_clamps_overflow_and_underflow_exactly_like_np_exp():
    largest_finite = np.log(np.finfo(np.float64).max)  # 709.78271289338397
    assert np.isfinite(fast_exp(np.nextafter(largest_finite, 0.0)))
    assert fast_exp(709.79) == np.inf
    assert fast_exp(710.0) == np.inf
    assert fast_exp(1e4) == np.inf
    assert fast_exp(1e308) == np.inf
    assert fast_exp(-745.2) == 0.0
    assert fast_exp(-746.0) == 0.0
    assert fast_exp(-1e4) == 0.0
    assert fast_exp(-1e308) == 0.0


def test_special_values():
    assert fast_exp(np.inf) == np.inf
    assert fast_exp(-np.inf) == 0.0
    assert np.isnan(fast_exp(np.nan))
    values = fast_exp_array(np.array([np.nan, 1.0, np.nan, -1.0]))  # NaN lanes inside a vectorised loop
    assert np.isnan(values[[0, 2]]).all()
    np.testing.assert_allclose(values[[1, 3]], [np.e, 1 / np.e], rtol=4e-16)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(min_value=-750.0, max_value=715.0, allow_nan=False), min_size=1, max_size=64))
def test_property_within_two_ulp_of_np_exp(values):
    ulp, absolute = exp_ulp_error(np.array(values))
    assert ulp.size == 0 or ulp.max() <= MAX_ULP
    assert absolute.size == 0 or absolute.max() <= 2 * SMALLEST_SUBNORMAL


def test_a_loop_over_fast_exp_is_vectorised():
    """The point of fast_exp: LLVM widens the loop (packed FMAs on ymm/zmm registers on x86-64 with AVX2)."""
    features = llvm.get_host_cpu_features().flatten().split(",")
    if platform.machine() != "x86_64" or not {"+avx2", "+fma"} <= set(features) or numba.config.CPU_NAME:
        pytest.skip("packed-instruction check written for x86-64 hosts with AVX2 and FMA")
    fast_exp_array(np.zeros(4))
    assembly = fast_exp_array.inspect_asm(fast_exp_array.signatures[0])
    packed_fma = re.findall(r"vfn?m(?:add|sub)\d+pd\s+[^\n]*%[yz]mm", assembly)
    assert len(packed_fma) >= 10, "the loop over fast_exp was not vectorised"
