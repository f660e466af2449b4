"""`from sim import sweep` is the sweep function, whatever was imported before (the package is sim.sweeps)."""

import subprocess
import sys

from tests.conftest import REPO

CHECK = "from sim import sweep; import inspect; assert inspect.isfunction(sweep), type(sweep); print(sweep.__module__)"


def test_from_sim_import_sweep_is_the_function_in_a_fresh_process():
    for prelude in ("", "import sim.sweeps.engine, sim.sweeps.executors; "):
        done = subprocess.run([sys.executable, "-c", prelude + CHECK], cwd=REPO, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "sim.sweeps.engine"
