"""One ``estimate(...)`` interface over several FPGA resource/latency estimators, each saying what it is.

- ``vitis``: real C synthesis (hls4ml build + ``hls4ml.report``) when ``vitis_hls`` or ``vivado_hls`` is on PATH;
- ``da4ml``: da4ml's distributed-arithmetic cost model of the traced network (adders → LUT-equivalents),
  pipelined by its RTL writer (register bits → FFs, stages → cycles);
- ``ebops``: HGQ's effective bit operations, a LUT-equivalent proxy (≈ LUT + 55·DSP per the HGQ authors).

An estimator that cannot run for a model or on this machine returns ``available=False`` with the reason:
never a made-up number. ``lgn``: gate counts of a logic-gate student (its Verilog is written too).
``yosys``: real open-source synthesis of da4ml's Verilog (the reference here). (``rule4ml`` is still to come.)
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from flowad.errors import FlowadInputError
from flowad.hardware.config import HardwareConfig
from flowad.student.base import Student

VENDOR_HLS = ("vitis_hls", "vivado_hls")


@dataclass(frozen=True)
class HardwareReport:
    """Resources and latency of one student by one estimator. Missing figures are None."""

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


@register("ebops")
def ebops_estimate(student: Student, config: HardwareConfig, workdir: Path) -> HardwareReport:
    ebops = getattr(student, "ebops", None)
    if student.family != "hgq" or not ebops:
        return unavailable("ebops", f"EBOPs exist only for HGQ students (this is {student.family})")
    return HardwareReport("ebops", True, lut=float(ebops), dsp=0.0,
                          notes="EBOPs as LUT-equivalents (≈ LUT + 55·DSP); overstates LUTs when β is small")


@register("da4ml")
def da4ml_estimate(student: Student, config: HardwareConfig, workdir: Path) -> HardwareReport:
    if getattr(student, "model", None) is None:
        return unavailable("da4ml", f"da4ml traces Keras models; {student.family} students are not")
    from da4ml.codegen import RTLModel
    from da4ml.converter import trace_model
    from da4ml.trace import HWConfig, comb_trace

    try:
        with contextlib.redirect_stdout(io.StringIO()):
            inputs, outputs = trace_model(student.model, HWConfig(1, -1, -1), {"hard_dc": 2})
            comb = comb_trace(inputs, outputs)
            RTLModel(comb, "student", workdir / "da4ml", flavor="verilog", latency_cutoff=5,
                     part_name=config.part, clock_period=config.clock_period_ns).write()
    except Exception as exc:  # da4ml asserts on layers it does not know
        return unavailable("da4ml", f"da4ml cannot trace this {student.family} model ({exc.__class__.__name__}: {str(exc)[:120]})")
    meta = json.loads((workdir / "da4ml" / "metadata.json").read_text())
    cycles = float(meta["latency"])
    return HardwareReport("da4ml", True, lut=float(comb.cost), ff=float(meta["reg_bits"]), dsp=0.0, bram=0.0,
                          latency_cycles=cycles, latency_ns=cycles * config.clock_period_ns, ii=1.0,
                          notes=f"da4ml cost model (adders → LUT-eq.); Verilog in {workdir / 'da4ml'}")


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
                          notes=f"upper bound: 1 LUT per non-trivial gate, no LUT6 packing, comparators excluded; Verilog {path}")


@register("yosys")
def yosys_estimate(student: Student, config: HardwareConfig, workdir: Path) -> HardwareReport:
    """Real logic synthesis (yosys ``synth_xilinx``) of da4ml's pipelined Verilog: LUT/FF/CARRY/DSP cell counts."""
    if shutil.which("yosys") is None:
        return unavailable("yosys", "yosys not on PATH (Debian: apt-get install yosys)")
    da = da4ml_estimate(student, config, workdir)
    if not da.available:
        return unavailable("yosys", f"needs da4ml's Verilog, which failed: {da.notes}")
    import subprocess

    src = workdir / "da4ml" / "src"
    # lookup_table.v's $readmemh placeholder breaks parsing and is unused by dense networks
    files = sorted(src.glob("*.v")) + sorted(p for p in (src / "static").glob("*.v") if p.name != "lookup_table.v")
    stat = workdir / "yosys_stat.txt"
    script = (f"read_verilog {' '.join(map(str, files))}; synth_xilinx -family {yosys_family(config.part)} -flatten -top student; "
              f"tee -o {stat} stat")
    run = subprocess.run(["yosys", "-q", "-p", script], capture_output=True, text=True)
    if run.returncode != 0 or not stat.is_file():
        return unavailable("yosys", f"yosys failed: {(run.stderr or run.stdout).strip().splitlines()[-1:]}")
    cells = yosys_cells(stat.read_text())
    lut = sum(n for cell, n in cells.items() if re.fullmatch(r"LUT[1-6]", cell))
    ff = sum(n for cell, n in cells.items() if re.fullmatch(r"FD[A-Z]*", cell))
    dsp = sum(n for cell, n in cells.items() if cell.startswith("DSP"))
    carry = sum(n for cell, n in cells.items() if cell.startswith("CARRY"))
    return HardwareReport("yosys", True, lut=float(lut), ff=float(ff), dsp=float(dsp), bram=0.0,
                          latency_cycles=da.latency_cycles, latency_ns=da.latency_ns, ii=1.0,
                          notes=f"yosys synth_xilinx -family {yosys_family(config.part)} of da4ml's Verilog; {carry} CARRY cells")


def yosys_family(part: str) -> str:
    """yosys ``synth_xilinx`` family of a Xilinx part: 7-series, UltraScale or UltraScale+."""
    if part.startswith("xc7"):
        return "xc7"
    return "xcup" if re.match(r"xc(vu|ku|zu)\d+p", part) or re.match(r"xc(zu|vu)", part) else "xcu"


def yosys_cells(stat_text: str) -> dict[str, int]:
    """Cell counts from yosys ``stat`` output (the top module's table)."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+([A-Z][A-Z0-9_]*)\s+(\d+)\s*$", stat_text, re.M)}


@register("vitis")
def vitis_estimate(student: Student, config: HardwareConfig, workdir: Path) -> HardwareReport:
    tool = next((t for t in VENDOR_HLS if shutil.which(t)), None)
    if tool is None:
        return unavailable("vitis", "no vitis_hls or vivado_hls on PATH: real C synthesis needs AMD's tools "
                                    "(install Vitis HLS, or run on a machine that has it)")
    if getattr(student, "model", None) is None:
        return unavailable("vitis", f"{student.family} students are not hls4ml models")
    import hls4ml

    from flowad.hardware.convert import convert

    backend = "Vitis" if tool == "vitis_hls" else "Vivado"
    model = convert(student, replace(config, backend=backend), workdir / "hls")
    with contextlib.redirect_stdout(io.StringIO()):
        model.build(csim=False, synth=True, vsynth=False)
        report = hls4ml.report.parse_vivado_report(str(workdir / "hls"))
    return report_from_csynth(report, config, tool)


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
