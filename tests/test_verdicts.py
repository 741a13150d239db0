"""Every claim the report prints, on known numbers that make it hold and make it fail."""

from __future__ import annotations

import math

import pytest

from flowad.metrics.agreement import auc_retained
from search.results.verdicts import (Estimate, against_baselines, cheap_but_weaker, cheaper_at_equal_quality, compare,
                                     keeps_the_teacher, mean_interval, seeds_interval)


def test_beats_needs_intervals_that_do_not_overlap():
    assert compare(Estimate(0.80, 0.79, 0.81), Estimate(0.70, 0.69, 0.71)) == "beats"
    assert compare(Estimate(0.70, 0.69, 0.71), Estimate(0.80, 0.79, 0.81)) == "loses to"
    assert compare(Estimate(0.800, 0.780, 0.820), Estimate(0.790, 0.775, 0.805)) == "ties with"  # 0.800 vs 0.790
    assert compare(Estimate(0.9), Estimate(0.1, 0.0, 0.2)) == "ties with"  # no interval: nothing is claimed


def test_intervals_over_signals_and_seeds_are_the_conservative_ones():
    record = {"signals": {"a": {"auc": {"value": 0.8, "low": 0.7, "high": 0.9}},
                          "b": {"auc": {"value": 0.6, "low": 0.5, "high": 0.7}}}}
    assert mean_interval(record, ["a", "b"], "auc") == Estimate(pytest.approx(0.7), pytest.approx(0.6), pytest.approx(0.8))
    seeds = seeds_interval([Estimate(0.70, 0.65, 0.75), Estimate(0.72, 0.68, 0.79)])
    assert seeds == Estimate(pytest.approx(0.71), 0.65, 0.79)


def test_auc_retained_is_the_share_of_separation_and_undefined_for_a_teacher_at_chance():
    assert auc_retained(0.7, 0.9) == pytest.approx(0.5)
    assert auc_retained(0.4, 0.9) == pytest.approx(-0.25)  # the student inverts the teacher
    assert math.isnan(auc_retained(0.7, 0.5)) and math.isnan(auc_retained(0.7, 0.51))  # would read 20×
    assert math.isnan(auc_retained(0.7, 0.56, teacher_low=0.49))  # the teacher's interval includes ½
    assert auc_retained(0.53, 0.56, teacher_low=0.52) == pytest.approx(0.5)


def test_keeps_the_teacher_holds_fails_and_is_untestable():
    assert keeps_the_teacher({"HGQ": ("h", [0.91, 0.89]), "LGN": ("l", [0.85])}, 0.8).holds is True
    failing = keeps_the_teacher({"HGQ": ("h", [0.91, 0.89]), "LGN": ("l", [0.46, 0.48])}, 0.8)
    assert failing.holds is False and "LGN (`l`) 0.47 ± 0.01" in failing.markdown() and "**does not hold**" in failing.markdown()
    assert keeps_the_teacher({"HGQ": ("h", [math.nan])}, 0.8).holds is None


def test_cheaper_at_equal_quality_counts_only_pairs_that_tie():
    tie = Estimate(0.70, 0.68, 0.72)
    holds = cheaper_at_equal_quality([(tie, 5_000.0, tie, 8_000.0), (tie, 20_000.0, tie, 46_000.0)], "HGQ cheaper")
    assert holds.holds is True and "2 of 2 pairs" in holds.numbers
    fails = cheaper_at_equal_quality([(tie, 9_000.0, tie, 8_000.0), (tie, 20_000.0, tie, 46_000.0)], "HGQ cheaper")
    assert fails.holds is False  # 1 of 2 is not most
    apart = cheaper_at_equal_quality([(Estimate(0.9, 0.89, 0.91), 5_000.0, tie, 8_000.0)], "HGQ cheaper")
    assert apart.holds is None and "0 of 0 pairs" in apart.numbers  # a better student is no pair at equal AUC


def test_against_baselines_beats_only_with_clear_intervals():
    baselines = {"max region ET": Estimate(0.790, 0.780, 0.800), "HT": Estimate(0.724, 0.71, 0.74)}
    assert against_baselines("flow", Estimate(0.85, 0.84, 0.86), baselines).holds is True
    tie = against_baselines("flow", Estimate(0.800, 0.795, 0.805), baselines)  # "beats" 0.790 on the mean only
    assert tie.holds is False and "ties with max region ET" in tie.numbers
    assert "loses to max region ET" in against_baselines("cae", Estimate(0.644, 0.64, 0.65), baselines).numbers


def test_cheap_but_weaker_needs_both():
    weak, strong = Estimate(0.607, 0.60, 0.61), Estimate(0.666, 0.65, 0.68)
    assert cheap_but_weaker((1_779.0, 5_728.0), (weak, strong)).holds is True
    assert cheap_but_weaker((6_000.0, 5_728.0), (weak, strong)).holds is False  # not cheaper
    assert cheap_but_weaker((1_779.0, 5_728.0), (strong, strong)).holds is False  # not weaker


def test_earns_its_place_needs_clear_wins_on_three_signals_and_half_the_ceiling():
    from search.results.verdicts import earns_its_place

    ceiling = Estimate(0.020, 0.015, 0.025)
    baselines = {"max region ET": Estimate(0.004, 0.002, 0.006), "HT": Estimate(0.003, 0.001, 0.005)}
    strong = Estimate(0.012, 0.009, 0.015)
    readings = {s: (strong, baselines, ceiling) for s in ("a", "b", "c")}
    assert earns_its_place("t", readings).holds is True  # wins on 3, 0.60 of the ceiling
    tied = dict(readings, c=(Estimate(0.012, 0.005, 0.015), baselines, ceiling))  # overlaps max region ET on c
    assert earns_its_place("t", tied).holds is False
    weak = {s: (Estimate(0.008, 0.007, 0.009), baselines, ceiling) for s in ("a", "b", "c")}  # wins but 0.40 of it
    assert earns_its_place("t", weak).holds is False and "0.40 of the ceiling" in earns_its_place("t", weak).numbers
    assert earns_its_place("t", {"a": readings["a"]}).holds is None  # one rankable signal cannot tell
    no_cut = {**baselines, "ΣET": Estimate.undefined()}  # no rate cut on this data: named, not a tie that blocks
    verdict = earns_its_place("t", {s: (strong, no_cut, ceiling) for s in ("a", "b", "c")})
    assert verdict.holds is True and "not compared: ΣET" in verdict.numbers
    stronger_baseline = {**no_cut, "HT": Estimate(0.020, 0.016, 0.024)}  # a defined one still blocks
    assert earns_its_place("t", {s: (strong, stronger_baseline, ceiling) for s in ("a", "b", "c")}).holds is False


def test_the_benchmark_says_how_many_crossings_its_cuts_rest_on():
    from search.results.benchmark import PRECISE_BENCHMARK, Samples

    demo = Samples({"val": 100_000.0, "test": 100_000.0}, False, {"a": 1_000, "b": 1_200})
    assert demo.above_cut(3.0) == pytest.approx(10.49, abs=0.01)  # 100,000 × 3 kHz / 28.61 MHz
    text = demo.markdown(3.0)
    assert "set on 100,000 validation" in text and "1,000–1,200 test events" in text
    assert "About 10 validation crossings lie above each cut" in text and "±61 %" in text and PRECISE_BENCHMARK in text
    million = Samples({"val": 500_000.0, "test": 500_000.0}, False, {"a": 10_000})
    assert "About 52 validation" in million.markdown(3.0) and PRECISE_BENCHMARK not in million.markdown(3.0)
    assert "each signal has 10,000 test events" in million.markdown(3.0)
    assert "lie above" not in Samples({"val": 2_000_000.0}, False, {"a": 10}).markdown(3.0)  # ~210 above: precise
    weighted = Samples({"val": 5_397.0, "test": 5_400.0}, True, {"a": 10_000})  # the enrichment's tail is not N × rate
    assert math.isnan(weighted.above_cut(3.0)) and "5,397 effective (weighted) validation" in weighted.markdown(3.0)
    assert "lie above" not in weighted.markdown(3.0)
