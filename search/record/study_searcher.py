"""A Ray Tune searcher that asks the search's durable Optuna study, never twice for one configuration.

- **Pending trials first.** Search trials the study holds as RUNNING when a driver starts (their driver died or
  was interrupted while they ran) are handed out again, with the same parameters and the same stable id, so
  they re-attach to their MLflow run; only then are new trials asked of the sampler.
- **Distinct configurations.** Optuna's samplers re-suggest configurations they have evaluated, which is
  frequent in this product's small categorical spaces. Such a suggestion is told FAIL at once (samplers learn
  nothing from a FAIL, so it neither counts twice in ``best_trials`` nor fills NSGA-II's population with clones)
  and marked ``flowad.duplicate_of``; the sampler is asked again, up to ``max_attempts`` times, and only a new
  configuration becomes a trial. A sampler still stuck after that (TPE converges onto a few points of a small
  space) gets an unseen configuration drawn at random (``flowad.drawn_unseen``); only when 2,000 draws find
  none (the space is exhausted, or nearly) does the last suggestion run again. Parameters the trial's
  family ignores do not make a configuration new.
- **Constraints reach the sampler.** Each told trial carries its constraints' violations (``set_constraint``,
  ≤ 0 holds), so NSGA-II ranks by constrained domination and TPE and GP model feasibility, instead of learning
  from trials the front will drop; Optuna's ``best_trials`` then holds only feasible trials.
- **Told as it happened.** A trial with every objective finite is COMPLETE; one that failed (Tune's error flag,
  or ``error`` in its result) is FAIL with its reason; one the scheduler stopped (``stopped``, its record), or its
  time budget, is PRUNED — truncated results never enter the study or the front. A trial that ended without
  objectives for any other reason (the driver stopping it on Ctrl-C) is not told: it stays RUNNING in the study,
  and ``--resume`` runs it again.

There is no pickled searcher state: everything lives in the study's database, so Tune's experiment snapshot
(which can be minutes old after a SIGKILL) is never needed to resume. Tune pickles its searcher when a ``Tuner`` is
made, so the searcher holds a :class:`~search.record.study.StudyRef` and opens the study on first use; an open study
(its engine, its sampler's lock) is never part of what is pickled.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from ray.tune.search import Searcher

from search.record import optuna_private
from search.space.search_config import Constraint
from search.space.parameters import relevant_params
from search.record.study import StudyRef, objective_values, search_trials, trial_label
from search.record.tags import DRAWN_ATTR, DUPLICATE_ATTR, REASON_ATTR, TRIAL_ATTR, TRIAL_KEY, Outcome


def config_key(config: dict) -> str:
    """Configurations that differ only in parameters their student family ignores (a QKeras student's β)
    are the same configuration."""
    params = {k: v for k, v in config.items() if k != TRIAL_KEY}
    return json.dumps(relevant_params(params), sort_keys=True, default=str)


class StudySearcher(Searcher):
    def __init__(self, study: StudyRef, distributions: dict, metrics: list[str],
                 constraints: tuple[Constraint, ...] = (), stopped: Mapping[str, int] | None = None,
                 max_attempts: int = 50):
        super().__init__()
        self.ref, self.distributions, self.metrics, self.constraints = study, distributions, metrics, tuple(constraints)
        self.stopped = stopped if stopped is not None else {}
        """Tune trial id → the rung epoch at which the scheduler stopped it (the scheduler's own record)"""
        self.max_attempts = max_attempts
        self.skipped = 0
        self.number: dict[str, int] = {}
        """Tune trial id → study trial number"""
        self._study = None

    @property
    def study(self):
        """The open study, opened on first use with what it already holds: trials that were running come first."""
        if self._study is None:
            self._study = self.ref.open()
            trials = search_trials(self._study)
            self.pending = [t for t in trials if not t.state.is_finished()]
            self.first: dict[str, int] = {config_key(t.params): t.number for t in trials}
        return self._study

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_study": None}  # reopened from the reference where it is used

    def set_search_properties(self, metric, mode, config, **spec) -> bool:
        return True  # the space and the objectives are the study's

    def suggest(self, trial_id: str) -> dict | None:
        study = self.study
        if self.pending:
            trial = self.pending.pop(0)
            self.number[trial_id] = trial.number
            return {**trial.params, TRIAL_KEY: trial.user_attrs[TRIAL_ATTR]}
        for attempt in range(self.max_attempts):
            trial = study.ask(self.distributions)
            key = config_key(trial.params)
            first = self.first.get(key)
            if first is not None and attempt < self.max_attempts - 1:
                self.skipped += 1
                answer_duplicate(study, trial, first)
                continue
            if first is not None:  # the sampler is stuck on what it has seen: an unseen configuration, if any is left
                params = unseen_configuration(self.distributions, set(self.first), trial.number)
                if params is not None:
                    answer_duplicate(study, trial, first)
                    study.enqueue_trial(params, user_attrs={DRAWN_ATTR: True})
                    trial = study.ask(self.distributions)
                    key = config_key(trial.params)
            trial.set_user_attr(TRIAL_ATTR, trial_label(trial.number))
            self.first.setdefault(key, trial.number)
            self.number[trial_id] = trial.number
            return {**trial.params, TRIAL_KEY: trial_label(trial.number)}
        return None

    def on_trial_complete(self, trial_id: str, result: dict | None = None, error: bool = False) -> None:
        number = self.number.get(trial_id)
        if number is None:
            return
        result = result or {}
        ended = (error or result.get("error") or result.get(Outcome.TIME_BUDGET) or trial_id in self.stopped
                 or result.get("mlflow_run_id"))  # the trainable's own last report: it ran to its end
        if not ended and objective_values(result, self.metrics) is None and not all(m in result for m in self.metrics):
            return  # stopped from outside (Ctrl-C): no evidence of how it would have ended, so it runs again
        tell(self.study, number, result, self.metrics, error, constraints=self.constraints)

    def save(self, checkpoint_path: str) -> None:
        """Tune snapshots searchers; this one's state is the study, so the snapshot says where it is."""
        with open(checkpoint_path, "w") as f:
            json.dump({"study": self.ref.name, "storage": self.ref.url}, f)

    def restore(self, checkpoint_path: str) -> None:
        raise RuntimeError("a flowad search resumes from its Optuna study, never from Tune's searcher snapshot")


def replay(searcher: StudySearcher, objectives: Callable[[dict], list[float]], trials: int) -> list[dict]:
    """Run ``trials`` trials through ``searcher`` as the driver does, each told ``objectives(params)`` (one value per
    ``searcher.metrics``) as a trial that ran to its end; the parameters of the trials in the order they ran.

    This is how a sampler is measured on known results (bench/sampler_ground_truth.py, the results' sampler
    smoke test): the suggestions, the duplicate answers and the unseen draws are the searcher's own, not a copy.
    Stops early when the searcher has nothing left to suggest."""
    ran = []
    for i in range(trials):
        trial_id = f"replay-{i}"
        config = searcher.suggest(trial_id)
        if config is None:
            break
        params = {k: v for k, v in config.items() if k != TRIAL_KEY}
        result = dict(zip(searcher.metrics, objectives(params), strict=True))
        searcher.on_trial_complete(trial_id, {**result, "mlflow_run_id": trial_id})
        ran.append(params)
    return ran


def answer_duplicate(study, trial, first: int) -> None:
    """Tell a suggestion of a configuration study trial ``first`` already ran as FAIL, marked as its duplicate."""
    trial.set_user_attr(DUPLICATE_ATTR, trial_label(first))
    trial.set_user_attr(REASON_ATTR, f"a duplicate of {trial_label(first)}, never run")
    study.tell(trial, state=_state("FAIL"))


def unseen_configuration(distributions: dict, seen: set[str], seed: int, draws: int = 2000) -> dict | None:
    """Parameters drawn uniformly from ``distributions`` whose :func:`config_key` is not in ``seen``, or None when
    ``draws`` draws find none (the space is exhausted, or nearly)."""
    import numpy as np
    from optuna.distributions import CategoricalDistribution, IntDistribution

    rng = np.random.default_rng(seed)
    for _ in range(draws):
        params = {}
        for name, d in distributions.items():
            if isinstance(d, CategoricalDistribution):
                params[name] = d.choices[rng.integers(len(d.choices))]
            elif isinstance(d, IntDistribution):
                params[name] = int(d.low + d.step * rng.integers((d.high - d.low) // d.step + 1))
            elif d.log:
                params[name] = float(np.clip(np.exp(rng.uniform(np.log(d.low), np.log(d.high))), d.low, d.high))
            else:
                params[name] = float(rng.uniform(d.low, d.high))
        if config_key(params) not in seen:
            return params
    return None


def tell(study, number: int, result: dict, metrics: list[str], error: bool = False, reason: str = "",
         constraints: tuple[Constraint, ...] = ()) -> None:
    """Tell the study how search trial ``number`` ended (idempotent: a trial already told is left alone), with
    its ``constraints``' violations for the sampler (a metric the result lacks violates its constraint)."""
    trial = optuna_private.frozen_trial(study, number)
    if trial.state.is_finished():
        return
    if constraints:
        handle = optuna_private.live_trial(study, trial)
        for c in constraints:
            handle.set_constraint(c.name, c.violation(result.get(c.metric)))
    values = None if error else objective_values(result, metrics)
    reason = reason or str(result.get("error") or result.get(Outcome.TIME_BUDGET) or "")
    if values is not None and not result.get("error"):
        study.tell(number, values, skip_if_finished=True)
        return
    failed = error or bool(result.get("error"))
    optuna_private.set_user_attr(study, trial, REASON_ATTR, (reason or ("crashed (the MLflow run's flowad.error says how)" if failed else Outcome.PRUNED))[:500])
    study.tell(number, state=_state("FAIL" if failed else "PRUNED"), skip_if_finished=True)


def _state(name: str):
    from optuna.trial import TrialState

    return getattr(TrialState, name)
