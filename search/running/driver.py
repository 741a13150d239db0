"""The search driver: Ray Tune + Optuna (multi-objective) over trials, MLflow around them.

``run_search`` opens the search's MLflow parent run and its durable Optuna study (:mod:`search.record.study`), brings
the two into agreement (:mod:`search.record.reconcile`), and runs a ``Tuner`` whose searcher asks the study
(:mod:`search.record.study_searcher`: random sampling by default, distinct configurations, interrupted trials first), with a
concurrency limit, the dominated-at-rung scheduler of :mod:`search.running.pruning` and retries for lost workers.
``--resume`` never restores Tune's own snapshot: it starts a new Tuner for what the study and MLflow say is
left, so a driver killed at any moment loses at most the work of the trials that were running.
At the end the Pareto front is computed, logged and tagged (:mod:`search.front.summary`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from flowad.configio import to_plain
from flowad.distill.config import absolute_location
from flowad.errors import FlowadInputError
from search.record import tracking
from search.running.baselines import baselines_from_metrics, reference_metrics
from search.space.search_config import SearchConfig, metric_signal
from search.record.tags import TRIALS, TRIAL_ID, Outcome


@dataclass(frozen=True)
class SearchOutcome:
    search_run: tracking.SearchRun
    n_trials: int
    n_completed: int
    n_failed: int
    n_pruned: int
    front_size: int
    hypervolume: float
    seconds: float


def absolutized(search: SearchConfig) -> SearchConfig:
    """Paths made absolute: Ray trials run with another working directory, possibly on another machine."""
    storage = absolute_location(search.ray.storage_path)
    return replace(search, data=search.data.absolute(), ray=replace(search.ray, storage_path=storage),
                   tracking=replace(search.tracking, uri=tracking.absolute_uri(search.tracking.uri)))


def warm_shared_inputs(search: SearchConfig) -> Path:
    """Generate the dataset once on the driver (trials then only read it) and check that every signal the search
    names is in it; returns the dataset's path (its directory in the cache). Teachers stay per-trial, locked."""
    from flowad.data import load
    from flowad.distill.run import resolve_dataset

    source = search.data
    dataset = resolve_dataset(source)
    named = list(search.signals) + [s for s in map(metric_signal, [*search.metric_names, *(c.metric for c in search.constraints)]) if s]
    if named:
        processes = set(load(dataset, "calo" if dataset.is_dir() else "objects", splits=("val",)))
        missing = [s for s in dict.fromkeys(named) if s not in processes]
        if missing:
            raise FlowadInputError(f"signal {missing[0]!r} (in signals or an objective) is not in the dataset {dataset} "
                                   f"(has: {', '.join(sorted(processes - {source.background}))})")
    return Path(dataset).resolve()


class SearchInterrupted(Exception):
    """The search stopped before every trial ended (Ctrl-C): its state is saved and ``--resume`` finishes it."""

    def __init__(self, ended: int, total: int):
        self.ended, self.total = ended, total
        super().__init__(f"interrupted with {ended} of {total} trials ended")


def run_search(search: SearchConfig, config_text: str, resume: bool = False, address: str | None = None,
               num_cpus: int | None = None, progress=print) -> SearchOutcome:
    """Run a search, or (``resume``) finish or extend one: every configured trial ends exactly once, whatever
    killed an earlier driver (:mod:`search.record.reconcile`). Raises :class:`SearchInterrupted` on Ctrl-C."""
    from search.running.ray_session import check_reachable, configure_environment, is_loopback
    from search.record.reconcile import reconcile
    from search.record.resume import check_resumable, stored_config_text
    from search.record.study import counts, open_study

    if address:
        search = replace(search, ray=replace(search.ray, address=address))
    as_written = search
    search = absolutized(search)
    configure_environment()
    if search.ray.address and not is_loopback(search.ray.address):  # what the config alone says, before connecting
        if search.tracking.uri.startswith("sqlite:"):
            raise FlowadInputError("a remote Ray cluster needs a tracking server URI (http(s)://…), not a SQLite file "
                                   "that only this machine can write: set tracking.uri")
        if tracking.is_local_location(search.tracking.artifacts):
            tracking.check_shared_artifacts(search.tracking.uri, search.tracking.experiment, search.tracking.artifacts)
    if search.ray.address:
        check_reachable(search.ray.address)
        if not is_loopback(search.ray.address):  # an existing experiment's own artefact root must be shared too
            tracking.check_shared_artifacts(search.tracking.uri, search.tracking.experiment, search.tracking.artifacts)
    start = time.perf_counter()
    dataset = warm_shared_inputs(search)  # before Ray or any run is started: a bad dataset leaves nothing behind
    # trials get the dataset's directory in the shared cache, never the driver's data YAML (docs/cluster.md)
    search = replace(search, data=replace(search.data, path=str(dataset)))
    previous, reference, reference_record = None, {}, None
    if resume:
        previous = tracking.find_search(search.tracking.uri, search.tracking.experiment, search.name)
        check_resumable(stored_config_text(search.tracking.uri, previous), as_written)
        reference = previous.data.metrics  # measured when the search started, on the same events (NaNs not logged)
    else:
        tracking.refuse_existing(search.tracking.uri, search.tracking.experiment, search.name)
        open_study(search, fresh=True)  # refuses a study that ran trials before any run is made
    if not any(key.startswith("baseline/") for key in reference):  # new, or its first driver died before logging them
        reference, reference_record = reference_metrics(search)
    search_run = tracking.open_search(search.tracking.uri, search.tracking.experiment, search.tracking.artifacts,
                                      search.name, search_params(search), config_text, resumed=previous)
    tracking.client_for(search_run.uri).set_tag(search_run.parent_run_id, TRIALS, str(search.trials))
    if reference_record is not None:
        tracking.log_metrics(search_run.uri, search_run.parent_run_id, reference)
        tracking.client_for(search_run.uri).log_dict(search_run.parent_run_id, reference_record, "reference/baselines.json")
    progress(reference_line(reference, search.metric_names[0]))
    study = open_study(search)
    fixed = reconcile(study, search_run, search.metric_names, search.constraints)
    state = counts(study)
    new = max(0, search.trials - state.ended - len(fixed.rerun))
    progress(f"search {search.name}: {search.trials} trials, {search.concurrency} at a time, sampler {search.sampler}; "
             f"MLflow run {search_run.parent_run_id} in experiment {search.tracking.experiment!r}; "
             f"Optuna study {study.study_name!r}")
    if resume:
        progress(f"resuming: {state.finished} finished (recovered from MLflow without a re-run: "
                 f"{', '.join(fixed.recovered) or 'none'}), {state.pruned} pruned, {state.failed} failed; to run again "
                 f"(their driver stopped while they ran): {', '.join(fixed.rerun) or 'none'}; {new} new")
    try:
        if fixed.rerun or new:
            run_trials(search, search_run, len(fixed.rerun) + new, state.ended, num_cpus, progress)
        ended = counts(study)
        if ended.running or ended.ended < search.trials:
            raise SearchInterrupted(ended.ended, search.trials)
        from search.front import summary as front

        progress("computing the Pareto front from the trials' MLflow runs …")
        summary = front.finish_search(search, search_run)
    except (SearchInterrupted, KeyboardInterrupt):
        interrupt(search_run, study)
        ended = counts(study)
        raise SearchInterrupted(ended.ended, search.trials) from None
    except BaseException as exc:  # the parent run ends either way; --resume picks the search up again
        tracking.end_run(search_run.uri, search_run.parent_run_id, "FAILED", f"{exc.__class__.__name__}: {exc}")
        raise
    final = counts(study)
    return SearchOutcome(search_run, search.trials, summary.completed, final.failed, final.pruned,
                         summary.front_size, summary.hypervolume, time.perf_counter() - start)


def run_trials(search: SearchConfig, search_run: tracking.SearchRun, n_trials: int, ended: int,
               num_cpus: int | None, progress) -> None:
    """One Tune run of ``n_trials`` trials (those to run again first) over the study, in a new folder under the
    search's storage path. Tune's own experiment state is written but never read back: the study and MLflow are
    the search's record."""
    from search.running.ray_session import start_ray
    from search.running.teachers_first import pretrain_teachers

    start_ray(search.ray.address, num_cpus)
    if search.resources.teachers_first:
        pretrain_teachers(search, progress)  # no trial then holds its resources waiting on a teacher's lock
    make_tuner(search, search_run, n_trials, ended, progress).fit()


def make_tuner(search: SearchConfig, search_run: tracking.SearchRun, n_trials: int, ended: int = 0,
               progress=print):
    """The search's ``Tuner`` over its study (Ray started). Actors are reused between trials only when nothing
    prunes (a stopped trial's thread can outlive its STOP on a reused actor); a new worker costs a few seconds per
    trial (bench/faults.py). Tune pickles all it is given here, so the searcher gets the study's reference
    (:class:`~search.record.study.StudyRef`), never an open study. A storage path Tune cannot write is one line
    (:class:`FlowadInputError`); any other failure to make the Tuner is a flowad bug and keeps its traceback."""
    from ray import tune
    from ray.tune.search import ConcurrencyLimiter

    from search.running.ledger import TrialLedger
    from search.running.pruning import DominatedAtRungScheduler
    from search.record.study import distributions, study_ref
    from search.record.study_searcher import StudySearcher
    from search.running.trainable import trainable

    resources = {"cpu": search.resources.cpus, "gpu": search.resources.gpus}
    fn = tune.with_resources(tune.with_parameters(trainable, search=search, search_run=search_run), resources)
    storage = f"{search.ray.storage_path.rstrip('/')}/{search.name}"
    scheduler = (DominatedAtRungScheduler(search.pruning.rungs, search.pruning.dominated_by)
                 if search.pruning.enabled else None)
    stopped = scheduler.stopped if scheduler else {}  # what was pruned, as the scheduler decided it
    searcher = StudySearcher(study_ref(search), distributions(search.space), search.metric_names, search.constraints,
                             stopped)
    run_config = tune.RunConfig(name=f"driver-{time.strftime('%Y%m%d-%H%M%S')}", storage_path=storage, verbose=0,
                                failure_config=tune.FailureConfig(max_failures=search.ray.max_failures),
                                callbacks=[TrialLedger(search, search_run, ended, progress, stopped)])
    tune_config = tune.TuneConfig(search_alg=ConcurrencyLimiter(searcher, max_concurrent=search.concurrency),
                                  scheduler=scheduler, num_samples=n_trials, reuse_actors=search.reuse_actors)
    try:
        return tune.Tuner(fn, run_config=run_config, tune_config=tune_config)
    except (OSError, pyarrow_errors()) as exc:  # the storage path: unwritable, full, an unknown filesystem
        raise FlowadInputError(f"ray.storage_path: Ray Tune cannot write the search's state under {storage}: "
                               f"{str(exc).splitlines()[0][:200] if str(exc) else exc.__class__.__name__}") from None


def pyarrow_errors() -> type[Exception]:
    """pyarrow's error for a storage URI it cannot open (an unknown scheme, a missing filesystem package)."""
    import pyarrow

    return pyarrow.lib.ArrowException


def interrupt(search_run: tracking.SearchRun, study) -> None:
    """Ctrl-C: the trials that were running end KILLED (``interrupted``; ``--resume`` runs them again), the
    parent run ends KILLED, and the front stays tagged ``live``, never ``final``. A trial the study was not told
    about is interrupted whatever its worker wrote while Tune stopped it (``stopped``, a crash)."""
    from search.record.study import search_trials
    from search.record.tags import TRIAL_ATTR

    unfinished = {t.user_attrs[TRIAL_ATTR] for t in search_trials(study) if not t.state.is_finished()}
    for run in tracking.search_children(search_run):
        if run.info.status == "RUNNING" or (run.data.tags.get(TRIAL_ID) in unfinished and run.info.status != "FINISHED"):
            tracking.TrialRun.of(search_run, run).kill(Outcome.INTERRUPTED)
    tracking.end_run(search_run.uri, search_run.parent_run_id, "KILLED", Outcome.INTERRUPTED)


def reference_line(metrics: dict[str, float], quality: str) -> str:
    """What the no-ML triggers reach on the search's first objective (validation), for the console."""
    baselines = baselines_from_metrics(metrics)
    parts = [f"{name} {values.get(quality, float('nan')):.3f} at {values.get('lut', float('nan')):,.0f} LUT"
             for name, values in baselines.items()]
    return f"no-ML baselines, {quality} on validation: " + "; ".join(parts) + f"; L1 menu {metrics.get('menu/total_khz', float('nan')):.1f} kHz"


def search_params(search: SearchConfig) -> dict[str, Any]:
    return {"sampler": search.sampler, "trials": search.trials, "concurrency": search.concurrency,
            "objectives": ", ".join(f"{o.mode} {o.metric}" for o in search.objectives),
            "constraints": ", ".join(f"{c.metric} in [{c.min}, {c.max}]" for c in search.constraints) or "none",
            "space": ", ".join(search.space), "seed": search.seed, "part": search.hardware.part,
            "clock_period_ns": search.hardware.clock_period_ns, "estimators": to_plain(search.estimators),
            "data": search.data.path, "cpus_per_trial": search.resources.cpus, "gpus_per_trial": search.resources.gpus,
            "signals": ", ".join(search.signals) or "all", "rate_khz": search.distill.get("rate_khz", 3.0)}
