"""A second process loads the compiled kernels from numba's cache instead of compiling them again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import json
import numpy as np
from sim.kernels.logit import logit_probabilities, logit_probabilities_parallel

logit_probabilities(np.zeros((3, 2)), True)
logit_probabilities_parallel(np.zeros((3, 2)), True)
print(json.dumps({kernel.__name__: {"hits": sum(kernel.stats.cache_hits.values()),
                                    "misses": sum(kernel.stats.cache_misses.values())}
                  for kernel in (logit_probabilities, logit_probabilities_parallel)}))
"""


def run_fresh_process(cache_dir: Path) -> dict:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache_dir), "PYTHONPATH": str(REPO)}
    completed = subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=REPO, capture_output=True, text=True,
                               check=True, timeout=300)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_second_process_uses_the_compile_cache(tmp_path):
    first = run_fresh_process(tmp_path)
    assert all(stats["misses"] == 1 and stats["hits"] == 0 for stats in first.values()), first
    assert any(tmp_path.rglob("*.nbi")), "no cache index written"
    second = run_fresh_process(tmp_path)
    assert all(stats["hits"] == 1 and stats["misses"] == 0 for stats in second.values()), second
