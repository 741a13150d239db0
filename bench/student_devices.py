"""Logic-gate student training per trial, CPU against CUDA in one run, through the product's own ``LGNStudent.fit``.

Issue #13: a trial given a GPU now trains its logic-gate student there (``student.device: auto``). This trains the
quickstart's two LGN sizes on calo-like events (Poisson region counts, a known target: no dataset needed, so it
runs where only torch is installed, e.g. the GPU machine) for a fixed number of epochs on each device this
process sees, and prints wall seconds per epoch and the CUDA/CPU ratio. The teacher's CPU/CUDA throughput is
``bench/teacher_throughput.py``. Keras students need TensorFlow, which the GPU machine lacks: not measured here.

Usage: python bench/student_devices.py [--events 20000] [--epochs 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch

from flowad.configio import from_mapping
from flowad.student.config import StudentConfig
from flowad.student.lgn import LGNStudent

SIZES = ((512, 256), (1024, 512))
"""The quickstart's ``student.lgn_widths`` choices."""


def calo_like(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.poisson(rng.uniform(0.2, 4.0, (n, 1, 1)), (n, 18, 14)).astype(np.uint16)
    return x, np.log1p(x.reshape(n, -1).sum(1) / 10.0).astype(np.float32)


def seconds_per_epoch(widths: tuple[int, ...], device: str, x, t, xv, tv, epochs: int) -> tuple[float, float]:
    """(median wall seconds per epoch after the first, the final validation loss) of one fit."""
    config = from_mapping(StudentConfig, {"family": "lgn", "widths": list(widths), "bits": 4, "epochs": epochs,
                                          "patience": epochs, "batch_size": 128, "learning_rate": 0.01, "device": device})
    stamps = []

    def on_epoch(record: dict) -> None:
        if device == "cuda":
            torch.cuda.synchronize()
        stamps.append(time.perf_counter())

    begin = time.perf_counter()
    history = LGNStudent(config).fit(x, t, xv, tv, on_epoch=on_epoch)
    per_epoch = np.diff([begin, *stamps])
    return float(np.median(per_epoch[1:] if len(per_epoch) > 1 else per_epoch)), history[-1]["val_loss"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    x, t = calo_like(args.events, 0)
    xv, tv = calo_like(args.events // 4, 1)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none visible (CUDA column not measured)"
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores (torch threads {torch.get_num_threads()}), GPU: {gpu}; "
          f"torch {torch.__version__}; {args.events} training events, batch 128, 4 thresholds per input, {args.epochs} epochs")
    print("\n| LGN widths | " + " | ".join(f"{d} s/epoch" for d in devices) + (" | CPU/CUDA |" if len(devices) == 2 else " |")
          + " | final val loss per device |")
    print("|---|" + "---|" * len(devices) + ("---|" if len(devices) == 2 else "") + "---|")
    for widths in SIZES:
        results = {d: seconds_per_epoch(widths, d, x, t, xv, tv, args.epochs) for d in devices}
        ratio = f" | {results['cpu'][0] / results['cuda'][0]:.1f}×" if len(devices) == 2 else ""
        print(f"| {'-'.join(map(str, widths))} | " + " | ".join(f"{results[d][0]:.2f}" for d in devices) + ratio
              + " | " + " / ".join(f"{results[d][1]:.4f}" for d in devices) + " |")


if __name__ == "__main__":
    main()
