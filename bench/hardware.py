"""Hardware benchmark (issue 11): prints markdown tables for docs/hardware.md and the closing note.

For 12 students of all three families, distilled from the quickstart flow teacher on the demo data, each built
as the design a search trial ships (da4ml Verilog for Keras students, logic-gate Verilog with comparators):
1. the per-trial estimator (da4ml, lgn) against yosys ``synth_xilinx`` of the same Verilog: LUTs, ratio, Spearman ρ,
   and the calibration constants fitted here (the ones in the code are printed beside them);
2. logic-gate students' LUTs with and without their input comparators (yosys);
3. HGQ with a saturating datalane (what students use) against the old wrap-around one: da4ml and yosys LUTs, and on
   test events scaled ×2…×16 in energy (saturated at 1023), the fraction that score *below* their unscaled
   selves and whether the firmware equals the model bit for bit (Icarus);
4. bit-exact verification of every design (Icarus) with its time;
5. the input stage at the physical full scale (1023) against the old 99.9th-percentile range: validation AUC.

``--families lgn`` runs only the logic-gate students (tables 1, 2 and 4 for them: the refit of
``COMPARATOR_LUTS_PER_BIT``); tables 3 and 5 need ``hgq``.

Usage: python bench/hardware.py [--data data/demo] [--epochs 8] [--events 300] [--families qkeras,hgq,lgn]
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
from flowad.hardware import HardwareConfig, build_design, cost, verify_design
from flowad.hardware.estimators import distributed_arithmetic
from flowad.hardware.estimators.synthesis import synthesize
from flowad.hardware.lgn_verilog import COMPARATOR_LUTS_PER_BIT, MODULE, write_verilog

TEACHER = {"kind": "flow", "view": "calo", "architecture": "maf", "depth": 2, "hidden": 128, "pileup_subtraction": True,
           "epochs": 40, "patience": 5}
SIGNALS = ["haa4b_15", "haa4tau_15", "htautau_60", "a4l_50", "dark_shower_125"]
LGN = {"learning_rate": 0.01, "batch_size": 128}
STUDENTS = [
    ("qkeras", {"widths": [8], "bits": 3, "integer_bits": 1}),
    ("qkeras", {"widths": [16, 8], "bits": 4, "integer_bits": 1}),
    ("qkeras", {"widths": [32, 16], "bits": 6, "integer_bits": 2}),
    ("qkeras", {"widths": [64, 32], "bits": 8, "integer_bits": 2}),
    ("hgq", {"widths": [8], "bits": 4, "beta": 1e-6}),
    ("hgq", {"widths": [16, 8], "bits": 6, "beta": 1e-6}),
    ("hgq", {"widths": [32, 16], "bits": 8, "beta": 1e-7}),
    ("hgq", {"widths": [64, 32], "bits": 8, "beta": 1e-8}),
    ("lgn", {"widths": [256, 128], "bits": 2, **LGN}),
    ("lgn", {"widths": [1024, 512], "bits": 3, **LGN}),
    ("lgn", {"widths": [2048, 1024], "bits": 4, **LGN}),
    ("lgn", {"widths": [4096, 4096, 2048], "bits": 5, **LGN}),
]
SCALES = (2, 4, 8, 16)


def label(family: str, spec: dict) -> str:
    bits = f"{spec['bits']} thr" if family == "lgn" else f"{spec['bits']} b"
    return f"{family} {'-'.join(map(str, spec['widths']))} @ {bits}"


def distil(args, work: Path, family: str, spec: dict, student_class=None):
    """A student distilled from the quickstart teacher (cached); ``student_class`` overrides the family's class."""
    from flowad.student import families

    name = label(family, spec)
    config = from_mapping(DistillConfig, {
        "data": {"path": args.data, "cache": args.cache}, "teacher": TEACHER,
        "student": {"family": family, "epochs": args.epochs, "patience": 4, **spec},
        "augment": {"fraction": 1.0, "max_scale": 8}, "outlier_exposure": {"quantile": 0.99, "factor": 1.0},
        "out": str(work / f"{name.replace(' ', '_')}-{time.monotonic_ns()}")})
    original = families.STUDENT_FAMILIES[family]
    if student_class is not None:
        families.STUDENT_FAMILIES[family] = student_class
    try:
        return run_distillation(config)
    finally:
        families.STUDENT_FAMILIES[family] = original


def yosys(files, top, spec, workdir, cycles):
    return synthesize(files, top, spec, workdir, cycles, "bench")


def scaled_events(x: np.ndarray) -> np.ndarray:
    return np.concatenate([np.minimum(x.astype(np.int64) * k, 1023) for k in SCALES]).astype(x.dtype)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="data/demo")
    parser.add_argument("--cache", default="data", help="teacher/score cache (the quickstart teacher is reused)")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--families", default="qkeras,hgq,lgn", help="comma-separated student families to run")
    args = parser.parse_args()
    families = set(args.families.split(","))
    work = Path(tempfile.mkdtemp(prefix="flowad-bench-hw-"))
    x_test = load(args.data, "calo", processes=["zerobias"], splits=["test"])["zerobias"]["test"][: args.events]
    spec = HardwareConfig()
    rows = []
    for family, settings in (s for s in STUDENTS if s[0] in families):
        name = label(family, settings)
        student = distil(args, work, family, settings).student
        d = work / name.replace(" ", "_")
        design = build_design(student, spec, d / "design")
        estimator = "lgn" if design.kind == "lgn_verilog" else "da4ml"
        est = cost(design, estimator, student, d / "est")
        start = time.perf_counter()
        ys = cost(design, "yosys", student, d / "yosys")
        ys_seconds = time.perf_counter() - start
        start = time.perf_counter()
        exact = verify_design(student, design, x_test)
        row = {"name": name, "family": family, "kind": design.kind, "estimator": estimator, "est": est, "yosys": ys,
               "yosys_s": ys_seconds, "exact": exact, "verify_s": time.perf_counter() - start, "facts": design.facts}
        if family == "lgn":
            bare = write_verilog(student.gate_list(), d / "bare" / "lgn_student.v", comparators=False)
            row["bare"] = yosys([bare], MODULE, spec, d / "bare", design.latency_cycles - 1)
        rows.append(row)
        print(f"done {name}: {estimator} {est.lut:,.0f}, yosys {ys.lut:,.0f} ({ys_seconds:.0f} s)", flush=True)

    # calibration: da4ml LUT = k · adder cost; lgn LUT = logic + n_out + c · comparators · word bits
    keras = [r for r in rows if r["kind"] == "da4ml_verilog"]
    k_fit = float(np.median([r["yosys"].lut / r["facts"]["adder_cost"] for r in keras])) if keras else float("nan")
    gates = [r for r in rows if r["kind"] == "lgn_verilog"]
    rest = np.array([r["est"].lut - r["facts"]["comparator_luts"] for r in gates])
    bits = np.array([r["facts"]["comparator_luts"] / COMPARATOR_LUTS_PER_BIT for r in gates])  # comparators × word bits
    target = np.array([r["yosys"].lut for r in gates])
    c_fit = float(np.clip(np.sum(bits * (target - rest) / target**2) / np.sum(bits**2 / target**2), 0, None)) if gates else float("nan")

    def calibrated(r):
        if r["kind"] == "da4ml_verilog":
            return r["facts"]["adder_cost"] * k_fit
        return r["est"].lut - r["facts"]["comparator_luts"] + c_fit * r["facts"]["comparator_luts"] / COMPARATOR_LUTS_PER_BIT

    print(f"\nMachine: {platform.machine()}, {platform.processor() or '?'}, 2 cores; yosys {shutil.which('yosys') or 'absent'}; "
          f"part {spec.part} @ {spec.clock_period_ns} ns; {args.epochs} epochs; verification on {args.events} test ZeroBias events\n")
    print("| student | design | estimator LUT (code) | estimator LUT (fitted) | yosys LUT | fitted / yosys | yosys FF | cycles | yosys s | bit-exact (Icarus) | verify s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        e = r["exact"]
        print(f"| {r['name']} | {r['kind']} | {r['est'].lut:,.0f} | {calibrated(r):,.0f} | {r['yosys'].lut:,.0f} | "
              f"{calibrated(r) / r['yosys'].lut:.2f} | {r['yosys'].ff:,.0f} | {r['yosys'].latency_cycles:.0f} | "
              f"{r['yosys_s']:.0f} | {e.exact_fraction * e.n_events:.0f}/{e.n_events} | {r['verify_s']:.1f} |")
    print(f"\nFitted here: da4ml LUT_PER_ADDER_COST = {k_fit:.3f} (code: {distributed_arithmetic.LUT_PER_ADDER_COST}); "
          f"lgn COMPARATOR_LUTS_PER_BIT = {c_fit:.3f} (code: {COMPARATOR_LUTS_PER_BIT})\n")
    print("| estimator | students | Spearman ρ vs yosys | fitted / yosys: min – max | code / yosys: min – max |")
    print("|---|---|---|---|---|")
    for estimator in ("da4ml", "lgn"):
        mine = [r for r in rows if r["estimator"] == estimator]
        if not mine:
            continue
        rho = spearmanr([r["est"].lut for r in mine], [r["yosys"].lut for r in mine]).statistic
        fitted = [calibrated(r) / r["yosys"].lut for r in mine]
        code = [r["est"].lut / r["yosys"].lut for r in mine]
        print(f"| {estimator} | {len(mine)} | {rho:.2f} | {min(fitted):.2f} – {max(fitted):.2f} | {min(code):.2f} – {max(code):.2f} |")
    from flowad.hardware.estimators.synthesis import SYNTH_BELOW_LUT

    synth = [(r["yosys"].lut if calibrated(r) < SYNTH_BELOW_LUT else calibrated(r)) / r["yosys"].lut for r in rows]
    print(f"| synth (per trial: yosys below {SYNTH_BELOW_LUT:,} fitted LUTs) | {len(rows)} | – | {min(synth):.2f} – {max(synth):.2f} | |")
    everything = [calibrated(r) / r["yosys"].lut for r in rows]
    print(f"| all (fitted) | {len(rows)} | {spearmanr([calibrated(r) for r in rows], [r['yosys'].lut for r in rows]).statistic:.2f} "
          f"| {min(everything):.2f} – {max(everything):.2f} | |")

    print("\n| logic-gate student | comparators | yosys LUT with comparators | without | comparators' share | cycles with / without |")
    print("|---|---|---|---|---|---|")
    for r in gates:
        print(f"| {r['name']} | {r['facts']['comparators']:.0f} | {r['yosys'].lut:,.0f} | {r['bare'].lut:,.0f} | "
              f"{1 - r['bare'].lut / r['yosys'].lut:.0%} | {r['yosys'].latency_cycles:.0f} / {r['bare'].latency_cycles:.0f} |")

    if "hgq" not in families:
        return
    from flowad.student.keras_students import HGQStudent

    class WrappingHGQ(HGQStudent):
        datalane_overflow = "WRAP"

    x_val = load(args.data, "calo", processes=["zerobias"], splits=["val"])["zerobias"]["val"][:2000]
    hot = scaled_events(x_val)
    base = np.tile(x_val, (len(SCALES),) + (1,) * (x_val.ndim - 1))
    print("\n| HGQ 32-16 @ 6 b datalane | da4ml LUT | yosys LUT | scaled events scoring below their original | "
          "firmware = model on scaled events (Icarus) | val mean AUC |")
    print("|---|---|---|---|---|---|")
    pair = {"widths": [32, 16], "bits": 6, "beta": 1e-7}
    for mode, cls in (("saturate (SAT)", None), ("wrap (WRAP, before)", WrappingHGQ)):
        report = distil(args, work, "hgq", pair, student_class=cls)
        student = report.student
        d = work / f"hgq-{mode.split()[0]}"
        design = build_design(student, spec, d / "design")
        da, ys = cost(design, "da4ml", student, d), cost(design, "yosys", student, d / "yosys")
        lower = float(np.mean(student.predict(hot) < student.predict(base)))
        exact = verify_design(student, design, hot[::10])
        auc = report.student_performance.mean("auc", SIGNALS)
        print(f"| {mode} | {da.lut:,.0f} | {ys.lut:,.0f} | {lower:.4%} | {exact.exact_fraction * exact.n_events:.0f}/"
              f"{exact.n_events} | {auc:.3f} |")

    print("\n| HGQ 32-16 @ 6 b input stage | input word | val mean AUC | da4ml LUT |")
    print("|---|---|---|---|")
    for what, input_range in (("full scale 1023 (now)", "full_scale"), ("99.9th percentile (before)", "p999")):
        report = distil(args, work, "hgq", {**pair, "input_range": input_range})
        student = report.student
        w = student.inputs
        design = build_design(student, spec, work / f"inputs-{w.total_bits}-{time.monotonic_ns()}")
        da = cost(design, "da4ml", student, design.root)
        print(f"| {what} | {w.total_bits} bits ({'signed' if w.signed else 'unsigned'}, shift {int(w.shifts.max())}) | "
              f"{report.student_performance.mean('auc', SIGNALS):.3f} | {da.lut:,.0f} |")


if __name__ == "__main__":
    main()
