"""How large must a pile-up pool be for a 3 kHz ZeroBias cut? Old premixing against soft pool + fresh hard.

For each pile-up model and pool size, two independent replicas (own pools, own events, own seeds) of
``--crossings`` ZeroBias crossings at ⟨μ⟩ = 60 are made with the product's own functions, and the 3 kHz cut
of two calo baselines (max region ET, ΣET) is set on replica A and applied to replica B. With an honest
ZeroBias sample the rate on B is 3 kHz within its statistical spread (~±1 kHz at 100k crossings); a
handful of reused hard events shows up as a cut that moves with the pool and a rate on B far from 3 kHz.

- ``premix all``: the former model, a fresh non-diffractive primary plus Poisson(60) interactions drawn
  from a pool of N inelastic events, hard ones included;
- ``soft pool + fresh hard``: the model the data generator uses now (:mod:`flowad.data.pileup`): the pool
  holds N interactions with p̂T and every visible particle's pT ≤ 20 GeV; Poisson(60 r) fresh HardQCD
  interactions (p̂T > 20 GeV) per crossing.

Usage: python bench/pileup_pool.py [--crossings 100000] [--pools 2500 10000 50000]
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

MODELS = ("premix all", "soft pool + fresh hard")
MU = 60.0
HARD_PTHAT_GEV = 20.0
BATCH = 2500


def replica(seed: int, crossings: int, pools: list[int], models: tuple[str, ...] = MODELS) -> dict:
    from flowad.data.config import DetectorConfig
    from flowad.data.detector import respond
    from flowad.data.pileup import (PILEUP_SETTINGS, attach, concat_events, empty_deposits, hard_pileup_settings,
                                    is_hard, overlay)
    from flowad.data.pythia_source import PythiaSource, run_settings
    from flowad.data.shards import keep_freed_memory
    from flowad.data.views import calo_view, tower_grid
    from flowad.metrics.l1_quantities import max_region_et, sum_et

    keep_freed_memory()
    det = DetectorConfig()
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    source = PythiaSource(run_settings(13600, 1000 + seed, PILEUP_SETTINGS))
    events, hard = [], []
    while sum(e.n_events for e in events) < max(pools):
        particles, pthat = source.next_batch_with_scale(BATCH)
        events.append(respond(particles, det, rng))
        hard.append(is_hard(particles, pthat, HARD_PTHAT_GEV))
    inelastic = concat_events(events)
    soft_index = np.flatnonzero(~np.concatenate(hard))
    hard_fraction = 1 - len(soft_index) / inelastic.n_events
    primaries = PythiaSource(run_settings(13600, 2000 + seed, ["SoftQCD:nonDiffractive = on"])) if "premix all" in models else None
    hard = PythiaSource(run_settings(13600, 3000 + seed, hard_pileup_settings(HARD_PTHAT_GEV)))
    n_hard = rng.poisson(MU * hard_fraction, crossings)
    fresh_hard = concat_events([respond(hard.next_batch(int(n.sum())), det, rng) for n in np.array_split(n_hard, crossings // BATCH)
                                if n.sum()])
    prepared = time.perf_counter() - start

    def subset(table_index: np.ndarray):
        from flowad.data.detector import Deposits

        keep = np.zeros(inelastic.n_events, bool)
        keep[table_index] = True
        return Deposits(*(getattr(inelastic, part).take_events(keep) for part in ("towers", "eg", "muons")))

    results = {}
    primary_batches = [respond(primaries.next_batch(BATCH), det, rng) for _ in range(crossings // BATCH)] if primaries else []
    hard_owner_start = np.concatenate([[0], np.cumsum(n_hard)])
    for size in pools:
        for model in models:
            pool = subset(np.arange(size) if model == "premix all" else soft_index[:size])
            quantities = {"max region ET": [], "ΣET": []}
            for b in range(crossings // BATCH):
                if model == "premix all":
                    crossing, _ = overlay(primary_batches[b], pool, MU, rng)
                else:
                    crossing, _ = overlay(empty_deposits(BATCH), pool, MU * (1 - hard_fraction), rng)
                    counts = n_hard[b * BATCH:(b + 1) * BATCH]
                    first = hard_owner_start[b * BATCH]
                    chosen = first + np.arange(int(counts.sum()))
                    crossing = attach(crossing, fresh_hard, chosen, np.repeat(np.arange(BATCH), counts))
                calo = calo_view(tower_grid(crossing.towers, det), det)
                quantities["max region ET"].append(max_region_et(calo))
                quantities["ΣET"].append(sum_et(calo))
            results[(model, size)] = {k: np.concatenate(v) for k, v in quantities.items()}
    return {"results": results, "hard_fraction": hard_fraction, "prepare_s": prepared, "total_s": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--crossings", type=int, default=100_000)
    parser.add_argument("--pools", type=int, nargs="+", default=[2500, 10_000, 50_000])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    args = parser.parse_args()
    from flowad.metrics.rates import khz_of, rate_threshold

    with ProcessPoolExecutor(2) as pool:
        a, b = pool.map(replica, [1, 2], [args.crossings] * 2, [args.pools] * 2, [tuple(args.models)] * 2)
    print(f"{args.crossings:,} ZeroBias crossings per replica, <mu> = {MU:g}; hard share of inelastic (p̂T > "
          f"{HARD_PTHAT_GEV:g} GeV): {a['hard_fraction']:.4f} / {b['hard_fraction']:.4f}; "
          f"replica wall time {a['total_s']:.0f} s / {b['total_s']:.0f} s on {len(os.sched_getaffinity(0))} cores")
    print("| pile-up model | pool events | uses of each pool event | quantity | 3 kHz cut on A | cut on B | rate of A's cut on B (kHz) |")
    print("|---|---|---|---|---|---|---|")
    for (model, size), quantities in a["results"].items():
        for name, values in quantities.items():
            other = b["results"][(model, size)][name]
            cut_a, cut_b = rate_threshold(values, 3.0), rate_threshold(other, 3.0)
            rate = khz_of(np.count_nonzero(other > cut_a.value) / len(other))
            uses = args.crossings * MU / size
            print(f"| {model} | {size:,} | {uses:,.0f} | {name} | {cut_a.value:.0f} | {cut_b.value:.0f} | {rate:.2f} |")


if __name__ == "__main__":
    main()
