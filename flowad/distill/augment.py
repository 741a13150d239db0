"""Teacher-labelled energy augmentation: show the student events hotter than ordinary background.

A student trained only on background must extrapolate to anomalies, and it extrapolates badly when the
teacher's score is not monotonic in activity: the flow scores unusually *quiet* pile-up crossings as
anomalous, so "less energy = more anomalous" is what background alone teaches. Here a fraction of
training events is copied with every energy scaled by a factor drawn log-uniformly in
[1, ``max_scale``] (calo counts rounded and saturated; object pT scaled) and *scored by the teacher*.
No signal is used: the labels are the teacher's own scores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowad.data.views import count_features
from flowad.errors import check


@dataclass(frozen=True)
class AugmentConfig:
    fraction: float = 0.0
    """Augmented copies as a fraction of the training events (0: off)."""
    max_scale: float = 8.0
    saturation: int = 1023
    """Largest calo count (10-bit regions)."""

    def __post_init__(self) -> None:
        check(0 <= self.fraction <= 10, "fraction", f"must be in [0, 10], got {self.fraction}")
        check(1 < self.max_scale <= 1000, "max_scale", f"must be in (1, 1000], got {self.max_scale}")
        check(self.saturation >= 1, "saturation", f"must be >= 1, got {self.saturation}")


def energy_scaled(x: np.ndarray, view: str, config: AugmentConfig, rng: np.random.Generator) -> np.ndarray:
    """``fraction × len(x)`` events drawn from ``x`` with energies scaled up (same dtype and shape)."""
    n = int(round(config.fraction * len(x)))
    if n == 0:
        return x[:0]
    picked = x[rng.integers(0, len(x), n)]
    scale = np.exp(rng.uniform(0.0, np.log(config.max_scale), n))
    flat = picked.reshape(n, -1)
    out = flat.copy()
    counts = count_features(view)
    if counts:
        out[:, :counts] = np.clip(np.rint(flat[:, :counts].astype(np.float64) * scale[:, None]), 0, config.saturation)
    out[:, counts::3] = flat[:, counts::3] * scale[:, None].astype(flat.dtype)  # the pT of MET and every object
    return out.reshape(picked.shape)
