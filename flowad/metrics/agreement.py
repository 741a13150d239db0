"""How faithfully a student reproduces its teacher's anomaly score."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.stats import spearmanr, wasserstein_distance

from flowad.metrics.rates import fpr_of, pure_rate_threshold
from flowad.metrics.trigger import BOOTSTRAP_REPLICAS, Estimate


def emd(teacher: np.ndarray, student: np.ndarray) -> float:
    """Earth mover's (1-Wasserstein) distance between the two score distributions, in score units.

    Both scores must be in the same units: compare the student with the *transformed* teacher score it
    was trained to regress.
    """
    return float(wasserstein_distance(teacher, student))


def spearman(teacher: np.ndarray, student: np.ndarray) -> float:
    """Spearman rank correlation, event by event: what a threshold trigger cares about."""
    if np.ptp(student) == 0 or np.ptp(teacher) == 0:
        return 0.0
    return float(spearmanr(teacher, student).statistic)


MIN_TEACHER_SEPARATION = 0.02
"""AUC retained is defined only where the teacher's AUC is at least this far above ½ and its interval excludes ½:
near chance the ratio's denominator is noise, and a teacher at 0.501 would make any student look 50× better."""


def auc_retained(student_auc: float, teacher_auc: float, teacher_low: float | None = None) -> float:
    """(student AUC − ½) / (teacher AUC − ½): the share of the teacher's separation from chance that the student
    keeps (1: all of it; 0: none; < 0: the student inverts it). NaN where the teacher does not separate (its AUC
    within :data:`MIN_TEACHER_SEPARATION` of ½, or its lower 95 % bound ``teacher_low`` at or below ½)."""
    if not (teacher_auc - 0.5 >= MIN_TEACHER_SEPARATION) or (teacher_low is not None and teacher_low <= 0.5):
        return float("nan")
    return float((student_auc - 0.5) / (teacher_auc - 0.5))


def kept_together(teacher: np.ndarray, student: np.ndarray, teacher_cut: float, student_cut: float) -> float:
    """Of the events the teacher's trigger keeps (score above ``teacher_cut``), the share the student's trigger keeps
    too (above ``student_cut``): fidelity where a kHz cut lives, not over the bulk a rank correlation is made of.
    NaN when the teacher keeps none or either cut is undefined."""
    if not (np.isfinite(teacher_cut) and np.isfinite(student_cut)):
        return float("nan")
    kept = teacher > teacher_cut
    return float(np.mean(student[kept] > student_cut)) if kept.any() else float("nan")


def pure_efficiency_retained(teacher_calibration: np.ndarray, student_calibration: np.ndarray, calibration_menu: np.ndarray,
                             teacher_signals: Mapping[str, np.ndarray], student_signals: Mapping[str, np.ndarray],
                             signal_menu: Mapping[str, np.ndarray], rate_khz: float = 3.0,
                             replicas: int = BOOTSTRAP_REPLICAS, seed: int = 0) -> dict[str, Estimate]:
    """The student's pure efficiency over its teacher's, each cut under the pure budget (``rate_khz`` of the
    calibration ZeroBias the menu rejects, :func:`~flowad.metrics.rates.pure_rate_threshold`): per signal, and
    ``"pooled"`` (the signals' summed pure efficiencies, student over teacher). 1 means the student adds as much
    signal to the menu as its teacher at the same added rate, whichever events it keeps.

    The 95 % interval is a *paired* Poisson bootstrap: each replica draws one weight per calibration crossing and one
    per signal event and uses them for both scores, so both cuts move together and the spread the two triggers share
    (which signal events happen to be there) cancels in the ratio. NaN where the teacher keeps none."""
    t_cut = pure_rate_threshold(teacher_calibration, calibration_menu, rate_khz)
    s_cut = pure_rate_threshold(student_calibration, calibration_menu, rate_khz)
    names = list(teacher_signals)
    if not (t_cut.valid and s_cut.valid):
        return {name: Estimate.undefined() for name in [*names, "pooled"]}
    rng = np.random.default_rng(seed)
    menu = np.asarray(calibration_menu, bool)
    n = len(menu)
    rejected = np.flatnonzero(~menu)
    top_n = min(len(rejected), int(4 * fpr_of(rate_khz) * n) + 200)
    tops = [rejected[np.argsort(-np.asarray(c)[rejected], kind="stable")[:top_n]] for c in (teacher_calibration, student_calibration)]
    union, columns = np.unique(np.concatenate(tops), return_inverse=True)
    weights = rng.poisson(1.0, (replicas, len(union)))
    allowed = np.floor(fpr_of(rate_khz) * rng.poisson(n, replicas))
    cuts = []
    for scores, cols in zip((teacher_calibration, student_calibration), np.split(columns, 2)):
        first = np.argmax(np.cumsum(weights[:, cols], axis=1) > allowed[:, None], axis=1)
        cuts.append(np.asarray(scores)[union[cols]][first])
    point, boot = {}, {}
    for name in names:
        gained = ~np.asarray(signal_menu[name], bool)
        t, s = np.asarray(teacher_signals[name]), np.asarray(student_signals[name])
        w = rng.poisson(1.0, (replicas, len(t))).astype(np.float64)
        total = np.maximum(w.sum(axis=1), 1.0)
        point[name] = (float(np.mean((t > t_cut.value) & gained)), float(np.mean((s > s_cut.value) & gained)))
        boot[name] = tuple((w * ((x[None, :] > c[:, None]) & gained)).sum(axis=1) / total for x, c in ((t, cuts[0]), (s, cuts[1])))
    point["pooled"] = tuple(sum(point[n_][i] for n_ in names) for i in (0, 1))
    boot["pooled"] = tuple(sum(boot[n_][i] for n_ in names) for i in (0, 1))
    out = {}
    for name, (t, s) in point.items():
        if t <= 0:
            out[name] = Estimate.undefined()
            continue
        bt, bs = boot[name]
        ratios = np.where(bt > 0, bs / np.where(bt > 0, bt, 1.0), np.nan)
        low, high = np.nanpercentile(ratios, [2.5, 97.5])
        out[name] = Estimate(s / t, float(low), float(high))
    return out
