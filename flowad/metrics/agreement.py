"""How faithfully a student reproduces its teacher's anomaly score."""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr, wasserstein_distance


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
