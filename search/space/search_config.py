"""The search config: what to search over, what to optimise, where to run and where to log.

Loaded from YAML by :func:`load_search_config`; every error names the key and the file. The space's
parameters are dotted paths into a trial's teacher / student configs (``student.bits``); each is checked
at load time by building those configs at the parameter's extremes, so a search never starts with a
trial that cannot be built.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from flowad.configio import from_mapping, load_yaml
from flowad.distill.config import DataSource
from flowad.errors import ConfigError, check
from flowad.hardware.config import HardwareConfig
from flowad.hardware.design import DESIGN_KINDS
from flowad.hardware.estimators import ESTIMATORS, pairing_problem
from flowad.hardware.routes import ROUTES
from flowad.student.families import STUDENT_FAMILIES
from flowad.student.registry import widths_params
from flowad.metrics.trigger import SIGNAL_METRICS
from flowad.student.config import StudentConfig
from flowad.teacher.config import TeacherConfig
from search.space.parameters import parse_widths, relevant_params, space_combinations, trial_hardware, trial_mapping

SAMPLERS = ("nsga2", "tpe", "random", "gp")
METRICS = {"auc": "max", "tpr_at_rate": "max", "pure_tpr_at_rate": "max", "auc_retained": "max",
           "lut": "min", "ff": "min", "dsp": "min", "bram": "min", "latency_ns": "min", "latency_cycles": "min",
           "ii": "min", "emd": "min", "spearman": "max", "rate_khz": "min", "kept_together": "max"}
"""Trial metrics an objective or constraint may name, with their natural direction; also ``<metric>/<signal>``
for the per-signal ones. All physics metrics are measured on the validation split (rate cuts set there too):
``auc``, ``tpr_at_rate`` (signal efficiency at ``distill.rate_khz``, 3 kHz by default) and ``pure_tpr_at_rate``
(the part of it the emulated Level-1 menu does not keep) are means over the search's ``signals``; ``kept_together``
is the mean over ``signals`` of the share of each signal's events the teacher's rate cut keeps that the student's
keeps too. Trials also log ``student_sum_et_spearman`` and ``teacher_sum_et_spearman`` (each score's rank
correlation with ΣET on ZeroBias), which are not objectives: −1 would be as much "only ΣET" as +1."""
PER_SIGNAL_METRICS = tuple(SIGNAL_METRICS)
SPACE_KEYS = ("teacher.kind", "teacher.architecture", "teacher.depth", "teacher.hidden", "student.family",
              "student.widths", *sorted(f"student.{name}" for name in widths_params() - {"widths"}), "student.bits",
              *sorted(f"student.{name}" for cls in STUDENT_FAMILIES.values() for name in cls.own_params),
              "hardware.strategy", "hardware.reuse_factor")
"""A family's own widths parameter (``student.lgn_widths`` for LGN, :attr:`Student.widths_param`) replaces
``student.widths`` for it, so one space can hold every family; its own fields (``integer_bits``, ``beta``) are
read by it alone. ``hardware.*`` parameters change the trial's firmware design where the family has them
(:attr:`Student.hardware_params`: Keras students; logic-gate students always become their own Verilog)."""
DEFAULT_ESTIMATORS = {"da4ml_verilog": "synth", "lgn_verilog": "synth", "hls4ml": "rule4ml"}


def known_metric(name: str) -> bool:
    return name in METRICS or re.fullmatch(rf"({'|'.join(PER_SIGNAL_METRICS)})/[A-Za-z0-9_-]+", name) is not None


def metric_signal(name: str) -> str | None:
    """The signal a per-signal metric names (``pure_tpr_at_rate/haa4tau_15`` → ``haa4tau_15``), else None."""
    return name.split("/", 1)[1] if "/" in name else None


@dataclass(frozen=True)
class Objective:
    metric: str
    mode: str = ""
    """``max`` or ``min``; empty takes the metric's natural direction."""
    reference: float | None = None
    """Hypervolume reference point for this objective (worst value that still counts), fixed before any trial;
    default: AUC 0.5, efficiencies 0, else a constraint's bound, the part's capacity (LUT, FF, DSP, BRAM) or
    1 µs of latency (:func:`search.front.pareto.fixed_reference`); other cost metrics must give one."""

    def __post_init__(self) -> None:
        check(known_metric(self.metric), "metric", f"unknown metric {self.metric!r} (known: {', '.join(METRICS)}, "
                                                   f"{'/<signal>, '.join(PER_SIGNAL_METRICS)}/<signal>)")
        check(self.mode in ("", "max", "min"), "mode", f"must be max or min, got {self.mode!r}")
        if not self.mode:
            object.__setattr__(self, "mode", METRICS.get(self.metric, "max"))


@dataclass(frozen=True)
class Constraint:
    """A budget a trial must meet to count for the front, e.g. ``latency_ns <= 200``."""

    metric: str
    max: float | None = None
    min: float | None = None

    def __post_init__(self) -> None:
        check(known_metric(self.metric), "metric", f"unknown metric {self.metric!r}")
        check(self.max is not None or self.min is not None, "max", "a constraint needs max or min")

    def holds(self, value: float | None) -> bool:
        if value is None or value != value:
            return False
        return (self.max is None or value <= self.max) and (self.min is None or value >= self.min)

    @property
    def name(self) -> str:
        """``latency_ns<=100``, ``auc>=0.6``: the constraint's key in the study."""
        return " & ".join(([f"{self.metric}<={self.max:g}"] if self.max is not None else [])
                          + ([f"{self.metric}>={self.min:g}"] if self.min is not None else []))

    def violation(self, value: float | None) -> float:
        """How far ``value`` lies outside the budget, in the metric's units: ≤ 0 when it holds (Optuna's
        ``constraints_func`` convention); a missing or NaN value is 1.0, infeasible."""
        if value is None or value != value:
            return 1.0
        over = value - self.max if self.max is not None else -math.inf
        under = self.min - value if self.min is not None else -math.inf
        return float(max(over, under))


@dataclass(frozen=True)
class Parameter:
    """One searched parameter: ``choices`` (categorical), or a ``low``–``high`` range (``integer``, ``log``).

    ``student.widths`` choices are strings of hidden sizes, ``"32-16"``.
    """

    choices: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    integer: bool = False
    log: bool = False

    def __post_init__(self) -> None:
        if self.choices is not None:
            check(len(self.choices) >= 1, "choices", "needs at least one value")
            check(self.low is None and self.high is None, "choices", "give choices or low/high, not both")
        else:
            check(self.low is not None and self.high is not None, "low", "give choices, or both low and high")
            check(self.low <= self.high, "high", f"must be ≥ low ({self.low}), got {self.high}")
            check(not self.log or self.low > 0, "low", "a log range needs low > 0")

    def extremes(self) -> list[Any]:
        if self.choices is not None:
            return list(self.choices)
        cast = int if self.integer else float
        return [cast(self.low), cast(self.high)]


@dataclass(frozen=True)
class Resources:
    cpus: float = 1.0
    """CPU cores per trial."""
    gpus: float = 0.0
    """GPUs per trial (fractions share one); honoured when the Ray cluster has them."""
    teacher_gpus: float | None = None
    """GPUs for each teacher's own training task (search.running.teachers_first); default: ``gpus``."""
    teachers_first: bool = True
    """Train each distinct teacher once as its own Ray task before the trials (:mod:`search.running.teachers_first`). Off: the
    first trial that needs a teacher trains it while the trials sharing it wait on its lock, holding their CPUs
    and GPUs (how trials got their teachers before; kept to measure the difference, ``bench/quickstart_teachers.py``)."""
    time_budget_s: float | None = None
    """Wall seconds a trial may run, from its start (teacher wait included). Checked at every training epoch
    and between steps; a trial past it stops there, its run KILLED ``time_budget``, the study told PRUNED
    (never re-run). A step under way (a synthesis run) is not cut short."""

    def __post_init__(self) -> None:
        check(0 < self.cpus <= 256, "cpus", f"must be in (0, 256], got {self.cpus}")
        check(0 <= self.gpus <= 16, "gpus", f"must be in [0, 16], got {self.gpus}")
        check(self.teacher_gpus is None or 0 <= self.teacher_gpus <= 16, "teacher_gpus",
              f"must be in [0, 16], got {self.teacher_gpus}")
        check(self.time_budget_s is None or self.time_budget_s > 0, "time_budget_s",
              f"must be > 0 seconds, got {self.time_budget_s}")

    @property
    def teacher_gpu_share(self) -> float:
        return self.gpus if self.teacher_gpus is None else self.teacher_gpus


@dataclass(frozen=True)
class Pruning:
    """Stop a trial at a rung epoch if enough trials of its family were better there on both validation
    loss and static cost (weights × bits, or gates): see :mod:`search.running.pruning`."""

    enabled: bool = True
    rungs: tuple[int, ...] = (3, 6)
    """Epochs (1-based) at which trials are compared."""
    dominated_by: int = 2
    """How many dominating trials stop one."""

    def __post_init__(self) -> None:
        check(all(r >= 1 for r in self.rungs), "rungs", "epochs start at 1")
        check(self.dominated_by >= 1, "dominated_by", f"must be ≥ 1, got {self.dominated_by}")


@dataclass(frozen=True)
class RayConfig:
    address: str | None = None
    """An existing cluster (``host:port`` or ``ray://host:port``); none starts a local Ray on 127.0.0.1."""
    storage_path: str = "out/search"
    """Where Ray Tune keeps experiment state (local dir, or a URI such as ``s3://…`` for clusters)."""
    max_failures: int = 2
    """Retries of a trial whose worker died (not of trials that fail on their own input)."""
    reuse_actors: bool | None = None
    """Run the next trial in the previous trial's worker process (saves a few seconds per trial, bench/faults.py).
    Default: on unless pruning is on. With pruning it is refused: a STOP parks the actor while the stopped
    trial's training thread runs on to its next report, and the next trial's reset can time out on it."""


@dataclass(frozen=True)
class TrackingConfig:
    uri: str = "sqlite:///mlflow/mlflow.db"
    experiment: str = "flowad"
    artifacts: str | None = None
    """Artefact root of an experiment this search creates: a local dir or any URI MLflow writes to (``s3://…``,
    ``gs://…``, ``mlflow-artifacts:/…``). Default: ``artifacts/`` beside a SQLite store; with a tracking server,
    the server's own store (served artefacts), which every node and ``select`` reach through the server."""
    study: str | None = None
    """Database URL of the search's Optuna study (``postgresql://…``); default: ``optuna.db`` beside a SQLite
    tracking store, else in a local ``ray.storage_path`` (see :mod:`search.record.study`)."""

    def __post_init__(self) -> None:
        check(re.match(r"^(sqlite:///.+|https?://.+|postgresql(\+\w+)?://.+|mysql(\+\w+)?://.+|databricks.*)$", self.uri) is not None,
              "uri", f"not a tracking URI MLflow can write runs to: {self.uri!r} "
                     "(sqlite:///path.db, http(s)://server, postgresql://…, mysql://…)")
        check(bool(self.experiment.strip()), "experiment", "must not be empty")


@dataclass(frozen=True)
class SearchConfig:
    name: str
    data: DataSource
    objectives: tuple[Objective, ...]
    space: dict[str, Parameter]
    teacher: dict[str, Any] = field(default_factory=dict)
    """Base teacher config (a TeacherConfig mapping); space parameters override it per trial."""
    student: dict[str, Any] = field(default_factory=dict)
    """Base student config (a StudentConfig mapping)."""
    distill: dict[str, Any] = field(default_factory=dict)
    """The rest of a DistillConfig: target, loss, outlier_exposure, augment, rate_khz."""
    families: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Student settings per family, laid over ``student`` when a trial picks that family
    (e.g. ``lgn: {learning_rate: 0.01}``: logic-gate networks train best at a higher rate)."""
    constraints: tuple[Constraint, ...] = ()
    signals: tuple[str, ...] = ()
    """Signals that ``auc``, ``tpr_at_rate`` and ``pure_tpr_at_rate`` average over (default: every signal of
    the dataset). Name the ones an anomaly trigger is for; heavy signals the menu already keeps add only
    zeros to a pure efficiency."""
    sampler: str = "random"
    """Optuna sampler: ``random`` by default: on real trials of the quickstart's whole space no sampler measurably beat
    it (TPE, NSGA-II and GP within about a standard error), and it costs nothing (docs/search.md, "Which sampler");
    ``nsga2``, ``tpe`` and ``gp`` are there for larger spaces, where that measurement says nothing."""
    trials: int = 12
    concurrency: int = 2
    resources: Resources = field(default_factory=Resources)
    hardware: HardwareConfig = field(default_factory=HardwareConfig)
    estimators: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ESTIMATORS))
    """The estimator run in every trial, per design kind (``da4ml_verilog``, ``lgn_verilog``, ``hls4ml``) or per
    student family (a family key wins). Each must model the design it is given: checked when the config loads."""
    pruning: Pruning = field(default_factory=Pruning)
    csim: bool = False
    """Compile every trial's HLS project and check bit-exactness (seconds to a minute each); off, it is run
    for the model ``flowad search select`` picks."""
    population: int | None = None
    """NSGA-II population per generation; default max(4, min(50, trials // 3)) so small searches evolve."""
    seed: int = 0
    ray: RayConfig = field(default_factory=RayConfig)
    tracking: TrackingConfig = field(default_factory=TrackingConfig)

    def __post_init__(self) -> None:
        check(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,79}", self.name) is not None, "name",
              f"letters, digits, _ . - only, got {self.name!r}")
        check(len(self.objectives) >= 1, "objectives", "at least one objective is needed")
        check(len({o.metric for o in self.objectives}) == len(self.objectives), "objectives", "an objective is repeated")
        check(len(self.space) >= 1, "space", "the search space is empty: give at least one parameter")
        for i, (metric, value) in enumerate(zip(self.metric_names, self.hypervolume_reference)):
            check(value is not None, f"objectives[{i}].reference", f"give the worst {metric} that still counts "
                  "(the hypervolume's reference: no constraint, part capacity or default fixes it)")
        for key in self.space:
            check(key in SPACE_KEYS, f"space.{key}", f"not a searchable parameter (known: {', '.join(SPACE_KEYS)})")
        check(self.sampler in SAMPLERS, "sampler", f"must be one of {', '.join(SAMPLERS)}, got {self.sampler!r}")
        check(1 <= self.trials <= 100_000, "trials", f"must be in [1, 100000], got {self.trials}")
        check(1 <= self.concurrency <= 1024, "concurrency", f"must be in [1, 1024], got {self.concurrency}")
        check(self.population is None or self.population >= 2, "population", f"must be ≥ 2, got {self.population}")
        check(self.population is None or self.sampler == "nsga2", "population",
              f"only NSGA-II has a population (sampler is {self.sampler!r}): set sampler: nsga2, or drop population")
        for key, name in self.estimators.items():
            check(key in STUDENT_FAMILIES or key in DESIGN_KINDS, f"estimators.{key}",
                  f"keys are student families ({', '.join(STUDENT_FAMILIES)}) or design kinds ({', '.join(DESIGN_KINDS)})")
            check(name in ESTIMATORS, f"estimators.{key}", f"unknown estimator {name!r} (known: {', '.join(sorted(ESTIMATORS))})")
        for family, settings in self.families.items():
            try:
                from_mapping(StudentConfig, {**self.student, **settings, "family": family})
            except ConfigError as exc:
                raise ConfigError(f"families.{family}", str(exc)) from None
        check(not (self.ray.reuse_actors and self.pruning.enabled), "ray.reuse_actors",
              "actor reuse with pruning on can send the next trial to ERROR while a stopped trial's epoch ends: "
              "turn one of them off")
        self._check_space()
        self._check_pairings()

    def estimator_for(self, family: str, kind: str) -> str | None:
        return self.estimators.get(family) or self.estimators.get(kind)

    def _check_pairings(self) -> None:
        """Every (family, strategy) the search can reach builds a design its estimator models."""
        families = self.space["student.family"].extremes() if "student.family" in self.space else [self.student.get("family", StudentConfig.family)]
        strategies = (self.space["hardware.strategy"].extremes() if "hardware.strategy" in self.space
                      else [self.hardware.strategy])
        for family in families:
            for strategy in strategies:
                kind = ROUTES[STUDENT_FAMILIES[family].firmware].kind(replace(self.hardware, strategy=strategy, reuse_factor=1))
                estimator = self.estimator_for(family, kind)
                key = f"estimators.{family if family in self.estimators else kind}"
                check(estimator is not None, key, f"no estimator for {family} students' {DESIGN_KINDS[kind]} "
                                                  f"(hardware.strategy {strategy}): name one under estimators.{kind}")
                problem = pairing_problem(estimator, kind)
                check(problem is None, key, f"{problem} (student.family {family}, hardware.strategy {strategy})")

    @property
    def reuse_actors(self) -> bool:
        return self.ray.reuse_actors if self.ray.reuse_actors is not None else not self.pruning.enabled

    @property
    def directions(self) -> list[str]:
        return [o.mode for o in self.objectives]

    @property
    def metric_names(self) -> list[str]:
        return [o.metric for o in self.objectives]

    @property
    def hypervolume_reference(self) -> list[float | None]:
        """The fixed reference point of this search's hypervolume (:func:`search.front.pareto.fixed_reference`)."""
        from search.front.pareto import fixed_reference

        return fixed_reference(self.metric_names, self.directions, [o.reference for o in self.objectives],
                               self.constraints, self.hardware.part)

    def _check_space(self) -> None:
        """Every combination of every categorical choice with every numeric extreme builds a trial's teacher,
        student and hardware configs (a QKeras ``integer_bits`` of 6 with ``bits`` of 4 is caught here, not
        in a trial). Above ``MAX_COMBINATIONS`` each parameter's extremes are checked with every family."""
        for key, parameter in self.space.items():
            if key.startswith("student.") and key.removeprefix("student.") in widths_params():
                for value in parameter.extremes():
                    parse_widths(value, f"space.{key}")
        for combination in space_combinations(self.space):
            mapping = trial_mapping(self, combination)
            for section, build in (("teacher", lambda: from_mapping(TeacherConfig, mapping["teacher"])),
                                   ("student", lambda: from_mapping(StudentConfig, mapping["student"])),
                                   ("hardware", lambda: trial_hardware(self, combination))):
                try:
                    build()
                except ConfigError as exc:
                    key = f"{section}.{exc.key.split('.')[0]}"
                    key = f"space.{key}" if key in self.space else "space"
                    shown = ", ".join(f"{k}={v}" for k, v in relevant_params(combination).items())
                    raise ConfigError(key, f"the combination {shown} cannot be built: {exc}") from None


def load_search_config(path: str | Path) -> SearchConfig:
    return load_yaml(SearchConfig, path)
