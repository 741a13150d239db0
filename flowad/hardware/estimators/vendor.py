"""Vendor HLS: real C synthesis through hls4ml when AMD's ``vitis_hls`` or ``vivado_hls`` is on PATH."""

from __future__ import annotations

import contextlib
import io
import math
import shutil
from dataclasses import replace
from pathlib import Path

from flowad.hardware.config import HardwareConfig
from flowad.hardware.estimators.registry import HardwareReport, register, unavailable

VENDOR_HLS = ("vitis_hls", "vivado_hls")


@register("vitis", designs=("hls4ml",), summary="vendor C synthesis (vitis_hls/vivado_hls) of the HLS project",
          synthesis=True)
def vitis_estimate(design, student, workdir: Path) -> HardwareReport:
    tool = next((t for t in VENDOR_HLS if shutil.which(t)), None)
    if tool is None:
        return unavailable("vitis", "no vitis_hls or vivado_hls on PATH: real C synthesis needs AMD's tools "
                                    "(install Vitis HLS, or run on a machine that has it)")
    import hls4ml

    from flowad.hardware.convert import convert

    backend = "Vitis" if tool == "vitis_hls" else "Vivado"
    # the design's own project, converted again in place (byte-identical sources) to get hls4ml's build handle
    model = convert(student, replace(design.spec, backend=backend), design.root)
    with contextlib.redirect_stdout(io.StringIO()):
        model.build(csim=False, synth=True, vsynth=False)
        report = hls4ml.report.parse_vivado_report(str(design.root))
    return report_from_csynth(report, design.spec, tool)


def report_from_csynth(report: dict, config: HardwareConfig, tool: str) -> HardwareReport:
    """A HardwareReport from ``hls4ml.report.parse_vivado_report``'s ``CSynthesisReport`` section.

    Keys as hls4ml 1.3 writes them (its parser renames Vivado's ``DSP48E`` to ``DSP``). Untested here:
    no genuine csynth report can be produced without the vendor tools.
    """
    synth = report.get("CSynthesisReport")
    if not synth:
        return unavailable("vitis", f"{tool} ran but wrote no C-synthesis report")

    def number(key: str) -> float | None:
        value = synth.get(key)
        try:
            return float(value)
        except (TypeError, ValueError):
            return None

    cycles = number("WorstLatency")
    return HardwareReport("vitis", True, lut=number("LUT"), ff=number("FF"), dsp=number("DSP") or number("DSP48E"),
                          bram=number("BRAM_18K"), latency_cycles=cycles,
                          latency_ns=cycles * config.clock_period_ns if cycles is not None and not math.isnan(cycles) else None,
                          ii=number("IntervalMax"), notes=f"{tool} C synthesis (pre place-and-route)")
