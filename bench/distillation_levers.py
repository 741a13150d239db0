"""What each distillation lever gives, where the trigger lives (issue 23, item 1).

One QKeras-style, one HGQ and one LGN student of the quickstart's space, distilled from the quickstart teacher (maf
d4) on the demo data with the quickstart's recipe and then with one lever added at a time. Reported on validation
(a distillation never reads test), means over the quickstart's five signals:

- AUC retained, (student AUC − ½) / (teacher AUC − ½), and the student's AUC;
- kept together: of the signal events the teacher's 3 kHz cut keeps, the share the student's 3 kHz cut keeps too,
  every signal of the dataset pooled (the demo's nine: the four heavy ones the menu keeps are most of it, and a
  student that ranks energetic crossings higher than its teacher keeps them for that reason);
- kept together on the five: the same over the five signals only, with the number of events the teacher keeps
  there (61 on the demo's validation split: a fraction of them is good to ±0.06);
- pure efficiency at 3 kHz, the student's beside the teacher's;
- Spearman teacher ↔ student on ZeroBias, and each score's Spearman with ΣET on ZeroBias.

Pile-up remixing (:mod:`flowad.distill.remix`) adds teacher-labelled copies of the training crossings with more
soft interactions from the train pool: examples where ΣET moves and the pile-up-subtracting teacher's score barely
does, which is what the students' ΣET correlation says they lack.
Tail mining (:mod:`flowad.distill.tail_mining`) keeps, of many more remixed candidates, those the teacher scores
above its 99.9th training percentile: new training crossings where the 3 kHz cut lives, which the 30k natural
ones hold almost none of.

With ``--seeds N`` > 1 each row is the mean over N seeds (student initialisation and augmentation draws), AUC retained
and kept together ± their standard error.

Usage: python bench/distillation_levers.py [--data configs/data/demo.yaml] [--cache data] [--seeds 1] [--first-seed 0]
       [--students "qkeras 32-16 @6b"] [--levers 0,2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

import numpy as np

from flowad.configio import from_mapping
from flowad.distill import DistillConfig, run_distillation
from flowad.metrics.agreement import auc_retained

TEACHER = {"kind": "flow", "view": "calo", "architecture": "maf", "depth": 4, "hidden": 128, "pileup_subtraction": True,
           "epochs": 40, "patience": 5}
SIGNALS = ["haa4b_15", "haa4tau_15", "htautau_60", "a4l_50", "dark_shower_125"]
STUDENTS = {
    "qkeras 32-16 @6b": {"family": "qkeras", "widths": [32, 16], "bits": 6},
    "hgq 32-16 @6b": {"family": "hgq", "widths": [32, 16], "bits": 6, "beta": 1e-7},
    "qkeras 64-32 @6b": {"family": "qkeras", "widths": [64, 32], "bits": 6},
    "hgq 64-32 @6b": {"family": "hgq", "widths": [64, 32], "bits": 6, "beta": 1e-7},
    "hgq 64-32 @6b β1e-8": {"family": "hgq", "widths": [64, 32], "bits": 6, "beta": 1e-8},
    "hgq 64-32 @6b β0": {"family": "hgq", "widths": [64, 32], "bits": 6, "beta": 0.0},
    "qkeras 64-32 @16b i6": {"family": "qkeras", "widths": [64, 32], "bits": 16, "integer_bits": 6},
    "lgn 1024-512 @6 thr": {"family": "lgn", "widths": [1024, 512], "bits": 6, "learning_rate": 0.01, "batch_size": 128},
    "lgn 1024-512 @6 thr pus": {"family": "lgn", "widths": [1024, 512], "bits": 6, "learning_rate": 0.01, "batch_size": 128,
                                "pileup_subtraction": True},
}
QUICKSTART = {"student": {"epochs": 15, "patience": 4}, "augment": {"fraction": 1.0, "max_scale": 8},
              "outlier_exposure": {"quantile": 0.99, "factor": 1.0}, "remix": {}}
LEVERS = {
    "quickstart recipe (15 epochs, patience 4, energy augmentation ×1)": {},
    "− energy augmentation (ZeroBias only)": {"augment": {"fraction": 0.0}},
    "+ 60 epochs, patience 10": {"student": {"epochs": 60, "patience": 10}},
    "+ tail weighted ×4 above the 99th percentile (60 epochs)": {
        "student": {"epochs": 60, "patience": 10}, "outlier_exposure": {"quantile": 0.99, "factor": 4.0}},
    "+ tail weighted ×16 above the 99.9th percentile (60 epochs)": {
        "student": {"epochs": 60, "patience": 10}, "outlier_exposure": {"quantile": 0.999, "factor": 16.0}},
    "+ 3× hotter synthetic outliers, up to ×16 energy (60 epochs)": {
        "student": {"epochs": 60, "patience": 10}, "augment": {"fraction": 3.0, "max_scale": 16}},
    "+ pile-up remixed ×2, up to +30 interactions (60 epochs)": {
        "student": {"epochs": 60, "patience": 10}, "remix": {"fraction": 2.0, "max_extra_pileup": 30}},
    "+ pile-up remixed ×4, up to +60 interactions (60 epochs)": {
        "student": {"epochs": 60, "patience": 10}, "remix": {"fraction": 4.0, "max_extra_pileup": 60}},
    "+ pile-up remixed ×4 and 3× hotter synthetic outliers (60 epochs)": {
        "student": {"epochs": 60, "patience": 10}, "remix": {"fraction": 4.0, "max_extra_pileup": 60},
        "augment": {"fraction": 3.0, "max_scale": 16}},
    "+ pile-up remixed ×4 and the teacher's tail mined from ×20 remixed candidates (60 epochs)": {
        "student": {"epochs": 60, "patience": 10}, "remix": {"fraction": 4.0, "max_extra_pileup": 60},
        "tail_mining": {"candidates": 20.0, "quantile": 0.999, "max_extra_pileup": 60}},
    "+ pile-up remixed ×4 and localised deposits injected ×1 (60 epochs)": {
        "student": {"epochs": 60, "patience": 10}, "remix": {"fraction": 4.0, "max_extra_pileup": 60},
        "injection": {"fraction": 1.0, "max_deposits": 4, "min_gev": 5.0, "max_gev": 200.0}},
}


def merged(base: dict, extra: dict) -> dict:
    return {k: {**base.get(k, {}), **extra.get(k, {})} for k in set(base) | set(extra)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="configs/data/demo.yaml")
    parser.add_argument("--cache", default="data")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds run are first-seed … first-seed + seeds − 1")
    parser.add_argument("--students", default="qkeras 32-16 @6b,hgq 32-16 @6b,lgn 1024-512 @6 thr",
                        help=f"comma-separated, of: {', '.join(STUDENTS)}")
    parser.add_argument("--levers", default="", help="comma-separated numbers of the levers to run (0: the quickstart "
                        "recipe; default: all)")
    args = parser.parse_args()
    unknown = [label for label in args.students.split(",") if label not in STUDENTS]
    if unknown:
        parser.error(f"unknown student {', '.join(unknown)} (known: {', '.join(STUDENTS)})")
    work = tempfile.mkdtemp(prefix="flowad-levers-")
    print("| student | distillation | AUC retained | AUC (teacher) | kept together | kept together on the five (of) | "
          "pure eff (teacher) | Spearman | ΣET ρ student (teacher) | epochs | s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label in args.students.split(","):
        chosen = {int(i) for i in args.levers.split(",")} if args.levers else set(range(len(LEVERS)))
        for lever, extra in (item for i, item in enumerate(LEVERS.items()) if i in chosen):
            rows = []
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                settings = merged(QUICKSTART, extra)
                config = from_mapping(DistillConfig, {
                    "data": {"path": args.data, "cache": args.cache}, "teacher": TEACHER,
                    "student": {**STUDENTS[label], **settings["student"], "seed": seed},
                    "augment": settings["augment"], "outlier_exposure": settings["outlier_exposure"],
                    "remix": settings["remix"], "tail_mining": settings.get("tail_mining", {}),
                    "injection": settings.get("injection", {}), "seed": seed,
                    "out": f"{work}/{label.replace(' ', '_')}-{seed}-{time.monotonic_ns()}"})
                start = time.perf_counter()
                report = run_distillation(config)
                print(f"{label}, {lever}, seed {seed}: student in {config.out}", file=sys.stderr, flush=True)
                student, teacher = report.student_performance, report.teacher_performance
                kept_by_teacher = {p: teacher.signals[p].tpr.value * teacher.signals[p].n_signal for p in SIGNALS}
                n_five = sum(kept_by_teacher.values())
                kept_five = sum(report.agreement[p]["kept_together"] * n for p, n in kept_by_teacher.items() if n > 0)
                rows.append({
                    "retained": auc_retained(student.mean("auc", SIGNALS), teacher.mean("auc", SIGNALS)),
                    "kept_five": kept_five / n_five if n_five > 0 else float("nan"), "n_five": n_five,
                    "auc": student.mean("auc", SIGNALS), "teacher_auc": teacher.mean("auc", SIGNALS),
                    "kept": report.fidelity["kept_together"], "pure": student.mean("pure_tpr", SIGNALS),
                    "teacher_pure": teacher.mean("pure_tpr", SIGNALS),
                    "spearman": report.agreement["zerobias"]["spearman"],
                    "sum_et": report.fidelity["student_sum_et_spearman"],
                    "teacher_sum_et": report.fidelity["teacher_sum_et_spearman"],
                    "epochs": len(report.history), "seconds": time.perf_counter() - start})
            mean = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
            spread = {k: f" ± {np.std([r[k] for r in rows], ddof=1) / np.sqrt(len(rows)):.3f}" if len(rows) > 1 else ""
                      for k in ("retained", "kept", "kept_five")}
            print(f"| {label} | {lever} | {mean['retained']:.3f}{spread['retained']} | {mean['auc']:.3f} ({mean['teacher_auc']:.3f}) | "
                  f"{mean['kept']:.2f}{spread['kept']} | {mean['kept_five']:.2f}{spread['kept_five']} ({mean['n_five']:.0f}) | "
                  f"{mean['pure']:.4f} ({mean['teacher_pure']:.4f}) | {mean['spearman']:.3f} | "
                  f"{mean['sum_et']:.2f} ({mean['teacher_sum_et']:.2f}) | {mean['epochs']:.0f} | {mean['seconds']:.0f} |",
                  flush=True)


if __name__ == "__main__":
    main()
