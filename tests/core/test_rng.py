"""Named streams: independent of creation order and of the number of replications."""

import os
import subprocess
import sys

import numpy as np

from sim.core.rng import Streams, stable_hash
from tests.conftest import REPO


def test_stream_does_not_depend_on_creation_order():
    first = Streams(seed=7, replication=3)
    a_then_b = (first["arrivals"].random(5), first["service"].random(5))
    second = Streams(seed=7, replication=3)
    b = second["service"].random(5)
    a = second["arrivals"].random(5)
    np.testing.assert_array_equal(a, a_then_b[0])
    np.testing.assert_array_equal(b, a_then_b[1])


def test_streams_differ_by_name_replication_and_seed():
    base = Streams(7, 0)["arrivals"].random(4)
    assert not np.array_equal(base, Streams(7, 0)["service"].random(4))
    assert not np.array_equal(base, Streams(7, 1)["arrivals"].random(4))
    assert not np.array_equal(base, Streams(8, 0)["arrivals"].random(4))


#: pinned: blake2b(b"arrivals", digest_size=4) read little-endian (RFC 7693, via hashlib), and the first
#: uniform of PCG64 seeded by SeedSequence(7, spawn_key=(0, that hash)) under NumPy 2's Generator.random
ARRIVALS_HASH = 1882990895
FIRST_ARRIVALS_DRAW = 0.45456512766453383


def test_stable_hash_and_first_draw_are_pinned_constants():
    assert stable_hash("arrivals") == ARRIVALS_HASH
    spelled_out = np.random.Generator(np.random.PCG64(np.random.SeedSequence(7, spawn_key=(0, ARRIVALS_HASH))))
    assert spelled_out.random() == FIRST_ARRIVALS_DRAW
    assert Streams(7, 0)["arrivals"].random() == FIRST_ARRIVALS_DRAW


def test_stable_hash_and_streams_are_the_same_in_another_process():
    """A second interpreter with another string-hash seed (PYTHONHASHSEED) gives the pinned values:
    Python's own `hash` would differ between the two."""
    code = ("from sim.core.rng import Streams, stable_hash; "
            "print(stable_hash('arrivals'), repr(Streams(7, 0)['arrivals'].random()), hash('arrivals'))")
    outputs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout.split() for seed in ("1", "2")]
    for hashed, draw, _ in outputs:
        assert int(hashed) == ARRIVALS_HASH and float(draw) == FIRST_ARRIVALS_DRAW
    assert outputs[0][2] != outputs[1][2]  # the builtin hash did change: the check had something to catch


def test_substreams_are_independent_of_family_size():
    streams = Streams(1, 2)
    customer_5 = streams.substream("customers", 5).random(3)
    np.testing.assert_array_equal(customer_5, Streams(1, 2).substream("customers", 5).random(3))
    assert not np.array_equal(customer_5, streams.substream("customers", 6).random(3))


def test_streams_are_statistically_independent():
    # correlation of two named streams over 100,000 draws: |r| < 4 standard errors (1/sqrt(n))
    streams = Streams(11, 0)
    x = streams["arrivals"].random(100_000)
    y = streams["service"].random(100_000)
    assert abs(np.corrcoef(x, y)[0, 1]) < 4.0 / np.sqrt(x.size)
