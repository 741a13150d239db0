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


@pytest.mark.parametrize("budget", ["total", "pure"])
def test_a_trigger_on_weighted_zerobias_is_the_trigger_on_the_crossings_its_weights_stand_for(budget):
    """Integer weights that duplicate crossings: every point value of evaluate_score is that of the duplicated sample."""
    from flowad.metrics.trigger import evaluate_score

    rng = np.random.default_rng(4)
    n = 200_000  # weights 1-3: ~20 crossings, ~17 effective, within 3 kHz
    calibration, evaluation = np.round(rng.normal(size=(2, n)) * 30)  # ties, as ET sums have
    menus = rng.random((2, n)) < 0.05
    weights = rng.integers(1, 4, (2, n))
    signal = np.round(rng.normal(2.5, 1.2, 3000) * 30)
    signal_menu = {"sig": rng.random(3000) < 0.2}
    weighted = evaluate_score(calibration, evaluation, {"sig": signal}, signal_menu, budget=budget,
                              zerobias_menu=tuple(menus), zerobias_weights=tuple(weights))
    dup = [np.repeat(a, w) for a, w in ((calibration, weights[0]), (evaluation, weights[1]))]
    dup_menu = tuple(np.repeat(m, w) for m, w in zip(menus, weights))
    duplicated = evaluate_score(dup[0], dup[1], {"sig": signal}, signal_menu, budget=budget, zerobias_menu=dup_menu)
    assert weighted.threshold.valid and weighted.threshold.value == duplicated.threshold.value
    assert weighted.threshold.achieved_khz == pytest.approx(duplicated.threshold.achieved_khz)
    assert weighted.rate_khz.value == pytest.approx(duplicated.rate_khz.value)
    assert weighted.added_rate_khz.value == pytest.approx(duplicated.added_rate_khz.value)
    for field in ("auc", "tpr", "pure_tpr"):
        assert getattr(weighted.signals["sig"], field).value == pytest.approx(getattr(duplicated.signals["sig"], field).value)
    w_perf, d_perf = weighted.signals["sig"].pure_tpr, duplicated.signals["sig"].pure_tpr
    assert w_perf.low <= w_perf.value <= w_perf.high and w_perf.high - w_perf.low == pytest.approx(d_perf.high - d_perf.low, rel=0.5)


def test_a_menu_calibrated_on_weighted_zerobias_is_the_menu_of_the_crossings_its_weights_stand_for():
    from flowad.metrics.menu import MenuConfig, calibrate_menu

    rng = np.random.default_rng(9)
    n = 40_000
    objects = np.zeros((n, 57), np.float32)
    objects[:, 0] = rng.exponential(12, n)  # MET
    objects[:, 9 * 3] = rng.exponential(40, n)  # leading jet pT (slot 9)
    calo = rng.poisson(2, (n, 18, 14)).astype(np.uint16)
    weights = rng.integers(1, 5, n)
    views, dup = {"objects": objects, "calo": calo}, {"objects": np.repeat(objects, weights, 0), "calo": np.repeat(calo, weights, 0)}
    for config in (MenuConfig(rates_khz={"met": 40.0, "single_jet": 30.0, "single_region": 20.0}),
                   MenuConfig(rates_khz={}, thresholds_gev={"met": 30.0, "single_jet": 100.0})):
        menu, truth = calibrate_menu(config, views, weights), calibrate_menu(config, dup)
        assert menu.valid and menu.total_khz == pytest.approx(truth.total_khz)
        for name, cut in truth.thresholds.items():
            assert menu.thresholds[name].value == cut.value and menu.thresholds[name].achieved_khz == pytest.approx(cut.achieved_khz)
