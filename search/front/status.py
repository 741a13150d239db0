"""``flowad search status``: what every trial of a search did and why, read from MLflow (running or finished)."""

from __future__ import annotations

import math

from flowad.textable import text_table
from search.record import tracking
from search.space.parameters import describe_params
from search.record.tags import ERROR, FAILURE, OUTCOME, SEARCH, TRIALS, TRIAL_ID, Outcome

STATES = {"FINISHED": "finished", "FAILED": "failed", "RUNNING": "running"}


def trial_state(run) -> str:
    """``finished``, ``pruned``, ``interrupted``, ``failed``, ``running`` (or KILLED's own outcome)."""
    if run.info.status == "KILLED":
        return run.data.tags.get(OUTCOME, "killed")
    return STATES.get(run.info.status, run.info.status.lower())


def reason(run) -> str:
    tags = run.data.tags
    if run.info.status == "FAILED":
        failure = tags.get(FAILURE, "")
        return (f"{failure}: " if failure else "") + tags.get(ERROR, "")
    if run.info.status == "KILLED" and tags.get(OUTCOME) == Outcome.PRUNED:
        return "dominated at a rung (search.running.pruning)"
    if run.info.status == "KILLED" and tags.get(OUTCOME) == Outcome.TIME_BUDGET:
        return "over resources.time_budget_s (not run again)"
    if run.info.status == "KILLED" and tags.get(OUTCOME) == Outcome.INTERRUPTED:
        return "runs again on --resume"
    return ""


def status_table(uri: str, experiment: str, search: str | None = None) -> str:
    parent, children = tracking.child_runs(uri, experiment, search)
    objectives = [o.strip().split(" ", 1)[1] for o in parent.data.params.get("objectives", "max auc").split(",")]
    rows = []
    for run in sorted(children, key=lambda r: r.data.tags.get(TRIAL_ID, "")):
        params = {k: v for k, v in run.data.params.items() if not k.startswith("hw.")}
        values = []
        for metric in objectives:
            value = run.data.metrics.get(metric)
            digits = 3 if metric.startswith(("auc", "tpr", "pure")) else 1 if metric.endswith("_ns") else 0
            values.append("" if value is None or not math.isfinite(value) else f"{value:,.{digits}f}")
        front = "*" if run.data.tags.get("pareto") == "true" else ""
        rows.append([run.data.tags.get(TRIAL_ID, run.info.run_id[:8]), trial_state(run), front,
                     describe_params(params), reason(run)[:80], *values])
    states = [trial_state(r) for r in children]
    name = parent.data.tags.get(SEARCH, "?")
    configured = parent.data.tags.get(TRIALS) or parent.data.params.get("trials", "?")
    head = (f"search {name} ({parent.info.status.lower()}, run {parent.info.run_id}): {configured} trials configured; "
            + ", ".join(f"{states.count(s)} {s}" for s in dict.fromkeys(states))
            + f"; front: {parent.data.tags.get('flowad.front', 'not computed')}")
    if not rows:
        return head + "\nno trial has started yet"
    table = text_table(["trial", "state", "front", "model", "reason", *objectives], rows, left=5)
    return f"{head}\n{table}\n* = on the current Pareto front"
