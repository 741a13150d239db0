"""Closed-form proxies that need no tool: HGQ's EBOPs and a logic-gate student's gate count."""

from __future__ import annotations

from pathlib import Path

from flowad.hardware.config import HardwareConfig
from flowad.hardware.estimators.registry import HardwareReport, register, unavailable
from flowad.student.base import Student


@register("ebops")
def ebops_estimate(student: Student, config: HardwareConfig, workdir: Path) -> HardwareReport:
    ebops = getattr(student, "ebops", None)
    if student.family != "hgq" or not ebops:
        return unavailable("ebops", f"EBOPs exist only for HGQ students (this is {student.family})")
    return HardwareReport("ebops", True, lut=float(ebops), dsp=0.0,
                          notes="EBOPs as LUT-equivalents (≈ LUT + 55·DSP); overstates LUTs when β is small")


@register("lgn")
def lgn_estimate(student: Student, config: HardwareConfig, workdir: Path) -> HardwareReport:
    if student.family != "lgn":
        return unavailable("lgn", f"the lgn estimator counts logic gates; {student.family} students have none")
    from flowad.hardware.lgn_verilog import resources, write_verilog

    gates = student.gate_list()
    path = write_verilog(gates, workdir / "lgn" / "lgn_student.v")
    r = resources(gates)
    return HardwareReport("lgn", True, lut=r["lut"], ff=r["ff"], dsp=0.0, bram=0.0, latency_cycles=r["latency_cycles"],
                          latency_ns=r["latency_cycles"] * config.clock_period_ns, ii=1.0,
                          notes=f"closed form: 1 LUT per non-trivial gate + n LUTs of popcount, comparators excluded; Verilog {path}")
