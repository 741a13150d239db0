"""Every distinct teacher of a search, trained once as its own Ray task before the trials that use it.

A teacher is the only part of a trial that needs a GPU, and only the one trial that trains it used to get the
benefit: the others held their CPUs (and GPU fractions) while they waited on its lock. Here the driver lists
the teachers the space can produce (every combination of the ``teacher.*`` choices laid over the base
teacher), and trains each as a Ray task with the resources a teacher needs (``resources.teacher_gpus``, default the trial's ``gpus``), all at
once; trials then find them in the shared cache. A space with a numeric ``teacher.*`` range cannot be listed:
its teachers are trained inside the trials, as before, behind the same lock.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass

from flowad.configio import from_mapping, to_plain
from flowad.distill.config import DataSource
from flowad.teacher.config import TeacherConfig
from search.space.search_config import SearchConfig
from search.space.trial_spec import TrialSpec


def distinct_teachers(search: SearchConfig) -> list[dict] | None:
    """The teacher mappings of every trial the space can produce, each once; None when one is a numeric range."""
    keys = [k for k in search.space if k.startswith("teacher.")]
    if any(search.space[k].choices is None for k in keys):
        return None
    out: dict[str, dict] = {}
    for combination in itertools.product(*(search.space[k].choices for k in keys)):
        spec = TrialSpec.of(search, dict(zip(keys, combination)))
        out.setdefault(json.dumps(to_plain(spec.teacher), sort_keys=True), spec.mapping["teacher"])
    return list(out.values())


@dataclass(frozen=True)
class TeacherReady:
    teacher: dict
    trained_now: bool
    seconds: float
    error: str = ""


def train_teacher(data: dict, teacher: dict) -> TeacherReady:
    """Train (or find in the cache) one teacher and its scores: what a trial's ``prepare`` would do first."""
    from flowad.distill.run import prepare

    start = time.perf_counter()
    try:
        prepared = prepare(DataSource(**data), from_mapping(TeacherConfig, teacher))
    except Exception as exc:  # its trials fail with the same error, each once, with the reason
        return TeacherReady(teacher, False, time.perf_counter() - start, f"{exc.__class__.__name__}: {str(exc)[:200]}")
    return TeacherReady(teacher, prepared.teacher_trained_now, time.perf_counter() - start)


def pretrain_teachers(search: SearchConfig, progress=print) -> list[TeacherReady]:
    """Train the search's distinct teachers as Ray tasks, all at once, and wait for them (Ray must be started)."""
    import ray

    teachers = distinct_teachers(search)
    if not teachers:
        return []
    task = ray.remote(num_cpus=search.resources.cpus, num_gpus=search.resources.teacher_gpu_share)(train_teacher)
    begin = time.perf_counter()
    ready = ray.get([task.remote(to_plain(search.data), teacher) for teacher in teachers])
    trained = [r for r in ready if r.trained_now]
    progress(f"teachers: {len(teachers)} distinct, {len(trained)} trained now as Ray tasks "
             f"({search.resources.teacher_gpu_share:g} GPU each), {len(teachers) - len(trained) - sum(bool(r.error) for r in ready)} "
             f"from the cache, in {time.perf_counter() - begin:.0f} s")
    for r in ready:
        if r.error:
            progress(f"  teacher {json.dumps(r.teacher, sort_keys=True)[:120]} failed: {r.error}")
    return ready
