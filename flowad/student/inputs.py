"""Fixed-point student inputs: a power-of-two scale per feature (a free bit shift in firmware), then
truncation onto the input quantizer's grid, so that the Keras model and its hls4ml firmware see the
same numbers (inputs off the grid would show up as false bit-exactness mismatches)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class FixedPointInputs:
    shifts: np.ndarray
    """Per feature: inputs are multiplied by ``2**-shift``."""
    total_bits: int
    integer_bits: int

    @classmethod
    def fit(cls, x: np.ndarray, total_bits: int, integer_bits: int) -> "FixedPointInputs":
        """Shifts that bring each feature's 99.9th percentile of |x| under half the grid's range."""
        flat = np.abs(x.reshape(len(x), -1).astype(np.float64))
        high = np.quantile(flat, 0.999, axis=0)
        shifts = np.where(high > 0, np.ceil(np.log2(np.maximum(high, 1e-30))) - (integer_bits - 1), 0)
        return cls(shifts.astype(np.int32), total_bits, integer_bits)

    @property
    def fractional_bits(self) -> int:
        return self.total_bits - self.integer_bits - 1  # one sign bit

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Scaled, truncated (towards −∞) and saturated inputs, float32 on the grid."""
        scaled = x.reshape(len(x), -1).astype(np.float64) * np.exp2(-self.shifts.astype(np.float64))
        step = 2.0 ** -self.fractional_bits
        limit = 2.0 ** self.integer_bits
        return np.clip(np.floor(scaled / step) * step, -limit, limit - step).astype(np.float32)

    def state(self) -> dict:
        return {"shifts": self.shifts.tolist(), "total_bits": self.total_bits, "integer_bits": self.integer_bits}

    @classmethod
    def from_state(cls, state: dict) -> "FixedPointInputs":
        return cls(np.asarray(state["shifts"], np.int32), int(state["total_bits"]), int(state["integer_bits"]))
