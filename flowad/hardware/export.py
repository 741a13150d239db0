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
from flowad.hardware.routes import Verification
from flowad.student.base import Student


def export(student: Student, design: Design, out: str | Path, x: np.ndarray, verification: Verification) -> dict:
    """Copy ``design`` into ``out/firmware`` and write test vectors for raw view events ``x``; returns the summary."""
    from flowad.configio import to_plain
    from flowad.hardware.routes import route_of

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    target = out / "firmware"
    if target.resolve() != design.root.resolve():
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(design.root, target)
    vectors = out / "test_vectors"
    vectors.mkdir(exist_ok=True)
    for name, text in route_of(student).test_vectors(student, x).items():
        write_text_atomic(vectors / name, text)
    summary = {"family": student.family, "kind": design.kind, "design_hash": design.digest, "firmware": str(target),
               "spec": to_plain(design.spec), "events": len(x), "verified_by": verification.by,
               "bit_exact_fraction": None if verification.report is None else verification.report.exact_fraction,
               "max_abs_diff": None if verification.report is None else verification.report.max_abs_diff}
    write_text_atomic(out / "export.json", json.dumps(summary, indent=2, sort_keys=True) + "\n")
    return summary
