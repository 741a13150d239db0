"""The search's Optuna study, durable in a relational database beside the tracking store.

The study is the search's memory: every suggestion the sampler made, every result it was told, NSGA-II's
generations (Optuna keeps them in the trials' system attributes). It lives in RDB storage, so a driver that
dies loses nothing the sampler knew, and ``optuna.load_study`` (or ``optuna-dashboard <url>``) opens it from any
process. Where it lives:

- ``tracking.study`` when given (any SQLAlchemy URL: ``postgresql://…`` on a cluster);
- else ``optuna.db`` beside a SQLite tracking store (``sqlite:///mlflow/mlflow.db`` → ``sqlite:///mlflow/optuna.db``;
  not inside it: both use an ``alembic_version`` table);
- else ``optuna.db`` in a local ``ray.storage_path``. Only the driver opens the study.

A study trial that became a search trial carries the user attribute ``flowad.trial`` (its stable id, ``t0007``:
the MLflow run's ``flowad.trial_id`` tag, the same in every driver that runs it). Trials the sampler proposed
twice are told FAIL at once and carry ``flowad.duplicate_of`` instead (:mod:`search.record.study_searcher`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from flowad.errors import FlowadInputError
from search.record import tracking
from search.space.search_config import Parameter, SearchConfig
from search.record.tags import TRIAL_ATTR


def trial_label(number: int) -> str:
    """The stable id of the search trial that is study trial ``number``."""
    return f"t{number:04d}"


def study_url(search: SearchConfig) -> str:
    if search.tracking.study:
        return search.tracking.study
    path = tracking.sqlite_path(tracking.absolute_uri(search.tracking.uri))
    if path:
        return f"sqlite:///{Path(path).parent / 'optuna.db'}"
    storage = search.ray.storage_path
    if "://" not in storage:
        return f"sqlite:///{Path(storage).resolve() / 'optuna.db'}"
    raise FlowadInputError("tracking.study: the Optuna study needs a database URL (e.g. postgresql://…) when the "
                           "tracking store is a server and ray.storage_path is remote")


def study_name(search: SearchConfig) -> str:
    return f"{search.tracking.experiment}/{search.name}"


def distributions(space: dict[str, Parameter]) -> dict:
    """Optuna distributions of the search space (categorical choices, integer or float ranges, log or not)."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    out = {}
    for key, p in space.items():
        if p.choices is not None:
            out[key] = CategoricalDistribution(list(p.choices))
        elif p.integer:
            out[key] = IntDistribution(int(p.low), int(p.high), log=p.log)
        else:
            out[key] = FloatDistribution(float(p.low), float(p.high), log=p.log)
    return out


def random_startup_trials(trials: int) -> int:
    """How many random trials TPE and GP run before their model proposes: a quarter of the budget, 4 to 10 (GP's own
    default, 10, would leave it 6 modelled trials of the quickstart's 16)."""
    return max(4, min(10, trials // 4))


def optuna_sampler(name: str, seed: int, trials: int, population: int | None = None):
    """Optuna's sampler ``name`` (nsga2, tpe, gp, random) as flowad sets it up for a search of ``trials`` trials.
    Constraints need no option here: each told trial carries its violations (``Trial.set_constraint``, Optuna ≥ 5),
    which NSGA-II (constrained domination), TPE and GP read from the study."""
    import optuna

    startup = random_startup_trials(trials)
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=population or max(4, min(50, trials // 3)), seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup)
    if name == "gp":
        return optuna.samplers.GPSampler(seed=seed, n_startup_trials=startup)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    # a search config checks its sampler's name first; a bench or a replay that does not must not get random silently
    raise ValueError(f"unknown sampler {name!r} (known: nsga2, tpe, gp, random)")


IN_MEMORY = "memory://"
"""A study URL that keeps the study in this process only: replays of a sampler on known results (benches,
results, tests), never a search, which must survive its driver."""


def storage(url: str):
    import optuna

    if url == IN_MEMORY:
        return optuna.storages.InMemoryStorage()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 60}})
    return optuna.storages.RDBStorage(url)


@dataclass(frozen=True)
class StudyRef:
    """Where a search's study lives and how its sampler is made: what travels in place of an open study.

    An open ``optuna.Study`` holds a database engine and a sampler whose state can hold a thread lock (NSGA-II
    from Optuna 5.1 on), and Ray Tune pickles its searcher when a ``Tuner`` is made: so the searcher is handed
    this reference and opens the study where it is used (:meth:`open`)."""

    url: str
    name: str
    directions: tuple[str, ...]
    """``"maximize"``/``"minimize"``, one per objective"""
    sampler: str
    seed: int
    trials: int
    population: int | None = None

    def open(self):
        """The study, created if missing; its sampler seeded past the trials it already holds (a resumed driver
        does not replay the suggestions the first driver made)."""
        import optuna

        store = storage(self.url)
        exists = self.name in {s.study_name for s in optuna.get_all_study_summaries(store, include_best_trial=False)}
        told = len(optuna.load_study(study_name=self.name, storage=store).trials) if exists else 0
        return optuna.create_study(storage=store, study_name=self.name, directions=list(self.directions),
                                   load_if_exists=True,
                                   sampler=optuna_sampler(self.sampler, self.seed + told, self.trials, self.population))


def optuna_directions(directions) -> tuple[str, ...]:
    """Optuna's ``maximize``/``minimize`` for flowad's ``max``/``min``."""
    return tuple("maximize" if d == "max" else "minimize" for d in directions)


def study_ref(search: SearchConfig) -> StudyRef:
    return StudyRef(study_url(search), study_name(search), optuna_directions(search.directions),
                    search.sampler, search.seed, search.trials, search.population)


def open_study(search: SearchConfig, fresh: bool = False):
    """The search's study, created if missing. ``fresh`` (a new search): a study of the same name that holds
    search trials is refused; one without any (its driver died before the first trial) is replaced."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # our own lines say which study this is
    ref = study_ref(search)
    try:
        if fresh:
            store = storage(ref.url)
            if ref.name in {s.study_name for s in optuna.get_all_study_summaries(store, include_best_trial=False)}:
                if search_trials(optuna.load_study(study_name=ref.name, storage=store)):
                    raise FlowadInputError(f"the Optuna study {ref.name!r} already exists in {ref.url}: resume it "
                                           "with --resume or choose another search name")
                optuna.delete_study(study_name=ref.name, storage=store)
        return ref.open()
    except FlowadInputError:
        raise
    except Exception as exc:
        raise FlowadInputError(f"cannot open the Optuna study in {ref.url}: {str(exc).splitlines()[0][:200]}") from None


def search_trials(study) -> list:
    """The study's trials that are search trials (not answered duplicates, not abandoned suggestions)."""
    return [t for t in study.get_trials(deepcopy=False) if TRIAL_ATTR in t.user_attrs]


@dataclass(frozen=True)
class StudyCounts:
    finished: int
    pruned: int
    failed: int
    running: int

    @property
    def ended(self) -> int:
        return self.finished + self.pruned + self.failed


def counts(study) -> StudyCounts:
    from optuna.trial import TrialState

    states = [t.state for t in search_trials(study)]
    return StudyCounts(states.count(TrialState.COMPLETE), states.count(TrialState.PRUNED),
                       states.count(TrialState.FAIL), states.count(TrialState.RUNNING) + states.count(TrialState.WAITING))


def objective_values(metrics: dict, names: list[str]) -> list[float] | None:
    """The objectives of a result, or None when one is missing or not finite (then it is not a finished trial)."""
    values = [metrics.get(m) for m in names]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        return [float(v) for v in values]
    return None
