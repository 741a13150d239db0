"""One search trial: data → teacher (shared cache) → distilled student → its firmware design → cost → metrics.

The design (:func:`flowad.hardware.build_design`) is the one ``flowad search select`` ships: the trial writes it
into ``firmware/`` with its manifest and content hash, costs *it*, and leaves ``hardware.json`` (spec, design kind,
hash, estimator and its figures) to be logged beside it.

Ray- and MLflow-free on purpose: the driver wraps :func:`run_trial` in a Tune trainable and does the
reporting and tracking. Deterministic failures of a trial's own input (hls4ml cannot convert it, its
estimator cannot estimate it) raise :class:`TrialFailed` with the reason; a trial must not be retried for them.
"""

from __future__ import annotations

import json
import math
import socket
import shutil
from dataclasses import asdict
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from flowad.data.storage import VIEW_SHAPES
from flowad.distill import prepare, run_distillation
from flowad.errors import FlowadInputError
from flowad.atomic import write_text_atomic
from flowad.configio import to_plain
from flowad.hardware import ConversionError, VerificationUnavailable, build_design, cost, pairing_problem, verify_design
from flowad.metrics.trigger import ScorePerformance
from flowad.student.config import StudentConfig
from flowad.student.families import STUDENT_FAMILIES
from search.space.search_config import SearchConfig
from search.record.tags import (DESIGN_HASH, DESIGN_KIND, ESTIMATOR, ESTIMATOR_SURROGATE, HARDWARE_NOTES, HARDWARE_SOURCE,
                         HARDWARE_SYNTHESISED)
from search.space.trial_spec import TrialResult, TrialSpec

HARDWARE_KEYS = ("lut", "ff", "dsp", "bram", "latency_cycles", "latency_ns", "ii")
CSIM_EVENTS = 200
HARDWARE_JSON = "hardware.json"


class TrialFailed(FlowadInputError):
    """The trial's configuration cannot produce a result (not a crash of the machinery)."""


class OverTimeBudget(Exception):
    """The trial ran past ``resources.time_budget_s``: it stops where it is, like a pruned trial (never re-run)."""

    def __init__(self, budget_s: float, elapsed_s: float, where: str):
        self.budget_s, self.elapsed_s, self.where = budget_s, elapsed_s, where
        super().__init__(f"over its time budget: {elapsed_s:.0f} s > {budget_s:g} s, stopped {where}")


class TrialClock:
    """Wall seconds since the trial started, against its budget (None: no budget)."""

    def __init__(self, budget_s: float | None, start: float | None = None):
        self.budget_s = budget_s
        self.start = time.perf_counter() if start is None else start

    def check(self, where: str) -> None:
        """Raise :class:`OverTimeBudget` when the budget is spent; ``where`` says at which point it stopped."""
        elapsed = time.perf_counter() - self.start
        if self.budget_s is not None and elapsed > self.budget_s:
            raise OverTimeBudget(self.budget_s, elapsed, where)


def static_cost(student: StudentConfig, n_inputs: int) -> float:
    """Size of an architecture fixed before training (the family's own measure: weights × bits, or gates)."""
    return STUDENT_FAMILIES[student.family].static_cost(student, n_inputs)


def physics_metrics(student: ScorePerformance, teacher: ScorePerformance, signals: tuple[str, ...] = ()) -> dict[str, float]:
    """Student metrics per signal and as means over ``signals`` (default all), the teacher's as ``teacher_*``.

    Both measured on the validation split, the rate cut set there (the test split never reaches a trial).
    """
    names = list(signals) or list(student.signals)
    missing = [s for s in names if s not in student.signals]
    if missing:
        raise TrialFailed(f"signal {missing[0]!r} (search key: signals) is not in the dataset "
                          f"(has: {', '.join(student.signals)})")
    out: dict[str, float] = {}
    for prefix, performance in (("", student), ("teacher_", teacher)):
        out.update(performance.flat(prefix))
        out.update(performance.means(prefix, names))
    out["menu_efficiency"] = float(np.mean([student.signals[s].menu_efficiency for s in names]))
    return out


def run_trial(search: SearchConfig, spec: TrialSpec, workdir: str | Path,
              on_epoch: Callable[[dict], None] | None = None, csim: bool = False,
              clock: TrialClock | None = None) -> TrialResult:
    """Run one trial in ``workdir``; returns every metric (objectives, the rest, and ``time_*`` seconds), the tags
    that say how its hardware was costed, and its hardware spec.

    ``clock`` (default: started now, with ``resources.time_budget_s``) is checked after the teacher, after each
    training epoch and before the firmware steps; past its budget the trial raises :class:`OverTimeBudget`."""
    workdir = Path(workdir)
    clock = clock or TrialClock(search.resources.time_budget_s)
    config = spec.distill_config(workdir / "distill")
    if "://" not in config.data.path and not Path(config.data.path).exists():
        raise TrialFailed(f"the dataset {config.data.path} is not visible on {socket.gethostname()}: every node must "
                          "mount the shared data cache at the same path (docs/cluster.md)")
    size = static_cost(config.student, math.prod(VIEW_SHAPES[config.teacher.view]))
    seconds: dict[str, float] = {}

    prepared = prepare(config.data, config.teacher)
    seconds.update(prepared.seconds)
    clock.check("after its teacher")

    def epoch_hook(record: dict) -> None:
        if on_epoch is not None:
            on_epoch({"epoch": record["epoch"] + 1, "val_loss": record["val_loss"], "train_loss": record["train_loss"],
                      "static_cost": size, "family": config.student.family})
        clock.check(f"at epoch {record['epoch'] + 1}")

    start = time.perf_counter()
    report = run_distillation(config, prepared, on_epoch=epoch_hook)
    seconds["distill"] = time.perf_counter() - start
    student = report.student
    metrics: dict[str, Any] = {"teacher_trained_now": float(prepared.teacher_trained_now), "static_cost": size,
                               "epochs_trained": float(len(report.history))}
    metrics.update(physics_metrics(report.student_performance, report.teacher_performance, search.signals))
    signals = list(search.signals) or list(report.metrics)
    retained = [v for v in (report.metrics[p]["auc_retained"] for p in signals) if np.isfinite(v)]  # teachers that separate
    metrics["auc_retained"] = float(np.mean(retained)) if retained else float("nan")
    metrics["emd"] = float(report.agreement[prepared.background]["emd"])
    metrics["spearman"] = float(report.agreement[prepared.background]["spearman"])
    kept = [v for v in (report.agreement[p]["kept_together"] for p in signals if p in report.agreement) if np.isfinite(v)]
    metrics["kept_together"] = float(np.mean(kept)) if kept else float("nan")  # over the search's signals, like auc
    metrics.update({k: float(v) for k, v in report.fidelity.items() if k.endswith("sum_et_spearman")})
    metrics.update({f"student_{k}": float(v) for k, v in report.summary.items() if isinstance(v, (int, float))})

    clock.check("before its firmware")
    start = time.perf_counter()
    try:
        design = build_design(student, spec.hardware, workdir / "firmware")
    except ConversionError as exc:
        raise TrialFailed(str(exc)) from None
    seconds["design"] = time.perf_counter() - start
    estimator = search.estimator_for(config.student.family, design.kind)
    problem = pairing_problem(estimator, design.kind) if estimator else f"no estimator for a {design.kind} design"
    if problem:
        raise TrialFailed(f"{problem} (search key: estimators)")
    clock.check("before its cost estimate")
    hardware = cost(design, estimator, student, workdir / "estimate")
    seconds["estimate"] = hardware.seconds
    if not hardware.available:
        raise TrialFailed(f"estimator {estimator}: {hardware.notes}")
    metrics.update({k: getattr(hardware, k) for k in HARDWARE_KEYS if getattr(hardware, k) is not None})
    if csim:
        bg_val = prepared.arrays[prepared.background]["val"][:CSIM_EVENTS]
        try:
            exact = verify_design(student, design, bg_val)
        except VerificationUnavailable as exc:
            raise TrialFailed(f"csim: {exc}") from None
        seconds["verify"] = exact.compile_seconds
        metrics["bit_exact_fraction"] = exact.exact_fraction
    metrics.update({f"time_{k}": v for k, v in seconds.items()})
    tags = {ESTIMATOR: estimator, HARDWARE_NOTES: hardware.notes[:5000], DESIGN_KIND: design.kind, DESIGN_HASH: design.digest,
            ESTIMATOR_SURROGATE: str(bool(hardware.surrogate)).lower(), HARDWARE_SOURCE: hardware.source,
            HARDWARE_SYNTHESISED: str(bool(hardware.synthesised)).lower()}
    record = {"spec": to_plain(spec.hardware), "design": design.manifest(), "estimator": estimator,
              "report": asdict(hardware)}
    write_text_atomic(workdir / HARDWARE_JSON, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return TrialResult(metrics, tags, spec.hardware)


def artifacts_of(workdir: str | Path) -> dict[str, Path]:
    """What a finished trial leaves to be logged: student model, plots, metrics, the hardware record and the zipped
    firmware design that was costed (``firmware.zip``, its sources hashed in ``hardware.json``)."""
    workdir = Path(workdir)
    out = {"student": workdir / "distill" / "student", "metrics": workdir / "distill" / "metrics.json"}
    out.update({f"plots/{p.name}": p for p in sorted((workdir / "distill").glob("*.png"))})
    if (workdir / "firmware").is_dir():
        archive = shutil.make_archive(str(workdir / "firmware"), "zip", root_dir=workdir / "firmware")
        out["firmware.zip"] = Path(archive)
    if (workdir / HARDWARE_JSON).is_file():
        out[HARDWARE_JSON] = workdir / HARDWARE_JSON
    return out
