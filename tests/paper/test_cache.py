"""The results cache hits when nothing that decides a run's numbers changed, and misses when the scenario
file, an override or a file under sim/ changed; a corrupt entry is run again with a warning."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from paper.cache import SIM_DIR, CorruptCacheEntry, ResultCache, code_hash

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "customs_clearance.toml"
SHORT = ["run.horizon_days=0.5", "run.warmup_days=0.05"]


def run(cache: ResultCache, path: Path = SCENARIO, overrides=SHORT):
    return cache.run(path, reps=2, seed=3, overrides=overrides)


def test_same_inputs_hit_and_give_the_same_tables(tmp_path):
    cache = ResultCache(tmp_path / "cache")
    first = run(cache)
    second = run(cache)
    assert cache.misses == 1 and [u.hit for u in cache.used] == [False, True]
    assert_frame_equal(first.summary, second.summary)


def test_an_override_misses(tmp_path):
    cache = ResultCache(tmp_path / "cache")
    run(cache)
    run(cache, overrides=[*SHORT, "customs.officers=5"])
    assert cache.misses == 2 and cache.used[0].key != cache.used[1].key


def test_seed_and_replications_are_in_the_key(tmp_path):
    cache = ResultCache(tmp_path / "cache")
    keys = {cache.key(SCENARIO, reps=2, seed=3, overrides=SHORT), cache.key(SCENARIO, reps=3, seed=3, overrides=SHORT),
            cache.key(SCENARIO, reps=2, seed=4, overrides=SHORT)}
    assert len(keys) == 3


def test_a_changed_scenario_file_misses_and_a_comment_does_not(tmp_path):
    cache = ResultCache(tmp_path / "cache")
    copy = tmp_path / "customs_clearance.toml"
    text = SCENARIO.read_text()
    copy.write_text(text)
    base = cache.key(copy, reps=2, seed=3, overrides=SHORT)
    copy.write_text(text + "\n# a comment changes no number\n")
    assert cache.key(copy, reps=2, seed=3, overrides=SHORT) == base
    copy.write_text(text.replace("arrivals_per_hour = 32.0", "arrivals_per_hour = 31.0"))
    assert cache.key(copy, reps=2, seed=3, overrides=SHORT) != base


def test_a_changed_file_under_sim_misses(tmp_path):
    code = tmp_path / "sim"
    shutil.copytree(SIM_DIR, code, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc"))
    assert code_hash(code) == code_hash(SIM_DIR)
    before = ResultCache(tmp_path / "cache", code_dir=code).key(SCENARIO, reps=2, seed=3, overrides=SHORT)
    kernel = code / "kernels" / "sampling.py"
    kernel.write_text(kernel.read_text() + "\n")
    after = ResultCache(tmp_path / "cache", code_dir=code).key(SCENARIO, reps=2, seed=3, overrides=SHORT)
    assert after != before


def test_a_corrupt_entry_is_rebuilt_with_a_warning(tmp_path):
    cache = ResultCache(tmp_path / "cache")
    first = run(cache)
    entry = tmp_path / "cache" / cache.used[0].key
    (entry / "summary.parquet").write_bytes(b"not parquet")
    with pytest.warns(CorruptCacheEntry, match="corrupt"):
        again = run(cache)
    assert cache.misses == 2
    assert_frame_equal(first.summary, again.summary)
    assert run(cache) is not None and cache.misses == 2  # the rebuilt entry is served again
