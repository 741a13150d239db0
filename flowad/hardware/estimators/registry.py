"""The one ``estimate(...)`` interface and the registry of estimators behind it."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from flowad.errors import FlowadInputError
from flowad.hardware.config import HardwareConfig
from flowad.student.base import Student


@dataclass(frozen=True)
class HardwareReport:
    """Resources and latency of one student by one estimator. Missing figures are None.

    ``lut``/``ff``/``dsp``/``bram`` are cell counts (BRAM in 18 kb blocks), ``latency_ns`` =
    ``latency_cycles`` × clock period, ``ii`` the initiation interval in cycles, ``seconds`` the wall time
    the estimate took.
    """

    estimator: str
    available: bool
    lut: float | None = None
    ff: float | None = None
    dsp: float | None = None
    bram: float | None = None
    latency_cycles: float | None = None
    latency_ns: float | None = None
    ii: float | None = None
    seconds: float = 0.0
    notes: str = ""


Estimator = Callable[[Student, HardwareConfig, Path], HardwareReport]
ESTIMATORS: dict[str, Estimator] = {}


def register(name: str):
    def add(fn: Estimator) -> Estimator:
        ESTIMATORS[name] = fn
        return fn
    return add


def estimate(student: Student, estimator: str, config: HardwareConfig, workdir: str | Path) -> HardwareReport:
    """Run ``estimator`` on ``student``; ``workdir`` receives any project it writes."""
    if estimator not in ESTIMATORS:
        raise FlowadInputError(f"unknown estimator {estimator!r} (known: {', '.join(sorted(ESTIMATORS))})")
    start = time.perf_counter()
    report = ESTIMATORS[estimator](student, config, Path(workdir))
    return replace(report, seconds=time.perf_counter() - start)


def unavailable(name: str, reason: str) -> HardwareReport:
    return HardwareReport(name, False, notes=reason)
