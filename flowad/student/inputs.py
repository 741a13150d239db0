"""Fixed-point student inputs: the firmware's input word per feature.

A feature is multiplied by a power of two (a free bit shift in firmware), truncated towards −∞ onto a grid of
``fraction_bits`` fractional bits and saturated to ``integer_bits`` integer bits (plus a sign bit when the
training data has negative values). The Keras model, its hls4ml/da4ml firmware and a logic-gate student's
comparators all read exactly these words, so inputs off the grid cannot show up as false mismatches.

With a ``full_scale`` (the calo view's 10-bit region ET: 1023 counts) the shift is chosen so that full scale fits,
as CICADA reads its inputs: an event far hotter than any in training saturates at the physical limit of the
input, never earlier. Integer-valued features then keep exactly the fractional bits the shift creates (calo:
the word is the 10-bit ET itself). Without one, each feature's 99.9th training percentile of |x| sits under
half of the range (features with no physical limit, such as the object view's).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FixedPointInputs:
    shifts: np.ndarray
    """Per feature: inputs are multiplied by ``2**-shift``."""
    integer_bits: int
    fraction_bits: int
    signed: bool = True

    @classmethod
    def fit(cls, x: np.ndarray, total_bits: int, integer_bits: int, full_scale: float | None = None) -> "FixedPointInputs":
        """The input stage for training events ``x`` within a ``total_bits`` word of ``integer_bits`` integer bits."""
        flat = x.reshape(len(x), -1).astype(np.float64)
        fraction_bits = total_bits - integer_bits - 1
        signed = bool((flat < 0).any())
        if full_scale is not None:
            shift = max(0, math.ceil(math.log2(full_scale + 1)) - integer_bits)
            shifts = np.full(flat.shape[1], shift, np.int32)
            if np.array_equal(flat, np.floor(flat)):
                fraction_bits = min(fraction_bits, shift)
        else:
            high = np.quantile(np.abs(flat), 0.999, axis=0)
            shifts = np.where(high > 0, np.ceil(np.log2(np.maximum(high, 1e-30))) - (integer_bits - 1), 0).astype(np.int32)
        return cls(shifts, integer_bits, fraction_bits, signed)

    @property
    def total_bits(self) -> int:
        return int(self.signed) + self.integer_bits + self.fraction_bits

    @property
    def lowest(self) -> float:
        return -(2.0 ** self.integer_bits) if self.signed else 0.0

    @property
    def highest(self) -> float:
        return 2.0 ** self.integer_bits - 2.0 ** -self.fraction_bits

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Scaled, truncated (towards −∞) and saturated inputs, float32 on the grid."""
        scaled = x.reshape(len(x), -1).astype(np.float64) * np.exp2(-self.shifts.astype(np.float64))
        step = 2.0 ** -self.fraction_bits
        return np.clip(np.floor(scaled / step) * step, self.lowest, self.highest).astype(np.float32)

    def words(self, x: np.ndarray) -> np.ndarray:
        """The integer input words (int64, two's-complement values when signed) the firmware receives."""
        return np.rint(self.apply(x).astype(np.float64) * 2.0 ** self.fraction_bits).astype(np.int64)

    def state(self) -> dict:
        return {"shifts": self.shifts.tolist(), "integer_bits": self.integer_bits, "fraction_bits": self.fraction_bits,
                "signed": self.signed}

    @classmethod
    def from_state(cls, state: dict) -> "FixedPointInputs":
        if "fraction_bits" not in state:  # students saved before the input word was explicit: signed, full width
            state = {**state, "fraction_bits": int(state["total_bits"]) - int(state["integer_bits"]) - 1, "signed": True}
        return cls(np.asarray(state["shifts"], np.int32), int(state["integer_bits"]), int(state["fraction_bits"]),
                   bool(state["signed"]))
