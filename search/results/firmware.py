"""Study 5, firmware: the per-trial estimators against yosys on the shipped designs of all three families.

A search costs each trial's design with a fast estimator (da4ml's calibrated adder model for QKeras-style and
HGQ students, the closed-form gate count for logic-gate students; above 20k LUTs the ``synth`` estimator uses
them instead of yosys). Here every design the student study shipped was costed by both, so their agreement is
measured on exactly the designs that ship.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from flowad.hardware import ESTIMATORS
from flowad.hardware.estimators.synthesis import MODEL_OF
from search.results.stats import markdown_table
from search.results.students import FAMILY_LABELS, StudentStudy


def pairs(study: StudentStudy) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """(family, its design's estimator) → (estimator LUTs, yosys LUTs) for every shipped design both could cost."""
    out: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for label, runs in study.runs.items():
        for run in runs:
            estimator = MODEL_OF.get(run.get("design_kind", ""))
            hw_est, hw_syn = run.get(f"hw_{estimator}"), run.get("hw_yosys")
            if hw_est and hw_syn and hw_est["available"] and hw_syn["available"] and hw_syn["lut"]:
                out.setdefault((study.family(label), estimator), []).append((hw_est["lut"], hw_syn["lut"]))
    return out


def markdown(study: StudentStudy) -> str:
    header = ["family", "estimator", "designs", "yosys LUT range", "estimator / yosys: median [min, max]", "Spearman ρ"]
    rows = []
    for (family, estimator), values in pairs(study).items():
        est, syn = np.array(values).T
        ratio = est / syn
        rho = spearmanr(est, syn).statistic if len(values) >= 3 and len(set(syn)) > 1 else float("nan")
        rows.append([FAMILY_LABELS[family], f"{estimator}: {ESTIMATORS[estimator].summary}", str(len(values)), f"{syn.min():,.0f} – {syn.max():,.0f}",
                     f"{np.median(ratio):.2f} [{ratio.min():.2f}, {ratio.max():.2f}]", f"{rho:.2f}" if rho == rho else "n/a"])
    if not rows:
        return "No design could be costed by both yosys and its estimator here (is yosys installed?)."
    return ("Every seed's shipped design counts once; LUTs from yosys `synth_xilinx` (no place and route).\n\n"
            + markdown_table(header, rows))
