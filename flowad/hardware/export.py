"""Export one verified design: its firmware sources as costed, test vectors, and what was checked.

``out/firmware/`` is the design directory (hash-identical to the one the trial costed), ``out/test_vectors/``
holds the inputs and the outputs the model computes on held-out events (Keras students: fixed-point inputs and
network outputs in hls4ml's test-bench format; logic-gate students: input words, MSB-first binary, and popcounts),
and ``export.json`` records the design kind, hash, spec and the verification result.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from flowad.atomic import write_text_atomic
from flowad.hardware.design import Design
from flowad.hardware.emulate import BitExactReport
from flowad.student.base import Student


def export(student: Student, design: Design, out: str | Path, x: np.ndarray, verification: BitExactReport | None,
           verified_by: str) -> dict:
    """Copy ``design`` into ``out/firmware`` and write test vectors for raw view events ``x``; returns the summary."""
    from flowad.configio import to_plain
    from flowad.hardware.lgn_verilog import word_lines

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "firmware"
    if target.resolve() != design.root.resolve():
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(design.root, target)
    vectors = out / "test_vectors"
    vectors.mkdir(exist_ok=True)
    if student.firmware == "gates":
        words = student.inputs.words(x)
        write_text_atomic(vectors / "input_words.mem", word_lines(words, student.inputs.total_bits))
        write_text_atomic(vectors / "output_counts.txt", "\n".join(map(str, student.output_counts(x))) + "\n")
    else:
        inputs = student.inputs.apply(x)
        outputs = np.asarray(student.model.predict(inputs, batch_size=8192, verbose=0)).reshape(len(x), -1)
        _write_rows(vectors / "tb_input_features.dat", inputs)
        _write_rows(vectors / "tb_output_predictions.dat", outputs)
    summary = {"family": student.family, "kind": design.kind, "design_hash": design.digest, "firmware": str(target),
               "spec": to_plain(design.spec), "events": len(x), "verified_by": verified_by,
               "bit_exact_fraction": None if verification is None else verification.exact_fraction,
               "max_abs_diff": None if verification is None else verification.max_abs_diff}
    write_text_atomic(out / "export.json", json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary


def _write_rows(path: Path, rows: np.ndarray) -> None:
    write_text_atomic(path, "\n".join(" ".join(repr(float(v)) for v in row) for row in np.asarray(rows).reshape(len(rows), -1)) + "\n")
