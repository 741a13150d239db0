"""Anomaly-score performance at the Level-1 trigger: ROC AUC and signal efficiency at a fixed rate.

A trigger's cost is its rate: the fraction of ZeroBias crossings it accepts times the LHC's effective
bunch-crossing rate (28.61 MHz with 2,544 filled bunches of 3,564). CICADA's working point is 3 kHz,
a background efficiency (FPR) of 3 / 28,610 ≈ 1.05e-4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score

LHC_BUNCH_CROSSING_RATE_MHZ = 28.61
MIN_BACKGROUND_ABOVE = 10
"""Background events that must pass a threshold for its rate to be estimated at all (±32 % at 10)."""


def roc_auc(background: np.ndarray, signal: np.ndarray) -> float:
    """ROC AUC of score (higher = more anomalous) for signal against background."""
    labels = np.concatenate([np.zeros(len(background)), np.ones(len(signal))])
    return float(roc_auc_score(labels, np.concatenate([background, signal])))


@dataclass(frozen=True)
class TriggerEfficiency:
    """Signal efficiency at a background rate; ``tpr`` is NaN when ``reason`` says why it is meaningless."""

    rate_khz: float
    fpr: float
    tpr: float
    threshold: float
    n_background: int
    reason: str = ""


def tpr_at_rate(background: np.ndarray, signal: np.ndarray, rate_khz: float = 3.0,
                crossing_rate_mhz: float = LHC_BUNCH_CROSSING_RATE_MHZ) -> TriggerEfficiency:
    """Signal efficiency of the score threshold that accepts ``rate_khz`` of ZeroBias crossings.

    Needs at least ``MIN_BACKGROUND_ABOVE / fpr`` background events (~95k at 3 kHz); with fewer the
    threshold is set by a handful of events or none, so the result is NaN with the reason given.
    """
    fpr = rate_khz / (crossing_rate_mhz * 1e3)
    n = len(background)
    needed = math.ceil(MIN_BACKGROUND_ABOVE / fpr)
    if n < needed:
        return TriggerEfficiency(rate_khz, fpr, float("nan"), float("nan"), n,
                                 f"needs >= {needed} background events for {rate_khz:g} kHz, have {n}")
    threshold = float(np.quantile(background, 1.0 - fpr))
    return TriggerEfficiency(rate_khz, fpr, float(np.mean(signal > threshold)), threshold, n)
