"""Run a numba kernel with a given thread count (the parallel variants must not depend on it)."""

import numba

THREAD_COUNTS = sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)})


def with_threads(n_threads, kernel, *args):
    previous = numba.get_num_threads()
    numba.set_num_threads(n_threads)
    try:
        return kernel(*args)
    finally:
        numba.set_num_threads(previous)
