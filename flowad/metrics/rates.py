"""Anomaly-score performance at the Level-1 trigger: ROC AUC and the score cut that gives a trigger rate.

A trigger's cost is its rate: the fraction of ZeroBias crossings it accepts times the LHC's effective
bunch-crossing rate (28.61 MHz with 2,544 filled bunches of 3,564). CICADA's working point is 3 kHz,
a background efficiency (FPR) of 3 / 28,610 ≈ 1.05e-4.

A cut is *set* on one ZeroBias sample (the calibration sample: validation) and may be *applied* to another
(test), where the rate it really gives is reported beside it. Cuts are ``score > value``, with ``value`` the
smallest that keeps the calibration rate at or below the target: with tied scores (integer ET sums, a
student's few output codes) the achieved rate can be well below the target, never above it on that sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score

LHC_BUNCH_CROSSING_RATE_MHZ = 28.61
MIN_BACKGROUND_ABOVE = 10
"""Background events that must pass a cut for its rate to be estimated at all (±32 % at 10)."""
Z_95 = 1.959963984540054


def roc_auc(background: np.ndarray, signal: np.ndarray) -> float:
    """ROC AUC of score (higher = more anomalous) for signal against background."""
    labels = np.concatenate([np.zeros(len(background)), np.ones(len(signal))])
    return float(roc_auc_score(labels, np.concatenate([background, signal])))


def auc_interval(background: np.ndarray, signal: np.ndarray,
                 background_weights: np.ndarray | None = None) -> tuple[float, float, float]:
    """(AUC, low, high): the 95 % interval from DeLong's variance (midranks, so ties count ½), clipped to [0, 1].

    ``background_weights`` (a tail-enriched ZeroBias, :mod:`flowad.data.tail`): the weighted AUC, and DeLong's
    background term from the weighted variance of its placements over Kish's effective count.
    """
    m, n = len(signal), len(background)
    if m < 2 or n < 2:
        return math.nan, math.nan, math.nan
    if background_weights is not None:
        return _weighted_auc_interval(np.asarray(background, np.float64), np.asarray(signal, np.float64),
                                      np.asarray(background_weights, np.float64))
    ranks = rankdata(np.concatenate([signal, background]))
    placements_signal = (ranks[:m] - rankdata(signal)) / n
    placements_background = 1.0 - (ranks[m:] - rankdata(background)) / m
    auc = float(placements_signal.mean())
    se = math.sqrt(placements_signal.var(ddof=1) / m + placements_background.var(ddof=1) / n)
    return auc, max(0.0, auc - Z_95 * se), min(1.0, auc + Z_95 * se)


def _weighted_auc_interval(background: np.ndarray, signal: np.ndarray, weights: np.ndarray) -> tuple[float, float, float]:
    order = np.argsort(background, kind="stable")
    ordered = background[order]
    below = np.r_[0.0, np.cumsum(weights[order])]
    total = below[-1]
    if not total > 0:
        return math.nan, math.nan, math.nan
    lo, hi = np.searchsorted(ordered, signal, "left"), np.searchsorted(ordered, signal, "right")
    placements_signal = (below[lo] + 0.5 * (below[hi] - below[lo])) / total
    signal_sorted = np.sort(signal)
    m = len(signal)
    lo, hi = np.searchsorted(signal_sorted, background, "left"), np.searchsorted(signal_sorted, background, "right")
    placements_background = 1.0 - (lo + 0.5 * (hi - lo)) / m
    auc = float(placements_signal.mean())
    n_eff = total**2 / float(np.sum(weights**2))
    if n_eff <= 1:
        return math.nan, math.nan, math.nan
    background_var = float(np.sum(weights * (placements_background - auc) ** 2) / total) * n_eff / (n_eff - 1)
    se = math.sqrt(placements_signal.var(ddof=1) / m + background_var / n_eff)
    return auc, max(0.0, auc - Z_95 * se), min(1.0, auc + Z_95 * se)


def fpr_of(rate_khz: float, crossing_rate_mhz: float = LHC_BUNCH_CROSSING_RATE_MHZ) -> float:
    """ZeroBias efficiency that a rate in kHz stands for."""
    return rate_khz / (crossing_rate_mhz * 1e3)


def khz_of(fpr: float, crossing_rate_mhz: float = LHC_BUNCH_CROSSING_RATE_MHZ) -> float:
    return fpr * crossing_rate_mhz * 1e3


def background_needed(rate_khz: float) -> int:
    """ZeroBias crossings needed to set a cut at ``rate_khz`` with ``MIN_BACKGROUND_ABOVE`` above it."""
    return math.ceil(MIN_BACKGROUND_ABOVE / fpr_of(rate_khz))


@dataclass(frozen=True)
class RateThreshold:
    """A cut ``score > value`` set on a calibration ZeroBias sample to accept at most ``rate_khz``.

    ``value`` is NaN, and ``reason`` says why, when the sample is too small for that rate.
    """

    rate_khz: float
    value: float
    achieved_khz: float
    """Rate the cut gives on the calibration sample (≤ ``rate_khz``; lower with tied scores)."""
    n_background: int
    reason: str = ""

    @property
    def valid(self) -> bool:
        return not self.reason


def rate_threshold(background: np.ndarray, rate_khz: float) -> RateThreshold:
    """The smallest cut that accepts at most ``rate_khz`` of ``background`` (ZeroBias scores)."""
    background = np.asarray(background)
    n = len(background)
    if not np.all(np.isfinite(background)):
        raise ValueError(f"{int(np.sum(~np.isfinite(background)))} non-finite background scores: a rate cut is undefined")
    needed = background_needed(rate_khz)
    if n < needed:
        return RateThreshold(rate_khz, math.nan, math.nan, n,
                             f"needs >= {needed} background events for {rate_khz:g} kHz, have {n}")
    allowed = math.floor(fpr_of(rate_khz) * n)
    value = float(np.partition(background, n - 1 - allowed)[n - 1 - allowed])
    achieved = khz_of(np.count_nonzero(background > value) / n)
    return RateThreshold(rate_khz, value, achieved, n)


def pure_rate_threshold(background: np.ndarray, menu_accepts: np.ndarray, rate_khz: float) -> RateThreshold:
    """The smallest cut whose ZeroBias rate **not kept by the menu** is at most ``rate_khz`` (the pure-rate budget).

    A trigger's cost to the experiment is the rate it adds: crossings the menu keeps anyway cost nothing
    more. Under this budget a quantity the menu already cuts on (max region ET, HT) is allowed below the menu's
    own threshold, so its pure efficiency is a measurement, not zero by construction. ``achieved_khz`` is
    that added rate on ``background``; ``n_background`` counts all of its crossings.
    """
    background, menu_accepts = np.asarray(background), np.asarray(menu_accepts, bool)
    if menu_accepts.shape != background.shape:
        raise ValueError(f"menu decisions {menu_accepts.shape} do not match scores {background.shape}")
    n = len(background)
    rejected = background[~menu_accepts]
    if len(rejected) == 0:
        return RateThreshold(rate_khz, math.nan, math.nan, n, "the menu keeps every crossing: no rate left to add")
    cut = rate_threshold(rejected, rate_khz * n / len(rejected))
    if not cut.valid:
        needed = math.ceil(MIN_BACKGROUND_ABOVE / fpr_of(rate_khz))
        return RateThreshold(rate_khz, math.nan, math.nan, n,
                             f"needs >= {needed} background events for {rate_khz:g} kHz added to the menu, have {n}")
    achieved = khz_of(np.count_nonzero(rejected > cut.value) / n)
    return RateThreshold(rate_khz, cut.value, achieved, n)


@dataclass(frozen=True)
class TriggerEfficiency:
    """Signal efficiency at a background rate; ``tpr`` is NaN when ``reason`` says why it is meaningless."""

    rate_khz: float
    fpr: float
    tpr: float
    threshold: float
    n_background: int
    reason: str = ""


def tpr_at_rate(background: np.ndarray, signal: np.ndarray, rate_khz: float = 3.0) -> TriggerEfficiency:
    """Signal efficiency of the cut that accepts ``rate_khz`` of ``background`` (cut set on that same sample).

    Needs at least ``MIN_BACKGROUND_ABOVE / fpr`` background events (~95k at 3 kHz); with fewer the
    cut is set by a handful of events or none, so the result is NaN with the reason given.
    """
    cut = rate_threshold(background, rate_khz)
    tpr = float(np.mean(np.asarray(signal) > cut.value)) if cut.valid else math.nan
    return TriggerEfficiency(rate_khz, fpr_of(rate_khz), tpr, cut.value, cut.n_background, cut.reason)
