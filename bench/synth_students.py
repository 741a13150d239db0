"""Saved students synthesised by yosys beside their closed-form model: the LUT, FF and latency of the design that ships.

Each student directory (a distillation's ``student/``) is built into the design its family ships (da4ml Verilog for the
Keras families, gate-list Verilog for LGN, at the student grid's hardware spec: distributed arithmetic, the CICADA
Virtex-7 part, 6.25 ns), costed by the estimator that models that design (``da4ml`` or ``lgn``), then synthesised by
yosys (``synth_xilinx``; needs ``yosys`` on PATH). Prints one table row per student.

Usage: python bench/synth_students.py STUDENT_DIR [STUDENT_DIR ...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from student_grid import HARDWARE  # noqa: E402

from flowad.hardware import build_design, cost  # noqa: E402
from flowad.student import load_student  # noqa: E402
from flowad.student.base import MANIFEST  # noqa: E402

MODEL = {"da4ml_verilog": "da4ml", "lgn_verilog": "lgn"}
"""The closed-form estimator of each design kind."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("students", nargs="+", type=Path, help="saved student directories")
    args = parser.parse_args()
    for directory in args.students:
        if not (directory / MANIFEST).is_file():
            parser.error(f"{directory}: not a saved student (no {MANIFEST})")
    print("| student | design | model LUT | yosys LUT | yosys FF | model / yosys | latency ns | yosys s |")
    print("|---|---|---|---|---|---|---|---|")
    for directory in args.students:
        student = load_student(directory)
        work = Path(tempfile.mkdtemp(prefix="flowad-synth-"))
        design = build_design(student, HARDWARE, work / "design")
        model = cost(design, MODEL[design.kind], student, work / "model")
        start = time.perf_counter()
        synth = cost(design, "yosys", None, work / "yosys")
        if not synth.available:
            sys.exit(f"{directory}: {synth.notes}")
        print(f"| {directory} | {design.kind} | {model.lut:,.0f} | {synth.lut:,.0f} | {synth.ff:,.0f} | "
              f"{model.lut / synth.lut:.2f} | {design.latency_cycles * HARDWARE.clock_period_ns:.2f} | "
              f"{time.perf_counter() - start:.0f} |", flush=True)


if __name__ == "__main__":
    main()
