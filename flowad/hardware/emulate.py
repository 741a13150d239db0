"""Bit-accurate C simulation (hls4ml ``compile`` with g++) checked against the Keras model."""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass

import numpy as np

from flowad.student.base import Student


@dataclass(frozen=True)
class BitExactReport:
    n_events: int
    exact_fraction: float
    """Fraction of events whose firmware output equals Keras's exactly."""
    max_abs_diff: float
    """Largest |firmware − Keras| in the network's output units."""
    compile_seconds: float

    @property
    def bit_exact(self) -> bool:
        return self.exact_fraction == 1.0


def emulate(student: Student, hls_model, x: np.ndarray, compile_model: bool = True) -> tuple[np.ndarray, BitExactReport]:
    """Firmware outputs for raw view events ``x`` (after the student's fixed-point input stage) and the report.

    ``compile_model=False`` reuses an already compiled model (compilation takes seconds to a minute).
    """
    start = time.perf_counter()
    if compile_model:
        with contextlib.redirect_stdout(io.StringIO()):
            hls_model.compile()
    seconds = time.perf_counter() - start
    inputs = np.ascontiguousarray(student.inputs.apply(x))
    keras_out = np.asarray(student.model.predict(inputs, batch_size=8192, verbose=0), np.float64).reshape(len(x), -1)
    firmware = np.asarray(hls_model.predict(inputs), np.float64).reshape(len(x), -1)
    diff = np.abs(firmware - keras_out)
    report = BitExactReport(len(x), float(np.mean(np.all(diff == 0, axis=1))), float(diff.max(initial=0.0)), seconds)
    return firmware, report
