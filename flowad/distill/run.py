"""Run a teacher training or a distillation end to end: data → teacher (cached) → scores (cached) → student → metrics.

Caches live under the data source's ``cache`` directory:
- ``teachers/<key>.pt``: a teacher per distinct (dataset, background, teacher config), trained once;
- ``scores/<key>.npz``: that teacher's score of every process and split;
- ``reference/<key>.npz``: the dataset's no-ML reference (menu decisions, baseline scores).

Splits have one purpose each: students and teachers fit on ``train``; ``val`` sets every rate cut and every
search objective; ``test`` is read only by the teacher report (:func:`run_teacher`) and by ``select``.
A distillation loads ``train`` and ``val`` only, so no test event can reach a search trial.

Both are guarded by a lock file beside the checkpoint, so concurrent runs (search trials, possibly on
several machines sharing the cache directory) train each distinct teacher exactly once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
from filelock import FileLock

from flowad.atomic import atomic_path, write_text_atomic
from flowad.data import generate, load, load_config
from flowad.data.generate import default_workers
from flowad.data.config import DetectorConfig
from flowad.data.readers import dataset_detector, dataset_identity, view_full_scale
from flowad.distill.config import DataSource, DistillConfig, TeacherRunConfig
from flowad.distill.augment import energy_scaled
from flowad.distill.injection import injected
from flowad.distill.outliers import sample_weights
from flowad.distill.remix import PileupPool, remixed
from flowad.distill.tail_mining import mined_tail
from flowad.distill.target import TargetTransform
from flowad.errors import FlowadInputError
from flowad.hashing import content_hash, derive_seed
from flowad.metrics import emd, spearman
from flowad.metrics.agreement import auc_retained, kept_together
from flowad.metrics.plots import plot_roc, plot_scores
from flowad.metrics.menu import MENUS
from flowad.metrics.reference import Reference, reference_for
from flowad.metrics.trigger import ScorePerformance
from flowad.student import Student, StudentConfig, build_student
from flowad.teacher import Teacher, TeacherConfig, train_teacher

Scores = dict[str, dict[str, np.ndarray]]


def resolve_dataset(source: DataSource) -> Path:
    """The dataset directory (or file) of ``source``, generating a data config's dataset if needed."""
    path = Path(source.path)
    if path.suffix in (".yaml", ".yml"):
        return generate(load_config(path), source.cache, workers=default_workers())
    if not path.exists():
        raise FlowadInputError(f"{path}: no such dataset")
    return path


@dataclass
class Prepared:
    """Arrays of the teacher's view, the teacher, and its scores for every process and split."""

    dataset: Path
    arrays: dict[str, dict[str, np.ndarray]]
    background: str
    teacher: Teacher
    teacher_path: Path
    teacher_trained_now: bool
    scores: Scores
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall time of each step: ``data`` (generate/load), ``teacher_wait`` (another process training the same
    teacher), ``teacher`` (train or load, scores)."""

    @property
    def signals(self) -> list[str]:
        return [p for p in self.arrays if p != self.background]


TRAINING_SPLITS = ("train", "val")
REPORT_SPLITS = ("train", "val", "test")


def prepare(source: DataSource, teacher_config: TeacherConfig, splits: tuple[str, ...] = TRAINING_SPLITS) -> Prepared:
    """Load ``splits`` of the teacher's view (the files of other splits are never opened), then get the teacher
    (trained once per key, behind a lock) and its scores of what was loaded."""
    start = time.perf_counter()
    dataset = resolve_dataset(source)
    arrays = load(dataset, teacher_config.view, splits=splits)
    background = source.background
    if background not in arrays or not set(splits) <= set(arrays[background]):
        raise FlowadInputError(f"{dataset}: background {background!r} needs {', '.join(splits)} splits "
                               f"(has processes: {', '.join(sorted(arrays))})")
    loaded = time.perf_counter()
    key = content_hash({"dataset": dataset_identity(dataset), "background": background, "teacher": teacher_config}, 16)
    cache = Path(source.cache)
    teacher_path = cache / "teachers" / f"{key}.pt"
    teacher_path.parent.mkdir(parents=True, exist_ok=True)
    # one trainer per teacher key, however many processes ask at once; the others wait and load its checkpoint
    with FileLock(str(teacher_path) + ".lock"):
        acquired = time.perf_counter()
        trained_now = not teacher_path.is_file()
        if trained_now:
            bg = arrays[background]
            train = bg["train"]
            if teacher_config.train_on_menu_rejected:
                train = train[~menu_accepts(dataset, background, "train", teacher_config.train_on_menu_rejected, source.cache)]
            teacher = train_teacher(teacher_config, train, bg["val"])
            teacher.save(teacher_path)
        else:
            teacher = Teacher.load(teacher_path)
        scores = cached_scores(teacher, arrays, cache / "scores" / f"{key}.npz")
    seconds = {"data": loaded - start, "teacher_wait": acquired - loaded, "teacher": time.perf_counter() - acquired}
    return Prepared(dataset, arrays, background, teacher, teacher_path, trained_now, scores, seconds)


def source_reference(source: DataSource, dataset: Path, splits: Sequence[str]) -> Reference:
    """The reference of ``source``'s dataset (``dataset``: it resolved) on ``splits``, against the menu ``source``
    names: every pure efficiency of a teacher run, a distillation, a search or a results unit is counted this way."""
    return reference_for(dataset, source.background, splits, source.cache, source.menu_config())


def menu_accepts(dataset: Path, background: str, split: str, menu: str, cache: str | Path) -> np.ndarray:
    """The named menu's decision on each ``split`` crossing of the background (:data:`flowad.metrics.menu.MENUS`)."""
    reference = reference_for(dataset, background, (split,), cache, MENUS[menu]())
    if not reference.menu.valid:
        raise FlowadInputError(f"{dataset}: the {menu!r} menu cannot be set on this data ({reference.menu.reason})")
    return reference.menu_accepts[background][split]


def cached_scores(teacher: Teacher, arrays: dict[str, dict[str, np.ndarray]], path: Path) -> Scores:
    """The teacher's score of every (process, split) in ``arrays``, computed once and kept in ``path`` (which
    may hold more splits than asked for: only those of ``arrays`` are returned)."""
    scores: Scores = {}
    if path.is_file():
        with np.load(path) as stored:
            for name in stored.files:
                process, split = name.split("/")
                scores.setdefault(process, {})[split] = stored[name]
    missing = {p: {s: x for s, x in by.items() if s not in scores.get(p, {})} for p, by in arrays.items()}
    if any(missing.values()):
        for p, by in missing.items():
            for s, x in by.items():
                scores.setdefault(p, {})[s] = teacher.score(x)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, **{f"{p}/{s}": v for p, by in scores.items() for s, v in by.items()})
    for p, by in arrays.items():
        for s in by:
            bad = int(np.sum(~np.isfinite(scores[p][s])))
            if bad:
                raise FlowadInputError(f"teacher {path.stem}: {bad} non-finite scores on {p}/{s} "
                                       "(a diverged teacher: retrain it with another seed or learning rate)")
    return {p: {s: scores[p][s] for s in by} for p, by in arrays.items()}


@dataclass
class TeacherReport:
    """The teacher's trigger performance on the test split beside the no-ML reference's, all cuts set on val."""

    teacher: Teacher
    path: Path
    trained_now: bool
    teacher_performance: ScorePerformance
    baselines: dict[str, ScorePerformance]
    reference: Reference
    split: str
    plots: list[Path] = field(default_factory=list)

    def record(self) -> dict:
        """Plain data for ``metrics.json``."""
        return {"split": self.split, "teacher": performance_record(self.teacher_performance),
                "baselines": {n: performance_record(p) for n, p in self.baselines.items()},
                "menu": menu_record(self.reference)}


def performance_record(performance: ScorePerformance) -> dict:
    return {"threshold": asdict(performance.threshold), "rate_khz": asdict(performance.rate_khz),
            "added_rate_khz": asdict(performance.added_rate_khz), "budget": performance.budget,
            "reason": performance.reason, "signals": {n: asdict(s) for n, s in performance.signals.items()}}


def menu_record(reference: Reference) -> dict:
    menu = reference.menu
    return {"total_khz": menu.total_khz, "thresholds": {n: asdict(t) for n, t in menu.thresholds.items()},
            "dropped": menu.dropped, "valid": menu.valid, "reason": menu.reason}


def run_teacher(config: TeacherRunConfig, rate_khz: float = 3.0, split: str = "test") -> TeacherReport:
    """Train (or load) the teacher and report it on ``split`` beside the menu and the baselines."""
    prepared = prepare(config.data, config.teacher, REPORT_SPLITS)
    reference = source_reference(config.data, prepared.dataset, ("val", split))
    performance = reference.evaluate(prepared.scores, split, rate_khz)
    baselines = reference.evaluate_baselines(split, rate_khz)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    prepared.teacher.save(out / "teacher.pt")
    bg = prepared.scores[prepared.background][split]
    signals = {p: prepared.scores[p][split] for p in performance.signals}
    plots = [plot_roc(bg, signals, out / "roc.png", title=f"teacher {config.teacher.kind} ({split} split)"),
             plot_scores({prepared.background: bg, **signals}, out / "scores.png", xlabel="teacher score")]
    report = TeacherReport(prepared.teacher, out / "teacher.pt", prepared.teacher_trained_now, performance, baselines,
                           reference, split, plots)
    write_text_atomic(out / "metrics.json", json.dumps(report.record(), indent=2, sort_keys=True) + "\n")
    return report


def with_augmented(x: np.ndarray, scores: np.ndarray, teacher: Teacher, config: DistillConfig, split: str,
                   dataset: Path) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and its teacher scores, plus teacher-scored copies: energy-scaled (:mod:`~flowad.distill.augment`), with
    localised deposits injected (:mod:`~flowad.distill.injection`), pile-up remixed (:mod:`~flowad.distill.remix`,
    from ``split``'s own pool in ``dataset``), and remixed crossings mined from the teacher's tail
    (:mod:`~flowad.distill.tail_mining`, the same pool)."""
    injecting, remixing, mining = (config.injection.fraction > 0, config.remix.fraction > 0,
                                   config.tail_mining.candidates > 0)
    wanted = [name for name, on in (("deposit injection", injecting), ("pile-up remixing", remixing),
                                    ("tail mining", mining)) if on]
    if wanted and config.teacher.view != "calo":
        raise FlowadInputError(f"{wanted[0]} needs the calo view (the teacher reads {config.teacher.view!r})")

    def draws(what: str) -> np.random.Generator:
        return np.random.default_rng(derive_seed(config.seed, what, split))

    copies = [energy_scaled(x, config.teacher.view, config.augment, draws("augment"))]
    if injecting:
        detector = dataset_detector(dataset) or DetectorConfig()
        copies.append(injected(x, config.injection, detector.region_lsb_gev, 2**detector.region_bits - 1,
                               draws("injection")))
    pool = PileupPool.of(dataset, split) if remixing or mining else None
    if remixing:
        copies.append(remixed(x, pool, config.remix, draws("remix")))
    labelled = [(x, scores)] + [(c, teacher.score(c)) for c in copies if len(c)]
    if mining:
        labelled.append(mined_tail(x, scores, pool, teacher.score, config.tail_mining, draws("tail mining")))
    if len(labelled) == 1:
        return x, scores
    return np.concatenate([a for a, _ in labelled]), np.concatenate([s for _, s in labelled])


@dataclass
class DistillReport:
    student: Student
    teacher_path: Path
    metrics: dict[str, dict]
    """Per signal: teacher and student AUC, AUC retained, efficiency and pure efficiency at the rate, menu efficiency."""
    agreement: dict[str, dict]
    summary: dict
    history: list[dict]
    out: Path
    split: str
    """Where the metrics were measured (``val``: a distillation never reads test)."""
    student_performance: ScorePerformance
    teacher_performance: ScorePerformance
    plots: list[Path] = field(default_factory=list)
    fidelity: dict[str, float] = field(default_factory=dict)
    """Agreement where the rate cut lives (:func:`tail_fidelity`): ``kept_together``, ``teacher_sum_et_spearman``,
    ``student_sum_et_spearman``."""


def with_full_scale(student: StudentConfig, dataset: Path, view: str) -> StudentConfig:
    """``student`` with the view's physical full scale as its input saturation, unless it names one itself."""
    if student.input_full_scale is not None:
        return student
    return replace(student, input_full_scale=view_full_scale(dataset, view))


def run_distillation(config: DistillConfig, prepared: Prepared | None = None,
                     on_epoch: Callable[[dict], None] | None = None) -> DistillReport:
    """Distil ``config.teacher`` into ``config.student`` and measure both on the validation split.

    ``prepared`` (from :func:`prepare`) skips that step; ``on_epoch`` is handed to the student's ``fit``.
    """
    prepared = prepared or prepare(config.data, config.teacher)
    bg_x, bg_s = prepared.arrays[prepared.background], prepared.scores[prepared.background]
    target = TargetTransform.fit(config.target, bg_s["train"])
    x_train, s_train = with_augmented(bg_x["train"], bg_s["train"], prepared.teacher, config, "train", prepared.dataset)
    stop = slice(0, config.early_stopping_events or None)
    x_val, s_val = with_augmented(bg_x["val"][stop], bg_s["val"][stop], prepared.teacher, config, "val", prepared.dataset)
    t_train, t_val = target(s_train), target(s_val)
    student = build_student(with_full_scale(config.student, prepared.dataset, config.teacher.view))
    weights = sample_weights(config.outlier_exposure, t_train, natural=len(bg_x["train"]))
    history = student.fit(x_train, t_train, x_val, t_val, weights=weights, loss=config.loss, on_epoch=on_epoch,
                          natural=len(bg_x["train"]))

    split = "val"
    events = {p: prepared.arrays[p][split] for p in prepared.arrays if split in prepared.arrays[p]}
    student_scores = {p: {split: student.predict(x)} for p, x in events.items()}
    teacher_scores = {p: {split: prepared.scores[p][split]} for p in events}
    reference = source_reference(config.data, prepared.dataset, (split,))
    student_perf = reference.evaluate(student_scores, split, config.rate_khz)
    teacher_perf = reference.evaluate(teacher_scores, split, config.rate_khz)
    metrics = {}
    for p, s_perf in student_perf.signals.items():
        t_perf = teacher_perf.signals[p]
        t_auc, s_auc = t_perf.auc.value, s_perf.auc.value
        metrics[p] = {"teacher_auc": t_auc, "student_auc": s_auc,
                      "auc_retained": auc_retained(s_auc, t_auc, t_perf.auc.low),
                      "teacher_tpr_at_rate": t_perf.tpr.value, "student_tpr_at_rate": s_perf.tpr.value,
                      "teacher_pure_tpr_at_rate": t_perf.pure_tpr.value, "student_pure_tpr_at_rate": s_perf.pure_tpr.value,
                      "menu_efficiency": s_perf.menu_efficiency}
    cuts = (teacher_perf.threshold.value, student_perf.threshold.value)
    agreement = {p: {"emd": emd(target(teacher_scores[p][split]), student_scores[p][split]),
                     "spearman": spearman(teacher_scores[p][split], student_scores[p][split]),
                     "kept_together": kept_together(teacher_scores[p][split], student_scores[p][split], *cuts)}
                 for p in events}
    fidelity = tail_fidelity(teacher_scores, student_scores, list(student_perf.signals), prepared.background, split, cuts,
                             reference.baselines.get("sum_et", {}).get(prepared.background, {}).get(split))

    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    student.save(out / "student")
    record = {"split": split, "metrics": metrics, "agreement": agreement, "fidelity": fidelity, "summary": student.summary(), "history": history,
              "student_performance": performance_record(student_perf), "teacher_performance": performance_record(teacher_perf),
              "teacher": str(prepared.teacher_path), "data": str(prepared.dataset), "cache": str(config.data.cache),
              "view": config.teacher.view, "background": prepared.background, "rate_khz": config.rate_khz,
              "menu": config.data.menu}
    write_text_atomic(out / "metrics.json", json.dumps(record, indent=2, sort_keys=True, default=float) + "\n")
    bg = prepared.background
    signals = list(student_perf.signals)
    plots = [
        plot_roc(student_scores[bg][split], {p: student_scores[p][split] for p in signals}, out / "roc_student.png",
                 title=f"student {config.student.family} {list(config.student.widths)} @ {config.student.bits} bits ({split})"),
        plot_roc(teacher_scores[bg][split], {p: teacher_scores[p][split] for p in signals}, out / "roc_teacher.png",
                 title=f"teacher {config.teacher.kind} ({split})"),
        plot_scores({p: v[split] for p, v in student_scores.items()}, out / "scores_student.png",
                    xlabel="student score (target units)"),
    ]
    return DistillReport(student, prepared.teacher_path, metrics, agreement, student.summary(), history, out, split,
                         student_perf, teacher_perf, plots, fidelity)


def tail_fidelity(teacher: Scores, student: Scores, signals: list[str], background: str, split: str,
                  cuts: tuple[float, float], sum_et: np.ndarray | None) -> dict[str, float]:
    """Where the trigger lives: ``kept_together``, the share of the signal events the teacher's rate cut keeps that
    the student's keeps too (every signal of the dataset pooled; ``agreement[signal]["kept_together"]`` has it
    per signal); and each score's Spearman correlation with ΣET on the background
    (how much of it is only the crossing's activity, which the menu and a ΣET cut already see)."""
    pooled = [np.concatenate([s[p][split] for p in signals]) if signals else np.zeros(0) for s in (teacher, student)]
    out = {"kept_together": kept_together(*pooled, *cuts)}
    for who, scores in (("teacher", teacher), ("student", student)):
        out[f"{who}_sum_et_spearman"] = spearman(sum_et, scores[background][split]) if sum_et is not None else float("nan")
    return out
