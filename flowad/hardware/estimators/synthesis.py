"""Real open-source logic synthesis: yosys ``synth_xilinx`` of a design's Verilog, no vendor tools.

Keras students: da4ml's pipelined Verilog; logic-gate students: their gate-list Verilog with its comparators
(:mod:`flowad.hardware.routes`). Counts are yosys cells after technology mapping (LUT1–LUT6, FD*, CARRY*, DSP*),
before place-and-route; latency comes from the pipeline the Verilog has.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from flowad.hardware.config import HardwareConfig
from flowad.hardware.estimators.registry import HardwareReport, register, unavailable

INSTALL_HINT = "yosys not on PATH (Debian/Ubuntu: apt-get install --no-install-recommends yosys)"


@register("yosys", designs=("da4ml_verilog", "lgn_verilog"), summary="yosys synth_xilinx of the design's Verilog",
          synthesis=True)
def yosys_estimate(design, student, workdir: Path) -> HardwareReport:
    if shutil.which("yosys") is None:
        return unavailable("yosys", INSTALL_HINT)
    workdir.mkdir(parents=True, exist_ok=True)
    return synthesize(design.files(".v"), design.top, design.spec, workdir, design.latency_cycles,
                      f"the {design.kind} design")


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



SYNTH_BELOW_LUT = 20_000
"""``synth`` synthesises designs its model puts below this many LUTs (≤ ~40 s on one core here) and uses the
calibrated model above, where the model's ratio to yosys is closest to 1 (bench/hardware.py)."""
MODEL_OF = {"da4ml_verilog": "da4ml", "lgn_verilog": "lgn"}
"""The calibrated or closed-form model of each design kind: what ``synth`` uses above ``SYNTH_BELOW_LUT``, and
what the results' firmware study compares with yosys."""


@register("synth", designs=tuple(MODEL_OF),
          summary="yosys below 20k LUTs, the calibrated model above (the per-trial default)")
def synth_or_model(design, student, workdir: Path) -> HardwareReport:
    """The per-trial estimator: exact synthesis where it is quick and where the closed-form models err most (the
    cheap end of the front), the calibrated model (``da4ml`` or ``lgn``) where synthesis takes minutes."""
    from flowad.hardware.estimators.registry import ESTIMATORS

    model = ESTIMATORS[MODEL_OF[design.kind]].fn(design, student, workdir)
    if not model.available:  # e.g. a family the da4ml model has no calibration for: no number, the reason instead
        return unavailable("synth", f"{MODEL_OF[design.kind]} model unavailable: {model.notes}")
    figures = ("lut", "ff", "dsp", "bram", "latency_cycles", "latency_ns", "ii")
    if model.lut >= SYNTH_BELOW_LUT or shutil.which("yosys") is None:
        why = f"≥ {SYNTH_BELOW_LUT:,} LUTs" if model.lut >= SYNTH_BELOW_LUT else "yosys not on PATH"
        return HardwareReport("synth", True, **{k: getattr(model, k) for k in figures}, source=MODEL_OF[design.kind],
                              notes=f"{MODEL_OF[design.kind]} model ({why}): {model.notes}")
    synth = yosys_estimate(design, student, workdir / "yosys")
    if not synth.available:
        return synth
    return HardwareReport("synth", True, **{k: getattr(synth, k) for k in figures}, source="yosys",
                          notes=f"yosys (model says < {SYNTH_BELOW_LUT:,} LUTs): {synth.notes}")
