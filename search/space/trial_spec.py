"""A trial as typed configs, built once from its sampled parameters, and what it gives back.

Every part of the search that needs a trial's teacher, student, hardware or label reads its :class:`TrialSpec`
instead of re-reading the dotted parameters; :func:`search.running.trial.run_trial` returns a :class:`TrialResult` whose
metrics, MLflow tags and hardware spec are kept apart (the tags no longer ride in the metrics dict, and the
hardware spec is logged from memory, not read back from ``hardware.json``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowad.configio import from_mapping
from flowad.distill import DistillConfig
from flowad.hardware import HardwareConfig
from flowad.student.config import StudentConfig
from flowad.student.registry import STUDENT_FAMILIES
from flowad.teacher.config import TeacherConfig
from search.space.search_config import SearchConfig
from search.space.parameters import describe_params, relevant_params, trial_hardware, trial_mapping


@dataclass(frozen=True)
class TrialSpec:
    """One trial's configuration: the search's base sections with its parameters laid over them."""

    params: dict[str, Any]
    """The parameters as sampled (dotted: ``student.widths``)."""
    mapping: dict[str, Any]
    """The DistillConfig mapping (data, teacher, student, distillation settings) without its output folder."""
    teacher: TeacherConfig
    student: StudentConfig
    hardware: HardwareConfig
    """The spec its firmware design is built for (``hardware.*`` parameters laid over the search's)."""

    @classmethod
    def of(cls, search: SearchConfig, params: dict[str, Any]) -> "TrialSpec":
        """Build every config once; a parameter combination that cannot be built raises ConfigError here."""
        mapping = trial_mapping(search, params)
        return cls(dict(params), mapping, from_mapping(TeacherConfig, mapping["teacher"]),
                   from_mapping(StudentConfig, mapping["student"]), trial_hardware(search, params))

    @property
    def label(self) -> str:
        """The student as its family names it (``hgq 32-16 @6b``, ``lgn 1024-512 @3 thr``)."""
        return STUDENT_FAMILIES[self.student.family].label(self.student)

    @property
    def used(self) -> dict[str, Any]:
        """The parameters its student family uses (its identity: a QKeras-style student with another β is the same)."""
        return relevant_params(self.params)

    def describe(self) -> str:
        """``depth=4 family=hgq widths=32-16 bits=6 beta=3.8e-07``."""
        return describe_params(self.params)

    def distill_config(self, out: str | Path) -> DistillConfig:
        return from_mapping(DistillConfig, {**self.mapping, "out": str(out)})


@dataclass
class TrialResult:
    """What a finished trial reports: numbers, the tags that describe its costing, and its hardware spec."""

    metrics: dict[str, float]
    """Objectives and every other figure (``time_*`` in seconds, LUT, ns, …): numbers only."""
    tags: dict[str, str] = field(default_factory=dict)
    """MLflow tag name (:mod:`search.record.tags`) → value: estimator, its notes, the design's kind and hash, …"""
    hardware: HardwareConfig | None = None
