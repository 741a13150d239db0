"""Ray Tune's OptunaSearch, told how multi-objective trials end.

Stock ``OptunaSearch.on_trial_complete`` builds ``[result.get(m) for m in metrics]``; for a trial stopped
early or failed on its own input that is a list of ``None`` (not ``None``), so ``study.tell`` raises, the
warning is swallowed and the trial stays RUNNING in the study. Here: any missing or non-finite objective
⇒ the trial is told as FAIL when it failed (``error`` in its result or Tune's error flag), else PRUNED.
"""

from __future__ import annotations

import math

from optuna.trial import TrialState
from ray.tune.search.optuna import OptunaSearch


class MultiObjectiveOptunaSearch(OptunaSearch):
    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        if trial_id in self._completed_trials or trial_id not in self._ot_trials:
            return
        metrics = self.metric if isinstance(self.metric, list) else [self.metric]
        values = [None if not result else result.get(m) for m in metrics]
        complete = all(isinstance(v, (int, float)) and math.isfinite(v) for v in values)
        if complete and not error:
            self._ot_study.tell(self._ot_trials[trial_id], [float(v) for v in values])
        else:
            failed = error or bool(result and result.get("error"))
            self._ot_study.tell(self._ot_trials[trial_id], state=TrialState.FAIL if failed else TrialState.PRUNED)
        self._completed_trials.add(trial_id)
