"""Generate a dataset: plan shards, run them in parallel worker processes, write the manifest last.

Layout of a dataset directory ``<out>/<name>-<hash>/`` (the hash covers the whole config and the
data format version, so a changed config never reuses stale shards; ``<out>/<name>`` links to it):

- ``dataset.json``: the manifest, written last and atomically: its presence means complete;
- ``config.json``: the resolved config; ``files/``: auxiliary inputs (SLHA spectra);
- ``pileup/<split>-NNNN.parquet``: minimum-bias pools; ``<process>/<split>-NNNN.parquet``: events;
- ``logs/``: each shard's Pythia output.

Shards already on disk are reused, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import shutil
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from pathlib import Path

import flowad
from flowad.atomic import point_symlink, write_text_atomic
from flowad.configio import to_plain
from flowad.data.config import DATA_FORMAT_VERSION, DataConfig
from flowad.data.shards import ShardTask, run_shard
from flowad.data.storage import read_metadata
from flowad.errors import FlowadInputError
from flowad.hashing import content_hash

MANIFEST = "dataset.json"


def dataset_hash(config: DataConfig) -> str:
    return content_hash({"format": DATA_FORMAT_VERSION, "config": config})


def dataset_dir(config: DataConfig, out: str | Path) -> Path:
    return Path(out) / f"{config.name}-{dataset_hash(config)}"


def plan(config: DataConfig, directory: Path) -> tuple[list[ShardTask], list[ShardTask]]:
    """(pool shards, event shards) for the whole dataset."""
    digest = dataset_hash(config)

    def split_up(total: int, **identity) -> list[ShardTask]:
        n_shards = math.ceil(total / config.shard_events)
        sizes = [total // n_shards + (i < total % n_shards) for i in range(n_shards)]
        return [ShardTask(str(directory), config, digest, index=i, n_events=n, **identity) for i, n in enumerate(sizes)]

    pools = []
    if config.pileup.mean > 0:
        for split in config.used_splits():
            pools += split_up(config.pileup.pool_size(split), split=split)
    events = []
    for name in config.processes:
        for split, n in config.process_splits(name).items():
            events += split_up(n, split=split, process=name)
    return pools, events


def generate(
    config: DataConfig,
    out: str | Path,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
) -> Path:
    """Generate (or find in the cache) the dataset for ``config`` under ``out``; returns its directory.

    ``progress(done_events, total_events)`` is called as shards finish. ``executor`` may be any
    :class:`concurrent.futures.Executor` (e.g. one backed by a Ray cluster); by default a pool of
    ``workers`` spawned processes, or this process when ``workers == 1``.
    """
    if workers < 1:
        raise FlowadInputError(f"--workers must be >= 1, got {workers}")
    directory = dataset_dir(config, out)
    link = Path(out) / config.name
    if (directory / MANIFEST).is_file():
        point_symlink(link, directory)
        return directory
    fresh = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True)
    try:
        _generate_into(config, directory, workers, progress, executor)
    except BaseException:
        if fresh and not any(directory.rglob("*.parquet")):
            shutil.rmtree(directory, ignore_errors=True)  # nothing worth resuming: leave no trace
        raise
    point_symlink(link, directory)
    return directory


def _generate_into(config: DataConfig, directory: Path, workers: int,
                   progress: Callable[[int, int], None] | None, executor: Executor | None) -> None:
    write_text_atomic(directory / "config.json", json.dumps(to_plain(config), indent=2, sort_keys=True) + "\n")
    for proc in config.processes.values():
        for name, text in proc.process.files().items():
            write_text_atomic(directory / "files" / name, text)

    pools, events = plan(config, directory)
    todo = {t.relpath for t in pools + events if not _is_complete(t)}
    total = sum(t.n_events for t in pools + events)
    done = total - sum(t.n_events for t in pools + events if t.relpath in todo)
    if progress:
        progress(done, total)

    def report(summary: dict) -> None:
        nonlocal done
        done += summary["events"]
        if progress:
            progress(done, total)

    pending_pools = {split: [t for t in pools if t.split == split and t.relpath in todo] for split in config.used_splits()}
    waiting = [t for t in events if t.relpath in todo]
    first = [t for ts in pending_pools.values() for t in ts]
    first += [t for t in waiting if not pending_pools.get(t.split)]
    waiting = [t for t in waiting if t not in first]

    own = executor is None
    if own:
        executor = _InProcess() if workers == 1 else ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        _run(executor, first, waiting, pending_pools, report)
    except BaseException:
        if own:
            stop_workers(executor)  # interrupted or failed: the shards in flight are abandoned, not waited for
        raise
    finally:
        if own:
            executor.shutdown(cancel_futures=True)

    _write_manifest(config, directory, pools, events)


def _run(executor: Executor, ready: list[ShardTask], waiting: list[ShardTask],
         pending_pools: dict[str, list[ShardTask]], report: Callable[[dict], None]) -> None:
    """Run ``ready`` now; release each split's event shards once its pool shards are all done."""
    running: dict[Future, ShardTask] = {executor.submit(run_shard, t): t for t in ready}
    while running:
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        for future in finished:
            task = running.pop(future)
            report(future.result())  # re-raises a worker's exception here
            if task.is_pool:
                pending_pools[task.split].remove(task)
                if not pending_pools[task.split]:
                    released = [t for t in waiting if t.split == task.split]
                    waiting[:] = [t for t in waiting if t.split != task.split]
                    running.update({executor.submit(run_shard, t): t for t in released})


def _is_complete(task: ShardTask) -> bool:
    if not task.path.is_file():
        return False
    try:
        meta = read_metadata(task.path)
    except FlowadInputError:
        return False
    return meta.get("config_hash") == task.config_hash and meta.get("n_events") == task.n_events


def _write_manifest(config: DataConfig, directory: Path, pools: list[ShardTask], events: list[ShardTask]) -> None:
    manifest = {
        "name": config.name,
        "config_hash": dataset_hash(config),
        "format_version": DATA_FORMAT_VERSION,
        "flowad_version": flowad.__version__,
        "seed": config.seed,
        "pileup_mean": config.pileup.mean,
        "processes": {name: {"kind": p.kind, "params": to_plain(p.process)} for name, p in config.processes.items()},
        "pools": [{"split": t.split, "path": t.relpath, "events": t.n_events} for t in pools],
        "shards": [{"process": t.process, "split": t.split, "path": t.relpath, "events": t.n_events} for t in events],
    }
    write_text_atomic(directory / MANIFEST, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


class _InProcess(Executor):
    """Runs each task at submission, in this process (one worker, no start-up cost)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered to the caller through the future, as a pool would
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


def stop_workers(executor: Executor) -> None:
    """Kill a process pool's workers now, so an interrupted generation leaves no process behind (a worker
    otherwise finishes its shard, minutes of Pythia, after the command has returned). Python 3.14's
    ``terminate_workers`` where it exists, else the pool's own process table."""
    if not isinstance(executor, ProcessPoolExecutor):
        return
    terminate = getattr(executor, "terminate_workers", None)
    if terminate is not None:
        terminate()
        return
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=10)
        if process.is_alive():
            process.kill()


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
