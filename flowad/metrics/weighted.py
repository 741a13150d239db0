"""Rates from a weighted ZeroBias sample: the standard HEP way to reach a 3 kHz tail without a million crossings.

A 3 kHz cut accepts ~1 crossing in 9,500, so ~100 crossings above it need ~1M plain ZeroBias crossings. The
tail is made of crossings with a hard interaction: generated *stratified* (e.g. in the hard process's p̂T)
with each event weighted by how much of the population its stratum stands for, a much smaller sample puts
as many events above the cut. Every number here takes per-event weights; with unit weights each is the
unweighted function of :mod:`flowad.metrics.rates` (a test holds them equal, and weights that duplicate
events reproduce the duplicated sample's cut exactly).

Precision of a weighted count is Kish's effective number of events, ``(Σw)² / Σw²``: a cut is only set
where at least :data:`~flowad.metrics.rates.MIN_BACKGROUND_ABOVE` effective events pass it.
"""

from __future__ import annotations

import math

import numpy as np

from flowad.metrics.rates import MIN_BACKGROUND_ABOVE, RateThreshold, fpr_of, khz_of


def stratum_weights(strata: np.ndarray, population_fractions: dict[int, float]) -> np.ndarray:
    """Per-event weights (summing to the number of events) for a sample drawn stratum by stratum.

    ``strata``: each event's stratum label; ``population_fractions``: the fraction of all crossings each
    stratum stands for (its cross-section over the total, e.g. from Pythia's ``sigmaGen``). An event of
    stratum ``k`` weighs ``population_fraction[k] / sample_fraction[k]``.
    """
    strata = np.asarray(strata)
    labels, counts = np.unique(strata, return_counts=True)
    missing = sorted(set(labels.tolist()) - set(population_fractions))
    if missing:
        raise ValueError(f"strata {missing} have events but no population fraction")
    total = sum(population_fractions[int(k)] for k in labels)
    if not total > 0:
        raise ValueError("the population fractions of the sampled strata must sum to more than 0")
    weights = np.empty(len(strata), np.float64)
    for label, count in zip(labels, counts):
        weights[strata == label] = population_fractions[int(label)] / total / (count / len(strata))
    return weights


def effective_events(weights: np.ndarray) -> float:
    """Kish's effective number of events of a weighted sample, ``(Σw)² / Σw²`` (the count itself for unit weights)."""
    weights = np.asarray(weights, np.float64)
    squares = float(np.sum(weights**2))
    return float(np.sum(weights)) ** 2 / squares if squares > 0 else 0.0


def weighted_rate_threshold(scores: np.ndarray, weights: np.ndarray, rate_khz: float) -> RateThreshold:
    """The smallest cut ``score > value`` whose weighted ZeroBias fraction is at most ``fpr_of(rate_khz)``.

    With unit weights this is :func:`~flowad.metrics.rates.rate_threshold`; ``n_background`` is the number
    of stored events. NaN, with the reason, when fewer than ``MIN_BACKGROUND_ABOVE`` effective events pass.
    """
    scores, weights = np.asarray(scores, np.float64), np.asarray(weights, np.float64)
    if scores.shape != weights.shape:
        raise ValueError(f"weights {weights.shape} do not match scores {scores.shape}")
    if not (np.all(np.isfinite(scores)) and np.all(np.isfinite(weights))) or np.any(weights < 0):
        raise ValueError("scores and weights must be finite and the weights non-negative")
    n = len(scores)
    if n == 0 or not np.sum(weights) > 0:
        return RateThreshold(rate_khz, math.nan, math.nan, n, "no weighted ZeroBias: a rate cut is undefined")
    order = np.argsort(-scores, kind="stable")
    ordered, ordered_weights = scores[order], weights[order]
    fpr = fpr_of(rate_khz)
    value, above = _cut_sorted(ordered, ordered_weights, fpr)
    # Precision: the effective events of the top crossings that fill the budget, ties ignored (unit weights:
    # floor(fpr · n) >= MIN_BACKGROUND_ABOVE, rate_threshold's own condition).
    filling = np.cumsum(ordered_weights) <= fpr * float(np.sum(weights)) * (1 + 1e-12)
    n_eff = effective_events(ordered_weights[filling])
    if n_eff < MIN_BACKGROUND_ABOVE * (1 - 1e-9):
        return RateThreshold(rate_khz, math.nan, math.nan, n,
                             f"needs >= {MIN_BACKGROUND_ABOVE} effective background events within the "
                             f"{rate_khz:g} kHz budget, have {n_eff:.1f} of {n} stored")
    return RateThreshold(rate_khz, value, khz_of(above), n)


def weighted_pure_rate_threshold(scores: np.ndarray, weights: np.ndarray, menu_accepts: np.ndarray,
                                 rate_khz: float) -> RateThreshold:
    """:func:`~flowad.metrics.rates.pure_rate_threshold` on a weighted ZeroBias: the smallest cut whose weighted
    rate among the crossings the menu does not keep is at most ``rate_khz``; ``achieved_khz`` is that added rate."""
    scores, weights, menu_accepts = np.asarray(scores, np.float64), np.asarray(weights, np.float64), np.asarray(menu_accepts, bool)
    if menu_accepts.shape != scores.shape:
        raise ValueError(f"menu decisions {menu_accepts.shape} do not match scores {scores.shape}")
    rejected = ~menu_accepts
    total, left = float(np.sum(weights)), float(np.sum(weights[rejected]))
    if not left > 0:
        return RateThreshold(rate_khz, math.nan, math.nan, len(scores), "the menu keeps every crossing: no rate left to add")
    cut = weighted_rate_threshold(scores[rejected], weights[rejected], rate_khz * total / left)
    if not cut.valid:
        return RateThreshold(rate_khz, math.nan, math.nan, len(scores), f"{cut.reason} (added to the menu)")
    added = float(np.sum(weights[rejected & (scores > cut.value)])) / total
    return RateThreshold(rate_khz, cut.value, khz_of(added), len(scores))


def weighted_rate_khz(scores: np.ndarray, weights: np.ndarray, value: float) -> float:
    """Rate in kHz of ``score > value`` on a weighted ZeroBias sample."""
    weights = np.asarray(weights, np.float64)
    return khz_of(float(np.sum(weights[np.asarray(scores) > value]) / np.sum(weights)))


def weighted_cut_interval(scores: np.ndarray, weights: np.ndarray, rate_khz: float, replicas: int = 400,
                          seed: int = 0) -> tuple[float, float, float]:
    """(cut, low, high): the cut and its 95 % interval from a Poisson bootstrap (each weight times a Poisson(1) draw)."""
    scores, weights = np.asarray(scores, np.float64), np.asarray(weights, np.float64)
    cut = weighted_rate_threshold(scores, weights, rate_khz)
    if not cut.valid:
        return math.nan, math.nan, math.nan
    rng = np.random.default_rng(seed)
    fpr = fpr_of(rate_khz)
    order = np.argsort(-scores, kind="stable")
    ordered, ordered_weights = scores[order], weights[order]
    values = np.array([_cut_sorted(ordered, ordered_weights * rng.poisson(1.0, len(ordered)), fpr)[0]
                       for _ in range(replicas)])
    low, high = np.quantile(values, [0.025, 0.975])
    return cut.value, float(low), float(high)


def _cut_sorted(descending: np.ndarray, weights: np.ndarray, fpr: float) -> tuple[float, float]:
    """(value, accepted fraction) on scores sorted high to low: the smallest event value that keeps the
    weight strictly above it within ``fpr · Σw``."""
    total = float(np.sum(weights))
    # Weight strictly above each distinct value: the cumulative weight up to the previous distinct value.
    distinct = np.r_[True, descending[1:] != descending[:-1]]
    starts = np.flatnonzero(distinct)
    above = np.r_[0.0, np.cumsum(weights)][starts]
    budget = fpr * total * (1 + 1e-12)  # the unweighted floor(fpr · n) admits exactly fpr · n
    allowed = np.flatnonzero(above <= budget)
    last = int(allowed[-1])  # the lowest distinct value whose weight above still fits
    return float(descending[starts[last]]), float(above[last] / total)
