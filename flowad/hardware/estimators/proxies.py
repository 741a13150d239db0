"""Closed-form estimates that need no tool: HGQ's EBOPs (a proxy of the student) and a logic-gate design's counts."""

from __future__ import annotations

from pathlib import Path

from flowad.hardware.design import NO_DSP
from flowad.hardware.estimators.registry import HardwareReport, register, unavailable


@register("ebops", designs=(), summary="HGQ's effective bit operations of the student (a proxy, no design)")
def ebops_estimate(design, student, workdir: Path) -> HardwareReport:
    ebops = getattr(student, "ebops", None)
    if not ebops:
        return unavailable("ebops", f"EBOPs exist only for HGQ students (this is {student.family})")
    return HardwareReport("ebops", True, lut=float(ebops), dsp=0.0,
                          notes="EBOPs as LUT-equivalents (≈ LUT + 55·DSP) of the student, not of a design")


@register("lgn", designs=("lgn_verilog",), summary="closed-form count of the logic-gate Verilog",
          revision=2)  # 2: counts the live cone only, 0.27 LUT per comparator bit (docs/hardware.md)
def lgn_estimate(design, student, workdir: Path) -> HardwareReport:
    f = design.facts
    cycles = design.latency_cycles
    return HardwareReport("lgn", True, lut=f["lut"], ff=f["ff"], dsp=0.0, bram=0.0, latency_cycles=cycles,
                          latency_ns=cycles * design.spec.clock_period_ns, ii=1.0,
                          notes=f"closed form of {design.root / 'lgn_student.v'}: {f['comparators']:.0f} comparators "
                                f"({f['comparator_luts']:.0f} LUTs) + 1 LUT per non-trivial gate + popcount"
                                + (f" + pile-up stage ({f['pileup_luts']:.0f} LUTs)" if f.get("pileup_luts") else "")
                                + f"; {NO_DSP[design.kind]}")
