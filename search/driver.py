"""The search driver: Ray Tune + Optuna (multi-objective) over trials, MLflow around them.

``run_search`` starts or joins Ray, opens the search's MLflow parent run, and runs a ``Tuner`` whose
search algorithm is Optuna (NSGA-II by default) with the objectives as lists of metrics and modes, a
concurrency limit, the dominated-at-rung scheduler of :mod:`search.pruning`, actor reuse and retries for
lost workers. ``--resume`` restores the Tuner from its storage path and re-attaches to the same MLflow runs.
At the end the Pareto front is computed, logged and tagged (:mod:`search.front`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from flowad.configio import to_plain
from flowad.distill.config import DataSource
from flowad.errors import FlowadInputError
from search import tracking
from search.baselines import baselines_from_metrics, reference_metrics
from search.config import SearchConfig


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
    data = search.data
    path = data.path if "://" in data.path else str(Path(data.path).resolve())
    cache = data.cache if "://" in data.cache else str(Path(data.cache).resolve())
    storage = search.ray.storage_path
    storage = storage if "://" in storage else str(Path(storage).resolve())
    return replace(search, data=replace(data, path=path, cache=cache), ray=replace(search.ray, storage_path=storage),
                   tracking=replace(search.tracking, uri=tracking.absolute_uri(search.tracking.uri)))


def tune_space(search: SearchConfig) -> dict[str, Any]:
    from ray import tune

    space = {}
    for key, p in search.space.items():
        if p.choices is not None:
            space[key] = tune.choice(list(p.choices))
        elif p.integer:
            space[key] = tune.lograndint(int(p.low), int(p.high) + 1) if p.log else tune.randint(int(p.low), int(p.high) + 1)
        else:
            space[key] = tune.loguniform(p.low, p.high) if p.log else tune.uniform(p.low, p.high)
    return space


def optuna_sampler(search: SearchConfig):
    import optuna

    if search.sampler == "nsga2":
        population = search.population or max(4, min(50, search.trials // 3))
        return optuna.samplers.NSGAIISampler(population_size=population, seed=search.seed)
    if search.sampler == "tpe":
        return optuna.samplers.TPESampler(seed=search.seed, n_startup_trials=max(4, min(10, search.trials // 4)))
    if search.sampler == "gp":
        return optuna.samplers.GPSampler(seed=search.seed)
    return optuna.samplers.RandomSampler(seed=search.seed)


def search_algorithm(search: SearchConfig):
    from ray.tune.search import ConcurrencyLimiter

    from search.distinct import DistinctConfigs
    from search.optuna_search import MultiObjectiveOptunaSearch

    algorithm = MultiObjectiveOptunaSearch(metric=search.metric_names, mode=search.directions,
                                           sampler=optuna_sampler(search), seed=search.seed)
    return ConcurrencyLimiter(DistinctConfigs(algorithm), max_concurrent=search.concurrency)


def warm_shared_inputs(search: SearchConfig) -> None:
    """Generate the dataset once on the driver (trials then only read it); teachers stay per-trial, locked."""
    from flowad.distill.run import resolve_dataset

    resolve_dataset(DataSource(**to_plain(search.data)))


def run_search(search: SearchConfig, config_text: str, resume: bool = False, address: str | None = None,
               num_cpus: int | None = None, progress=print) -> SearchOutcome:
    from ray import tune

    from search import front
    from search.pruning import DominatedAtRungScheduler
    from search.ray_session import check_reachable, is_loopback, start_ray
    from search.trainable import Progress, trainable

    if address:
        search = replace(search, ray=replace(search.ray, address=address))
    search = absolutized(search)
    if search.ray.address:
        check_reachable(search.ray.address)
    if search.ray.address and not is_loopback(search.ray.address) and search.tracking.uri.startswith("sqlite:"):
        raise FlowadInputError("a remote Ray cluster needs a tracking server URI (http(s)://…), not a SQLite file "
                               "that only this machine can write: set tracking.uri")
    experiment_dir = f"{search.ray.storage_path.rstrip('/')}/{search.name}"
    local_state = "://" not in experiment_dir
    if local_state and Path(experiment_dir).exists() and not resume:
        raise FlowadInputError(f"{experiment_dir} already exists: resume it with --resume or choose another search name")
    if resume and local_state and not Path(experiment_dir).exists():
        raise FlowadInputError(f"nothing to resume at {experiment_dir}")
    start = time.perf_counter()
    warm_shared_inputs(search)  # before Ray or any run is started: a bad dataset leaves nothing behind
    reference, reference_record = reference_metrics(search)
    start_ray(search.ray.address, num_cpus)
    search_run = tracking.open_search(search.tracking.uri, search.tracking.experiment, search.tracking.artifacts,
                                      search.name, resume, params=search_params(search), config_text=config_text)
    tracking.log_metrics(search_run.uri, search_run.parent_run_id, reference)
    tracking.client_for(search_run.uri).log_dict(search_run.parent_run_id, reference_record, "reference/baselines.json")
    progress(reference_line(reference, search.metric_names[0]))
    progress(f"search {search.name}: {search.trials} trials, {search.concurrency} at a time, sampler {search.sampler}; "
             f"MLflow run {search_run.parent_run_id} in experiment {search.tracking.experiment!r}")
    resources = {"cpu": search.resources.cpus, "gpu": search.resources.gpus}
    fn = tune.with_resources(tune.with_parameters(trainable, search=search, search_run=search_run), resources)
    run_config = tune.RunConfig(name=search.name, storage_path=search.ray.storage_path, verbose=0,
                                failure_config=tune.FailureConfig(max_failures=search.ray.max_failures),
                                callbacks=[Progress(search.trials, progress)])
    if resume:
        tuner = tune.Tuner.restore(experiment_dir, trainable=fn, resume_errored=True, resume_unfinished=True)
    else:
        scheduler = (DominatedAtRungScheduler(search.pruning.rungs, search.pruning.dominated_by)
                     if search.pruning.enabled else None)
        tuner = tune.Tuner(fn, param_space=tune_space(search), run_config=run_config,
                           tune_config=tune.TuneConfig(search_alg=search_algorithm(search), scheduler=scheduler,
                                                       num_samples=search.trials, reuse_actors=True))
    try:
        results = tuner.fit()
        from ray.tune import ExperimentAnalysis

        known = {t.trial_id for t in ExperimentAnalysis(experiment_dir).trials}
        summary = front.finish_search(search, search_run, results, known)
    except BaseException as exc:  # the parent run ends either way; --resume picks the search up again
        status = "KILLED" if isinstance(exc, KeyboardInterrupt) else "FAILED"
        tracking.end_run(search_run.uri, search_run.parent_run_id, status, f"{exc.__class__.__name__}: {exc}")
        raise
    return SearchOutcome(search_run, len(results), summary.completed, summary.failed, summary.pruned,
                         summary.front_size, summary.hypervolume, time.perf_counter() - start)


def reference_line(metrics: dict[str, float], quality: str) -> str:
    """What the no-ML triggers reach on the search's first objective (validation), for the console."""
    baselines = baselines_from_metrics(metrics)
    parts = [f"{name} {values.get(quality, float('nan')):.3f} at {values.get('lut', float('nan')):,.0f} LUT"
             for name, values in baselines.items()]
    return f"no-ML baselines, {quality} on validation: " + "; ".join(parts) + f"; L1 menu {metrics['menu/total_khz']:.1f} kHz"


def search_params(search: SearchConfig) -> dict[str, Any]:
    return {"sampler": search.sampler, "trials": search.trials, "concurrency": search.concurrency,
            "objectives": ", ".join(f"{o.mode} {o.metric}" for o in search.objectives),
            "constraints": ", ".join(f"{c.metric} in [{c.min}, {c.max}]" for c in search.constraints) or "none",
            "space": ", ".join(search.space), "seed": search.seed, "part": search.hardware.part,
            "clock_period_ns": search.hardware.clock_period_ns, "estimators": to_plain(search.estimators),
            "data": search.data.path, "cpus_per_trial": search.resources.cpus, "gpus_per_trial": search.resources.gpus,
            "signals": ", ".join(search.signals) or "all", "rate_khz": search.distill.get("rate_khz", 3.0)}
