"""The student protocol and its on-disk layout.

A student regresses the (transformed) teacher score from the raw view. Saved as a directory:
``student.json`` (family, config, input and target scaling, size facts) beside the family's model file.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from flowad.configio import to_plain
from flowad.errors import FlowadInputError
from flowad.student.config import StudentConfig
from flowad.student.registry import STUDENT_FAMILIES

LOSSES = ("mae", "mse", "huber")
MANIFEST = "student.json"


class Student(ABC):
    """A family of students. Everything a family can do is said here, once (a new family overrides what differs
    and registers with :func:`flowad.student.registry.register_family`)."""

    family: ClassVar[str]
    firmware: ClassVar[str]
    """The firmware route that turns this family into a design (``flowad.hardware.routes.ROUTES``)."""
    display_name: ClassVar[str]
    """How tables and plots name the family (``QKeras-style``)."""
    colour: ClassVar[str] = "#7f7f7f"
    """Its colour in plots (hex)."""
    own_params: ClassVar[frozenset[str]] = frozenset()
    """StudentConfig fields that some family owns and this one reads (QKeras-style: ``integer_bits``; HGQ: ``beta``).
    A trial's parameter that another family owns is not this family's: searches drop it (:func:`flowad.student.registry.family_params`)."""
    widths_param: ClassVar[str] = "widths"
    """The search parameter its layer widths come from: LGN's gate layers are searched as ``lgn_widths`` (~10–30×
    wider than MLP layers of the same cost), so one space can hold every family."""
    hardware_params: ClassVar[bool] = True
    """Whether a search's ``hardware.*`` parameters (hls4ml strategy, reuse factor) change its design."""
    subtracts_pileup: ClassVar[bool] = False
    """Whether it can take ``pileup_subtraction`` (a firmware stage that subtracts the crossing's pile-up level from
    its region counts before the model reads them)."""
    learned_precision: ClassVar[bool] = False
    """Whether its bit widths are learned per weight (HGQ): a model that takes one global precision says so."""

    @classmethod
    def check(cls, config: StudentConfig) -> None:
        """Refuse (:class:`flowad.errors.ConfigError`) what this family cannot build; the shared fields are checked
        by :class:`StudentConfig` itself."""

    @classmethod
    @abstractmethod
    def static_cost(cls, config: StudentConfig, n_inputs: int) -> float:
        """Size of the architecture before training (for pruning): weights × bits, or gates."""

    @classmethod
    def label(cls, config: StudentConfig) -> str:
        """A short name of the architecture for tables and run names: ``hgq 32-16 @6b``."""
        return f"{cls.family} {'-'.join(map(str, config.widths))} @{config.bits}b"

    def __init__(self, config: StudentConfig):
        self.config = config

    @abstractmethod
    def fit(self, x: np.ndarray, target: np.ndarray, x_val: np.ndarray, target_val: np.ndarray,
            weights: np.ndarray | None = None, loss: str = "mae",
            on_epoch: Callable[[dict], None] | None = None, natural: int | None = None) -> list[dict]:
        """Train on raw view arrays ``x`` (N, ...) to regress ``target`` (N,); early stopping on the validation pair.

        ``natural``: the first ``natural`` rows of ``x`` are real crossings and the rest teacher-labelled copies
        (augmented: energy-scaled, remixed, …); None: all real. A family may set input statistics on the real ones.

        ``on_epoch`` is called after every epoch with ``{"epoch", "train_loss", "val_loss"}`` (losses on the
        family's normalised target), e.g. to report progress to a scheduler; it may raise to stop training.
        """

    @abstractmethod
    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted target (float64, target units) for raw view arrays."""

    @abstractmethod
    def summary(self) -> dict[str, Any]:
        """Size facts of the trained model (parameters, EBOPs, gates, ...)."""

    @abstractmethod
    def _state(self) -> dict[str, Any]:
        """Plain data beside the config, needed to rebuild (scalings)."""

    @abstractmethod
    def _save_model(self, directory: Path) -> None: ...

    @classmethod
    @abstractmethod
    def _load(cls, config: StudentConfig, state: dict[str, Any], directory: Path) -> "Student": ...

    def save(self, directory: str | Path) -> Path:
        """Write the student directory atomically (a temporary sibling renamed into place)."""
        directory = Path(directory)
        tmp = directory.with_name(f".{directory.name}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        self._save_model(tmp)
        manifest = {"family": self.family, "config": to_plain(self.config), "state": self._state(), "summary": self.summary()}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if directory.exists():
            shutil.rmtree(directory)
        tmp.rename(directory)
        return directory


def load_student(directory: str | Path) -> Student:
    from flowad.configio import from_mapping

    directory = Path(directory)
    try:
        manifest = json.loads((directory / MANIFEST).read_text())
        config = from_mapping(StudentConfig, manifest["config"])
        cls = STUDENT_FAMILIES[manifest["family"]]
    except (OSError, ValueError, KeyError) as exc:
        raise FlowadInputError(f"{directory}: not a flowad student ({exc.__class__.__name__})") from None
    return cls._load(config, manifest["state"], directory)


class TargetNormaliser:
    """Affine map between target units and the unit-scale values a network is trained on."""

    def __init__(self, offset: float, scale: float):
        self.offset, self.scale = float(offset), float(scale) if scale > 0 else 1.0

    def forward(self, t: np.ndarray) -> np.ndarray:
        return ((t - self.offset) / self.scale).astype(np.float32)

    def inverse(self, y: np.ndarray) -> np.ndarray:
        return np.asarray(y, np.float64).reshape(-1) * self.scale + self.offset

    def state(self) -> dict:
        return {"offset": self.offset, "scale": self.scale}
