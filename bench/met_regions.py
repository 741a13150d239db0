"""Can a pile-up-mitigated MET be made from the stored calorimeter regions? The rate above 90 GeV (L1_ETMHF90's
threshold) and the cut at 8 kHz of the stored MET (all towers, |η| < 5) beside region-level variants: the raw vector
sum of the 18 × 14 regions (|η| < 3), each η ring's median over φ subtracted (floored at 0), and that with a
threshold on what is left (issue 22, the ETMHF question; bench/met_pileup.py asks the same of tower thresholds on
fresh crossings). Also each variant's efficiency at 90 GeV on a few signals.

Usage: python bench/met_regions.py [--data data/benchmark_plain] [--splits val]
"""

from __future__ import annotations

import argparse

import numpy as np

from flowad.data import load
from flowad.data.geometry import N_PHI_REGIONS
from flowad.data.views import CALO_SHAPE
from flowad.metrics import l1_quantities as q
from flowad.metrics.rates import fpr_of, khz_of

PHI = (np.arange(N_PHI_REGIONS) + 0.5) * 2 * np.pi / N_PHI_REGIONS
SIGNALS = ("a4l_50", "haa4tau_15", "dark_shower_400", "ttbar")


def vector_sum(regions: np.ndarray) -> np.ndarray:
    """|Σ ET (cos φ, sin φ)| over (N, 18 φ, 14 η) region ET in GeV."""
    px = (regions * np.cos(PHI)[None, :, None]).sum((1, 2))
    py = (regions * np.sin(PHI)[None, :, None]).sum((1, 2))
    return np.hypot(px, py)


def variants(calo: np.ndarray, objects: np.ndarray) -> dict[str, np.ndarray]:
    regions = calo.reshape(-1, *CALO_SHAPE).astype(np.float64)
    residual = regions - np.median(regions, axis=1, keepdims=True)
    out = {"stored MET, towers within η ±5": q.met(objects), "regions, raw": vector_sum(regions),
           "regions, ring median subtracted": vector_sum(np.maximum(residual, 0))}
    for t in (4, 8):
        out[f"regions, median subtracted, > {t} GeV left"] = vector_sum(np.where(residual > t, residual, 0))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="data/benchmark_plain")
    parser.add_argument("--splits", nargs="*", default=["val"])
    args = parser.parse_args()

    def views(process: str) -> dict[str, np.ndarray]:
        loaded = {v: load(args.data, v, [process], args.splits)[process] for v in ("calo", "objects")}
        return variants(*(np.concatenate([loaded[v][s] for s in args.splits]) for v in ("calo", "objects")))

    zerobias = views("zerobias")
    signals = {s: views(s) for s in SIGNALS}
    n = len(next(iter(zerobias.values())))
    print(f"{args.data}, {'+'.join(args.splits)}: {n:,} ZeroBias crossings\n")
    print("| MET variant | mean (GeV) | rate > 90 GeV (kHz) | crossings | cut at 8 kHz (GeV) | "
          + " | ".join(f"{s} > 90 GeV" for s in SIGNALS) + " |")
    print("|---" * (5 + len(SIGNALS)) + "|")
    for name, v in zerobias.items():
        above = int(np.sum(v >= 90))
        print(f"| {name} | {v.mean():.1f} | {khz_of(above / n):.1f} | {above:,} | {np.quantile(v, 1 - fpr_of(8.0)):.1f} | "
              + " | ".join(f"{np.mean(signals[s][name] >= 90):.3f}" for s in SIGNALS) + " |")


if __name__ == "__main__":
    main()
