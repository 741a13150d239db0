"""Distributed arithmetic: da4ml's cost model of a network's constant multiplications as adder trees.

Two routes to the same model, both real da4ml:
- da4ml's own tracer (``trace_model``) on HGQ models: whole network, LUT-equivalent cost, register bits and a
  pipelined Verilog design (``RTLModel``, ``LATENCY_CUTOFF`` adder levels per stage);
- hls4ml's ``distributed_arithmetic`` strategy for models the tracer refuses (hgq2's QKeras-compatible
  layers): hls4ml converts, runs da4ml per Dense kernel and records ``da_kernel_cost``; the adder depth of each
  kernel is read from the operation depths da4ml writes into its HLS code. Register bits are left to HLS there.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
from dataclasses import replace
from pathlib import Path

from flowad.hardware.config import HardwareConfig
from flowad.hardware.estimators.registry import HardwareReport, register, unavailable
from flowad.student.base import Student

LATENCY_CUTOFF = 5
"""Adder levels per pipeline stage in da4ml's RTL writer (5 meets 6.25 ns on 7-series in its authors' use)."""
DA_SOLVER = {"hard_dc": 2}


@register("da4ml")
def da4ml_estimate(student: Student, config: HardwareConfig, workdir: Path) -> HardwareReport:
    if getattr(student, "model", None) is None:
        return unavailable("da4ml", f"da4ml traces Keras models; {student.family} students are not")
    traced = trace_to_verilog(student, config, workdir / "da4ml")
    if traced.available or student.family == "hgq":
        return traced
    return via_hls4ml(student, config, workdir / "hls_da", why=traced.notes)


def trace_to_verilog(student: Student, config: HardwareConfig, outdir: Path) -> HardwareReport:
    """da4ml's tracer on the whole model; writes pipelined Verilog (``outdir/src``) and ``metadata.json``."""
    from da4ml.codegen import RTLModel
    from da4ml.converter import trace_model
    from da4ml.trace import HWConfig, comb_trace

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            inputs, outputs = trace_model(student.model, HWConfig(1, -1, -1), DA_SOLVER)
            comb = comb_trace(inputs, outputs)
            RTLModel(comb, "student", outdir, flavor="verilog", latency_cutoff=LATENCY_CUTOFF,
                     part_name=config.part, clock_period=config.clock_period_ns).write()
    except Exception as exc:  # da4ml asserts on layers it does not know
        return unavailable("da4ml", f"da4ml cannot trace this {student.family} model "
                                    f"({exc.__class__.__name__}: {str(exc)[:120]})")
    meta = json.loads((outdir / "metadata.json").read_text())
    cycles = float(meta["latency"])
    return HardwareReport("da4ml", True, lut=float(comb.cost), ff=float(meta["reg_bits"]), dsp=0.0, bram=0.0,
                          latency_cycles=cycles, latency_ns=cycles * config.clock_period_ns, ii=1.0,
                          notes=f"da4ml tracer: adders → LUT-eq., register bits → FF; Verilog in {outdir}")


def via_hls4ml(student: Student, config: HardwareConfig, outdir: Path, why: str = "") -> HardwareReport:
    """hls4ml's ``distributed_arithmetic`` strategy: sum of its per-kernel da4ml costs, adder depth → cycles."""
    from flowad.hardware.convert import ConversionError, convert

    try:
        model = convert(student, replace(config, strategy="distributed_arithmetic", reuse_factor=1), outdir)
    except ConversionError as exc:
        return unavailable("da4ml", f"{why}; hls4ml's DA strategy failed too: {exc}")
    cost, levels = 0.0, 0.0
    for node in model.get_layers():
        if "da_kernel_cost" not in node.attributes:
            continue
        cost += float(node.attributes["da_kernel_cost"])
        # da4ml's HLS code marks every operation with its adder depth (``// <latency>``): the kernel's depth is the max
        code = str(node.attributes["da_codegen"])
        levels += max((float(d) for d in re.findall(r"//\s*(\d+(?:\.\d+)?)\s*$", code, re.M)), default=0.0)
    cycles = float(max(1, math.ceil(levels / LATENCY_CUTOFF)))
    return HardwareReport("da4ml", True, lut=cost, ff=None, dsp=0.0, bram=0.0, latency_cycles=cycles,
                          latency_ns=cycles * config.clock_period_ns, ii=1.0,
                          notes=f"hls4ml distributed_arithmetic strategy (da4ml per kernel, {levels:.0f} adder levels "
                                f"/ {LATENCY_CUTOFF} per stage); FF left to HLS; project in {outdir}")
