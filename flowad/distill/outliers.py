"""Outlier exposure: weight the teacher's high-score tail more, so the student learns it.

Training events whose target lies above the ``quantile`` of the *natural* ZeroBias targets get weight
``factor`` (others 1). The quantile is taken over the natural events only, not the energy-scaled copies
that augmentation appends (those would move it into the synthetic events and weight them instead of the
ZeroBias tail). Logic-gate students in particular under-fit the rare tail that a trigger at kHz rates lives in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowad.errors import check


@dataclass(frozen=True)
class OutlierExposureConfig:
    quantile: float = 0.99
    factor: float = 1.0
    """1 switches outlier exposure off."""

    def __post_init__(self) -> None:
        check(0 < self.quantile < 1, "quantile", f"must be in (0, 1), got {self.quantile}")
        check(1 <= self.factor <= 1000, "factor", f"must be in [1, 1000], got {self.factor}")


def sample_weights(config: OutlierExposureConfig, target: np.ndarray, natural: int | None = None) -> np.ndarray | None:
    """Per-event training weights (mean 1), or None when switched off. The first ``natural`` targets (default
    all) are the ZeroBias events the tail quantile is taken over; the rest are augmented copies."""
    if config.factor == 1:
        return None
    natural = len(target) if natural is None else natural
    weights = np.where(target > np.quantile(target[:natural], config.quantile), config.factor, 1.0)
    return (weights / weights.mean()).astype(np.float32)
