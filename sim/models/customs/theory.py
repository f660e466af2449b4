"""Closed-form M/M/c results (Erlang C) the simulated customs queue is checked against.

The formulas live in `sim.theory.queueing`; this module re-exports them under their old import path."""

from sim.theory.queueing import (
    erlang_c,
    mean_queue_length,
    mean_time_in_system,
    mean_wait_in_queue,
    priority_waits_in_queue,
    wait_quantile,
)

__all__ = ["erlang_c", "mean_wait_in_queue", "mean_queue_length", "mean_time_in_system", "wait_quantile",
           "priority_waits_in_queue"]
