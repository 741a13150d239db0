import math

import numpy as np
import pytest

from flowad.metrics import emd, roc_auc, spearman, tpr_at_rate
from flowad.metrics.plots import plot_roc, plot_scores


def test_auc_extremes_and_chance():
    assert roc_auc(np.array([0.0, 1.0]), np.array([2.0, 3.0])) == 1.0
    assert roc_auc(np.array([2.0, 3.0]), np.array([0.0, 1.0])) == 0.0
    rng = np.random.default_rng(0)
    assert abs(roc_auc(rng.normal(size=20000), rng.normal(size=20000)) - 0.5) < 0.02


def test_tpr_at_rate_refuses_too_little_background():
    result = tpr_at_rate(np.zeros(4000), np.ones(10))
    assert math.isnan(result.tpr) and result.n_background == 4000
    assert "needs >= 95367 background events" in result.reason


def test_tpr_at_rate_matches_gaussian_tails():
    rng = np.random.default_rng(1)
    background = rng.normal(size=400_000)
    signal = rng.normal(loc=3.0, size=200_000)
    result = tpr_at_rate(background, signal, rate_khz=3.0)
    assert abs(result.fpr - 3 / 28610) < 1e-9
    from scipy.stats import norm

    threshold = norm.isf(result.fpr)
    assert abs(result.threshold - threshold) < 0.1  # ~42 background events above: a few % fluctuation
    assert abs(result.tpr - norm.sf(result.threshold - 3.0)) < 0.005  # efficiency at the threshold it chose


def test_agreement_metrics():
    x = np.linspace(0, 1, 1000)
    assert emd(x, x) == 0 and abs(emd(x, x + 2) - 2) < 1e-9
    assert spearman(x, x**3) == 1.0 and spearman(x, -x) == -1.0
    assert spearman(x, np.zeros_like(x)) == 0.0


def test_pure_efficiency_retained_is_one_for_any_ranking_of_the_teacher_and_falls_for_a_worse_student():
    from flowad.metrics.agreement import pure_efficiency_retained
    from flowad.metrics.rates import pure_rate_threshold

    rng = np.random.default_rng(0)
    zerobias = rng.normal(0.0, 1.0, 200_000)
    zb_menu = rng.random(200_000) < 0.01
    signals = {"a": rng.normal(3.0, 1.0, 20_000), "b": rng.normal(2.0, 1.0, 20_000)}
    menus = {name: rng.random(len(x)) < 0.1 for name, x in signals.items()}

    def retained(transform):
        return pure_efficiency_retained(zerobias, transform(zerobias), zb_menu, signals,
                                        {n: transform(x) for n, x in signals.items()}, menus, rate_khz=30.0)

    same = retained(lambda x: 3.0 * x + 7.0)  # the same ranking: the same events kept, in every replica
    for name in ("a", "b", "pooled"):
        assert same[name].value == same[name].low == same[name].high == 1.0
    # a student that adds noise of the teacher's own spread keeps less; truth from the cuts directly
    noise = {n: rng.normal(0.0, 1.0, len(x)) for n, x in {**signals, "zb": zerobias}.items()}
    noisy = pure_efficiency_retained(zerobias, zerobias + noise["zb"], zb_menu, signals,
                                     {n: x + noise[n] for n, x in signals.items()}, menus, rate_khz=30.0)
    t_cut = pure_rate_threshold(zerobias, zb_menu, 30.0).value
    s_cut = pure_rate_threshold(zerobias + noise["zb"], zb_menu, 30.0).value
    truth = np.mean((signals["a"] + noise["a"] > s_cut) & ~menus["a"]) / np.mean((signals["a"] > t_cut) & ~menus["a"])
    assert noisy["a"].value == pytest.approx(truth)
    assert noisy["pooled"].high < 0.95 and noisy["a"].low < noisy["a"].value < noisy["a"].high
    inverted = retained(lambda x: -x)
    assert inverted["pooled"].value < 0.01
    # a teacher that keeps nothing leaves the ratio undefined, not 0 or infinite
    nothing = pure_efficiency_retained(zerobias, zerobias, zb_menu, {"c": np.full(100, -10.0)}, {"c": np.full(100, 5.0)},
                                       {"c": np.zeros(100, bool)}, rate_khz=30.0)
    assert np.isnan(nothing["c"].value) and np.isnan(nothing["pooled"].value)


def test_kept_together_counts_only_what_the_teachers_cut_keeps():
    from flowad.metrics.agreement import kept_together

    teacher = np.arange(10.0)  # the teacher's cut at 6.5 keeps events 7, 8, 9
    assert kept_together(teacher, teacher, 6.5, 6.5) == 1.0
    student = np.array([9, 9, 9, 9, 9, 9, 9, 0, 9, 0.0])  # keeps 8 of 10, but only one of the teacher's three
    assert kept_together(teacher, student, 6.5, 5.0) == 1 / 3
    assert np.isnan(kept_together(teacher, student, 99.0, 5.0))  # the teacher keeps nothing
    assert np.isnan(kept_together(teacher, student, 6.5, float("nan")))  # no student cut on this data


def test_plots_are_pngs(tmp_path):
    rng = np.random.default_rng(2)
    bg, sig = rng.normal(size=500), rng.normal(2, size=300)
    for path in (plot_roc(bg, {"sig": sig}, tmp_path / "roc.png"), plot_scores({"bg": bg, "sig": sig}, tmp_path / "s.png")):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
