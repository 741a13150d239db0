"""The driver's record of every trial's end: one console line, MLflow brought in line, the live front re-tagged.

Tune calls these hooks on the driver as each trial ends. For every trial — finished, pruned, failed with its
one-line reason, or crashed after its retries — the ledger prints a line, makes sure the trial's MLflow run has
ended the way the study was told (a pruned trial whose worker was stopped before it could say so is ended KILLED
``pruned``; a trial that failed before its run existed gets a run carrying the reason), and re-tags the search's
current Pareto front (``pareto`` on each run), so the MLflow UI shows the front while the search runs.
"""

from __future__ import annotations

from collections.abc import Mapping

from ray import tune

from search.record import tracking
from search.space.search_config import SearchConfig
from search.space.parameters import describe_params
from search.record.tags import TRIAL_KEY, Outcome


def error_line(trial, unknown: str = "") -> str:
    """The last line of a Tune trial's error trace (``RuntimeError: …``), or ``unknown``."""
    try:
        text = trial.get_error() or ""
    except Exception:
        text = ""
    lines = [line.strip() for line in str(text).splitlines() if line.strip()]
    return lines[-1][:300] if lines else (unknown or f"crashed after {trial.num_failures} attempt(s)")


def result_line(result: dict) -> str:
    nan = float("nan")
    return (f"val auc {result['auc']:.3f}  pure eff {result.get('pure_tpr_at_rate', nan):.3f}  "
            f"lut {result.get('lut', nan):,.0f}  dsp {result.get('dsp', nan):.0f}  "
            f"latency {result.get('latency_ns', nan):.1f} ns  ({result.get('time_total_s', 0):.0f} s)")


class TrialLedger(tune.Callback):
    def __init__(self, search: SearchConfig, search_run: tracking.SearchRun, ended: int = 0, emit=print,
                 stopped: Mapping[str, int] | None = None):
        self.search, self.search_run, self.emit = search, search_run, emit
        self.done = ended
        self.stopped = stopped if stopped is not None else {}
        """Tune trial id → rung epoch: the trials the scheduler pruned (its own record)"""

    def _line(self, trial, text: str) -> None:
        self.done += 1
        config = dict(trial.config or {})
        label = config.pop(TRIAL_KEY, trial.trial_id)
        self.emit(f"[{self.done}/{self.search.trials}] {label} {describe_params(config)}: {text}")

    def on_trial_complete(self, iteration, trials, trial, **info) -> None:
        result = trial.last_result or {}
        label = (trial.config or {}).get(TRIAL_KEY)
        if result.get("error"):
            self._line(trial, f"failed ({result.get('failure', 'configuration')}, not retried): {result['error'][:200]}")
        elif result.get(Outcome.TIME_BUDGET):
            self._line(trial, f"stopped: {result[Outcome.TIME_BUDGET]}")
        elif all(m in result for m in self.search.metric_names):
            self._line(trial, result_line(result))
        elif trial.trial_id in self.stopped:
            self._line(trial, f"pruned at epoch {self.stopped[trial.trial_id]} (dominated at a rung)")
            run = tracking.find_trial_run(self.search_run, label) if label else None
            if run is not None and run.info.status in ("RUNNING", "KILLED"):  # the worker knows only "stopped"
                tracking.TrialRun.of(self.search_run, run).kill(Outcome.PRUNED)
        else:  # stopped by the driver, not the scheduler: not an end (the study was not told; --resume runs it)
            self.emit(f"  {label or trial.trial_id}: stopped before it reported its objectives; runs again on --resume")
            return
        self._front()

    def on_trial_recover(self, iteration, trials, trial, **info) -> None:
        label = (trial.config or {}).get(TRIAL_KEY, trial.trial_id)
        self.emit(f"  {label}: {error_line(trial, 'its worker crashed or was lost')}; retrying ({trial.num_failures} of "
                  f"{self.search.ray.max_failures} retries), on the same MLflow run")

    def on_trial_error(self, iteration, trials, trial, **info) -> None:
        reason = error_line(trial)
        label = (trial.config or {}).get(TRIAL_KEY)
        self._line(trial, f"failed after {trial.num_failures} attempt(s): {reason}")
        if label:
            params = {k: v for k, v in (trial.config or {}).items() if k != TRIAL_KEY}
            run = tracking.TrialRun.open(self.search_run, label, params)  # made now if it failed before its run existed
            if tracking.client_for(run.uri).get_run(run.run_id).info.status in ("RUNNING", "FAILED"):
                run.fail(reason)
        self._front()

    def _front(self) -> None:
        from search.front.summary import tag_front

        try:
            tag_front(self.search, self.search_run)
        except Exception as exc:  # the live view is a convenience; the final front is computed at the end anyway
            self.emit(f"  (live front not updated: {exc.__class__.__name__}: {str(exc)[:120]})")
