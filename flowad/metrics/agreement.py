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
