"""Loading the package, the CLI or any registered model has no side effects a user would see: the matplotlib
backend they chose stays theirs, and neither `matplotlib.pyplot` nor `scipy.stats` is imported (both cost
start-up time in every CLI call and every spawned sweep worker). Each check runs in a fresh interpreter,
since this test process has long since imported both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.scenario import model_names

REPO = Path(__file__).resolve().parents[1]
USER_BACKEND = "svg"  # a backend the package never picks itself (it used to force Agg)

PROBE = """
import json, sys
import matplotlib
matplotlib.use({backend!r})
{load}
print(json.dumps({{
    "pyplot": "matplotlib.pyplot" in sys.modules,
    "scipy_stats": "scipy.stats" in sys.modules,
    "backend": matplotlib.get_backend().lower(),
}}))
"""


def _load_in_fresh_process(load: str) -> dict:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    completed = subprocess.run([sys.executable, "-c", PROBE.format(backend=USER_BACKEND, load=load)],
                               capture_output=True, text=True, cwd=REPO, env=environment, timeout=300)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


LOADS = {
    **{f"model {name}": f"import sim.scenario\nsim.scenario.get_model({name!r})" for name in model_names()},
    "import sim": "import sim",
    "import sim.cli": "import sim.cli",
}


@pytest.mark.parametrize("load", LOADS.values(), ids=LOADS.keys())
def test_loading_leaves_pyplot_scipy_stats_and_backend_alone(load):
    state = _load_in_fresh_process(load)
    assert state == {"pyplot": False, "scipy_stats": False, "backend": USER_BACKEND}


def test_the_probe_can_see_pyplot_and_scipy_stats():
    """The probe is not blind: importing both, and switching the backend, shows up."""
    state = _load_in_fresh_process("import matplotlib.pyplot\nimport scipy.stats\nmatplotlib.use('Agg')")
    assert state == {"pyplot": True, "scipy_stats": True, "backend": "agg"}


# --- a fast start: the commands that only print help or read scenario headers load no numerical stack ------

HEAVY_MODULES = ("polars", "numba", "scipy", "simpy")

CLI_PROBE = """
import json, sys
sys.argv = ["sim", *{args!r}]
from sim.cli import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules)))
"""


def _heavy_modules_loaded_by(args: list[str]) -> list[str]:
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    completed = subprocess.run([sys.executable, "-c", CLI_PROBE.format(args=args, heavy=HEAVY_MODULES)],
                               capture_output=True, text=True, cwd=REPO, env=environment, timeout=300)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [["--help"], ["list"], ["run", "--help"]], ids=" ".join)
def test_help_and_list_load_no_polars_numba_scipy_or_simpy(args):
    """`sim --help` and `sim list` start fast because their process never imports the numerical stack
    (the import time is measured in bench/startup.py; this deterministic check keeps it from creeping back)."""
    assert _heavy_modules_loaded_by(args) == []


def test_the_cli_probe_sees_a_command_that_loads_a_model():
    """The CLI probe is not blind: `sim show` loads the customs model, hence Polars and SimPy."""
    loaded = _heavy_modules_loaded_by(["show", "scenarios/customs_clearance.toml"])
    assert {"polars", "simpy"} <= set(loaded)
