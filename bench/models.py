"""Model benchmark for the closing note (issue #3): prints markdown tables.

1. Flow vs CAE teacher AUC per signal, mean ± std over seeds, same data (calo view).
2. Each student family at 2-3 sizes/precisions: AUC retained vs the teacher, EMD, Spearman (+ an ablation
   without teacher-labelled augmentation).
3. Teacher training and inference throughput on CPU (and CUDA when this machine has it).

Usage: python bench/models.py [--data data/demo] [--seeds 3] [--quick]
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time

import numpy as np
import torch

from flowad.configio import from_mapping
from flowad.data import load
from flowad.distill import DistillConfig, run_distillation
from flowad.metrics import roc_auc
from flowad.teacher import TeacherConfig, train_teacher

TEACHERS = {
    "flow nsf (calo)": {"kind": "flow", "view": "calo", "architecture": "nsf", "depth": 4, "hidden": 64},
    "flow realnvp (calo)": {"kind": "flow", "view": "calo", "architecture": "realnvp", "depth": 4, "hidden": 64},
    "cae (calo)": {"kind": "cae", "view": "calo", "depth": 2, "hidden": 20, "latent": 32},
}
STUDENTS = [
    ("qkeras", {"widths": [16, 8], "bits": 6, "integer_bits": 2}, True),
    ("qkeras", {"widths": [32, 16], "bits": 8, "integer_bits": 2}, True),
    ("qkeras", {"widths": [32, 16], "bits": 8, "integer_bits": 2}, False),
    ("hgq", {"widths": [16, 8], "bits": 6, "beta": 1e-7}, True),
    ("hgq", {"widths": [32, 16], "bits": 8, "beta": 1e-7}, True),
    ("hgq", {"widths": [32, 16], "bits": 8, "beta": 1e-6}, True),
    ("lgn", {"widths": [512, 256], "bits": 2, "learning_rate": 0.01, "batch_size": 128}, True),
    ("lgn", {"widths": [1024, 1024, 512], "bits": 3, "learning_rate": 0.01, "batch_size": 128}, True),
]


def teacher_table(data: str, seeds: int, epochs: int) -> dict:
    calo = load(data, "calo")
    bg = calo["zerobias"]
    signals = [p for p in calo if p != "zerobias"]
    results, throughput = {}, {}
    for name, spec in TEACHERS.items():
        aucs = {s: [] for s in signals}
        for seed in range(seeds):
            config = TeacherConfig(**spec, seed=seed, epochs=epochs, patience=5, device="cpu")
            start = time.perf_counter()
            teacher = train_teacher(config, bg["train"], bg["val"])
            train_seconds = time.perf_counter() - start
            start = time.perf_counter()
            background = teacher.score(bg["test"])
            infer = len(bg["test"]) / (time.perf_counter() - start)
            for s in signals:
                aucs[s].append(roc_auc(background, teacher.score(calo[s]["test"])))
            if seed == 0:
                throughput[name] = {"train": np.median([h["train_events_per_s"] for h in teacher.history]),
                                    "infer": infer, "epochs": len(teacher.history), "seconds": train_seconds,
                                    "cuda": cuda_throughput(spec, bg)}
        results[name] = aucs
    return {"aucs": results, "throughput": throughput, "signals": signals, "n_train": len(bg["train"])}


def cuda_throughput(spec: dict, bg: dict) -> str:
    if not torch.cuda.is_available():
        return "no GPU on this machine"
    config = TeacherConfig(**spec, epochs=3, device="cuda")
    teacher = train_teacher(config, bg["train"], bg["val"])
    start = time.perf_counter()
    teacher.score(bg["test"])
    torch.cuda.synchronize()
    infer = len(bg["test"]) / (time.perf_counter() - start)
    train = np.median([h["train_events_per_s"] for h in teacher.history])
    return f"train {train:,.0f} / infer {infer:,.0f} ev/s ({torch.cuda.get_device_name()})"


def student_table(data: str, epochs: int, teacher_epochs: int) -> list[dict]:
    rows = []
    cache = tempfile.mkdtemp(prefix="flowad-bench-models-")
    for family, spec, augmented in STUDENTS:
        config = from_mapping(DistillConfig, {
            "data": {"path": data, "cache": cache},
            "teacher": {**TEACHERS["flow nsf (calo)"], "epochs": teacher_epochs, "patience": 5},
            "student": {"family": family, "epochs": epochs, **spec},
            "augment": {"fraction": 1.0 if augmented else 0.0, "max_scale": 8},
            "outlier_exposure": {"factor": 5.0 if family == "lgn" else 1.0},
            "out": f"{cache}/out",
        })
        start = time.perf_counter()
        report = run_distillation(config)
        seconds = time.perf_counter() - start
        rows.append({"family": family, "spec": spec, "augmented": augmented, "metrics": report.metrics,
                     "agreement": report.agreement, "summary": report.summary, "seconds": seconds})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="data/demo")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="1 seed, few epochs: a smoke run, not for the note")
    args = parser.parse_args()
    seeds, t_epochs, s_epochs = (1, 3, 3) if args.quick else (args.seeds, 40, 40)
    torch.set_num_threads(2)
    print(f"# flowad model benchmark — {platform.machine()}, {torch.get_num_threads()} torch threads, "
          f"torch {torch.__version__}, data {args.data}\n")

    teachers = teacher_table(args.data, seeds, t_epochs)
    signals = teachers["signals"]
    print(f"## 1. Teacher AUC per signal, mean ± std over {seeds} seeds (calo view, {teachers['n_train']} ZeroBias training events)\n")
    print("| teacher | " + " | ".join(signals) + " |")
    print("|---|" + "---|" * len(signals))
    for name, aucs in teachers["aucs"].items():
        print(f"| {name} | " + " | ".join(f"{np.mean(aucs[s]):.3f} ± {np.std(aucs[s]):.3f}" for s in signals) + " |")
    best_flow = {s: max(np.mean(teachers["aucs"][n][s]) for n in teachers["aucs"] if n.startswith("flow")) for s in signals}
    wins = [s for s in signals if best_flow[s] > np.mean(teachers["aucs"]["cae (calo)"][s])]
    print(f"\nflow beats the CAE on {len(wins)} of {len(signals)} signals: {', '.join(wins) or 'none'}")

    print("\n## 2. Students distilled from the flow (nsf) teacher, test split\n")
    print("| family | size | bits | augmented | " + " | ".join(f"AUC {s} (retained)" for s in signals)
          + " | EMD bg | Spearman bg | Spearman sig (mean) | size facts | s |")
    print("|---|---|---|---|" + "---|" * len(signals) + "---|---|---|---|---|")
    for r in student_table(args.data, s_epochs, t_epochs):
        m, a = r["metrics"], r["agreement"]
        extra = f" β={r['spec']['beta']:g}" if "beta" in r["spec"] else ""
        facts = ", ".join(f"{k} {v:,.0f}" for k, v in r["summary"].items())
        spearman_sig = np.mean([a[s]["spearman"] for s in signals])
        print(f"| {r['family']}{extra} | {r['spec']['widths']} | {r['spec']['bits']} | {'yes' if r['augmented'] else 'no'} | "
              + " | ".join(f"{m[s]['student_auc']:.3f} ({m[s]['auc_retained']:.2f})" for s in signals)
              + f" | {a['zerobias']['emd']:.2f} | {a['zerobias']['spearman']:.2f} | {spearman_sig:.2f} | {facts} | {r['seconds']:.0f} |")

    print("\n## 3. Teacher throughput (seed 0; events/s)\n")
    print("| teacher | CPU train | CPU inference | epochs to early stop | train s | CUDA |")
    print("|---|---|---|---|---|---|")
    for name, t in teachers["throughput"].items():
        print(f"| {name} | {t['train']:,.0f} | {t['infer']:,.0f} | {t['epochs']} | {t['seconds']:.0f} | {t['cuda']} |")


if __name__ == "__main__":
    main()
