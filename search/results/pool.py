"""Units of work run side by side: ``workers`` processes (spawned, one thread each), or in this process for 1.

Units are independent (each keeps its own result, :mod:`search.results.store`) except for the teachers they share,
which :func:`flowad.distill.prepare` trains once behind a file lock while the others wait.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

Call = tuple[Callable[..., Any], tuple]


def one_thread() -> None:
    """A worker uses one core: torch's and TensorFlow's thread pools (read when they first start) set to 1."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ[name] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import torch

    torch.set_num_threads(1)


def run_all(calls: Sequence[Call], workers: int, done: Callable[[int, Any], None] | None = None) -> list[Any]:
    """Every ``fn(*args)`` of ``calls``, in order; ``done(i, result)`` is called as each one finishes (any order)."""
    if workers <= 1 or len(calls) <= 1:
        results = []
        for i, (fn, args) in enumerate(calls):
            results.append(fn(*args))
            if done:
                done(i, results[-1])
        return results
    context = multiprocessing.get_context("spawn")  # TensorFlow and torch do not survive a fork
    with ProcessPoolExecutor(min(workers, len(calls)), mp_context=context, initializer=one_thread) as pool:
        futures = {pool.submit(fn, *args): i for i, (fn, args) in enumerate(calls)}
        results: list[Any] = [None] * len(calls)
        from concurrent.futures import as_completed

        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            if done:
                done(i, results[i])
        return results
