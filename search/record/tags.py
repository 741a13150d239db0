"""Every name a search writes beside its numbers, in one place: MLflow run tags, Optuna user attributes, the trial
id's key in Tune's config, and how a trial's run can end (:class:`Outcome` of a KILLED run, :class:`Failure` of a
FAILED one). Readers (``status``, ``front``, ``select``, ``reconcile``) and writers import them from here."""

from __future__ import annotations

from enum import StrEnum

# MLflow run tags
PARENT = "mlflow.parentRunId"
"""MLflow's own tag: a trial run's parent, the search run."""
ROLE = "flowad.role"
"""``search`` on a search's parent run, ``trial`` on a trial's."""
SEARCH = "flowad.search"
"""The search's name, on its parent run."""
TRIALS = "flowad.trials"
"""On the parent run: how many trials the search is configured for (grows when a search is extended)."""
TRIAL_ID = "flowad.trial_id"
"""A trial run's stable id (``t0007``), the same in every driver that runs it: the study trial's :data:`TRIAL_ATTR`."""
OUTCOME = "flowad.outcome"
"""How a KILLED run ended: an :class:`Outcome`."""
PREVIOUS_ENDS = "flowad.previous_ends"
"""How earlier attempts of a re-run trial ended (``interrupted; stopped``): its run's outcome is its last attempt's."""
ERROR = "flowad.error"
"""A FAILED run's one-line reason."""
FAILURE = "flowad.failure"
"""What failed in a FAILED run: a :class:`Failure`."""
DESIGN_KIND = "flowad.design_kind"
DESIGN_HASH = "flowad.design_hash"
"""A trial's firmware design: its kind and the SHA-256 of its sources (see flowad.hardware.design)."""
ESTIMATOR = "flowad.estimator"
ESTIMATOR_SURROGATE = "flowad.estimator_surrogate"
HARDWARE_SOURCE = "flowad.hardware_source"
"""Where a trial's LUTs come from: ``yosys`` (synthesised), ``da4ml``/``lgn`` (a calibrated model), …"""
HARDWARE_SYNTHESISED = "flowad.hardware_synthesised"
HARDWARE_NOTES = "flowad.hardware_notes"
NODE = "flowad.node"
"""The Ray node a trial ran on."""
FRONT = "flowad.front"
"""On the parent run: whether its front is ``final`` or provisional."""
PLOTS_NOTE = "flowad.plots_note"
HYPERVOLUME_REFERENCE = "flowad.hypervolume_reference"
"""On the parent run: the fixed reference point every hypervolume of the search is measured from."""

# Optuna user attributes of study trials
TRIAL_ATTR = "flowad.trial"
"""A study trial that became a search trial: its stable id (the MLflow run's :data:`TRIAL_ID`)."""
DUPLICATE_ATTR = "flowad.duplicate_of"
"""A suggestion of a configuration already run, told FAIL at once (never run): the id it repeats."""
REASON_ATTR = "flowad.reason"
"""Why a study trial failed or was pruned, in one line."""
DRAWN_ATTR = "flowad.drawn_unseen"
"""A trial whose configuration was drawn at random among the unseen ones, because the sampler proposed only
configurations already run ``max_attempts`` times in a row (TPE does in small spaces)."""

TRIAL_KEY = TRIAL_ATTR
"""Key of a trial's stable id inside the config Tune hands the trainable (not a search parameter): the same id, so
the same name."""


class Outcome(StrEnum):
    """How a trial's run ended without a result (its MLflow status is KILLED; tag :data:`OUTCOME`)."""

    PRUNED = "pruned"
    """Dominated at a rung (``search.running.pruning``); the study says PRUNED; never run again."""
    STOPPED = "stopped"
    """Stopped by the scheduler, as the worker saw it (the driver's ledger turns it into PRUNED)."""
    TIME_BUDGET = "time_budget"
    """Over ``resources.time_budget_s``: PRUNED in the study, never run again (also the result key that says so)."""
    INTERRUPTED = "interrupted"
    """The driver stopped (Ctrl-C, a lost driver): RUNNING in the study, run again on ``--resume``."""


class Failure(StrEnum):
    """What failed in a FAILED run (tag :data:`FAILURE`)."""

    CONFIGURATION = "configuration"
    """The configuration cannot produce a result (it cannot be built, converted or estimated): never retried."""
    CRASH = "crash"
    """The worker crashed or was lost, and its retries (``ray.max_failures``) ran out."""
