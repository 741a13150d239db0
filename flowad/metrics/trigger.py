"""What an anomaly score is worth as a Level-1 trigger: AUC, efficiency at a rate, and *pure* efficiency.

For one score (teacher, student or a no-ML baseline):

- the cut is set on the calibration ZeroBias (validation) at ``rate_khz`` (:func:`~flowad.metrics.rates.rate_threshold`)
  and applied to the evaluation sample (validation for search objectives, test for claims), where the rate
  it really gives is reported (``rate_khz``, with its interval);
- ``tpr``: fraction of a signal's events above the cut;
- ``pure_tpr``: fraction of a signal's events above the cut **that the emulated menu does not accept**,
  i.e. the efficiency this trigger adds to the menu (the way CICADA and AXOL1TL report theirs). Divide by
  ``1 − menu_efficiency`` for the efficiency on the events the menu misses.

Two budgets say how a cut spends its rate (:data:`BUDGETS`): ``total`` counts every ZeroBias crossing above
the cut (how CICADA quotes its 3 kHz); ``pure`` counts only those the menu does not keep
(:func:`~flowad.metrics.rates.pure_rate_threshold`), the rate the trigger really adds. Under ``total`` a no-ML
quantity the menu already cuts on tighter (max region ET, HT) has a pure efficiency of zero by construction;
under ``pure`` it is measured. Both report the added rate (``added_rate_khz``) beside the total.

Intervals are 95 %: AUC from DeLong's variance; the rest from a Poisson bootstrap (every event weighted
by a Poisson(1) draw, ``bootstrap`` replicas) of the calibration ZeroBias (so the cut moves), the signal
events and the evaluation ZeroBias. The menu's own thresholds are held fixed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from flowad.metrics.rates import RateThreshold, auc_interval, fpr_of, khz_of, pure_rate_threshold, rate_threshold
from flowad.metrics.weighted import weighted_pure_rate_threshold, weighted_rate_threshold

BOOTSTRAP_REPLICAS = 400
BUDGETS = ("total", "pure")
"""``total``: the cut's whole ZeroBias rate is the budget; ``pure``: only the rate the menu does not already keep."""
SIGNAL_METRICS = {"auc": "auc", "tpr_at_rate": "tpr", "pure_tpr_at_rate": "pure_tpr"}
"""Metric name (as searched and logged) → the :class:`SignalPerformance` field that holds it."""


@dataclass(frozen=True)
class Estimate:
    """A value with its 95 % interval (all NaN when undefined)."""

    value: float
    low: float = math.nan
    high: float = math.nan

    @classmethod
    def undefined(cls) -> "Estimate":
        return cls(math.nan, math.nan, math.nan)

    def __format__(self, spec: str) -> str:
        if math.isnan(self.value):
            return "n/a"
        spec = spec or ".3f"
        return f"{self.value:{spec}} [{self.low:{spec}}, {self.high:{spec}}]"


@dataclass(frozen=True)
class SignalPerformance:
    auc: Estimate
    tpr: Estimate
    pure_tpr: Estimate
    n_signal: int
    menu_efficiency: float
    """Fraction of this signal the menu accepts (NaN without a calibrated menu)."""


@dataclass(frozen=True)
class ScorePerformance:
    """One score against every signal at one working point."""

    threshold: RateThreshold
    rate_khz: Estimate
    """Rate the cut gives on the evaluation ZeroBias."""
    signals: dict[str, SignalPerformance]
    reason: str = ""
    """Why rate-based numbers are NaN (too little calibration ZeroBias, no menu), if they are."""
    budget: str = "total"
    """Which rate the cut was set on (:data:`BUDGETS`)."""
    added_rate_khz: Estimate = Estimate.undefined()
    """Rate the cut gives on the evaluation ZeroBias that the menu does not keep (NaN without a menu)."""

    def flat(self, prefix: str = "") -> dict[str, float]:
        """``{prefix + "auc/<signal>": …, "tpr_at_rate/<signal>": …, "pure_tpr_at_rate/<signal>": …, "rate_khz": …}``
        (and ``added_rate_khz`` where a menu defines it)."""
        out = {f"{prefix}rate_khz": self.rate_khz.value}
        if not math.isnan(self.added_rate_khz.value):
            out[f"{prefix}added_rate_khz"] = self.added_rate_khz.value
        for name, perf in self.signals.items():
            out.update({f"{prefix}{metric}/{name}": getattr(perf, field).value for metric, field in SIGNAL_METRICS.items()})
        return out

    def means(self, prefix: str = "", signals: list[str] | None = None) -> dict[str, float]:
        """``{prefix + "auc": …, prefix + "tpr_at_rate": …, prefix + "pure_tpr_at_rate": …}``, each a :meth:`mean`."""
        return {f"{prefix}{metric}": self.mean(field, signals) for metric, field in SIGNAL_METRICS.items()}

    def mean(self, metric: str, signals: list[str] | None = None) -> float:
        """Mean of ``auc``, ``tpr`` or ``pure_tpr`` over ``signals`` (default all); NaN if any is NaN."""
        names = signals if signals is not None else list(self.signals)
        values = [getattr(self.signals[s], metric).value for s in names]
        return float(np.mean(values)) if values else math.nan


def evaluate_score(calibration: np.ndarray, background: np.ndarray, signals: Mapping[str, np.ndarray],
                   menu_accepts: Mapping[str, np.ndarray] | None = None, rate_khz: float = 3.0,
                   bootstrap: int = BOOTSTRAP_REPLICAS, seed: int = 0, budget: str = "total",
                   zerobias_menu: tuple[np.ndarray, np.ndarray] | None = None,
                   zerobias_weights: tuple[np.ndarray, np.ndarray] | None = None) -> ScorePerformance:
    """Trigger performance of a score.

    ``calibration``: the score on the ZeroBias that sets the cut; ``background``: on the evaluation ZeroBias
    (pass the same array to evaluate where the cut was set); ``signals``: on each signal's evaluation events;
    ``menu_accepts``: the menu's decision on those same signal events (None: no menu, pure efficiency NaN);
    ``zerobias_menu``: the menu's decision on (calibration, background), needed by the ``pure`` budget and
    for the added rate; ``zerobias_weights``: the crossing weights of (calibration, background) when the
    ZeroBias is tail-enriched (:mod:`flowad.data.tail`; None: every crossing counts once).
    """
    if budget not in BUDGETS:
        raise ValueError(f"budget must be one of {BUDGETS}, got {budget!r}")
    for name, values in {"calibration": calibration, "background": background, **signals}.items():
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name}: {int(np.sum(~np.isfinite(values)))} non-finite scores")
    calibration_menu, background_menu = (None, None) if zerobias_menu is None else (np.asarray(m, bool) for m in zerobias_menu)
    calibration_weights, background_weights = (None, None) if zerobias_weights is None else (
        np.asarray(w, np.float64) for w in zerobias_weights)
    weighted = calibration_weights is not None
    if budget == "total":
        cut = weighted_rate_threshold(calibration, calibration_weights, rate_khz) if weighted else rate_threshold(calibration, rate_khz)
    elif calibration_menu is None:
        cut = RateThreshold(rate_khz, math.nan, math.nan, len(calibration), "no calibrated menu: the pure-rate budget is undefined")
    elif weighted:
        cut = weighted_pure_rate_threshold(calibration, calibration_weights, calibration_menu, rate_khz)
    else:
        cut = pure_rate_threshold(calibration, calibration_menu, rate_khz)
    rng = np.random.default_rng(seed)
    same = background is calibration
    reason = cut.reason
    added = Estimate.undefined()
    if cut.valid:
        if budget == "total":
            cuts = _bootstrap_cuts(calibration, rate_khz, bootstrap, rng, calibration_weights)
        elif weighted:
            keep = ~calibration_menu
            share = float(np.sum(calibration_weights[keep]) / np.sum(calibration_weights))
            cuts = _bootstrap_cuts(calibration[keep], rate_khz / share, bootstrap, rng, calibration_weights[keep])
        else:
            rejected = calibration[~calibration_menu]
            cuts = _bootstrap_cuts(rejected, rate_khz * len(calibration) / len(rejected), bootstrap, rng)
        achieved = _rate_estimate(background, cut.value, cuts if not same else None, rng, weights=background_weights)
        if background_menu is not None:  # its own stream: the other intervals do not move when it is asked for
            keep = ~background_menu
            added = _rate_estimate(background[keep], cut.value, cuts if not same else None, np.random.default_rng([seed, 1]),
                                   n_total=len(background), weights=None if background_weights is None else background_weights[keep],
                                   weight_total=None if background_weights is None else float(np.sum(background_weights)))
    else:
        cuts, achieved = None, Estimate.undefined()
    if menu_accepts is None and not reason:
        reason = "no calibrated menu: pure efficiency undefined"
    result = {}
    for name, scores in signals.items():
        auc = Estimate(*auc_interval(background, scores, background_weights))
        menu = menu_accepts.get(name) if menu_accepts is not None else None
        menu_eff = float(np.mean(menu)) if menu is not None and len(menu) else math.nan
        if cuts is None:
            result[name] = SignalPerformance(auc, Estimate.undefined(), Estimate.undefined(), len(scores), menu_eff)
            continue
        weights = rng.poisson(1.0, (bootstrap, len(scores))).astype(np.float64)
        total = np.maximum(weights.sum(axis=1), 1.0)
        above = scores[None, :] > cuts[:, None]
        tpr = _estimate(float(np.mean(scores > cut.value)), (weights * above).sum(axis=1) / total)
        if menu is None:
            pure = Estimate.undefined()
        else:
            gained = above & ~np.asarray(menu, bool)[None, :]
            pure = _estimate(float(np.mean((scores > cut.value) & ~menu)), (weights * gained).sum(axis=1) / total)
        result[name] = SignalPerformance(auc, tpr, pure, len(scores), menu_eff)
    return ScorePerformance(cut, achieved, result, reason, budget, added)


def _bootstrap_cuts(calibration: np.ndarray, rate_khz: float, replicas: int, rng: np.random.Generator,
                    weights: np.ndarray | None = None) -> np.ndarray:
    """The cut of each Poisson-bootstrap replica of ``calibration``; only its top events can matter. With
    ``weights`` each event's weight is multiplied by its Poisson(1) draw and the replica's total weight is drawn
    from its normal limit."""
    n = len(calibration)
    fpr = fpr_of(rate_khz)
    if weights is not None:
        order = np.argsort(-calibration, kind="stable")
        total = float(np.sum(weights))
        top_n = min(n, int(np.searchsorted(np.cumsum(weights[order]), 4 * fpr * total)) + 200)
        top, top_weights = calibration[order[:top_n]], weights[order[:top_n]]
        allowed = fpr * rng.normal(total, math.sqrt(float(np.sum(weights**2))), replicas)
        cumulative = np.cumsum(top_weights[None, :] * rng.poisson(1.0, (replicas, top_n)), axis=1)
        return top[np.argmax(cumulative > allowed[:, None], axis=1)]
    top_n = min(n, int(4 * fpr * n) + 200)
    top = np.sort(np.partition(calibration, n - top_n)[n - top_n:])[::-1]
    allowed = np.floor(fpr * rng.poisson(n, replicas)).astype(np.int64)
    cumulative = np.cumsum(rng.poisson(1.0, (replicas, top_n)), axis=1)
    first_over = np.argmax(cumulative > allowed[:, None], axis=1)
    return top[first_over]


def _rate_estimate(background: np.ndarray, value: float, cuts: np.ndarray | None,
                   rng: np.random.Generator, n_total: int | None = None, weights: np.ndarray | None = None,
                   weight_total: float | None = None) -> Estimate:
    """Rate of ``score > value`` on ``background`` in kHz; interval over the replicas' cuts and a Poisson
    resampling of ``background`` (its top events; the rest only enter through the total). ``n_total``: the
    crossings ``background`` was taken from, when it is a subset (those the menu rejects); ``weights`` and
    ``weight_total``: the same for a weighted ZeroBias."""
    if weights is not None:
        return _weighted_rate_estimate(background, weights, value, cuts, rng, weight_total)
    n = len(background) if n_total is None else n_total
    point = khz_of(np.count_nonzero(background > value) / n)
    if cuts is None:
        return Estimate(point)
    lowest = float(cuts.min())
    tail = np.sort(background[background > lowest])
    replicas = len(cuts)
    if len(tail) == 0:
        return Estimate(point, 0.0, 0.0)
    weights = rng.poisson(1.0, (replicas, len(tail)))
    totals = rng.poisson(n, replicas).astype(np.float64)
    passing = (tail[None, :] > cuts[:, None]) * weights
    return _estimate(point, khz_of(passing.sum(axis=1) / np.maximum(totals, 1.0)))


def _weighted_rate_estimate(background: np.ndarray, weights: np.ndarray, value: float, cuts: np.ndarray | None,
                            rng: np.random.Generator, weight_total: float | None) -> Estimate:
    total = float(np.sum(weights)) if weight_total is None else weight_total
    point = khz_of(float(np.sum(weights[background > value])) / total)
    if cuts is None:
        return Estimate(point)
    tail = background > float(cuts.min())
    if not tail.any():
        return Estimate(point, 0.0, 0.0)
    scores, tail_weights = background[tail], weights[tail]
    replicas = len(cuts)
    drawn = tail_weights[None, :] * rng.poisson(1.0, (replicas, len(scores)))
    totals = rng.normal(total, math.sqrt(float(np.sum(weights**2))), replicas)
    passing = ((scores[None, :] > cuts[:, None]) * drawn).sum(axis=1)
    return _estimate(point, khz_of(passing / np.maximum(totals, 1e-12)))


def _estimate(point: float, replicas: np.ndarray) -> Estimate:
    low, high = np.quantile(replicas, [0.025, 0.975])
    return Estimate(point, float(min(low, point)), float(max(high, point)))
