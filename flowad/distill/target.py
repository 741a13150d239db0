"""What the student regresses: a transform of the teacher score, fitted on the training split.

- ``log`` (CICADA's choice, ``quantize(log(score) · 32)``): ``scale · log(1 + score − s₀)`` with s₀ the
  smallest training score, so it is defined for −log p (which can be negative) as for MSE;
- ``identity``: ``scale · (score − s₀)``;
- ``rank``: ``scale ·`` the training empirical CDF of the score (robust to heavy tails; saturates for
  anything beyond the training range, so it flattens the very anomalies we want: use with care).
``quantize`` floors the result to integers, as CICADA's 8-bit-output target does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowad.errors import FlowadInputError, check

TRANSFORMS = ("log", "identity", "rank")


@dataclass(frozen=True)
class TargetConfig:
    transform: str = "log"
    scale: float = 32.0
    quantize: bool = True

    def __post_init__(self) -> None:
        check(self.transform in TRANSFORMS, "transform", f"must be one of {', '.join(TRANSFORMS)}, got {self.transform!r}")
        check(self.scale > 0, "scale", f"must be > 0, got {self.scale}")


@dataclass(frozen=True)
class TargetTransform:
    config: TargetConfig
    floor: float
    reference: np.ndarray
    """Sorted training scores (for ``rank``)."""

    @classmethod
    def fit(cls, config: TargetConfig, train_scores: np.ndarray) -> "TargetTransform":
        _check_finite(train_scores)
        return cls(config, float(np.min(train_scores)), np.sort(train_scores))

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        """The target of each score. A NaN or infinite teacher score is an error, never a target: mapped to any
        value it would be a silent lie about how anomalous that event is."""
        s = np.asarray(scores, np.float64)
        _check_finite(s)
        if self.config.transform == "log":
            t = np.log1p(np.maximum(s - self.floor, 0.0))
        elif self.config.transform == "identity":
            t = s - self.floor
        else:
            t = np.searchsorted(self.reference, s, side="right") / len(self.reference)
        t = self.config.scale * t
        return np.floor(t) if self.config.quantize else t


def _check_finite(scores: np.ndarray) -> None:
    bad = np.flatnonzero(~np.isfinite(scores))
    if len(bad):
        raise FlowadInputError(f"{len(bad)} non-finite teacher scores (first at event {bad[0]}): "
                               "the teacher diverged on these inputs; a target cannot be made from them")
