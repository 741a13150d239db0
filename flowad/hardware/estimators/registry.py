"""The estimator registry: each estimator costs the design kinds it models, and says what it is.

``cost(design, name, student, workdir)`` refuses a pairing the estimator does not model (da4ml on an HLS project,
vitis on Verilog): the numbers on a front are always *of* the design the trial built. ``estimate`` is the
convenience of building the student's design under a spec and costing it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from flowad.errors import FlowadInputError
from flowad.hardware.config import HardwareConfig
from flowad.hardware.design import DESIGN_KINDS, Design
from flowad.student.base import Student


@dataclass(frozen=True)
class HardwareReport:
    """Resources and latency of one design by one estimator. Missing figures are None.

    ``lut``/``ff``/``dsp``/``bram`` are cell counts (BRAM in 18 kb blocks), ``latency_ns`` =
    ``latency_cycles`` × clock period, ``ii`` the initiation interval in cycles, ``seconds`` the wall time
    the estimate took. ``surrogate``: a learned prediction, not a model of the design's own netlist.
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
    surrogate: bool = False
    source: str = ""
    """The registered estimator whose method produced these figures: the estimator itself, or for ``synth`` the one
    it chose (``yosys``, or the model ``da4ml``/``lgn`` when the design is large or yosys is absent)."""

    @property
    def synthesised(self) -> bool:
        """True when the figures come from a synthesis tool run on the design (yosys logic synthesis, vendor HLS C
        synthesis reports), not from a model or surrogate of it."""
        entry = ESTIMATORS.get(self.source or self.estimator)
        return bool(entry and entry.synthesis)


Estimator = Callable[[Design, Student, Path], HardwareReport]


@dataclass(frozen=True)
class EstimatorEntry:
    fn: Estimator
    designs: tuple[str, ...]
    """Design kinds it models; empty for a proxy of the student that models no design."""
    surrogate: bool = False
    summary: str = ""
    synthesis: bool = False
    """A synthesis tool run on the design (yosys, vendor HLS): its figures are the tool's, not a model's."""
    revision: int = 1
    """Raised when the estimator gives other numbers for the same design, so that figures kept from the old one (the
    results' shipped-design units) are measured again."""


ESTIMATORS: dict[str, EstimatorEntry] = {}


def register(name: str, designs: tuple[str, ...], surrogate: bool = False, summary: str = "", synthesis: bool = False,
             revision: int = 1):
    unknown = set(designs) - set(DESIGN_KINDS)
    if unknown:
        raise ValueError(f"estimator {name}: unknown design kinds {sorted(unknown)}")

    def add(fn: Estimator) -> Estimator:
        ESTIMATORS[name] = EstimatorEntry(fn, designs, surrogate, summary, synthesis, revision)
        return fn
    return add


def pairing_problem(estimator: str, kind: str) -> str | None:
    """Why ``estimator`` cannot cost a design of ``kind``, or None when it models it."""
    if estimator not in ESTIMATORS:
        return f"unknown estimator {estimator!r} (known: {', '.join(sorted(ESTIMATORS))})"
    entry = ESTIMATORS[estimator]
    if kind in entry.designs:
        return None
    models = ", ".join(DESIGN_KINDS[k] for k in entry.designs) or "no firmware design (a proxy of the trained student)"
    fitting = sorted(n for n, e in ESTIMATORS.items() if kind in e.designs)
    return (f"estimator {estimator} does not model a {DESIGN_KINDS[kind]} (it models: {models}); "
            f"for this design use {' or '.join(fitting)}")


def cost(design: Design, estimator: str, student: Student, workdir: str | Path) -> HardwareReport:
    """Run ``estimator`` on ``design``; ``workdir`` receives anything it writes."""
    problem = pairing_problem(estimator, design.kind)
    if problem:
        raise FlowadInputError(problem)
    entry = ESTIMATORS[estimator]
    start = time.perf_counter()
    report = entry.fn(design, student, Path(workdir))
    return replace(report, seconds=time.perf_counter() - start, surrogate=entry.surrogate, source=report.source or estimator)


def estimate(student: Student, estimator: str, config: HardwareConfig, workdir: str | Path) -> HardwareReport:
    """Build ``student``'s design under ``config`` in ``workdir/design`` and cost it with ``estimator``; a proxy
    estimator (no design) reads the student alone."""
    from flowad.hardware.routes import build_design

    if estimator not in ESTIMATORS:
        raise FlowadInputError(f"unknown estimator {estimator!r} (known: {', '.join(sorted(ESTIMATORS))})")
    workdir = Path(workdir)
    if not ESTIMATORS[estimator].designs:
        start = time.perf_counter()
        report = ESTIMATORS[estimator].fn(None, student, workdir)
        return replace(report, seconds=time.perf_counter() - start, source=report.source or estimator)
    design = build_design(student, config, workdir / "design")
    return cost(design, estimator, student, workdir)


def unavailable(name: str, reason: str) -> HardwareReport:
    return HardwareReport(name, False, notes=reason)
