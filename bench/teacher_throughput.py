"""Teacher throughput, CPU against CUDA in one run: prints a markdown table with the ratios side by side.

For each teacher (the search's flow, a larger flow, the other flow architectures, the CICADA-style CAE)
and training batch size, it trains through the product's own path (:func:`flowad.teacher.train_teacher`:
per-epoch dequantization, minibatch Adam, validation each epoch) and scores through
:meth:`Teacher.score`. Throughput is events per second of wall time:

* train: the median over epochs after the first (the first pays for CUDA context, kernel choice and
  allocator warm-up) of training steps alone (the epoch's dequantization included, validation not);
* inference: scoring the test events again after one warm-up pass, host→device copy and result copy
  included; both through :meth:`Teacher.score` (preprocessing on the model's device) and the way it
  scored before (numpy preprocessing on the host), with the largest score difference between the two.

Usage: python bench/teacher_throughput.py [--data data/demo] [--train-events 24000] [--epochs 4]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import torch

from flowad.data import load
from flowad.teacher import TeacherConfig, train_teacher
from flowad.teacher.training import per_event

TEACHERS = {
    "flow nsf d4 h64 (search default)": {"kind": "flow", "architecture": "nsf", "depth": 4, "hidden": 64},
    "flow nsf d8 h256": {"kind": "flow", "architecture": "nsf", "depth": 8, "hidden": 256},
    "flow realnvp d4 h64": {"kind": "flow", "architecture": "realnvp", "depth": 4, "hidden": 64},
    "flow maf d4 h64": {"kind": "flow", "architecture": "maf", "depth": 4, "hidden": 64},
    "cae (CICADA-style)": {"kind": "cae", "depth": 2, "hidden": 20, "latent": 32},
}
BATCH_SIZES = (256, 4096)


def tile(x: np.ndarray, n: int) -> np.ndarray:
    """``n`` events: ``x`` repeated (throughput does not care that events repeat)."""
    return np.resize(x, (n, *x.shape[1:])) if n > len(x) else x[:n]


def rate(fn, events: int, device: str) -> float:
    """Events per second of ``fn()`` after one warm-up call."""
    fn()
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    return events / (time.perf_counter() - start)


def score_host_preprocessed(teacher, x: np.ndarray) -> np.ndarray:
    """Scoring as it was before preprocessing moved to the device: numpy on the host, then one copy."""
    device = next(teacher.module.parameters()).device
    inputs = torch.from_numpy(teacher.preprocessor.transform(x)).to(device)
    return per_event(teacher.module, inputs).double().cpu().numpy()


def measure(spec: dict, batch_size: int, device: str, train: np.ndarray, val: np.ndarray,
            test: np.ndarray, epochs: int) -> dict:
    config = TeacherConfig(**spec, view="calo", epochs=epochs, patience=epochs, batch_size=batch_size,
                           device=device, seed=0)
    teacher = train_teacher(config, train, val)
    difference = np.abs(teacher.score(test) - score_host_preprocessed(teacher, test)).max()
    return {"train": statistics.median(h["train_events_per_s"] for h in teacher.history[1:]),
            "infer": rate(lambda: teacher.score(test), len(test), device),
            "infer_host": rate(lambda: score_host_preprocessed(teacher, test), len(test), device),
            "difference": float(difference)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="data/demo")
    parser.add_argument("--train-events", type=int, default=24_000)
    parser.add_argument("--test-events", type=int, default=50_000)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--teachers", nargs="*", default=list(TEACHERS), help="names from TEACHERS")
    args = parser.parse_args()
    calo = load(args.data, "calo", processes=["zerobias"])["zerobias"]
    train, val = tile(calo["train"], args.train_events), calo["val"]
    test = tile(calo["test"], args.test_events)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "none"
    print(f"# teacher throughput: {platform.machine()}, {os.cpu_count()} CPUs, {torch.get_num_threads()} torch "
          f"threads, torch {torch.__version__}, GPU {gpu}")
    print(f"# {len(train):,} training events (calo, 252 features), {len(val):,} validation, {len(test):,} scored; "
          f"{args.epochs} epochs, train rate = median of epochs 2..{args.epochs}\n")
    print("| teacher | batch | CPU train ev/s | CUDA train ev/s | CUDA/CPU | CPU infer ev/s (host prep → score) "
          "| CUDA infer ev/s (host prep → score) | CUDA/CPU score | max abs Δ score |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in args.teachers:
        for batch_size in BATCH_SIZES:
            rows = {d: measure(TEACHERS[name], batch_size, d, train, val, test, args.epochs) for d in devices}
            cpu, cuda = rows["cpu"], rows.get("cuda")
            cells = [f"{cpu['train']:,.0f}", f"{cuda['train']:,.0f}" if cuda else "n/a",
                     f"{cuda['train'] / cpu['train']:.1f}×" if cuda else "n/a",
                     f"{cpu['infer_host']:,.0f} → {cpu['infer']:,.0f}",
                     f"{cuda['infer_host']:,.0f} → {cuda['infer']:,.0f}" if cuda else "n/a",
                     f"{cuda['infer'] / cpu['infer']:.1f}×" if cuda else "n/a",
                     f"{max(r['difference'] for r in rows.values()):.1e}"]
            print(f"| {name} | {batch_size} | " + " | ".join(cells) + " |", flush=True)

if __name__ == "__main__":
    main()
