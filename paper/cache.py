"""The paper's results cache: every simulation the paper needs runs once and is stored as a run directory
named by the SHA-256 of everything that decides its numbers.

The cache key of a run is the hash of (as canonical JSON):

* the resolved scenario: the validated config with every default filled in (`config.model_dump`), and the
  scenario's name (it is written into the result tables);
* the `--set` overrides, in order (already inside the resolved config; kept so that the key says how the
  config was reached);
* the seed and the number of replications;
* a hash of the bytes of every file under `sim/` (the code that simulates; compiled caches -- `__pycache__`,
  numba's `*.nbi`/`*.nbc` -- are outputs of that code, not inputs, and are left out);
* the versions of Python, numpy, scipy, numba and polars.

A hit loads `cache/<key>/` with `sim.load`; a miss runs the scenario and writes it there atomically
(`sim.core.results.write_run`: a temporary sibling renamed into place), so an interrupted build leaves no
half-written entry. An entry that exists but cannot be read (a missing or unreadable table or manifest) is
reported with a `CorruptCacheEntry` warning and run again. An entry that reads fine is trusted as it is:
editing a cached result changes the paper, which is how a test checks that the text follows the results.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from sim.api import run_scenario
from sim.core.results import RunResult, load_run, write_run
from sim.scenario import load_scenario

__all__ = ["ResultCache", "CachedRun", "CorruptCacheEntry", "code_hash", "environment_versions", "SIM_DIR"]

SIM_DIR = Path(__file__).resolve().parents[1] / "sim"
#: the packages whose versions enter every key (with Python's)
KEYED_PACKAGES = ("numpy", "scipy", "numba", "polars")
#: files under sim/ that the code writes rather than reads
_GENERATED_SUFFIXES = (".pyc", ".nbi", ".nbc")


class CorruptCacheEntry(UserWarning):
    """A cache entry exists but cannot be read; it is run again."""


def code_hash(directory: Path = SIM_DIR) -> str:
    """SHA-256 over the relative path and bytes of every file under `directory` (sorted), compiled caches
    aside."""
    digest = hashlib.sha256()
    files = sorted(path for path in Path(directory).rglob("*")
                   if path.is_file() and "__pycache__" not in path.parts and path.suffix not in _GENERATED_SUFFIXES)
    for path in files:
        digest.update(path.relative_to(directory).as_posix().encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def environment_versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    versions.update({name: metadata.version(name) for name in KEYED_PACKAGES})
    return versions


@dataclass(frozen=True)
class CachedRun:
    """One run the build used: where it came from and the key it is stored under."""

    scenario: str
    seed: int
    replications: int
    overrides: tuple[str, ...]
    key: str
    hit: bool


@dataclass
class ResultCache:
    """Runs scenarios through the cache in `root`. `quick` is the size the figures ask for (the test size);
    `code_dir` is the code whose bytes enter every key (tests point it at a copy). `used` lists every run
    served, in order; `misses` counts the simulations actually run."""

    root: Path
    quick: bool = False
    code_dir: Path = SIM_DIR
    used: list[CachedRun] = field(default_factory=list)
    misses: int = 0
    _code_hash: str | None = field(default=None, repr=False)

    def key(self, scenario_path: str | Path, *, reps: int, seed: int, overrides: Sequence[str] = ()) -> str:
        """The cache key of running `scenario_path` with these overrides, replications and seed."""
        scenario = load_scenario(scenario_path, overrides)
        return self._key(scenario.name, scenario.config.model_dump(mode="json"), reps, seed, overrides)

    def _key(self, name: str, resolved: object, reps: int, seed: int, overrides: Sequence[str]) -> str:
        if self._code_hash is None:
            self._code_hash = code_hash(self.code_dir)
        document = {"scenario": name, "resolved": resolved, "overrides": list(overrides), "seed": int(seed),
                    "replications": int(reps), "code": self._code_hash, "versions": environment_versions()}
        return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()

    def run(self, scenario_path: str | Path, *, reps: int, seed: int, overrides: Sequence[str] = ()) -> RunResult:
        """The result of `sim.run(scenario_path, reps=reps, seed=seed, overrides=overrides)`, from the cache
        when it holds it, else run and stored."""
        scenario = load_scenario(scenario_path, overrides)
        key = self._key(scenario.name, scenario.config.model_dump(mode="json"), reps, seed, overrides)
        entry = Path(self.root) / key
        result = self._load(entry)
        hit = result is not None
        if result is None:
            result = run_scenario(scenario, reps=reps, seed=seed)
            write_run(result, entry, force=entry.exists())
            result = load_run(entry)  # the tables the paper reads are the stored ones, hit or miss
            self.misses += 1
        self.used.append(CachedRun(scenario.name, int(seed), int(reps), tuple(overrides), key, hit))
        return result

    @staticmethod
    def _load(entry: Path) -> RunResult | None:
        if not entry.exists():
            return None
        try:
            return load_run(entry)  # reads every eager table, so a bad file fails here
        except Exception as error:  # any unreadable entry: a truncated Parquet file, bad JSON, a missing file
            warnings.warn(f"cache entry {entry} is corrupt ({type(error).__name__}: {error}); running it again",
                          CorruptCacheEntry, stacklevel=3)
            shutil.rmtree(entry, ignore_errors=True)
            return None
