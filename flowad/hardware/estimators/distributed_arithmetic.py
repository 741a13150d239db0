"""da4ml's cost model of its own Verilog: adder trees of the constant multiplications → LUTs, pipeline → cycles.

The design is da4ml's pipelined Verilog of the whole network (:mod:`flowad.hardware.routes`), traced by da4ml from
the Keras model (HGQ, and QKeras-style students whose datalane truncates and saturates). da4ml's ``cost`` counts
adder bits as LUT-equivalents; ``LUT_PER_ADDER_COST`` maps it onto yosys ``synth_xilinx`` LUTs of the same Verilog
per student family (fitted in bench/synth_calibration.py). FF are the pipeline's register bits. Distributed arithmetic uses no DSPs.
"""

from __future__ import annotations

from pathlib import Path

from flowad.hardware.design import NO_DSP
from flowad.hardware.estimators.registry import HardwareReport, register, unavailable

LUT_PER_ADDER_COST = {"qkeras": 1.01, "hgq": 0.94}
"""yosys LUTs per unit of da4ml's adder cost, per student family: yosys packs HGQ's narrow per-weight adders
tighter than QKeras-style uniform ones. The median over the 10 students of each family in the quickstart's space
(bench/synth_calibration.py: 1.010 and 0.943); fitted on half of them, the other half's ratio to yosys above 20k
LUTs is 1.01 [0.97, 1.03] (QKeras-style) and 0.99 [0.97, 1.05] (HGQ), against 0.95 and 1.01 with the one pooled
constant 0.95 used before."""


@register("da4ml", designs=("da4ml_verilog",), summary="da4ml's adder cost of its Verilog, calibrated to yosys")
def da4ml_estimate(design, student, workdir: Path) -> HardwareReport:
    f = design.facts
    cycles = design.latency_cycles
    if design.family not in LUT_PER_ADDER_COST:
        return unavailable("da4ml", f"no yosys calibration of da4ml's adder cost for {design.family} students "
                                    "(bench/synth_calibration.py fits one per family)")
    k = LUT_PER_ADDER_COST[design.family]
    return HardwareReport("da4ml", True, lut=f["adder_cost"] * k, ff=f["reg_bits"], dsp=0.0, bram=0.0,
                          latency_cycles=cycles, latency_ns=cycles * design.spec.clock_period_ns, ii=1.0,
                          notes=f"da4ml adder cost {f['adder_cost']:.0f} × {k} LUT ({design.family}), {f['stages']} stages "
                                f"of ≤ {design.spec.da_levels_per_stage} adder levels; {NO_DSP[design.kind]}")
