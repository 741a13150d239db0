"""Never spend a trial on a configuration the search has already run.

Optuna's samplers re-suggest configurations they have evaluated, which is frequent in the small categorical
spaces of this product (a few families × widths × bit widths). A duplicate trial costs a full distillation
and hardware estimate and teaches the sampler nothing new. ``DistinctConfigs`` wraps a Tune searcher: when
the inner searcher suggests a configuration already suggested in this search, the wrapper tells it that
configuration's known result (or PRUNED while the first run is still going) under a throw-away trial id,
and asks again, up to ``max_attempts`` times. Only a configuration the search has not seen becomes a trial.
When the space is exhausted the last suggestion is run anyway. Parameters the trial's student family
ignores do not make a configuration new.
"""

from __future__ import annotations

import json
import pickle
from typing import Any

from ray.tune.search import Searcher

from search.config import relevant_params


def config_key(config: dict[str, Any]) -> str:
    """Configurations that differ only in parameters their student family ignores (a QKeras student's β)
    are the same configuration."""
    return json.dumps(relevant_params(config), sort_keys=True, default=str)


class DistinctConfigs(Searcher):
    def __init__(self, inner: Searcher, max_attempts: int = 50):
        super().__init__(metric=inner.metric, mode=inner.mode)
        self.inner = inner
        self.max_attempts = max_attempts
        self.first_trial: dict[str, str] = {}
        """configuration key → the trial that runs it"""
        self.results: dict[str, dict | None] = {}
        """configuration key → its final result (None while running or when it failed)"""
        self.inner_id: dict[str, str] = {}
        """trial id → the id the inner searcher knows its suggestion by"""
        self.skipped = 0

    def set_search_properties(self, metric, mode, config, **spec) -> bool:
        return self.inner.set_search_properties(metric, mode, config, **spec)

    def suggest(self, trial_id: str):
        config = None
        for attempt in range(self.max_attempts):
            inner_id = trial_id if attempt == 0 else f"{trial_id}-seen{attempt}"
            config = self.inner.suggest(inner_id)
            if config is None or config == Searcher.FINISHED:
                return config
            key = config_key(config)
            if key not in self.first_trial or attempt == self.max_attempts - 1:
                self.first_trial.setdefault(key, trial_id)
                self.inner_id[trial_id] = inner_id
                return config
            self.skipped += 1
            self.inner.on_trial_complete(inner_id, result=self.results.get(key), error=False)
        return config

    def on_trial_result(self, trial_id: str, result: dict) -> None:
        self.inner.on_trial_result(self.inner_id.get(trial_id, trial_id), result)

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        if result and not error and not result.get("error"):
            for key, first in self.first_trial.items():
                if first == trial_id:
                    self.results[key] = result
        self.inner.on_trial_complete(self.inner_id.get(trial_id, trial_id), result=result, error=error)

    def save(self, checkpoint_path: str) -> None:
        own = {k: v for k, v in self.__dict__.items() if k != "inner"}
        with open(checkpoint_path, "wb") as f:
            pickle.dump({"own": own, "inner": self.inner.__dict__.copy()}, f)

    def restore(self, checkpoint_path: str) -> None:
        with open(checkpoint_path, "rb") as f:
            state = pickle.load(f)
        self.__dict__.update(state["own"])
        self.inner.__dict__.update(state["inner"])
