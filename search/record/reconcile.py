"""Make the study and MLflow agree before a driver (re)starts a search's trials.

A driver can die between any two steps of a trial's end: the worker ends the trial's MLflow run, then reports;
the driver tells the study. Whatever the moment, the run's final state in MLflow is the record of the work:

============================  ===========================  ==========================================
MLflow run                    study trial RUNNING →        why
============================  ===========================  ==========================================
FINISHED with objectives      COMPLETE with its values     the work is done: never trained twice
KILLED, ``pruned`` or         PRUNED                       the scheduler or its time budget stopped it
``time_budget``
FAILED, configuration         FAIL with its reason         it would fail again
FAILED (crash), KILLED        run again                    its worker or driver was lost mid-trial
(interrupted, stopped),
RUNNING, none
============================  ===========================  ==========================================

A trial run again keeps its stable id and re-attaches to its run (its metric steps are not logged twice).
The other direction is repaired too: a study trial that ended while its run is still RUNNING gets the run
ended; one that failed before its run existed gets a run carrying the reason. Suggestions the sampler made
that never became trials (their driver died between the two steps) are told FAIL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from search.record import optuna_private

from search.record import tracking
from search.record.study import objective_values, search_trials
from search.record.tags import ERROR, FAILURE, OUTCOME, REASON_ATTR, TRIAL_ATTR, TRIAL_ID, Failure, Outcome
from search.record.study_searcher import tell


@dataclass
class Reconciliation:
    recovered: list[str] = field(default_factory=list)
    """Trials whose FINISHED run the study had not been told: told now, not re-run."""
    rerun: list[str] = field(default_factory=list)
    """Trials whose work was lost: they run again under the same id."""
    repaired: list[str] = field(default_factory=list)
    """Runs whose state was brought in line with the study."""


def run_outcome(run) -> str:
    """``finished``, ``pruned``, ``failed`` (its configuration) or ``rerun``, from a trial's MLflow run."""
    if run is None:
        return "rerun"
    status, tags = run.info.status, run.data.tags
    if status == "FINISHED":
        return "finished"
    if status == "KILLED" and tags.get(OUTCOME) in (Outcome.PRUNED, Outcome.TIME_BUDGET):
        return "pruned"
    if status == "FAILED" and tags.get(FAILURE) == Failure.CONFIGURATION:
        return "failed"
    return "rerun"


def reconcile(study, search_run: tracking.SearchRun, metrics: list[str], constraints: tuple = ()) -> Reconciliation:
    from optuna.trial import TrialState

    out = Reconciliation()
    runs = {run.data.tags.get(TRIAL_ID): run for run in tracking.search_children(search_run)}
    for trial in search_trials(study):
        label = trial.user_attrs[TRIAL_ATTR]
        run = runs.get(label)
        if not trial.state.is_finished():
            outcome = run_outcome(run)
            values = objective_values(run.data.metrics, metrics) if outcome == "finished" else None
            if outcome == "finished" and values is not None:
                tell(study, trial.number, run.data.metrics, metrics, constraints=constraints)
                out.recovered.append(label)
            elif outcome == "finished":  # finished without an objective (e.g. a NaN): it counts, as pruned
                tell(study, trial.number, run.data.metrics, metrics, reason="finished without every objective",
                     constraints=constraints)
            elif outcome == "pruned":
                tell(study, trial.number, {}, metrics, reason=run.data.tags.get(OUTCOME, Outcome.PRUNED),
                     constraints=constraints)
            elif outcome == "failed":
                tell(study, trial.number, {}, metrics, error=True, reason=run.data.tags.get(ERROR, "failed"))
            else:
                out.rerun.append(label)
            continue
        reason = trial.user_attrs.get(REASON_ATTR, "")
        if trial.state == TrialState.FAIL and run is None:
            tracking.TrialRun.open(search_run, label, trial.params).fail(reason or "failed before its run was made")
            out.repaired.append(label)
        elif (trial.state == TrialState.PRUNED and run is not None and run_outcome(run) != "pruned"
              and run.data.tags.get(OUTCOME) != Outcome.INTERRUPTED):  # an interruption is never relabelled
            tracking.TrialRun.of(search_run, run).kill(Outcome.PRUNED)
            out.repaired.append(label)
        elif run is not None and run.info.status == "RUNNING":
            trial_run = tracking.TrialRun.of(search_run, run)
            if trial.state == TrialState.PRUNED:
                trial_run.kill(Outcome.PRUNED)
            elif trial.state == TrialState.FAIL:
                trial_run.fail(reason or "failed")
            else:
                trial_run.finish()
            out.repaired.append(label)
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING)):
        if TRIAL_ATTR not in trial.user_attrs:  # asked, never run (or a duplicate whose answer was never told)
            optuna_private.set_user_attr(study, trial, REASON_ATTR, "suggestion abandoned by a stopped driver")
            if trial.state == TrialState.WAITING:  # an enqueued draw never asked (Optuna cannot tell a WAITING trial)
                optuna_private.fail_waiting(study, trial)
            else:
                study.tell(trial.number, state=TrialState.FAIL, skip_if_finished=True)
    return out
