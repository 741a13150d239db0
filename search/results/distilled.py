"""One distilled student, measured the way a claim needs it: shipped, costed, and scored on the test split.

Shared by the student and distillation studies. The student is distilled through the product's own
:func:`flowad.distill.run_distillation` from the study's teacher (seed 0), its shipped design is built with
:func:`flowad.hardware.build_design` and costed twice: by yosys ``synth_xilinx`` (the LUTs reported) and by the
design's own per-trial estimator (da4ml's calibrated model, or the logic-gate closed form), for the firmware study.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from flowad.metrics.agreement import auc_retained as retained

from flowad.configio import from_mapping, to_plain
from flowad.data.readers import dataset_identity
from flowad.distill import DistillConfig, run_distillation
from flowad.distill.run import REPORT_SPLITS, performance_record, prepare, resolve_dataset, source_reference
from flowad.distill.target import TargetTransform
from flowad.hardware import HardwareConfig, build_design, cost
from flowad.hardware.estimators import ESTIMATORS
from flowad.hardware.estimators.synthesis import MODEL_OF
from flowad.hardware.routes import route_of
from flowad.metrics.agreement import emd, spearman
from search.results.config import ResultsConfig
from search.results.store import unit
from search.results.teachers import teacher_config

HARDWARE_FIELDS = ("lut", "ff", "dsp", "latency_cycles", "latency_ns")


def distill_config(config: ResultsConfig, student: dict[str, Any], seed: int, overrides: dict[str, Any], out: str) -> DistillConfig:
    teacher = teacher_config(config, config.distill_teacher, 0)
    mapping = {"data": to_plain(config.data), "teacher": to_plain(teacher), "seed": seed, "rate_khz": config.rate_khz,
               "student": {**student, **config.student_training, "seed": seed}, **config.distill, **overrides, "out": out}
    return from_mapping(DistillConfig, mapping)


STUDY = "distilled"


def distilled_unit(config: ResultsConfig, student: dict[str, Any], seed: int,
                   overrides: dict[str, Any] | None = None, ship: bool = True) -> dict:
    """Val and test records of the student and its teacher, test agreement (EMD, Spearman), and (``ship``) the
    shipped design's figures by yosys and by its own estimator. Kept per dataset, configs and seed."""
    overrides = overrides or {}
    dataset = resolve_dataset(config.data)
    distill = {k: v for k, v in to_plain(distill_config(config, student, seed, overrides, "")).items() if k not in ("data", "out")}
    spec = {"dataset": dataset_identity(dataset), "background": config.data.background, "distill": distill,
            "hardware": config.hardware if ship else None, "signals": list(config.signals)}
    revision = cost_model_revision(student["family"], config.hardware) if ship else 1
    if revision > 1:  # left out at 1, so that units kept before estimators had revisions stay valid
        spec["cost_model_revision"] = revision

    def run() -> dict:
        with tempfile.TemporaryDirectory(prefix="flowad-results-") as tmp:
            return measure(config, distill_config(config, student, seed, overrides, f"{tmp}/distill"), Path(tmp), ship)

    return unit(config.data.cache, STUDY, spec, run)


def cost_model_revision(family: str, hardware: dict[str, Any]) -> int:
    """The revision of the estimator that costs ``family``'s shipped design beside yosys (1 when none does)."""
    from flowad.student.registry import STUDENT_FAMILIES

    kind = route_of(STUDENT_FAMILIES[family]).kind(from_mapping(HardwareConfig, hardware))
    model = MODEL_OF.get(kind)
    return ESTIMATORS[model].revision if model else 1


def measure(config: ResultsConfig, distill: DistillConfig, workdir: Path, ship: bool) -> dict:
    start = time.perf_counter()
    prepared = prepare(distill.data, distill.teacher, REPORT_SPLITS)
    report = run_distillation(distill, prepared)
    seconds = time.perf_counter() - start
    student = report.student
    splits = ("val", "test")
    scores = {p: {s: student.predict(x[s]) for s in splits if s in x} for p, x in prepared.arrays.items()}
    reference = source_reference(distill.data, prepared.dataset, splits)
    out: dict[str, Any] = {"seconds_distill": seconds, "epochs": len(report.history), "summary": report.summary}
    for split in splits:
        out[split] = performance_record(reference.evaluate(scores, split, config.rate_khz, config.signals, distill.seed))
        out[f"teacher_{split}"] = performance_record(reference.evaluate(prepared.scores, split, config.rate_khz, config.signals))
    target = TargetTransform.fit(distill.target, prepared.scores[prepared.background]["train"])
    bg_teacher, bg_student = prepared.scores[prepared.background]["test"], scores[prepared.background]["test"]
    out["emd"] = emd(target(bg_teacher), bg_student)
    out["spearman"] = spearman(bg_teacher, bg_student)
    if ship:
        spec = from_mapping(HardwareConfig, config.hardware)
        design = build_design(student, spec, workdir / "firmware")
        out["design_kind"] = design.kind
        for name in ("yosys", MODEL_OF.get(design.kind)):
            if name is None:
                continue
            report_hw = cost(design, name, student, workdir / f"cost-{name}")
            out[f"hw_{name}"] = {"available": report_hw.available, "notes": report_hw.notes[:300], "seconds": report_hw.seconds,
                                 **{k: getattr(report_hw, k) for k in HARDWARE_FIELDS}}
    return out


def auc_retained(record: dict, signals) -> float:
    """Mean over ``signals`` of :func:`flowad.metrics.agreement.auc_retained` on test (signals where the teacher
    does not separate from chance are left out; NaN if that is all of them)."""
    values = []
    for s in signals:
        student, teacher = record["test"]["signals"][s]["auc"], record["teacher_test"]["signals"][s]["auc"]
        values.append(retained(student["value"], teacher["value"], teacher.get("low")))
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")
