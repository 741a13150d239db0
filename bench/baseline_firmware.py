"""The no-ML baselines as firmware: yosys cost of each design, and its bit-exactness to numpy in Icarus Verilog.

Prints one row per baseline (ΣET, max region ET, HT) with LUT, FF, CARRY, latency, the seconds yosys took, and
the fraction of random inputs on which the simulated Verilog decides as the numpy quantity does.

Usage: python bench/baseline_firmware.py [--part xc7vx690tffg1927-2] [--events 300]
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from flowad.hardware.baseline_firmware import (BASELINE_DESIGNS, HT_JET_IETA_MAX, HT_JET_PT_MIN, JET_IETA_BITS,
                                               JET_PT_BITS, REGION_BITS, estimate_baselines, simulate, write_baseline)
from flowad.hardware.config import HardwareConfig
from flowad.metrics.l1_quantities import max_region_et, sum_et


def agreement(name: str, events: int, workdir: Path) -> float:
    """Fraction of random events where the Verilog's decision equals numpy's (NaN without Icarus)."""
    if not shutil.which("iverilog"):
        return float("nan")
    rng = np.random.default_rng(0)
    design = write_baseline(name, workdir)
    if name == "ht":
        pt, ieta = rng.integers(0, 200, (events, 10)), rng.integers(-56, 57, (events, 10))
        fired = simulate(design, np.stack([pt, ieta], 2).reshape(events, 20), [JET_PT_BITS, JET_IETA_BITS] * 10, 250)
        expected = np.where((pt > HT_JET_PT_MIN) & (np.abs(ieta) <= HT_JET_IETA_MAX), pt, 0).sum(1) > 250
    else:
        regions = rng.integers(0, 60, (events, 18, 14))
        regions[::5, rng.integers(0, 18), rng.integers(0, 14)] = 2**REGION_BITS - 1
        quantity, threshold = (max_region_et, 400) if name == "max_region_et" else (sum_et, 7450)
        fired = simulate(design, regions.reshape(events, -1), [REGION_BITS] * 252, threshold)
        expected = quantity(regions) > threshold
    return float(np.mean(fired == expected))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", default=HardwareConfig.part)
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()
    config = HardwareConfig(part=args.part)
    with tempfile.TemporaryDirectory(prefix="flowad-baselines-") as tmp:
        start = time.perf_counter()
        reports = estimate_baselines(config, Path(tmp) / "yosys")
        seconds = time.perf_counter() - start
        print(f"machine: {platform.machine()}; part {config.part} at {config.clock_period_ns} ns; yosys took {seconds:.0f} s")
        print("| baseline | LUT | FF | CARRY | latency (cycles) | latency (ns) | bit-exact to numpy |")
        print("|---|---|---|---|---|---|---|")
        for name in BASELINE_DESIGNS:
            r = reports[name]
            if not r.available:
                print(f"| {name} | n/a: {r.notes} | | | | | |")
                continue
            carry = re.search(r"(\d+) CARRY", r.notes)
            exact = agreement(name, args.events, Path(tmp) / "sim")
            print(f"| {name} | {r.lut:,.0f} | {r.ff:,.0f} | {carry.group(1) if carry else 'n/a'} | {r.latency_cycles:.0f} | "
                  f"{r.latency_ns:.2f} | {exact:.3f} of {args.events} |")


if __name__ == "__main__":
    main()
