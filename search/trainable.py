"""The Tune trainable around :func:`search.trial.run_trial`, and the driver's one-line-per-trial progress.

Per epoch it reports ``epoch``/``val_loss``/``static_cost`` (for the pruning scheduler) and logs the losses to
the trial's MLflow run; at the end it reports every metric with ``time_*`` seconds. A trial that fails on its
own input reports ``error`` (no objectives) and ends its run FAILED without being retried; a trial the
scheduler stops leaves ``tune.report`` through ``SystemExit`` and ends its run KILLED (pruned); anything
else ends the run FAILED and re-raises so Tune's FailureConfig can retry it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from ray import tune

from search import tracking
from search.config import SearchConfig, describe_params
from search.trial import TrialFailed, artifacts_of, run_trial


def trainable(params: dict[str, Any], search: SearchConfig, search_run: tracking.SearchRun) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    context = tune.get_context()
    workdir = Path(context.get_trial_dir())
    tracking_seconds = 0.0
    start = time.perf_counter()
    run_id = tracking.trial_run(search_run, context.get_trial_id(), context.get_trial_name(), params)
    tracking_seconds += time.perf_counter() - start

    def on_epoch(record: dict) -> None:
        nonlocal tracking_seconds
        begin = time.perf_counter()
        tracking.log_metrics(search_run.uri, run_id, {"val_loss": record["val_loss"], "train_loss": record["train_loss"]},
                             step=record["epoch"])
        tracking_seconds += time.perf_counter() - begin
        tune.report(record)  # the scheduler may stop the trial here (SystemExit)

    try:
        result = run_trial(search, params, workdir, on_epoch=on_epoch, csim=search.csim)
    except TrialFailed as exc:
        tracking.end_run(search_run.uri, run_id, "FAILED", str(exc))
        tune.report({"error": str(exc)[:500]})
        return
    except SystemExit:
        tracking.end_run(search_run.uri, run_id, "KILLED", "pruned")
        raise
    except BaseException as exc:
        tracking.end_run(search_run.uri, run_id, "FAILED", f"{exc.__class__.__name__}: {exc}")
        raise
    begin = time.perf_counter()
    client = tracking.client_for(search_run.uri)
    for name, path in artifacts_of(workdir).items():
        folder = str(Path(name).parent) if "/" in name else None
        if path.is_dir():
            client.log_artifacts(run_id, str(path), name)
        else:
            client.log_artifact(run_id, str(path), folder)
    client.set_tag(run_id, "flowad.estimator", result.pop("estimator"))
    client.set_tag(run_id, "flowad.hardware_notes", result.pop("hardware_notes")[:5000])
    client.set_tag(run_id, tracking.DESIGN_KIND, result.pop("design_kind"))
    client.set_tag(run_id, tracking.DESIGN_HASH, result.pop("design_hash"))
    client.set_tag(run_id, "flowad.estimator_surrogate", str(bool(result.pop("estimator_surrogate"))).lower())
    tracking.log_hardware_spec(search_run.uri, run_id, workdir / "hardware.json")
    tracking.log_metrics(search_run.uri, run_id, result)
    tracking.end_run(search_run.uri, run_id, "FINISHED")
    tracking_seconds += time.perf_counter() - begin
    result["time_tracking"] = tracking_seconds
    result["mlflow_run_id"] = run_id
    tune.report(result)


class Progress(tune.Callback):
    """One line per finished trial on the driver (Tune's own console output is off)."""

    def __init__(self, total: int, emit=print):
        self.total, self.emit, self.done = total, emit, 0

    def on_trial_complete(self, iteration, trials, trial, **info) -> None:
        self.done += 1
        result = trial.last_result or {}
        params = describe_params(trial.config or {})
        if result.get("error"):
            line = f"failed: {result['error'][:160]}"
        elif "auc" not in result:
            line = f"stopped early at epoch {result.get('epoch', '?')} (dominated at a rung)"
        else:
            nan = float("nan")
            line = (f"val auc {result['auc']:.3f}  pure eff {result.get('pure_tpr_at_rate', nan):.3f}  "
                    f"lut {result.get('lut', nan):,.0f}  dsp {result.get('dsp', nan):.0f}  "
                    f"latency {result.get('latency_ns', nan):.1f} ns  ({result.get('time_total_s', 0):.0f} s)")
        self.emit(f"[{self.done}/{self.total}] {trial.trial_id} {params}: {line}")

    def on_trial_error(self, iteration, trials, trial, **info) -> None:
        self.done += 1
        self.emit(f"[{self.done}/{self.total}] {trial.trial_id}: error (see MLflow run tag flowad.error)")

