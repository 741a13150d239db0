"""Tail-enriched ZeroBias: the crossing weights undo the over-sampling, and only the enriched splits change."""

import math

import numpy as np
import pytest

from flowad.data import load
from flowad.data.info import describe
from flowad.data.readers import load_weights
from flowad.data.storage import read_metadata
from flowad.data.tail import TailEnrichment, crossing_weights
from flowad.errors import ConfigError
from flowad.metrics.rates import fpr_of, rate_threshold
from flowad.metrics.reference import reference_for
from flowad.metrics.weighted import effective_events, weighted_cut_interval
from tests.conftest import micro_config

PTHAT_MIN, ALPHA, HARD_MEAN = 20.0, 4.0, 0.6
"""A toy hard pile-up: λ = 0.6 interactions per crossing above 20 GeV with P(p̂T > x) = (x / 20)^-4."""


def _crossings(n: int, enrichment: TailEnrichment, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(hardest p̂T per crossing, 0 without a hard interaction; its weight) drawn as flowad.data.shards draws them:
    Poisson(b λ) interactions, p̂T from the law biased by (p̂T / 20)^k (a Pareto of index α − k)."""
    n_hard = enrichment.draw_counts(HARD_MEAN, n, rng)
    pthat = PTHAT_MIN * rng.random(int(n_hard.sum())) ** (-1.0 / (ALPHA - enrichment.pthat_bias_power))
    owner = np.repeat(np.arange(n), n_hard)
    hardest, log_raw = np.zeros(n), np.zeros(n)
    np.maximum.at(hardest, owner, pthat)
    log_w = enrichment.log_raw_weights(pthat, PTHAT_MIN)
    np.add.at(log_raw, owner, log_w)
    mean_raw = float(np.exp(log_w).mean()) if len(log_w) else 1.0
    return hardest, crossing_weights(enrichment, HARD_MEAN, n_hard, log_raw, mean_raw)


def test_weights_undo_the_oversampling_of_count_and_pthat():
    rng = np.random.default_rng(5)
    plain_x, plain_w = _crossings(40_000, TailEnrichment(), rng)
    assert np.all(plain_w == 1.0)
    x, w = _crossings(40_000, TailEnrichment(hard_mean_factor=3.0, pthat_bias_power=2.0), rng)
    assert np.mean(w) == pytest.approx(1.0, abs=0.03)
    for threshold in (30.0, 60.0, 150.0):  # the weighted tail is the true one: 1 − exp(−λ (x / 20)^−α)
        truth = 1 - math.exp(-HARD_MEAN * (threshold / PTHAT_MIN) ** -ALPHA)
        assert np.sum(w[x > threshold]) / np.sum(w) == pytest.approx(truth, rel=0.1)
        assert np.mean(x > threshold) > 2 * truth  # ... which plain crossings reach far less often


def test_the_weighted_cut_of_20k_enriched_crossings_agrees_with_a_million_plain_ones():
    rng = np.random.default_rng(8)
    plain, _ = _crossings(1_000_000, TailEnrichment(), rng)
    truth = (PTHAT_MIN * ((-math.log(1 - fpr_of(3.0)) / HARD_MEAN) ** (-1 / ALPHA)))  # the exact 3 kHz cut
    cut, low, high = weighted_cut_interval(plain, np.ones(len(plain)), 3.0)
    assert low < truth < high and cut == rate_threshold(plain, 3.0).value

    x, w = _crossings(20_000, TailEnrichment(hard_mean_factor=3.0, pthat_bias_power=3.0), rng)
    assert fpr_of(3.0) * len(x) < 3  # plain, 20k crossings put ~2 above the cut: no cut at all
    weighted, w_low, w_high = weighted_cut_interval(x, w, 3.0)
    assert w_low < truth < w_high and max(low, w_low) < min(high, w_high)
    assert effective_events(w[x > weighted]) > 100  # the precision: >= 100 (effective) crossings above


def test_enrichment_is_checked():
    with pytest.raises(ConfigError, match="hard_mean_factor"):
        TailEnrichment(hard_mean_factor=0.5)
    with pytest.raises(ConfigError, match="pthat_bias_power"):
        TailEnrichment(pthat_bias_power=9)
    with pytest.raises(ConfigError, match="tail_splits"):
        micro_config(processes={"zerobias": {"kind": "zerobias", "events": 240, "params": {"tail_splits": ["val"]}}})
    with pytest.raises(ConfigError, match="unknown split 'rate'"):
        micro_config(processes={"zerobias": {"kind": "zerobias", "events": 240,
                                             "params": {"tail_splits": ["rate"], "hard_mean_factor": 2}}})
    assert TailEnrichment(pthat_bias_power=2).pythia_settings(20.0)[0] == "PhaseSpace:bias2Selection = on"


def test_an_enriched_dataset_weights_only_its_enriched_split(tmp_path):
    from flowad.data import generate

    # Hard pile-up above 10 GeV, so a 300-event pool measures its share r (> 0) in seconds.
    pileup = {"mean": 10, "pool_events": 300, "hard_pthat_min_gev": 10}
    params = {"tail_splits": ["val"], "hard_mean_factor": 4.0, "pthat_bias_power": 2.0}
    zerobias = {"kind": "zerobias", "split_events": {"train": 60, "val": 60, "test": 60}}
    plain = generate(micro_config(pileup=pileup, processes={"zerobias": zerobias}), tmp_path, workers=2)
    enriched = generate(micro_config(pileup=pileup, processes={"zerobias": {**zerobias, "params": params}}), tmp_path, workers=2)
    plain_calo, calo = load(plain, "calo")["zerobias"], load(enriched, "calo")["zerobias"]
    for split in ("train", "test"):  # untouched splits: the same crossings
        np.testing.assert_array_equal(calo[split], plain_calo[split])
    assert not np.array_equal(calo["val"], plain_calo["val"])
    weights = load_weights(enriched, "zerobias", ("train", "val", "test"))
    assert np.all(weights["train"] == 1.0) and np.all(weights["test"] == 1.0)
    assert len(weights["val"]) == 60 and np.all(weights["val"] > 0)
    assert weights["val"].std() > 0.1  # over-sampled crossings weigh less, the rest more
    meta = read_metadata(next((enriched / "zerobias").glob("val-*.parquet")))
    tail = meta["tail"]
    assert tail["hard_mean_factor"] == 4.0 and 0 < tail["mean_raw_weight"] < 1 and tail["hard_interactions"] > 0
    assert tail["weight_sum"] == pytest.approx(float(weights["val"].sum()))
    assert "hard pile-up: PhaseSpace:bias2SelectionPow = 2" in meta["pythia_settings"]

    assert "tail-enriched zerobias val: weights" in describe(enriched) and "tail-enriched" not in describe(plain)

    cache = tmp_path / "cache"
    reference = reference_for(enriched, "zerobias", ("val", "test"), cache)
    np.testing.assert_array_equal(reference.weights["val"], weights["val"])
    assert reference_for(enriched, "zerobias", ("val", "test"), cache).weights.keys() == {"val", "test"}  # from the cache
    assert reference_for(plain, "zerobias", ("val", "test"), cache).weights == {}
