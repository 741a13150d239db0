"""Units of work run side by side: ``workers`` local processes (spawned, one thread each), in this process for 1,
or, given a cluster ``address``, as one-CPU Ray tasks spread over the cluster's nodes (``--full`` on a cluster).

Units are independent (each keeps its own result, :mod:`search.results.store`) except for the teachers they share,
which :func:`flowad.distill.prepare` trains once behind a file lock while the others wait. On a cluster the data
cache must therefore be one directory every node sees at the same path (a shared file system), as for a search.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

Call = tuple[Callable[..., Any], tuple]
Done = Callable[[int, Any], None]


def one_thread() -> None:
    """A worker uses one core: torch's and TensorFlow's thread pools (read when they first start) set to 1."""
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        os.environ[name] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import torch

    torch.set_num_threads(1)


def run_all(calls: Sequence[Call], workers: int, done: Done | None = None, address: str | None = None) -> list[Any]:
    """Every ``fn(*args)`` of ``calls``, in order; ``done(i, result)`` is called as each one finishes (any order)."""
    done = done or (lambda i, result: None)
    if address:
        return _on_ray(calls, address, done)
    if workers <= 1 or len(calls) <= 1:
        results = []
        for i, (fn, args) in enumerate(calls):
            results.append(fn(*args))
            done(i, results[-1])
        return results
    context = multiprocessing.get_context("spawn")  # TensorFlow and torch do not survive a fork
    with ProcessPoolExecutor(min(workers, len(calls)), mp_context=context, initializer=one_thread) as pool:
        futures = {pool.submit(fn, *args): i for i, (fn, args) in enumerate(calls)}
        results: list[Any] = [None] * len(calls)
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            done(i, results[i])
        return results


def _one_unit(fn: Callable[..., Any], args: tuple) -> Any:
    one_thread()
    return fn(*args)


def _on_ray(calls: Sequence[Call], address: str, done: Done) -> list[Any]:
    """Every call as a one-CPU task on the Ray cluster at ``address``, all submitted at once (Ray queues them)."""
    import ray

    from search.running.ray_session import start_ray

    start_ray(address)
    task = ray.remote(num_cpus=1, max_retries=1)(_one_unit)
    pending = {task.remote(fn, args): i for i, (fn, args) in enumerate(calls)}
    results: list[Any] = [None] * len(calls)
    waiting = list(pending)
    while waiting:
        ready, waiting = ray.wait(waiting, num_returns=1)
        i = pending[ready[0]]
        results[i] = ray.get(ready[0])
        done(i, results[i])
    return results
