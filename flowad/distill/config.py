"""Configs for the two model commands: ``flowad train teacher`` and ``flowad distill``."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from flowad.distill.augment import AugmentConfig
from flowad.distill.injection import InjectionConfig
from flowad.distill.outliers import OutlierExposureConfig
from flowad.distill.remix import RemixConfig
from flowad.distill.tail_mining import TailMiningConfig
from flowad.distill.target import TargetConfig
from flowad.errors import check
from flowad.metrics.menu import MENUS, MenuConfig
from flowad.student.base import LOSSES
from flowad.student.config import StudentConfig
from flowad.teacher.config import TeacherConfig


@dataclass(frozen=True)
class DataSource:
    """Where events come from: a generated dataset directory, or a data config YAML (generated and cached)."""

    path: str
    background: str = "zerobias"
    """The process that is "ordinary": teachers train on its train split, rates are measured on it."""
    cache: str = "data"
    """Where a data config's dataset is generated, and where teachers and scores are cached."""
    menu: str = "calibrated"
    """The emulated Level-1 menu (:data:`flowad.metrics.menu.MENUS`): pure efficiency counts the signal it rejects,
    and the pure rate budget the ZeroBias it rejects."""

    def __post_init__(self) -> None:
        check(bool(self.path), "path", "a dataset directory or data config is needed")
        check(self.menu in MENUS, "menu", f"must be one of {', '.join(MENUS)}, got {self.menu!r}")

    def menu_config(self) -> MenuConfig:
        return MENUS[self.menu]()

    def absolute(self) -> "DataSource":
        """This source with its path and cache made absolute (URLs kept), for processes with another working
        directory: Ray trials and results units, possibly on another machine."""
        return replace(self, path=absolute_location(self.path), cache=absolute_location(self.cache))


def absolute_location(location: str) -> str:
    """A local path made absolute; a URL (``scheme://…``) as it is."""
    return location if "://" in location else str(Path(location).resolve())


@dataclass(frozen=True)
class TeacherRunConfig:
    data: DataSource
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    out: str = "out/teacher"


@dataclass(frozen=True)
class DistillConfig:
    data: DataSource
    student: StudentConfig
    teacher: TeacherConfig = field(default_factory=TeacherConfig)
    target: TargetConfig = field(default_factory=TargetConfig)
    loss: str = "mae"
    outlier_exposure: OutlierExposureConfig = field(default_factory=OutlierExposureConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    injection: InjectionConfig = field(default_factory=InjectionConfig)
    """Teacher-labelled copies of crossings with a few localised deposits added (calo view only)."""
    remix: RemixConfig = field(default_factory=RemixConfig)
    """Teacher-labelled copies of crossings with more pile-up from the split's pool (calo view only)."""
    tail_mining: TailMiningConfig = field(default_factory=TailMiningConfig)
    """Remixed crossings kept only where the teacher scores them in its tail, near the rate cut (calo view only)."""
    seed: int = 0
    """Seed of the augmentation, injection, remixing and mining draws."""
    rate_khz: float = 3.0
    early_stopping_events: int = 20_000
    """Validation ZeroBias events (before augmentation) whose loss decides the student's early stopping (0: all);
    every validation event is still scored for the metrics."""
    out: str = "out/distill"

    def __post_init__(self) -> None:
        check(self.loss in LOSSES, "loss", f"must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        check(0 < self.rate_khz < 28_610, "rate_khz", f"must be in (0, 28610), got {self.rate_khz}")
        check(self.early_stopping_events >= 0, "early_stopping_events", f"must be >= 0, got {self.early_stopping_events}")
