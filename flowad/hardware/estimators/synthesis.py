"""Real open-source logic synthesis: yosys ``synth_xilinx`` of generated Verilog, no vendor tools.

Keras students: da4ml's pipelined Verilog (see :mod:`distributed_arithmetic`). Logic-gate students: their
own gate-list Verilog (:mod:`flowad.hardware.lgn_verilog`). Counts are yosys cells after technology mapping
(LUT1–LUT6, FD*, CARRY*, DSP*), before place-and-route; latency comes from the pipeline the Verilog has.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from flowad.hardware.config import HardwareConfig
from flowad.hardware.estimators.distributed_arithmetic import trace_to_verilog
from flowad.hardware.estimators.registry import HardwareReport, register, unavailable
from flowad.student.base import Student

INSTALL_HINT = "yosys not on PATH (Debian/Ubuntu: apt-get install --no-install-recommends yosys)"


@register("yosys")
def yosys_estimate(student: Student, config: HardwareConfig, workdir: Path) -> HardwareReport:
    if shutil.which("yosys") is None:
        return unavailable("yosys", INSTALL_HINT)
    if student.family == "lgn":
        from flowad.hardware.lgn_verilog import MODULE, resources, write_verilog

        gates = student.gate_list()
        files, top = [write_verilog(gates, workdir / "lgn" / "lgn_student.v")], MODULE
        cycles, source = float(resources(gates)["latency_cycles"]), "the gate list's Verilog"
    elif getattr(student, "model", None) is not None:
        da = trace_to_verilog(student, config, workdir / "da4ml")
        if not da.available:
            return unavailable("yosys", f"needs da4ml's Verilog, which failed: {da.notes}")
        src = workdir / "da4ml" / "src"
        # lookup_table.v's $readmemh placeholder breaks parsing and is unused by dense networks
        files = sorted(src.glob("*.v")) + sorted(p for p in (src / "static").glob("*.v") if p.name != "lookup_table.v")
        top, cycles, source = "student", da.latency_cycles, "da4ml's Verilog"
    else:
        return unavailable("yosys", f"no Verilog route for {student.family} students")
    return synthesize(files, top, config, workdir, cycles, source)


def synthesize(files: list[Path], top: str, config: HardwareConfig, workdir: Path, cycles: float | None,
               source: str) -> HardwareReport:
    family = yosys_family(config.part)
    stat = workdir / "yosys_stat.txt"
    script = (f"read_verilog {' '.join(map(str, files))}; synth_xilinx -family {family} -flatten -top {top}; "
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
                          latency_cycles=cycles, latency_ns=None if cycles is None else cycles * config.clock_period_ns,
                          ii=1.0, notes=f"yosys synth_xilinx -family {family} of {source}; {carry} CARRY cells")


def yosys_family(part: str) -> str:
    """yosys ``synth_xilinx`` family of a Xilinx part: 7-series, UltraScale or UltraScale+.

    ``xc7…`` → xc7; UltraScale+ are the ``xcvu…p``/``xcku…p`` parts, every Zynq ``xczu…`` and the Alveo
    ``xcu…`` cards (U50, U200, U250, U280 are all UltraScale+); plain ``xcvu…``/``xcku…`` are UltraScale.
    """
    part = part.lower()
    if part.startswith("xc7"):
        return "xc7"
    if re.match(r"xc(vu|ku)\d+p", part) or part.startswith("xczu") or re.match(r"xcu\d", part):
        return "xcup"
    return "xcu"


def yosys_cells(stat_text: str) -> dict[str, int]:
    """Cell counts from yosys ``stat`` output (the top module's table)."""
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\s+([A-Z][A-Z0-9_]*)\s+(\d+)\s*$", stat_text, re.M)}
