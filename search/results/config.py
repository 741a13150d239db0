"""What ``make results`` runs: one typed config (configs/results/default.yaml; full.yaml for bigger machines)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowad.distill.config import DataSource
from flowad.metrics.ceiling import CeilingConfig
from flowad.errors import check


@dataclass(frozen=True)
class SamplerStudy:
    """Hypervolume against trials for Optuna's multi-objective samplers on a surrogate of real trials."""

    samplers: tuple[str, ...] = ("nsga2", "tpe", "random", "gp")
    trials: int = 60
    seeds: int = 20
    checkpoints: tuple[int, ...] = (10, 20, 40, 60)
    """Trial counts at which the hypervolume is reported."""

    def __post_init__(self) -> None:
        check(self.trials >= 2 and self.seeds >= 1, "trials", "needs ≥ 2 trials and ≥ 1 seed")
        check(all(1 <= c <= self.trials for c in self.checkpoints), "checkpoints", f"must be in [1, {self.trials}]")


@dataclass(frozen=True)
class ResultsConfig:
    data: DataSource
    signals: tuple[str, ...]
    """The signals an anomaly trigger is for: means are over these; each also gets its own column."""
    teachers: dict[str, dict[str, Any]]
    """Label → TeacherConfig mapping, each trained with ``seeds`` seeds."""
    distill_teacher: str
    """The teacher (a key of ``teachers``, seed 0) every student is distilled from."""
    students: dict[str, dict[str, Any]]
    """Label → StudentConfig mapping (family, widths, bits): each distilled with ``seeds`` seeds and shipped."""
    lut_budgets: tuple[float, ...]
    """LUT budgets at which the families are compared (best validation AUC within each, claimed on test)."""
    ablation_student: str
    """The student (a key of ``students``) whose distillation is ablated."""
    ablations: dict[str, dict[str, Any]]
    """Label → DistillConfig overrides (``augment``, ``outlier_exposure``)."""
    seeds: int = 3
    rate_khz: float = 3.0
    student_training: dict[str, Any] = field(default_factory=dict)
    """Laid over every student (epochs, patience, batch size)."""
    distill: dict[str, Any] = field(default_factory=dict)
    """The rest of every DistillConfig (augment, outlier_exposure, target, loss)."""
    hardware: dict[str, Any] = field(default_factory=dict)
    """The HardwareConfig of every shipped design (default: CICADA's Virtex-7 at 160 MHz, distributed arithmetic)."""
    samplers: SamplerStudy = field(default_factory=SamplerStudy)
    ceiling: CeilingConfig = field(default_factory=CeilingConfig)
    """The supervised classifier trained per signal that every trigger is measured against."""

    def __post_init__(self) -> None:
        check(self.seeds >= 1, "seeds", f"must be ≥ 1, got {self.seeds}")
        check(self.distill_teacher in self.teachers, "distill_teacher", f"{self.distill_teacher!r} is not in teachers")
        check(self.ablation_student in self.students, "ablation_student", f"{self.ablation_student!r} is not in students")
        check(bool(self.signals), "signals", "name at least one signal")
        check(all(b > 0 for b in self.lut_budgets), "lut_budgets", "must be > 0")
