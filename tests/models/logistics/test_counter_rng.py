"""The counter-based uniforms (sim/models/logistics/counter_rng.py): uniform on [0, 1) and independent
across members and across counters.

Family of this file: four tests on 200,000 draws each (one Kolmogorov-Smirnov test of uniformity, two
correlation tests, one chi-square test of pair independence), each at level 0.001 / 4, so a correct
generator fails the file with probability <= 0.001 (Bonferroni). Power, each >= 0.9 at that level:
- KS: against any distribution with sup |F(x) - x| >= 0.0075. The critical distance is 0.00474; by the
  Dvoretzky-Kiefer-Wolfowitz inequality (Massart's constant) the empirical CDF lies within 0.00274 of the
  true one with probability >= 0.9, so the statistic exceeds 0.0075 - 0.00274 > 0.00474.
- correlation of pairs (member m, member m + 1 at the same counter; counter k, k + 1 of the same member):
  against |rho| >= 0.011 (sqrt(n) r is about N(0, 1); (3.662 + 1.282) / sqrt(200,000) = 0.011).
- chi-square on a 16 x 16 grid of adjacent-member pairs (df 255, critical value 341.1): against any joint
  law with chi-square distance phi^2 = sum (p_ij - q)^2 / q >= 0.00063 (noncentrality n phi^2 = 126.4 gives
  power 0.9, scipy ncx2).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from sim.models.logistics.counter_rng import counter_uniforms

N_DRAWS = 200_000
LEVEL = 0.001 / 4  # per test: the file's family of four at 0.001
KEY0, KEY1 = np.uint64(0x1234_5678_9ABC_DEF0), np.uint64(0x0FED_CBA9_8765_4321)  # arbitrary seed words


def _draws(members: np.ndarray, counters: np.ndarray) -> np.ndarray:
    return counter_uniforms(KEY0, KEY1, members.astype(np.int64), counters.astype(np.uint64))


def _grid() -> tuple[np.ndarray, np.ndarray]:
    """200,000 (member, counter) pairs: 2,000 members x 100 counters."""
    members, counters = np.meshgrid(np.arange(2_000), np.arange(100), indexing="ij")
    return members.ravel(), counters.ravel()


def test_draws_are_uniform_on_the_unit_interval():
    members, counters = _grid()
    u = _draws(members, counters)
    assert u.size == N_DRAWS and u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > LEVEL


def test_adjacent_members_are_uncorrelated():
    members, counters = _grid()
    a, b = _draws(members, counters), _draws(members + 1, counters)
    assert stats.pearsonr(a, b).pvalue > LEVEL


def test_adjacent_counters_of_one_member_are_uncorrelated():
    members, counters = _grid()
    a, b = _draws(members, counters), _draws(members, counters + 1)
    assert stats.pearsonr(a, b).pvalue > LEVEL


def test_adjacent_members_are_independent_on_a_grid():
    members, counters = _grid()
    a, b = _draws(members, counters), _draws(members + 1, counters)
    cells = np.bincount((a * 16).astype(int) * 16 + (b * 16).astype(int), minlength=256)
    assert stats.chisquare(cells).pvalue > LEVEL


def test_the_same_member_and_counter_give_the_same_draw_whatever_else_is_asked():
    """Counter-based: a draw depends only on (seed words, member, counter), not on the batch it is in."""
    alone = _draws(np.array([7]), np.array([3]))
    among = _draws(np.array([1, 7, 9]), np.array([0, 3, 5]))
    assert alone[0] == among[1]
    assert _draws(np.array([7]), np.array([4]))[0] != alone[0]
