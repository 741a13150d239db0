"""Weighted ZeroBias: weights that stand for events give the cut those events give."""

import numpy as np
import pytest

from flowad.metrics.rates import fpr_of, rate_threshold
from flowad.metrics.weighted import (effective_events, stratum_weights, weighted_cut_interval, weighted_rate_khz,
                                     weighted_rate_threshold)


@pytest.mark.parametrize("integer", [False, True])
def test_unit_weights_and_duplicating_weights_give_the_unweighted_cut_exactly(integer):
    rng = np.random.default_rng(3)
    scores = rng.normal(size=200_000)
    if integer:
        scores = np.round(scores * 20)  # ties, as an ET sum has
    weights = rng.integers(1, 5, len(scores))
    for w, sample in ((np.ones(len(scores)), scores), (weights, np.repeat(scores, weights))):
        truth = rate_threshold(sample, 3.0)
        cut = weighted_rate_threshold(scores, w, 3.0)
        assert cut.valid and cut.value == truth.value and cut.achieved_khz == pytest.approx(truth.achieved_khz)
    small = scores[:50_000]  # below rate_threshold's 95k: both refuse
    assert not rate_threshold(small, 3.0).valid and not weighted_rate_threshold(small, np.ones(len(small)), 3.0).valid


def test_a_stratified_sample_25_times_smaller_reproduces_the_cut_of_a_million_plain_crossings():
    """The population: 99 % soft crossings, 1 % with a hard interaction that makes the whole 3 kHz tail."""
    hard_fraction, rng = 0.01, np.random.default_rng(11)

    def draw(hard: np.ndarray) -> np.ndarray:
        return np.where(hard, rng.normal(3.0, 1.0, len(hard)), rng.normal(0.0, 1.0, len(hard)))

    plain = draw(rng.random(1_000_000) < hard_fraction)
    truth, low, high = weighted_cut_interval(plain, np.ones(len(plain)), 3.0)
    assert truth == rate_threshold(plain, 3.0).value and low < truth < high

    strata = np.repeat([0, 1], 20_000)  # as many hard as soft crossings: 100x the hard tail per event stored
    stratified = draw(strata == 1)
    weights = stratum_weights(strata, {0: 1 - hard_fraction, 1: hard_fraction})
    assert weights.sum() == pytest.approx(len(strata)) and effective_events(np.ones(7)) == 7
    cut, cut_low, cut_high = weighted_cut_interval(stratified, weights, 3.0)
    assert cut_low < cut < cut_high
    assert max(low, cut_low) < min(high, cut_high)  # the two intervals overlap ...
    assert abs(cut - truth) < 0.15  # ... and both are narrow: ~200 effective events above the cut each
    assert weighted_rate_khz(plain, np.ones(len(plain)), cut) == pytest.approx(3.0, rel=0.25)  # it gives 3 kHz there
    assert fpr_of(3.0) * len(strata) < 10 < effective_events(weights[stratified > cut])  # plain, 40k could not

    unweighted = rate_threshold(np.repeat(stratified, 25), 3.0).value  # the same events, weights forgotten
    assert unweighted > high + 0.3  # far off: the weights are what makes it right


def test_weights_are_checked():
    with pytest.raises(ValueError, match="no population fraction"):
        stratum_weights(np.array([0, 1]), {0: 1.0})
    with pytest.raises(ValueError, match="do not match"):
        weighted_rate_threshold(np.zeros(3), np.ones(2), 3.0)
    with pytest.raises(ValueError, match="non-negative"):
        weighted_rate_threshold(np.zeros(2), np.array([1.0, -1.0]), 3.0)
    assert "effective" in weighted_rate_threshold(np.arange(1000.0), np.ones(1000), 3.0).reason
