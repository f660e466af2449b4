"""Where the runs of a sweep execute: in this process, in a local process pool, or on a Dask cluster.

The unit of work is a `Chunk`: the model's name and the module that defines it, the resolved scenario
document of each design point it touches, and a list of (point, replication) runs. `run_chunk` is a
top-level, importable function, so it pickles by name: a worker (a fresh `spawn`ed process, or a Dask worker
on another machine) receives only plain data, imports the model's module (never the scenario loader or the
model registry), validates each point's config with the model's config class and calls the runner's
`simulate_replication`. Replication k of every design point runs with `Streams(seed, k)` (common random
numbers), whichever worker runs it.

Why `spawn` for the process pool: Polars (and other libraries with thread pools) can deadlock in a
`fork`ed child, so the pool is created with a `spawn` context of its own; the global start method is
never touched. Like Dask and every `spawn`-based pool, a *script* that starts a process-pool sweep must
keep its top-level code under `if __name__ == "__main__":` (notebooks and the CLI need nothing).
"""

from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback as traceback_module
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures import as_completed as futures_as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.core.model import Model

__all__ = [
    "SweepOptions",
    "Chunk",
    "RunOutcome",
    "run_chunk",
    "Backend",
    "SerialBackend",
    "PoolBackend",
    "DaskBackend",
    "resolve_backend",
    "make_chunks",
    "default_workers",
    "process_pool",
    "chunk_size_for",
]


#: the executors a sweep file may name (a scheduler address comes only from --scheduler or the API: Dask's
#: protocol carries pickles, so a sweep file from someone else must not choose where code runs)
EXECUTOR_NAMES = ("serial", "process", "dask")
#: seconds between a pool worker's checks that its parent still runs
PARENT_CHECK_SECONDS = 1.0


@dataclass(frozen=True)
class SweepOptions:
    """How a sweep's runs execute, in one typed object; none of it changes a run's numbers.

    `executor`: "process" (a local `spawn` pool; the default), "serial", "dask" (a LocalCluster started
    here), a scheduler address "tcp://host:8786", a `dask.distributed.Client` or a
    `concurrent.futures.Executor` (kept open, e.g. `process_pool()` reused across sweeps).
    `workers`: pool or cluster size (default: the cores this process may use).
    `chunk_size`: runs sent per task (default: a few tasks per worker).
    `retry_failed`: on resume, rerun the runs that failed last time.
    `progress`: show a progress bar.
    """

    executor: Any = "process"
    workers: int | None = None
    chunk_size: int | None = None
    retry_failed: bool = True
    progress: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.executor, str) and self.executor not in EXECUTOR_NAMES and "://" not in self.executor:
            raise ValueError(f"unknown executor {self.executor!r}: use {', '.join(map(repr, EXECUTOR_NAMES))} or a "
                             "scheduler address like 'tcp://host:8786'")
        for name in ("workers", "chunk_size"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a positive integer (got {value!r})")


@dataclass(frozen=True)
class RunOutcome:
    """One run's result: its metrics, or the error it raised."""

    point: int
    replication: int
    metrics: dict[str, float] | None
    error: str | None = None
    message: str | None = None
    traceback: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.metrics is not None


@dataclass(frozen=True)
class Chunk:
    """Several runs sent to a worker at once (plain, picklable data)."""

    model_name: str
    model_module: str  # defines MODEL, e.g. "sim.models.customs"
    documents: Mapping[int, Mapping[str, Any]]
    runs: tuple[tuple[int, int], ...]


def _import_model(model_name: str, model_module: str) -> "Model":
    """The `MODEL` of the module the sweep names (imported here, so a worker needs no registry)."""
    model = importlib.import_module(model_module).MODEL
    if model.name != model_name:
        raise RuntimeError(f"module {model_module!r} defines model {model.name!r}, but the sweep runs {model_name!r}")
    return model


def run_chunk(chunk: Chunk) -> list[RunOutcome]:
    """Run every (point, replication) of `chunk` in order; an exception in a run is recorded, not raised.
    The parent resolved each point's warm-up (`warmup_days = "auto"`) before sending the chunk."""
    from sim.core.runner import simulate_replication

    outcomes: list[RunOutcome] = []
    configs: dict[int, Any] = {}
    model = None
    for point, replication in chunk.runs:
        started = time.perf_counter()
        try:
            if model is None:
                model = _import_model(chunk.model_name, chunk.model_module)
            if point not in configs:
                configs[point] = model.config_type.model_validate(chunk.documents[point])
            output = simulate_replication(model, configs[point], replication)
            metrics = {metric.name: float(output.metrics[metric.name]) for metric in model.metrics}
            outcomes.append(RunOutcome(point, replication, metrics, seconds=time.perf_counter() - started))
        except Exception as error:  # noqa: BLE001 - a failing run is recorded and the sweep goes on
            outcomes.append(RunOutcome(point, replication, None, type(error).__name__, str(error),
                                       traceback_module.format_exc(), time.perf_counter() - started))
    return outcomes


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def make_chunks(runs: Sequence[tuple[int, int]], size: int) -> list[tuple[tuple[int, int], ...]]:
    """Consecutive slices of `runs` (sorted by point, then replication) of at most `size` runs."""
    ordered = sorted(runs)
    size = max(1, int(size))
    return [tuple(ordered[i:i + size]) for i in range(0, len(ordered), size)]


# --- backends ------------------------------------------------------------------------------------------

class Backend:
    """Submit chunks and receive their outcomes as they finish (the caller re-orders them)."""

    name = "backend"
    workers = 1

    def default_chunk_size(self, n_runs: int) -> int:
        return 1

    def run(self, chunks: Sequence[Chunk]) -> Iterator[list[RunOutcome]]:
        raise NotImplementedError

    def close(self, abort: bool = False) -> None:
        """Release what this backend started (never what the caller passed in); `abort` (after an error or
        Ctrl-C) also stops runs in flight: they are lost, everything finished is already stored."""

    def __enter__(self) -> "Backend":
        return self

    def __exit__(self, kind: Any, *exc: Any) -> None:
        self.close(abort=kind is not None)


class SerialBackend(Backend):
    """Runs every chunk in this process, in order."""

    name = "serial"

    def run(self, chunks: Sequence[Chunk]) -> Iterator[list[RunOutcome]]:
        for chunk in chunks:
            yield run_chunk(chunk)


SCRIPT_GUARD_HINT = (
    "the process pool starts its workers with 'spawn', which imports your script again in every worker; "
    "keep the script's top-level code under `if __name__ == \"__main__\":` (or use executor=\"serial\")"
)


def _check_not_bootstrapping() -> None:
    """A spawned worker re-imports the main script; a sweep started at its top level would recurse."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise RuntimeError(f"a sweep was started while a worker process was importing the main script: "
                           f"{SCRIPT_GUARD_HINT}")


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent_pid:  # the parent died (even by SIGKILL): its runs have no one to go to
            os._exit(1)


def start_worker(parent_pid: int) -> None:
    """Run in every pool worker as it starts: Ctrl-C is left to the parent (which stops the pool and keeps
    every finished run), and the worker exits within `PARENT_CHECK_SECONDS` of its parent's death."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="sim-watch-parent", daemon=True).start()


def process_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A local `spawn` process pool to pass as the executor of several sweeps in a row, so the workers
    start (and import the package) once:

        with process_pool(2) as pool:
            a = sweep(..., options=SweepOptions(executor=pool))
            b = sweep(..., options=SweepOptions(executor=pool))

    Workers keep the model code they imported: start a new pool after editing a model."""
    _check_not_bootstrapping()
    return ProcessPoolExecutor(max_workers=workers or default_workers(),
                               mp_context=multiprocessing.get_context("spawn"), initializer=start_worker,
                               initargs=(os.getpid(),))


class PoolBackend(Backend):
    """A `concurrent.futures` executor: a local `spawn` process pool that this backend starts and stops,
    or an executor the caller owns (kept open, e.g. to reuse warm workers across sweeps)."""

    name = "process"

    def __init__(self, workers: int | None = None, executor: Executor | None = None):
        self._owned = executor is None
        if executor is None:
            self.workers = workers or default_workers()
            executor = process_pool(self.workers)
        else:
            self.workers = workers or getattr(executor, "_max_workers", None) or default_workers()
        self.executor = executor

    def default_chunk_size(self, n_runs: int) -> int:
        return max(1, min(256, n_runs // (self.workers * 16)))

    def run(self, chunks: Sequence[Chunk]) -> Iterator[list[RunOutcome]]:
        futures: list[Future] = [self.executor.submit(run_chunk, chunk) for chunk in chunks]
        try:
            for future in futures_as_completed(futures):
                try:
                    outcomes = future.result()
                except BrokenProcessPool as error:
                    raise RuntimeError(f"a worker process of the pool died ({error}). If this ran from a "
                                       f"script: {SCRIPT_GUARD_HINT}") from error
                yield outcomes
        finally:
            for future in futures:
                future.cancel()

    def close(self, abort: bool = False) -> None:
        if not self._owned:
            return
        if abort:
            for process in list((getattr(self.executor, "_processes", None) or {}).values()):
                process.terminate()  # only the pool's own workers, which this backend started
        self.executor.shutdown(wait=True, cancel_futures=True)


class DaskBackend(Backend):
    """Dask distributed: a client on a scheduler `address`, a `LocalCluster` started here (`address=None`),
    or a `Client` the caller owns. Several runs go in one task so scheduler overhead stays small."""

    name = "dask"

    def __init__(self, address: str | None = None, workers: int | None = None, client: Any = None,
                 processes: bool = True):
        from dask.distributed import Client, LocalCluster

        self._cluster = None
        self._owned_client = client is None
        if client is None:
            if address is None:
                _check_not_bootstrapping()
                n = workers or default_workers()
                self._cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                                             dashboard_address=None)
                client = Client(self._cluster)
            else:
                print(f"connecting to the Dask scheduler at {address}", file=sys.stderr, flush=True)
                client = Client(address)
        self.client = client
        threads = sum(info.get("nthreads", 1) for info in client.scheduler_info()["workers"].values())
        self.workers = workers or max(1, threads)

    def default_chunk_size(self, n_runs: int) -> int:
        return max(1, min(1024, n_runs // (self.workers * 16)))

    def run(self, chunks: Sequence[Chunk]) -> Iterator[list[RunOutcome]]:
        from dask.distributed import as_completed

        futures = [self.client.submit(run_chunk, chunk, pure=False) for chunk in chunks]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self, abort: bool = False) -> None:
        if self._owned_client:
            self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def resolve_backend(executor: Any = "process", workers: int | None = None) -> Backend:
    """"serial", "process" (the default), "dask" (a LocalCluster started here), a scheduler address
    ("tcp://host:8786"), a `dask.distributed.Client`, or a `concurrent.futures.Executor`."""
    if isinstance(executor, Backend):
        return executor
    if executor is None or executor == "process":
        return PoolBackend(workers)
    if executor == "serial":
        return SerialBackend()
    if executor == "dask":
        return DaskBackend(None, workers)
    if isinstance(executor, str) and "://" in executor:
        return DaskBackend(executor, workers)
    if isinstance(executor, Executor):
        return PoolBackend(workers, executor)
    if type(executor).__name__ == "Client" and type(executor).__module__.startswith("distributed"):
        return DaskBackend(workers=workers, client=executor)
    raise ValueError(f"unknown executor {executor!r}: use 'serial', 'process', 'dask', a scheduler address "
                     "like 'tcp://host:8786', a dask.distributed.Client or a concurrent.futures.Executor")


def chunk_size_for(backend: Backend, n_runs: int, requested: int | None) -> int:
    if requested is not None:
        if requested < 1:
            raise ValueError(f"chunk_size must be a positive integer (got {requested})")
        return requested
    return backend.default_chunk_size(n_runs)

