"""A sweep worker's module imports neither the scenario loader nor a face: workers are handed the model's
module path and never read the registry. (The other import rules: tests/test_layering.py.)"""

from __future__ import annotations

from tests.test_layering import GRAPH, _within


def test_sweep_workers_import_no_scenario_loader_and_no_face():
    forbidden = ("sim.scenario", "sim.api", "sim.comparison", "sim.cli")
    assert sorted(t for t in GRAPH["sim.sweeps.executors"] if any(_within(t, f) for f in forbidden)) == []
