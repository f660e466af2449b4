"""Q-learning merchants after Calvano, Calzolari, Denicolo & Pastorello (2020), "Artificial intelligence,
algorithmic pricing, and collusion", American Economic Review 110(10), 3267-3297.

Each merchant keeps a table Q(s, a): s is the grid index of every merchant's price in the last period (one
period = one repricing interval; memory one), a its own next grid index. At the start of a period it explores
with probability epsilon_t = exp(-beta t) (a uniformly drawn price) and otherwise plays argmax_a Q(s, a);
after the period it learns from its profit per visit r:
Q(s, a) <- (1 - alpha) Q(s, a) + alpha (r + delta max_a' Q(s', a')). Assumptions of this implementation:
Q starts at 0 (Calvano start from the payoff against uniformly random rivals), the grid runs from cost to
the valuation (the Bertrand and monopoly prices of the homogeneous market), and periods are days, so the
exploration decay beta must be far faster than Calvano's 4e-6 per period for learning to settle within a
run. An experiment: its prices are reported against the Bertrand and monopoly benchmarks (`profit_gain_delta`),
not tested to equal either.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["QLearner", "state_index"]


def state_index(grid_indices: NDArray[np.int64], grid_size: int) -> int:
    """The state of a price profile: its merchants' grid indices read as one number in base `grid_size`."""
    index = 0
    for k in grid_indices.tolist():
        index = index * grid_size + int(k)
    return index


class QLearner:
    """One merchant's Q table over (state, own price index)."""

    def __init__(self, n_states: int, grid_size: int, learning_rate: float, discount: float, exploration_decay: float):
        self.q = np.zeros((n_states, grid_size))
        self.learning_rate, self.discount, self.exploration_decay = learning_rate, discount, exploration_decay
        self.period = 0

    def choose(self, state: int, explore_uniform: float, action_uniform: float) -> int:
        """Epsilon-greedy with epsilon = exp(-beta t); ties in Q go to the lowest price index."""
        if explore_uniform < math.exp(-self.exploration_decay * self.period):
            return min(int(action_uniform * self.q.shape[1]), self.q.shape[1] - 1)
        return int(np.argmax(self.q[state]))

    def learn(self, state: int, action: int, reward: float, next_state: int) -> None:
        target = reward + self.discount * float(self.q[next_state].max())
        self.q[state, action] = (1.0 - self.learning_rate) * self.q[state, action] + self.learning_rate * target
        self.period += 1
