"""Export a student as firmware sources plus test vectors from its bit-exact emulation.

- Keras students: the hls4ml project (``hls/``), C-simulated; ``tb_input_features.dat`` (fixed-point
  inputs) and ``tb_output_predictions.dat`` (firmware outputs) in hls4ml's test-bench format.
- Logic-gate students: ``lgn_student.v``, ``tb_input_bits.mem`` (thermometer bits, MSB first) and
  ``tb_output_counts.txt`` (the discrete network's popcounts).
``export.json`` records what was written and the bit-exactness figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from flowad.atomic import write_text_atomic
from flowad.hardware.config import HardwareConfig
from flowad.hardware.convert import convert
from flowad.hardware.emulate import emulate
from flowad.student.base import Student


def export(student: Student, config: HardwareConfig, out: str | Path, x: np.ndarray) -> dict:
    """Write firmware and test vectors for raw view events ``x`` into ``out``; returns the summary."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if student.family == "lgn":
        summary = _export_lgn(student, out, x)
    else:
        model = convert(student, config, out / "hls")
        firmware, report = emulate(student, model, x)
        inputs = student.inputs.apply(x)
        _write_rows(out / "tb_input_features.dat", inputs)
        _write_rows(out / "tb_output_predictions.dat", firmware)
        summary = {"family": student.family, "project": str(out / "hls"), "events": report.n_events,
                   "bit_exact_fraction": report.exact_fraction, "max_abs_diff": report.max_abs_diff,
                   "compile_seconds": report.compile_seconds, "part": config.part,
                   "clock_period_ns": config.clock_period_ns, "strategy": config.strategy}
    write_text_atomic(out / "export.json", json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary


def _export_lgn(student, out: Path, x: np.ndarray) -> dict:
    from flowad.hardware.lgn_verilog import write_verilog

    gates = student.gate_list()
    write_verilog(gates, out / "lgn_student.v")
    flat = x.reshape(len(x), -1).astype(np.float32)
    bits = (flat[:, :, None] > student.network.thresholds.numpy()[None]).reshape(len(x), -1)
    counts = np.rint(student._discrete_fraction(flat) * len(gates["layers"][-1])).astype(int)
    write_text_atomic(out / "tb_input_bits.mem", "\n".join("".join("1" if b else "0" for b in row[::-1]) for row in bits) + "\n")
    write_text_atomic(out / "tb_output_counts.txt", "\n".join(map(str, counts)) + "\n")
    return {"family": "lgn", "verilog": str(out / "lgn_student.v"), "events": len(x),
            "latency_cycles": len(gates["layers"]) + 1, "output": gates["output"]}


def _write_rows(path: Path, rows: np.ndarray) -> None:
    write_text_atomic(path, "\n".join(" ".join(repr(float(v)) for v in row) for row in np.asarray(rows).reshape(len(rows), -1)) + "\n")
