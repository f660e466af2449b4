"""Closed forms and equilibrium solvers, one copy of each, shared by the models and by `sim validate`.

- `queueing`: M/M/c results (Erlang C: P(wait), Wq, Lq, W, wait quantiles) and Cobham's non-preemptive
  priority waits. Pure Python; imports neither SciPy nor NumPy at module import.
- `io` (industrial organisation): the static logit-Bertrand equilibrium of multi-product firms (first-order
  conditions with an ownership matrix and optional outside good), static mixed-logit shares and price
  derivatives, a one-firm best-response multiplier, double marginalisation (Spengler 1950) with linear and
  logit downstream demand, and the newsvendor critical fractile (Arrow, Harris & Marschak 1951).

Rules: functions are pure (no model state, no random draws); each docstring states its assumptions and
source. This package may import `sim.kernels` and imports nothing else from `sim`, in particular no model.
Import the submodule you need (`from sim.theory import queueing`); this file imports neither, so loading
the queueing formulas does not load SciPy or the numba kernels.
"""
