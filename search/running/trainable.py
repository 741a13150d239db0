"""The Tune trainable around :func:`search.running.trial.run_trial`.

The trial's stable id (``flowad.trial`` in its config, from :mod:`search.record.study_searcher`) names its MLflow run: a
trial run again after a lost worker or driver re-attaches to that run, and logs no (metric, step) twice.
Per epoch it reports ``epoch``/``val_loss``/``static_cost`` (for the pruning scheduler) and logs the losses;
at the end it reports every metric with ``time_*`` seconds. A trial that fails on its own configuration
(any :class:`~flowad.errors.FlowadInputError`) reports ``error`` (no objectives) and ends its run FAILED
(``flowad.failure=configuration``) without being retried; a trial the scheduler stops leaves ``tune.report``
through ``SystemExit`` and ends its run KILLED (``stopped``; the driver says whether it was pruned); a trial past ``resources.time_budget_s`` ends KILLED
(``time_budget``) and reports no objectives, so the study counts it PRUNED; anything else ends the run FAILED (crash) and
re-raises so Tune's FailureConfig can retry it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import ray
from ray import tune

from flowad.errors import FlowadInputError
from search.record import tracking
from search.space.search_config import SearchConfig
from search.record.tags import NODE, TRIAL_KEY, Failure, Outcome
from search.running.trial import OverTimeBudget, TrialClock, artifacts_of, run_trial
from search.space.trial_spec import TrialSpec


def trainable(params: dict[str, Any], search: SearchConfig, search_run: tracking.SearchRun) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    params = dict(params)
    trial_id = params.pop(TRIAL_KEY)
    workdir = Path(tune.get_context().get_trial_dir())
    tracking_seconds = 0.0
    start = time.perf_counter()
    clock = TrialClock(search.resources.time_budget_s, start)
    spec = TrialSpec.of(search, params)
    label = f"{trial_id} · {spec.label}"
    run = tracking.TrialRun.open(search_run, trial_id, params, reopen=True, name=label)
    run.tag({NODE: ray.get_runtime_context().get_node_id()})
    tracking_seconds += time.perf_counter() - start

    def on_epoch(record: dict) -> None:
        nonlocal tracking_seconds
        begin = time.perf_counter()
        run.log({"val_loss": record["val_loss"], "train_loss": record["train_loss"]}, step=record["epoch"])
        tracking_seconds += time.perf_counter() - begin
        tune.report(record)  # the scheduler may stop the trial here (SystemExit)

    try:
        outcome = run_trial(search, spec, workdir, on_epoch=on_epoch, csim=search.csim, clock=clock)
    except FlowadInputError as exc:  # a property of the configuration: it would fail again, so it fails once
        reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        run.fail(reason, Failure.CONFIGURATION)
        run.name(f"{label} · failed", f"**Failed** (its configuration): {reason}")
        tune.report({"error": reason[:500], "failure": Failure.CONFIGURATION.value})
        return
    except OverTimeBudget as exc:  # like a pruned trial: stopped on purpose, never run again
        run.kill(Outcome.TIME_BUDGET)
        run.name(f"{label} · over time budget", f"**Stopped**: {exc}")
        tune.report({Outcome.TIME_BUDGET.value: str(exc)})
        return
    except SystemExit:  # Tune stopped it: pruned or interrupted, which only the driver knows (search.running.ledger)
        run.kill(Outcome.STOPPED)
        raise
    except KeyboardInterrupt:
        run.kill(Outcome.INTERRUPTED)
        raise
    except BaseException as exc:
        run.fail(f"{exc.__class__.__name__}: {exc}")
        raise
    begin = time.perf_counter()
    run.log_artifacts(artifacts_of(workdir))
    run.tag(outcome.tags)
    run.log_hardware(outcome.hardware)
    result = dict(outcome.metrics)
    run.log(result)
    run.name(run_name(label, result, search), run_description(trial_id, label, result, search, search_run, run.run_id))
    run.finish()
    tracking_seconds += time.perf_counter() - begin
    result["time_tracking"] = tracking_seconds
    result["mlflow_run_id"] = run.run_id
    tune.report(result)


def run_name(label: str, result: dict, search: SearchConfig) -> str:
    """``t0007 · hgq 32-16 @6b · lut 18k · auc 0.853``: the runs table reads as a table of models."""
    lut = result.get("lut")
    quality = search.metric_names[0]
    parts = [label]
    if isinstance(lut, (int, float)):
        parts.append(f"lut {lut / 1000:.0f}k" if lut >= 10_000 else f"lut {lut / 1000:.1f}k" if lut >= 1000 else f"lut {lut:.0f}")
    if isinstance(result.get(quality), (int, float)):
        parts.append(f"{quality} {result[quality]:.3f}")
    return " · ".join(parts)


def run_description(trial_id: str, label: str, result: dict, search: SearchConfig, search_run: tracking.SearchRun,
                    run_id: str) -> str:
    """The run page's description (markdown): what the model is, its figures, and how to ship it."""
    nan = float("nan")
    objectives = ", ".join(f"{m} {result.get(m, nan):.4g}" for m in search.metric_names)
    return (f"**{label}** — trial `{trial_id}` of search `{search.name}`.\n\n"
            f"Objectives (validation): {objectives}. Teacher {search.metric_names[0]}: "
            f"{result.get('teacher_' + search.metric_names[0], nan):.3f}.\n\n"
            f"Firmware (`firmware.zip`, the design that was costed): {result.get('lut', nan):,.0f} LUT, "
            f"{result.get('ff', nan):,.0f} FF, {result.get('dsp', nan):.0f} DSP, {result.get('latency_ns', nan):.1f} ns.\n\n"
            f"Ship it: `flowad search select --experiment {search.tracking.experiment} --search {search.name} "
            f"--run-id {run_id} --tracking-uri {search_run.uri}`")
