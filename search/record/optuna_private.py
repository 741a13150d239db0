"""Every private Optuna API flowad uses, in one place, each with why the public API does not do.

Checked against the Optuna versions in :data:`CHECKED` (the lock's); ``tests/test_search.py`` exercises each one
on the installed version, so an upgrade that moves them fails there, not inside a search.
"""

from __future__ import annotations

from typing import Any

import numpy as np

CHECKED = ("5.0.0", "5.1.0")
"""Optuna versions whose private APIs below were read and tested."""


def compute_hypervolume(losses: np.ndarray, reference: np.ndarray) -> float:
    """``optuna._hypervolume.compute_hypervolume``: the hypervolume Optuna's own samplers and plots use (exact in
    any dimension); public Optuna exposes it only through plots."""
    from optuna._hypervolume import compute_hypervolume as compute

    return float(compute(losses, reference))


def frozen_trial(study, number: int):
    """The study's trial ``number`` as stored, without copying every trial (``study.trials[number]`` deep-copies
    the whole study on an RDB storage)."""
    storage = study._storage
    return storage.get_trial(storage.get_trial_id_from_study_id_trial_number(study._study_id, number))


def live_trial(study, frozen):
    """A :class:`optuna.trial.Trial` handle on a stored, unfinished trial, so constraints can be set on it before it
    is told (public Optuna gives a handle only to the caller of ``ask``; the driver tells trials asked elsewhere)."""
    from optuna.trial import Trial

    return Trial(study, frozen._trial_id)


def set_user_attr(study, frozen, key: str, value: Any) -> None:
    """A user attribute on a stored trial of any state (public: only through a live ``Trial`` handle)."""
    study._storage.set_trial_user_attr(frozen._trial_id, key, value)


def fail_waiting(study, frozen) -> None:
    """End an enqueued (WAITING) trial as FAIL: ``study.tell`` refuses a trial that was never asked."""
    from optuna.trial import TrialState

    study._storage.set_trial_state_values(frozen._trial_id, TrialState.FAIL)
