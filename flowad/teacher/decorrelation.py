"""A teacher score decorrelated from the crossing's complexity: the score minus its ZeroBias median at that ΣET
or max region ET.

A density's −log p grows with a crossing's energy and occupancy, so at a fixed rate its tail is the hottest
crossings, and those the Level-1 menu already keeps. Subtracting the score's typical value among ZeroBias
crossings of the same complexity leaves how unusual a crossing is *for its energy*:

    s'(x) = s(x) − m(c(x)),   m = median of s over training ZeroBias in bins of c (quantile bins),

with ``m`` linear between bin centres and constant beyond the outer ones. It is fitted once, after the teacher,
on the validation crossings that stopped its training (held out: on its own training events a flow's −log p is
lower, and the table would under-correct every other crossing); the score a student distils is then ``s'``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from flowad.metrics.l1_quantities import max_region_et, sum_et

COMPLEXITY = {"sum_et": sum_et, "max_region_et": max_region_et}
"""Quantities a calo-view score can be decorrelated from (region counts in, GeV at 1 GeV per count out)."""
BINS = 20


@dataclass(frozen=True)
class ComplexityCorrection:
    quantity: str
    centres: np.ndarray
    """Median of the quantity in each quantile bin (increasing)."""
    medians: np.ndarray
    """Median score in each bin."""

    @classmethod
    def fit(cls, quantity: str, calo: np.ndarray, scores: np.ndarray, bins: int = BINS) -> "ComplexityCorrection":
        values = COMPLEXITY[quantity](calo)
        edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)))
        which = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, max(len(edges) - 2, 0))
        filled = [b for b in range(max(len(edges) - 1, 1)) if np.any(which == b)]
        centres = np.array([np.median(values[which == b]) for b in filled])
        medians = np.array([np.median(scores[which == b]) for b in filled])
        return cls(quantity, centres, medians)

    def __call__(self, calo: np.ndarray) -> np.ndarray:
        """m(c(x)) per crossing: the amount subtracted from its score."""
        return np.interp(COMPLEXITY[self.quantity](calo), self.centres, self.medians)

    def state(self) -> dict:
        return {"quantity": self.quantity, "centres": torch.from_numpy(self.centres), "medians": torch.from_numpy(self.medians)}

    @classmethod
    def from_state(cls, state: dict) -> "ComplexityCorrection":
        return cls(state["quantity"], state["centres"].numpy(), state["medians"].numpy())
