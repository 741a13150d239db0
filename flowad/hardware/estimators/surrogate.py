"""rule4ml: the published GNN surrogate of hls4ml + Vivado synthesis (Latency/Resource strategies).

Optional extra (``pip install 'flowad[rule4ml]'``; it pulls torch-geometric). It predicts LUT, FF, DSP, BRAM,
cycles and II of a *float* Keras model at one global precision, and only for four boards: pynq-z2, zcu102,
alveo-u200, alveo-u250. It runs in a child process (:mod:`rule4ml_worker`) because torch-geometric must be
imported before TensorFlow, which our process has loaded already (the other order segfaults).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from flowad.hardware.estimators.registry import HardwareReport, register, unavailable

BOARD_PARTS = {"xc7z020": "pynq-z2", "xczu9eg": "zcu102", "xcu200": "alveo-u200", "xcu250": "alveo-u250"}
FALLBACK_BOARD = "alveo-u200"
HLS4ML_VERSION = "1.1.0"
"""The newest hls4ml release rule4ml 0.2 was trained on (we run 1.3)."""
TIMEOUT_S = 300


def board_for(part: str) -> tuple[str, str]:
    """rule4ml's board for an FPGA part, and a note when the part is not one of its four boards."""
    for prefix, board in BOARD_PARTS.items():
        if part.lower().startswith(prefix):
            return board, ""
    return FALLBACK_BOARD, (f"part {part} is outside rule4ml's 4 boards (pynq-z2, zcu102, alveo-u200, alveo-u250): "
                            f"predicted for {FALLBACK_BOARD}")


@register("rule4ml", designs=("hls4ml",), surrogate=True,
          summary="rule4ml GNN surrogate of hls4ml + Vivado (a learned prediction, labelled surrogate)")
def rule4ml_estimate(design, student, workdir: Path) -> HardwareReport:
    if importlib.util.find_spec("rule4ml") is None or importlib.util.find_spec("torch_geometric") is None:
        return unavailable("rule4ml", "rule4ml is not installed (optional extra: pip install 'flowad[rule4ml]')")
    config = design.spec
    board, board_note = board_for(config.part)
    integer = student.config.integer_bits + 1
    request = {"n_inputs": int(student.model.input_shape[-1]), "widths": list(student.config.widths),
               "precision": f"ap_fixed<{student.config.bits}, {integer}>", "strategy": config.strategy,
               "reuse_factor": config.reuse_factor, "board": board, "hls4ml_version": HLS4ML_VERSION}
    run = subprocess.run([sys.executable, "-m", "flowad.hardware.estimators.rule4ml_worker"], input=json.dumps(request),
                         capture_output=True, text=True, timeout=TIMEOUT_S)
    if run.returncode != 0:
        return unavailable("rule4ml", f"rule4ml failed: {(run.stderr.strip().splitlines() or ['?'])[-1][:200]}")
    p = json.loads(run.stdout.strip().splitlines()[-1])
    precision_note = (f"{student.display_name}'s learned per-weight widths replaced by one global " if student.learned_precision else "") + request["precision"]
    notes = "; ".join(n for n in (f"rule4ml GNN surrogate, median over {p['n_versions']} Vivado versions, hls4ml "
                                  f"{HLS4ML_VERSION}", precision_note, board_note) if n)
    return HardwareReport("rule4ml", True, lut=p["LUT"], ff=p["FF"], dsp=p["DSP"], bram=p["BRAM"],
                          latency_cycles=p["CYCLES"], latency_ns=p["CYCLES"] * config.clock_period_ns, ii=p["INTERVAL"],
                          notes=notes)
