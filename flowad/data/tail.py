"""Tail-enriched ZeroBias: importance sampling of the hard pile-up, with a weight per crossing.

A 3 kHz cut passes ~1 ZeroBias crossing in 9,500, so ~100 crossings above it need ~1M plain ones. The tail
is made of crossings holding a hard interaction, and those are already generated apart from the soft bulk
(:mod:`flowad.data.pileup`): each crossing gets ``n ~ Poisson(λ)`` fresh hard interactions (λ = ⟨μ⟩ · r,
QCD 2 → 2 above ``p̂T_min``) beside its premixed soft ones. Enrichment samples that part from a biased law
instead, the standard way HEP reaches a steeply falling tail, and weights each crossing back:

- more hard interactions: ``n ~ Poisson(b · λ)`` (``hard_mean_factor`` b ≥ 1), likelihood ratio
  ``e^{(b − 1) λ} · b^{−n}``;
- harder ones: Pythia's ``PhaseSpace:bias2Selection`` draws p̂T with an extra ``(p̂T / p̂T_min)^k``
  (``pthat_bias_power`` k); each interaction's raw weight is ``(p̂T_min / p̂T)^k`` (what Pythia reports),
  divided by its mean over the shard's biased draws so that it averages to 1.

The crossing's weight is the product: with independent interactions it is the exact density ratio of the true
crossing to the sampled one, so weighted rates, cuts and ROC curves estimate those of plain ZeroBias
(:mod:`flowad.metrics.weighted`). The soft part, and so every crossing without a hard interaction, is drawn
as before. Weights average to 1 (up to sampling noise); plain crossings have weight 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from flowad.errors import check

MAX_HARD_MEAN_FACTOR = 20.0
MAX_PTHAT_BIAS_POWER = 6.0


@dataclass(frozen=True)
class TailEnrichment:
    """How a ZeroBias split over-samples its hard pile-up (1 and 0: plain)."""

    hard_mean_factor: float = 1.0
    """b: crossings draw Poisson(b · λ) hard interactions instead of Poisson(λ)."""
    pthat_bias_power: float = 0.0
    """k: hard interactions are drawn with an extra (p̂T / p̂T_min)^k."""

    def __post_init__(self) -> None:
        check(1.0 <= self.hard_mean_factor <= MAX_HARD_MEAN_FACTOR, "hard_mean_factor",
              f"must be in [1, {MAX_HARD_MEAN_FACTOR:g}], got {self.hard_mean_factor:g}")
        check(0.0 <= self.pthat_bias_power <= MAX_PTHAT_BIAS_POWER, "pthat_bias_power",
              f"must be in [0, {MAX_PTHAT_BIAS_POWER:g}], got {self.pthat_bias_power:g}")

    @property
    def plain(self) -> bool:
        return self.hard_mean_factor == 1.0 and self.pthat_bias_power == 0.0

    def pythia_settings(self, pthat_min_gev: float) -> list[str]:
        """Extra settings of the hard pile-up source (none without a p̂T bias)."""
        if self.pthat_bias_power == 0:
            return []
        return ["PhaseSpace:bias2Selection = on", f"PhaseSpace:bias2SelectionPow = {self.pthat_bias_power:g}",
                f"PhaseSpace:bias2SelectionRef = {pthat_min_gev:g}"]

    def draw_counts(self, hard_mean: float, n_crossings: int, rng: np.random.Generator) -> np.ndarray:
        """Hard interactions in each crossing: Poisson(b · λ)."""
        return rng.poisson(self.hard_mean_factor * hard_mean, n_crossings)

    def log_raw_weights(self, pthat_gev: np.ndarray, pthat_min_gev: float) -> np.ndarray:
        """``log((p̂T_min / p̂T)^k)`` of each biased interaction (Pythia's own weight, unnormalised)."""
        return self.pthat_bias_power * np.log(pthat_min_gev / np.maximum(np.asarray(pthat_gev, np.float64), pthat_min_gev))


def crossing_weights(enrichment: TailEnrichment, hard_mean: float, n_hard: np.ndarray, log_raw_sum: np.ndarray,
                     mean_raw_weight: float) -> np.ndarray:
    """Each crossing's weight: ``e^{(b−1)λ} b^{−n} · Π_i w_i / w̄`` over its ``n`` hard interactions.

    ``log_raw_sum``: per crossing, the sum of :meth:`TailEnrichment.log_raw_weights` of its interactions;
    ``mean_raw_weight``: w̄, the raw weight's mean over the biased draws (1 without a p̂T bias).
    """
    n_hard = np.asarray(n_hard, np.float64)
    b = enrichment.hard_mean_factor
    log_weight = (b - 1.0) * hard_mean - n_hard * math.log(b) + np.asarray(log_raw_sum, np.float64) - n_hard * math.log(mean_raw_weight)
    return np.exp(log_weight)
