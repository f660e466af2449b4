"""An exp that LLVM can vectorise, for the logit kernels' inner loops.

`math.exp` in numba is a call into libm that the loop vectoriser cannot widen (numba has no vector math
library without Intel SVML), so a loop over 8 million exponentials runs one element at a time. `fast_exp`
is written from operations that have vector instructions (compare/select, floor, fused multiply-add,
integer shift, bit cast), so a loop calling it runs 4 or 8 lanes at a time.

Method (Cody & Waite 1980 range reduction; Tang 1989, ACM TOMS 15(2), for the error analysis):

    n = round(x / ln 2),   r = x - n ln2_hi - n ln2_lo,   |r| <= ln(2)/2,
    exp(x) = 2**n * p(r),  p = polynomial of degree 11 (Horner),

with ln 2 split into a high part whose product with n is exact and a low correction (the fdlibm constants).
p is the Chebyshev expansion exp(a t) = I_0(a) + 2 sum_k I_k(a) T_k(t), a = ln(2)/2, truncated after
k = 11 and rewritten in powers of r = a t (I_k: modified Bessel functions; computed in 60-digit decimal
arithmetic, then rounded to doubles). Its error is below 2 I_12(a) = 3e-18, 4e-18 relative, far under
half an ulp and close to the minimax polynomial's; the Taylor polynomial needs degree 13 for as much.
The scale 2**n is built from the exponent bits in two halves, 2**(n//2) * 2**(n - n//2), so that both
factors are normal numbers over the whole range and results in the subnormal range are rounded once.

Accuracy against `np.exp` (tests/kernels/test_fast_exp.py, which asserts 2 ulp to leave room for np.exp's
own error on other CPUs): measured at most 1 ulp for normal results, and at most 1 unit of 2**-1074 for
subnormal ones.
Range: x >= 709.79 gives inf and x <= -745.2 gives 0 (the arguments are clamped to [-746, 710] first, where
the result already overflows or underflows exactly as `np.exp` does); exp(-inf) = 0, exp(inf) = inf,
exp(nan) = nan.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from llvmlite import ir  # type: ignore[import-untyped]  # llvmlite ships no type information
from numba import njit, types
from numba.extending import intrinsic

if TYPE_CHECKING:
    from numba.core.base import BaseContext
    from numba.core.typing.context import BaseContext as TypingContext
    from numba.core.typing.templates import Signature

    _Codegen = Callable[[BaseContext, ir.IRBuilder, Signature, Sequence[ir.Value]], ir.Value]

__all__ = ["fast_exp"]

_LOG2_E = 1.4426950408889634  # 1 / ln 2
_LN2_HI = 6.93147180369123816490e-01  # ln 2 to 32 bits (fdlibm): n * _LN2_HI is exact for |n| <= 1076
_LN2_LO = 1.90821492927058770002e-10  # ln 2 - _LN2_HI
_X_MAX = 710.0  # exp(x) overflows for x > 709.7827; clamping here keeps n = 1024 and the result inf
_X_MIN = -746.0  # exp(x) rounds to 0 for x < -745.1332; clamping here keeps n = -1076 and the result 0
_EXPONENT_BIAS = 1023
_MANTISSA_BITS = 52

# Coefficients of r**k in p (k = 11, ..., 2; those of r and 1 are 1.0 to double precision): about 1/k!
_C11 = 2.5114870219497476e-08
_C10 = 2.7632640675430235e-07
_C9 = 2.755722495611072e-06
_C8 = 2.480148547921643e-05
_C7 = 0.00019841269909219843
_C6 = 0.0013888888952318045
_C5 = 0.008333333333309526
_C4 = 0.04166666666648808
_C3 = 0.16666666666666702
_C2 = 0.5000000000000019


@intrinsic
def _float64_from_bits(typingctx: TypingContext, bits: types.Type) -> tuple[Signature, _Codegen] | None:
    """Reinterpret the 64 bits of an int64 as a float64 (a bit cast, one vector instruction or none)."""
    if not isinstance(bits, types.Integer):
        return None

    def codegen(context: BaseContext, builder: ir.IRBuilder, signature: Signature,
                args: Sequence[ir.Value]) -> ir.Value:
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.int64), codegen


@njit(cache=True)
def _power_of_two(n: np.int64) -> float:
    """2.0**n for -1022 <= n <= 1023, built from the exponent bits (`fast_exp` uses -538 <= n <= 512)."""
    # numba's stub types an intrinsic's call as the Python-mode call of the typing function (typingctx, bits);
    # in nopython code the typing context is supplied by numba and only `bits` is passed
    return _float64_from_bits((n + _EXPONENT_BIAS) << _MANTISSA_BITS)  # type: ignore[call-arg, arg-type]


@njit(cache=True, fastmath={"contract"})
def fast_exp(x: float) -> float:
    """exp(x) for a float64 scalar, within 1 ulp of `np.exp`; vectorises when called in a loop.

    `fastmath={"contract"}` only lets LLVM fuse the Horner steps' multiply and add into one FMA (one
    rounding instead of two); it allows no reassociation and no assumptions about inf or NaN.
    """
    clamped = _X_MAX if x > _X_MAX else x
    clamped = _X_MIN if clamped < _X_MIN else clamped
    n_float = math.floor(clamped * _LOG2_E + 0.5)
    r = (clamped - n_float * _LN2_HI) - n_float * _LN2_LO
    p = _C11
    p = p * r + _C10
    p = p * r + _C9
    p = p * r + _C8
    p = p * r + _C7
    p = p * r + _C6
    p = p * r + _C5
    p = p * r + _C4
    p = p * r + _C3
    p = p * r + _C2
    p = p * r + 1.0
    p = p * r + 1.0
    n = np.int64(n_float)
    n_half = n >> 1
    result = p * _power_of_two(n_half) * _power_of_two(n - n_half)
    return result if x == x else x  # NaN in, NaN out (the NaN lane's integer n is garbage, never used)
