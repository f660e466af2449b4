"""Named, independent random streams for one run (common random numbers by construction).

One `numpy.random.SeedSequence` per run. The stream for component `name` in replication `k` is

    SeedSequence(entropy=seed, spawn_key=(k, stable_hash(name)))

so a stream depends only on (seed, replication, name): never on which other streams exist or the order
in which they are asked for. Changing a capacity leaves the arrival stream untouched, and replication k
is the same whether 30 or 40 replications run.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["stable_hash", "stream_seed", "Streams"]


def stable_hash(name: str) -> int:
    """A 32-bit hash of `name` that is the same in every process and Python version (unlike `hash`)."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=4).digest(), "little")


def stream_seed(seed: int, replication: int, name: str, *sub_keys: int) -> np.random.SeedSequence:
    """The seed sequence of stream `name` in `replication` (extra integer `sub_keys` give substreams,
    e.g. one per customer)."""
    if seed < 0 or replication < 0:
        raise ValueError(f"seed and replication must be non-negative (got {seed}, {replication})")
    return np.random.SeedSequence(entropy=seed, spawn_key=(replication, stable_hash(name), *sub_keys))


class Streams:
    """The random streams of one replication, created on first use and named by model component.

    >>> s = Streams(seed=7, replication=0)
    >>> a = s["arrivals"].random()
    >>> a == Streams(seed=7, replication=0)["arrivals"].random()
    True
    """

    def __init__(self, seed: int, replication: int):
        self.seed = int(seed)
        self.replication = int(replication)
        self._generators: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        generator = self._generators.get(name)
        if generator is None:
            generator = np.random.Generator(np.random.PCG64(stream_seed(self.seed, self.replication, name)))
            self._generators[name] = generator
        return generator

    def substream(self, name: str, index: int) -> np.random.Generator:
        """A fresh generator for member `index` of a family (a customer, a flight), independent of all
        others and of how many members the family has."""
        return np.random.Generator(np.random.PCG64(stream_seed(self.seed, self.replication, name, index)))

    def entropy(self, name: str, n_words: int = 2) -> np.ndarray:
        """`n_words` uint64 words of seed material for stream `name`: for numba kernels that keep their
        own per-member generators."""
        return stream_seed(self.seed, self.replication, name).generate_state(n_words, dtype=np.uint64)
