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

Results that are not one scenario run (the validation table, the calibration) go through `ResultCache.table`:
a Polars table keyed the same way by its name, its inputs (as JSON), the code and the versions, stored as
`cache/<key>.parquet`.

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
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import polars as pl

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

    def table(self, name: str, inputs: Mapping[str, object], compute: Callable[[], pl.DataFrame],
              code_file: Path | None = None) -> pl.DataFrame:
        """The table `compute()` returns, from the cache when it holds it for this `name`, these `inputs`
        (JSON-able: everything besides the code that decides the table), the code under `sim/` and the bytes
        of `code_file` (the module outside `sim/` that computes it); else computed and stored (a temporary
        file renamed into place). An unreadable entry is computed again with a warning."""
        if self._code_hash is None:
            self._code_hash = code_hash(self.code_dir)
        document = {"table": name, "inputs": inputs, "code": self._code_hash, "versions": environment_versions(),
                    "module": hashlib.sha256(Path(code_file).read_bytes()).hexdigest() if code_file else None}
        key = hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()
        entry = Path(self.root) / f"{key}.parquet"
        frame = None
        if entry.exists():
            try:
                frame = pl.read_parquet(entry)
            except Exception as error:  # a truncated or foreign file
                warnings.warn(f"cache entry {entry} is corrupt ({type(error).__name__}: {error}); computing it "
                              "again", CorruptCacheEntry, stacklevel=2)
        hit = frame is not None
        if frame is None:
            frame = compute()
            entry.parent.mkdir(parents=True, exist_ok=True)
            temporary = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
            frame.write_parquet(temporary)
            os.replace(temporary, entry)
            frame = pl.read_parquet(entry)
            self.misses += 1
        self.used.append(CachedRun(f"table:{name}", 0, 0, (json.dumps(inputs, sort_keys=True, default=str),), key,
                                   hit))
        return frame

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
