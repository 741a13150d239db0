"""Hardware benchmark for the closing note (issue #4): prints markdown tables.

For 12 students across the three families, widths and bit widths (distilled from the demo flow teacher):
1. every estimator's LUT / FF / DSP / latency side by side, and the time each estimate took;
2. Spearman rank correlation of each estimator's LUTs with the reference (yosys synthesis) over the students
   both can estimate;
3. hls4ml conversion and C-simulation compile time per Keras student, and the bit-exact fraction per family.

Usage: python bench/hardware.py [--data data/demo] [--epochs 15] [--events 500]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from flowad.configio import from_mapping
from flowad.data import load
from flowad.distill import DistillConfig, run_distillation
from flowad.hardware import HardwareConfig, convert, emulate, estimate

TEACHER = {"kind": "flow", "view": "calo", "architecture": "nsf", "depth": 4, "hidden": 64, "epochs": 40, "patience": 5}
STUDENTS = [
    ("qkeras", {"widths": [16, 8], "bits": 4, "integer_bits": 1}),
    ("qkeras", {"widths": [16, 8], "bits": 6, "integer_bits": 2}),
    ("qkeras", {"widths": [32, 16], "bits": 6, "integer_bits": 2}),
    ("qkeras", {"widths": [32, 16], "bits": 8, "integer_bits": 2}),
    ("qkeras", {"widths": [64, 32], "bits": 8, "integer_bits": 2}),
    ("hgq", {"widths": [16, 8], "bits": 6, "beta": 1e-6}),
    ("hgq", {"widths": [32, 16], "bits": 6, "beta": 1e-6}),
    ("hgq", {"widths": [32, 16], "bits": 8, "beta": 1e-7}),
    ("hgq", {"widths": [64, 32], "bits": 8, "beta": 1e-6}),
    ("lgn", {"widths": [256, 128], "bits": 2, "learning_rate": 0.01, "batch_size": 128}),
    ("lgn", {"widths": [512, 256], "bits": 2, "learning_rate": 0.01, "batch_size": 128}),
    ("lgn", {"widths": [1024, 1024, 512], "bits": 3, "learning_rate": 0.01, "batch_size": 128}),
]
ESTIMATORS = ("yosys", "da4ml", "rule4ml", "ebops", "lgn", "vitis")
REFERENCE = "yosys"


def label(family: str, spec: dict) -> str:
    bits = f"{spec['bits']} thr" if family == "lgn" else f"{spec['bits']} b"
    return f"{family} {'-'.join(map(str, spec['widths']))} @ {bits}"


def fmt(value, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="data/demo")
    parser.add_argument("--cache", default="data", help="teacher/score cache (the demo teacher is reused)")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--events", type=int, default=500)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="flowad-bench-hw-"))
    test_x = load(args.data, "calo", processes=["zerobias"], splits=["test"])["zerobias"]["test"][: args.events]
    config = HardwareConfig()
    reports, firmware = {}, {}
    for family, spec in STUDENTS:
        name = label(family, spec)
        distill = from_mapping(DistillConfig, {
            "data": {"path": args.data, "cache": args.cache}, "teacher": TEACHER,
            "student": {"family": family, "epochs": args.epochs, **spec},
            "augment": {"fraction": 1.0, "max_scale": 8},
            "outlier_exposure": {"factor": 5.0 if family == "lgn" else 1.0},
            "out": str(work / name.replace(" ", "_"))})
        student = run_distillation(distill).student
        reports[name] = {e: estimate(student, e, config, work / name.replace(" ", "_") / e) for e in ESTIMATORS}
        if family != "lgn":
            start = time.perf_counter()
            hls = convert(student, config, work / name.replace(" ", "_") / "hls")
            converted = time.perf_counter() - start
            _, exact = emulate(student, hls, test_x)
            firmware[name] = (family, converted, exact)
        print(f"done {name}", flush=True)

    print(f"\nMachine: {platform.machine()}, {platform.processor() or '?'}; yosys: {shutil.which('yosys') or 'absent'}; "
          f"part {config.part} @ {config.clock_period_ns} ns\n")
    print("| student | " + " | ".join(f"{e} LUT / FF / DSP / cycles (s)" for e in ESTIMATORS[:5]) + " |")
    print("|---" * 6 + "|")
    for name, by in reports.items():
        cells = []
        for e in ESTIMATORS[:5]:
            r = by[e]
            cells.append("n/a" if not r.available else
                         f"{fmt(r.lut)} / {fmt(r.ff)} / {fmt(r.dsp)} / {fmt(r.latency_cycles)} ({r.seconds:.1f} s)")
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(f"\nvitis: {next(iter(reports.values()))['vitis'].notes}\n")

    print(f"| estimator | students with {REFERENCE} | Spearman ρ of LUTs vs {REFERENCE} | median LUT ratio to {REFERENCE} | mean s / estimate |")
    print("|---|---|---|---|---|")
    for e in ESTIMATORS[1:5]:
        pairs = [(by[e].lut, by[REFERENCE].lut) for by in reports.values() if by[e].available and by[REFERENCE].available]
        times = [by[e].seconds for by in reports.values() if by[e].available]
        rho = spearmanr(*zip(*pairs)).statistic if len(pairs) >= 3 else float("nan")
        ratio = np.median([a / b for a, b in pairs]) if pairs else float("nan")
        print(f"| {e} | {len(pairs)} | {rho:.2f} | {ratio:.2f} | {np.mean(times) if times else float('nan'):.1f} |")
    ref_times = [by[REFERENCE].seconds for by in reports.values() if by[REFERENCE].available]
    print(f"| {REFERENCE} (reference) | {len(ref_times)} | 1 | 1 | {np.mean(ref_times):.1f} |")
    qk = [(by["rule4ml"].lut, by["da4ml"].lut) for n, by in reports.items()
          if n.startswith("qkeras") and by["rule4ml"].available and by["da4ml"].available]
    if len(qk) >= 3:
        print(f"\nQKeras-style students (no {REFERENCE} route): Spearman ρ rule4ml vs da4ml LUTs = "
              f"{spearmanr(*zip(*qk)).statistic:.2f} over {len(qk)}")

    print("\n| student | hls4ml convert s | C-sim compile s | bit-exact | max abs diff |")
    print("|---|---|---|---|---|")
    for name, (family, converted, exact) in firmware.items():
        print(f"| {name} | {converted:.1f} | {exact.compile_seconds:.1f} | {exact.exact_fraction * exact.n_events:.0f}/"
              f"{exact.n_events} | {exact.max_abs_diff:g} |")
    for family in ("qkeras", "hgq"):
        rows = [e for f, _, e in firmware.values() if f == family]
        print(f"- {family}: bit-exact fraction {np.mean([e.exact_fraction for e in rows]):.3f} over {len(rows)} students")


if __name__ == "__main__":
    main()
