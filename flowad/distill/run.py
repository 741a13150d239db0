"""Run a teacher training or a distillation end to end: data → teacher (cached) → scores (cached) → student → metrics.

Caches live under the data source's ``cache`` directory:
- ``teachers/<key>.pt``: a teacher per distinct (dataset, background, teacher config), trained once;
- ``scores/<key>.npz``: that teacher's score of every process and split.

Both are guarded by a lock file beside the checkpoint, so concurrent runs (search trials, possibly on
several machines sharing the cache directory) train each distinct teacher exactly once.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from filelock import FileLock

from flowad.atomic import atomic_path, write_text_atomic
from flowad.data import generate, load, load_config
from flowad.data.generate import default_workers
from flowad.data.readers import dataset_manifest
from flowad.distill.config import DataSource, DistillConfig, TeacherRunConfig
from flowad.distill.augment import energy_scaled
from flowad.distill.outliers import sample_weights
from flowad.distill.target import TargetTransform
from flowad.errors import FlowadInputError
from flowad.hashing import content_hash, derive_seed
from flowad.metrics import emd, roc_auc, spearman, tpr_at_rate
from flowad.metrics.plots import plot_roc, plot_scores
from flowad.student import Student, build_student
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


def dataset_identity(path: Path) -> str:
    if path.is_dir():
        return dataset_manifest(path)["config_hash"]
    digest = hashlib.blake2b(digest_size=8)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


def prepare(source: DataSource, teacher_config: TeacherConfig) -> Prepared:
    start = time.perf_counter()
    dataset = resolve_dataset(source)
    arrays = load(dataset, teacher_config.view)
    background = source.background
    if background not in arrays or not {"train", "val", "test"} <= set(arrays[background]):
        raise FlowadInputError(f"{dataset}: background {background!r} needs train, val and test splits "
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
            teacher = train_teacher(teacher_config, bg["train"], bg["val"])
            teacher.save(teacher_path)
        else:
            teacher = Teacher.load(teacher_path)
        scores = cached_scores(teacher, arrays, cache / "scores" / f"{key}.npz")
    seconds = {"data": loaded - start, "teacher_wait": acquired - loaded, "teacher": time.perf_counter() - acquired}
    return Prepared(dataset, arrays, background, teacher, teacher_path, trained_now, scores, seconds)


def cached_scores(teacher: Teacher, arrays: dict[str, dict[str, np.ndarray]], path: Path) -> Scores:
    """The teacher's score of every (process, split), computed once and kept in ``path``."""
    if path.is_file():
        with np.load(path) as stored:
            scores: Scores = {}
            for name in stored.files:
                process, split = name.split("/")
                scores.setdefault(process, {})[split] = stored[name]
        if all(s in scores.get(p, {}) for p, by in arrays.items() for s in by):
            return scores
    scores = {p: {s: teacher.score(x) for s, x in by.items()} for p, by in arrays.items()}
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **{f"{p}/{s}": v for p, by in scores.items() for s, v in by.items()})
    return scores


def evaluation_rows(background: np.ndarray, signals: dict[str, np.ndarray], rate_khz: float) -> dict[str, dict]:
    rows = {}
    for name, scores in signals.items():
        eff = tpr_at_rate(background, scores, rate_khz)
        rows[name] = {"auc": roc_auc(background, scores), "tpr_at_rate": eff.tpr, "tpr_note": eff.reason,
                      "n_background": eff.n_background, "n_signal": len(scores)}
    return rows


@dataclass
class TeacherReport:
    teacher: Teacher
    path: Path
    trained_now: bool
    metrics: dict[str, dict]
    plots: list[Path] = field(default_factory=list)


def run_teacher(config: TeacherRunConfig, rate_khz: float = 3.0) -> TeacherReport:
    prepared = prepare(config.data, config.teacher)
    bg = prepared.scores[prepared.background]["test"]
    signals = {p: prepared.scores[p]["test"] for p in prepared.signals if "test" in prepared.scores[p]}
    metrics = evaluation_rows(bg, signals, rate_khz)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    prepared.teacher.save(out / "teacher.pt")
    write_text_atomic(out / "metrics.json", json.dumps(metrics, indent=2, sort_keys=True) + "\n")
    plots = [plot_roc(bg, signals, out / "roc.png", title=f"teacher {config.teacher.kind}"),
             plot_scores({prepared.background: bg, **signals}, out / "scores.png", xlabel="teacher score")]
    return TeacherReport(prepared.teacher, out / "teacher.pt", prepared.teacher_trained_now, metrics, plots)


def with_augmented(x: np.ndarray, scores: np.ndarray, teacher: Teacher, config: DistillConfig,
                   split: str) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and its teacher scores, plus the teacher-scored energy-scaled copies of :mod:`augment`."""
    rng = np.random.default_rng(derive_seed(config.seed, "augment", split))
    extra = energy_scaled(x, config.teacher.view, config.augment, rng)
    if len(extra) == 0:
        return x, scores
    return np.concatenate([x, extra]), np.concatenate([scores, teacher.score(extra)])


@dataclass
class DistillReport:
    student: Student
    teacher_path: Path
    metrics: dict[str, dict]
    agreement: dict[str, dict]
    summary: dict
    history: list[dict]
    out: Path
    plots: list[Path] = field(default_factory=list)


def run_distillation(config: DistillConfig, prepared: Prepared | None = None,
                     on_epoch: Callable[[dict], None] | None = None) -> DistillReport:
    """Distil ``config.teacher`` into ``config.student``; ``prepared`` (from :func:`prepare`) skips that step,
    ``on_epoch`` is handed to the student's ``fit``."""
    prepared = prepared or prepare(config.data, config.teacher)
    bg_x, bg_s = prepared.arrays[prepared.background], prepared.scores[prepared.background]
    target = TargetTransform.fit(config.target, bg_s["train"])
    x_train, s_train = with_augmented(bg_x["train"], bg_s["train"], prepared.teacher, config, "train")
    x_val, s_val = with_augmented(bg_x["val"], bg_s["val"], prepared.teacher, config, "val")
    t_train, t_val = target(s_train), target(s_val)
    student = build_student(config.student)
    history = student.fit(x_train, t_train, x_val, t_val,
                          weights=sample_weights(config.outlier_exposure, t_train), loss=config.loss, on_epoch=on_epoch)

    test = {p: prepared.arrays[p]["test"] for p in prepared.arrays if "test" in prepared.arrays[p]}
    student_scores = {p: student.predict(x) for p, x in test.items()}
    teacher_scores = {p: prepared.scores[p]["test"] for p in test}
    bg = prepared.background
    signals = [p for p in test if p != bg]
    teacher_rows = evaluation_rows(teacher_scores[bg], {p: teacher_scores[p] for p in signals}, config.rate_khz)
    student_rows = evaluation_rows(student_scores[bg], {p: student_scores[p] for p in signals}, config.rate_khz)
    metrics = {}
    for p in signals:
        t_auc, s_auc = teacher_rows[p]["auc"], student_rows[p]["auc"]
        metrics[p] = {"teacher_auc": t_auc, "student_auc": s_auc,
                      "auc_retained": (s_auc - 0.5) / (t_auc - 0.5) if t_auc != 0.5 else float("nan"),
                      "teacher_tpr_at_rate": teacher_rows[p]["tpr_at_rate"],
                      "student_tpr_at_rate": student_rows[p]["tpr_at_rate"], "tpr_note": student_rows[p]["tpr_note"]}
    agreement = {p: {"emd": emd(target(teacher_scores[p]), student_scores[p]),
                     "spearman": spearman(teacher_scores[p], student_scores[p])} for p in test}

    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    student.save(out / "student")
    record = {"metrics": metrics, "agreement": agreement, "summary": student.summary(), "history": history,
              "teacher": str(prepared.teacher_path), "data": str(prepared.dataset),
              "view": config.teacher.view, "background": prepared.background}
    write_text_atomic(out / "metrics.json", json.dumps(record, indent=2, sort_keys=True, default=float) + "\n")
    plots = [
        plot_roc(student_scores[bg], {p: student_scores[p] for p in signals}, out / "roc_student.png",
                 title=f"student {config.student.family} {list(config.student.widths)} @ {config.student.bits} bits"),
        plot_roc(teacher_scores[bg], {p: teacher_scores[p] for p in signals}, out / "roc_teacher.png",
                 title=f"teacher {config.teacher.kind}"),
        plot_scores(student_scores, out / "scores_student.png", xlabel="student score (target units)"),
    ]
    return DistillReport(student, prepared.teacher_path, metrics, agreement, student.summary(), history, out, plots)
