"""Named streams: independent of creation order and of the number of replications."""

import numpy as np

from sim.core.rng import Streams, stable_hash


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


def test_stable_hash_is_fixed_across_processes():
    # blake2b is specified, so the value is a constant of the algorithm, not of this interpreter
    assert stable_hash("arrivals") == int.from_bytes(
        __import__("hashlib").blake2b(b"arrivals", digest_size=4).digest(), "little"
    )


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
