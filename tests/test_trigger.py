"""Rate cuts, the emulated menu, efficiency and pure efficiency with intervals, on hand-made inputs."""

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from flowad.errors import ConfigError
from flowad.metrics.l1_quantities import ht, max_region_et, met, nth_pt, sum_et
from flowad.metrics.menu import DEFAULT_RATES_KHZ, MENUS, MenuConfig, calibrate_menu
from flowad.metrics.rates import auc_interval, background_needed, khz_of, rate_threshold
from flowad.metrics.trigger import evaluate_score


def test_rate_threshold_never_exceeds_the_target_on_its_sample_even_with_ties():
    rng = np.random.default_rng(0)
    integers = rng.poisson(20, 200_000).astype(float)  # heavy ties, like region ET counts
    cut = rate_threshold(integers, 3.0)
    above = np.count_nonzero(integers > cut.value)
    assert khz_of(above / len(integers)) == pytest.approx(cut.achieved_khz)
    assert cut.achieved_khz <= 3.0
    assert np.count_nonzero(integers >= cut.value) / len(integers) > 3.0 / 28610  # one step lower would exceed it
    continuous = rng.normal(size=200_000)
    assert rate_threshold(continuous, 3.0).achieved_khz == pytest.approx(3.0, rel=0.05)


def test_rate_threshold_refuses_too_little_background_and_non_finite_scores():
    cut = rate_threshold(np.zeros(4000), 3.0)
    assert not cut.valid and math.isnan(cut.value) and f"needs >= {background_needed(3.0)}" in cut.reason
    with pytest.raises(ValueError, match="non-finite"):
        rate_threshold(np.array([0.0, np.nan] * 60_000), 3.0)


def test_auc_interval_matches_sklearn_and_covers_the_truth():
    rng = np.random.default_rng(1)
    bg, sig = rng.normal(size=5000), rng.normal(0.5, size=800)
    auc, low, high = auc_interval(bg, sig)
    labels = np.r_[np.zeros(len(bg)), np.ones(len(sig))]
    assert auc == pytest.approx(roc_auc_score(labels, np.r_[bg, sig]))
    from scipy.stats import norm

    truth = norm.cdf(0.5 / np.sqrt(2))
    assert low < truth < high and 0.01 < high - low < 0.06
    ties = auc_interval(np.zeros(100), np.zeros(100))  # all tied: AUC 1/2
    assert ties[0] == pytest.approx(0.5)


def test_efficiency_and_pure_efficiency_with_a_menu():
    rng = np.random.default_rng(2)
    calibration = rng.normal(size=300_000)
    signal = rng.normal(3.5, size=4000)
    menu = np.zeros(len(signal), bool)
    menu[:2000] = True  # the menu keeps the first half of the signal
    perf = evaluate_score(calibration, calibration, {"sig": signal}, {"sig": menu})
    s = perf.signals["sig"]
    cut = perf.threshold.value
    assert s.tpr.value == pytest.approx(np.mean(signal > cut))
    assert s.pure_tpr.value == pytest.approx(np.mean((signal > cut) & ~menu))
    assert s.pure_tpr.value == pytest.approx(s.tpr.value / 2, abs=0.03)
    assert s.menu_efficiency == 0.5
    assert s.tpr.low < s.tpr.value < s.tpr.high and s.pure_tpr.low < s.pure_tpr.value < s.pure_tpr.high
    from scipy.stats import norm

    truth = norm.sf(norm.isf(3 / 28610) - 3.5)
    assert s.tpr.low < truth < s.tpr.high  # the interval covers the efficiency at the true 3 kHz cut
    assert perf.flat()["pure_tpr_at_rate/sig"] == s.pure_tpr.value


def test_cut_from_calibration_applied_elsewhere_reports_the_rate_it_really_gives():
    rng = np.random.default_rng(3)
    calibration, shifted = rng.normal(size=200_000), rng.normal(0.3, size=200_000)
    perf = evaluate_score(calibration, shifted, {"sig": rng.normal(4, size=500)}, None)
    assert perf.threshold.achieved_khz <= 3.0
    assert perf.rate_khz.value > 6.0  # the test sample is hotter: the validation cut lets more through there
    assert perf.rate_khz.low < perf.rate_khz.value < perf.rate_khz.high
    assert math.isnan(perf.signals["sig"].pure_tpr.value) and "no calibrated menu" in perf.reason


def test_too_little_background_gives_nan_rates_with_the_reason_and_still_an_auc():
    rng = np.random.default_rng(4)
    bg = rng.normal(size=1000)
    perf = evaluate_score(bg, bg, {"sig": rng.normal(2, size=200)}, {"sig": np.zeros(200, bool)})
    s = perf.signals["sig"]
    assert math.isnan(s.tpr.value) and math.isnan(s.pure_tpr.value) and "needs >=" in perf.reason
    assert 0.85 < s.auc.value < 0.99 and f"{s.tpr}" == "n/a"


def _objects(n, rng):
    o = np.zeros((n, 19, 3), np.float32)
    o[:, 0, 0] = rng.exponential(20, n)                  # MET
    o[:, 1:3, 0] = -np.sort(-rng.exponential(4, (n, 2)))  # e/γ
    o[:, 5:7, 0] = -np.sort(-rng.exponential(2, (n, 2)))  # muons
    o[:, 9:19, 0] = -np.sort(-rng.exponential(25, (n, 10)))  # jets
    o[:, 9:19, 1] = rng.uniform(-4, 4, (n, 10))
    return o.reshape(n, 57)


def test_quantities_read_the_adc2021_layout():
    o = np.zeros((1, 19, 3))
    o[0, 0] = [55, 0, 1]
    o[0, 9] = [120, 3.0, 0]   # forward jet: not in HT, not a central single jet
    o[0, 10] = [80, 0.5, 0]
    o[0, 11] = [25, 0.1, 0]   # below the HT jet threshold
    o[0, 5:7, 0] = [12, 7]
    o = o.reshape(1, 57)
    assert met(o)[0] == 55 and ht(o)[0] == 80
    assert nth_pt(o, "jet", 0, 2.5)[0] == 80 and nth_pt(o, "jet", 0)[0] == 120 and nth_pt(o, "mu", 1)[0] == 7
    calo = np.zeros((2, 18, 14), np.uint16)
    calo[0, 3, 4], calo[0, 5, 5], calo[1, 0, 0] = 30, 12, 1023
    np.testing.assert_array_equal(sum_et(calo), [42, 1023])
    np.testing.assert_array_equal(max_region_et(calo), [30, 1023])


def test_menu_calibration_hits_each_seed_rate_and_the_total_is_below_the_sum():
    rng = np.random.default_rng(5)
    n = 120_000
    views = {"objects": _objects(n, rng), "calo": rng.poisson(3, (n, 18, 14)).astype(np.uint16)}
    config = MenuConfig()
    menu = calibrate_menu(config, views)
    assert menu.valid and not menu.dropped
    for name, cut in menu.thresholds.items():
        assert cut.achieved_khz <= config.rates_khz[name]
        if name != "single_region":  # integer counts: the tie step decides
            assert cut.achieved_khz == pytest.approx(config.rates_khz[name], rel=0.1)
    assert max(t.achieved_khz for t in menu.thresholds.values()) < menu.total_khz <= sum(config.rates_khz.values())
    only_objects = calibrate_menu(config, {"objects": views["objects"]})
    assert "single_region" in only_objects.dropped and only_objects.valid
    assert not calibrate_menu(config, {"objects": views["objects"][:1000]}).valid


def test_menu_config_refuses_unknown_seeds_and_rates():
    with pytest.raises(ConfigError, match="rates_khz.tau"):
        MenuConfig({"tau": 10.0})
    with pytest.raises(ConfigError, match="rates_khz.met"):
        MenuConfig({"met": 0.0})


def test_a_menu_at_fixed_thresholds_fires_at_the_threshold_and_measures_its_rate():
    o = np.zeros((6, 19, 3), np.float32)
    o[0, 5:7, 0] = [22.0, 0]     # single muon exactly at 22 GeV: fires (>=)
    o[1, 5:7, 0] = [21.9, 0]     # below
    o[2, 5:7, 0] = [15.0, 7.0]   # the 15/7 muon pair exactly at both thresholds
    o[3, 5:7, 0] = [14.9, 14.0]  # leading muon below 15: the pair seed does not fire
    o[4, 5, 0], o[4, 1, 0] = 7.0, 23.0  # μ 7 + e/γ 23 cross seed
    o[5, 5, 0], o[5, 1, 0] = 20.0, 9.9  # μ 20 but e/γ below 10 (and below 23): nothing
    views = {"objects": o.reshape(6, 57)}
    menu = calibrate_menu(MenuConfig.run3_2024(), views)
    fired = menu.seed_decisions(views)
    assert fired["single_mu"].tolist() == [True, False, False, False, False, False]
    assert fired["double_mu_15_7"].tolist() == [False, False, True, False, False, False]
    assert fired["mu7_eg23"].tolist() == [False, False, False, False, True, False]
    assert not fired["mu20_eg10"].any()
    assert menu.accepts(views).tolist() == [True, False, True, False, True, False]
    assert menu.valid and menu.thresholds["single_mu"].achieved_khz == pytest.approx(khz_of(1 / 6))
    assert menu.total_khz == pytest.approx(khz_of(3 / 6))
    with pytest.raises(ConfigError, match="not both"):
        MenuConfig({"met": 8.0}, {"met": 90.0})


def test_the_2024_menu_with_met_at_a_rate_keeps_every_other_seed_at_its_threshold():
    rng = np.random.default_rng(7)
    n = 120_000
    views = {"objects": _objects(n, rng)}
    menu = calibrate_menu(MENUS["run3_2024_met_at_rate"](), views)
    real = calibrate_menu(MENUS["run3_2024"](), views)
    assert menu.thresholds["met"].achieved_khz == pytest.approx(DEFAULT_RATES_KHZ["met"], rel=0.1)
    assert real.thresholds["met"].value == pytest.approx(90.0)
    assert menu.thresholds["met"].value > 120  # 8 kHz of an exponential MET of mean 20 GeV: 20·ln(28610/8) GeV
    for name in set(real.thresholds) - {"met"}:
        assert menu.thresholds[name].value == real.thresholds[name].value


def test_a_data_source_names_the_menu_its_pure_efficiencies_are_measured_against():
    from flowad.configio import from_mapping
    from flowad.distill import DataSource

    assert DataSource("data/demo").menu_config() == MenuConfig()
    assert DataSource("data/demo", menu="run3_2024").menu_config() == MenuConfig.run3_2024()
    with pytest.raises(ConfigError) as info:
        from_mapping(DataSource, {"path": "data/demo", "menu": "run2"})
    assert info.value.key == "menu"


def test_the_pure_rate_budget_measures_a_menu_quantity_that_the_total_budget_zeroes():
    """A score that *is* a menu seed's quantity (as max region ET is): at 3 kHz total its cut is above the seed's
    5 kHz threshold, so everything it keeps the menu keeps (pure efficiency 0 exactly); under the pure budget
    the cut drops below the seed until the crossings it adds are 3 kHz, and its pure efficiency is the truth
    P(c < y <= t) of the Gaussians."""
    from scipy.stats import norm

    from flowad.metrics.rates import fpr_of, pure_rate_threshold

    rng = np.random.default_rng(6)
    calibration, evaluation = rng.normal(size=1_000_000), rng.normal(size=1_000_000)
    signal = rng.normal(2.0, size=40_000)
    seed_cut = norm.isf(fpr_of(5.0))
    menu = (calibration > seed_cut, evaluation > seed_cut)
    signal_menu = {"sig": signal > seed_cut}

    total = evaluate_score(calibration, evaluation, {"sig": signal}, signal_menu, zerobias_menu=menu)
    assert total.threshold.value > seed_cut and total.signals["sig"].pure_tpr.value == 0.0
    assert total.added_rate_khz.value == 0.0

    pure = evaluate_score(calibration, evaluation, {"sig": signal}, signal_menu, budget="pure", zerobias_menu=menu)
    c = norm.ppf(norm.cdf(seed_cut) - fpr_of(3.0))  # the true cut: 3 kHz between c and the seed
    truth = norm.cdf(seed_cut - 2.0) - norm.cdf(c - 2.0)
    s = pure.signals["sig"]
    assert pure.budget == "pure" and pure.threshold.value < seed_cut
    assert s.pure_tpr.low < truth < s.pure_tpr.high and s.pure_tpr.value > 0.01
    added = pure.added_rate_khz  # ~100 crossings in the band on each sample: ±15 % each (interval coverage: 93 % in 30 seeds)
    assert added.low < added.value < added.high and added.value == pytest.approx(3.0, rel=0.5)
    assert pure.rate_khz.value == pytest.approx(8.0, rel=0.15)  # 3 kHz added on top of the seed's 5
    assert pure.flat()["added_rate_khz"] == pure.added_rate_khz.value

    cut = pure_rate_threshold(calibration, menu[0], 3.0)
    assert cut.achieved_khz <= 3.0 and cut.n_background == len(calibration)
    assert not pure_rate_threshold(calibration[:20_000], menu[0][:20_000], 3.0).valid
    assert "undefined" in evaluate_score(calibration, evaluation, {"sig": signal}, signal_menu, budget="pure").reason
    with pytest.raises(ValueError, match="budget"):
        evaluate_score(calibration, evaluation, {"sig": signal}, signal_menu, budget="rate")
