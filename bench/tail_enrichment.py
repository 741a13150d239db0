"""Tail-enriched ZeroBias (:mod:`flowad.data.tail`) against plain ZeroBias: the same 3 kHz cuts from far fewer
crossings, and what a crossing costs.

For each setting of ``--settings`` (a data config whose ZeroBias processes each draw the validation split with one
over-sampling, same seed, pile-up and pool as the benchmark), the weighted 3 kHz cut of each no-ML quantity
(ΣET, max region ET, HT) and its 95 % interval (Poisson bootstrap of the weights) is set beside the cut of
``--plain``'s plain val + test ZeroBias. The table gives per setting: generation ms per crossing (this run, the
plain process timed beside them), Kish's effective crossings, the effective crossings above each cut, and the
**generation time per 100 effective crossings above the max-region-ET cut** relative to plain crossings (the
issue's precision target: ~100 above every rate cut).

Usage: python bench/tail_enrichment.py [--plain data/benchmark-<hash>] [--settings configs/data/tail_settings.yaml]
       [--out data] [--workers 2]
"""

from __future__ import annotations

import argparse
import glob
import os
import time
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from flowad.data import generate, load, load_config
from flowad.data.readers import load_weights
from flowad.metrics.menu import MenuConfig, calibrate_menu
from flowad.metrics.rates import fpr_of
from flowad.metrics.reference import BASELINES
from flowad.metrics.weighted import effective_events, weighted_cut_interval

RATE_KHZ = 3.0


class TimedPool(ProcessPoolExecutor):
    """A process pool that keeps each shard's own generation seconds (:func:`flowad.data.shards.run_shard`)."""

    def __init__(self, workers: int):
        super().__init__(workers, mp_context=get_context("spawn"))
        self.seconds: dict[str, float] = {}

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(lambda f: f.exception() is None and self.seconds.update({f.result()["path"]: f.result()["seconds"]}))
        return future


def quantities(dataset: Path, process: str, splits: tuple[str, ...]) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Each baseline's value per crossing, the crossing weights and the Run-3 2024 menu's decision."""
    loaded = {v: load(dataset, v, [process], splits)[process] for v in ("calo", "objects")}
    views = {v: np.concatenate([by[s] for s in splits]) for v, by in loaded.items()}
    weights = load_weights(dataset, process, splits)
    values = {BASELINES[n].label: b.compute(views[b.view]) for n, b in BASELINES.items()}
    accepts = calibrate_menu(MenuConfig.run3_2024(), views).accepts(views)
    return values, np.concatenate([weights[s] for s in splits]), accepts


def column_cuts(values: dict[str, np.ndarray], weights: np.ndarray,
                menu: np.ndarray) -> dict[str, tuple[float, float, float, float]]:
    """``{"<quantity>" (total budget), "<quantity>, pure" (3 kHz of what the menu rejects): (cut, low, high,
    effective crossings above the cut)}``; the cut is NaN where too few crossings pass it."""
    out = {}
    for q, v in values.items():
        for column, mask in ((q, np.ones(len(menu), bool)), (f"{q}, pure", ~menu)):
            share = float(np.sum(weights[mask]) / np.sum(weights))
            cut, low, high = weighted_cut_interval(v[mask], weights[mask], RATE_KHZ / share)
            above = effective_events(weights[mask][v[mask] > cut]) if np.isfinite(cut) else float("nan")
            out[column] = (cut, low, high, above)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plain", default=None, help="plain dataset with ZeroBias val and test (default: data/benchmark-*)")
    parser.add_argument("--settings", default="configs/data/tail_settings.yaml")
    parser.add_argument("--out", default="data")
    parser.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    plain_dir = Path(args.plain or sorted(glob.glob(f"{args.out}/benchmark-*"))[-1])

    config = load_config(args.settings)
    pool = TimedPool(args.workers)
    start = time.perf_counter()
    dataset = generate(config, args.out, executor=pool)
    pool.shutdown()
    wall = time.perf_counter() - start
    timed = {name: [s for path, s in pool.seconds.items() if path.startswith(f"{name}/")] for name in config.processes}
    ms = {name: 1e3 * sum(t) / sum(config.process_splits(name).values()) if t else float("nan")  # nan: cached, not timed
          for name, t in timed.items()}

    while not (plain_dir / "dataset.json").is_file():  # the plain dataset may still be generating beside this run
        time.sleep(15)
    plain_values, plain_weights, plain_menu = quantities(plain_dir, "zerobias", ("val", "test"))
    truth = column_cuts(plain_values, plain_weights, plain_menu)
    plain_ms = ms.get("zb_plain", float("nan"))
    print(f"plain reference: {plain_dir.name}, {len(plain_weights):,} crossings (val + test); "
          f"~{fpr_of(RATE_KHZ) * len(plain_weights):.0f} above a {RATE_KHZ:g} kHz cut. Pure: the cut at {RATE_KHZ:g} kHz "
          "of the crossings CMS's 2024 menu (MenuConfig.run3_2024) rejects")
    columns = list(truth)
    print("\n| sample | crossings | ms / crossing | Kish eff. | " + " | ".join(f"{c} cut [95 %] (eff. above)" for c in columns)
          + " | time per 100 eff. above the max-region cut, vs plain |")
    print("|---" * (5 + len(columns)) + "|")
    print(f"| plain {plain_dir.name} | {len(plain_weights):,} | {plain_ms:.1f} (zb_plain) | {len(plain_weights):,} | "
          + " | ".join(f"{cut:.0f} [{low:.0f}, {high:.0f}] ({above:.0f})" if np.isfinite(cut) else "too few"
                       for cut, low, high, above in truth.values()) + " | 1 |")
    for name, proc in config.processes.items():
        values, weights, menu = quantities(dataset, name, ("val",))
        cells, per_100 = [], float("nan")
        for c, (cut, low, high, above) in column_cuts(values, weights, menu).items():
            if not np.isfinite(cut):
                cells.append("too few")
                continue
            agree = " ✓" if max(low, truth[c][1]) <= min(high, truth[c][2]) else " ✗ disagrees"
            cells.append(f"{cut:.0f} [{low:.0f}, {high:.0f}] ({above:.0f}){agree}")
            if c == BASELINES["max_region_et"].label and above > 0:
                per_100 = (100 / above * len(weights) * ms[name]) / (100 / fpr_of(RATE_KHZ) * plain_ms)
        p = proc.process
        label = f"{name} (b {p.hard_mean_factor:g}, k {p.pthat_bias_power:g})" if p.tail_splits else f"{name} (plain)"
        print(f"| {label} | {len(weights):,} | {ms[name]:.1f} | {effective_events(weights):,.0f} | " + " | ".join(cells)
              + (f" | {per_100:.3f} |" if np.isfinite(per_100) else " | – |"))
    print(f"\n{len(os.sched_getaffinity(0))} cores, {args.workers} workers; generation {wall:.0f} s "
          f"(0 if {dataset.name} was cached: then ms / crossing is nan)")


if __name__ == "__main__":
    main()
