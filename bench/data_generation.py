"""Data-generation benchmark: prints tables for the closing note (issue #2).

1. Per process, one core: Pythia alone vs Pythia + feature extraction (target: extraction ≤ 30 %).
2. Premixing once the pool exists: bunch crossings/s (target ≥ 2,000/s), vs simulating fresh pile-up.
3. Disk bytes per 1,000 events per view, from a real generated dataset.
4. Wall time of the same dataset with 1 and 2 worker processes.

Usage: python bench/data_generation.py [--events N] [--quick]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from flowad.configio import from_mapping
from flowad.data import DataConfig, generate
from flowad.data.detector import respond
from flowad.data.pileup import PILEUP_SETTINGS, concat_events, overlay
from flowad.data.processes import build_process
from flowad.data.pythia_source import PythiaSource, run_settings
from flowad.data.pythia_source import visible_particles
from flowad.data.shards import _output_to, keep_freed_memory
from flowad.data.storage import column_bytes
from flowad.data.views import calo_view, objects_view, tower_grid

PROCESSES = [("zerobias", {}), ("ttbar", {}), ("wprime", {"mass_gev": 2000}), ("stop_pair", {}), ("haa4b", {})]
DET = from_mapping(DataConfig, {"name": "b", "processes": {"z": {"kind": "zerobias", "events": 1}}}).detector
MU = 60.0
LOG = Path(tempfile.gettempdir()) / "flowad-bench-pythia.log"


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def make_pool(n: int, rng: np.random.Generator):
    with _output_to(LOG):
        source = PythiaSource(run_settings(13600, 101, PILEUP_SETTINGS))
        (pool, seconds) = timed(lambda: concat_events([respond(source.next_batch(250), DET, rng) for _ in range(n // 250)]))
    return pool, seconds / n


def warm_up(pool, rng, batches: int = 4) -> None:
    """Run the extraction path a few times so the heap reaches its working size before timing."""
    with _output_to(LOG):
        source = PythiaSource(run_settings(13600, 3, build_process("ttbar", {}).pythia_settings({})))
        hard = respond(source.next_batch(250), DET, rng)
    for _ in range(batches):
        crossings, _ = overlay(hard, pool, MU, rng)
        objects_view(tower_grid(crossings.towers, DET), crossings, DET)


def process_costs(n_events: int, pool, rng) -> list[dict]:
    warm_up(pool, rng)
    rows = []
    for kind, params in PROCESSES:
        proc = build_process(kind, params)
        files = {}
        tmp = Path(tempfile.mkdtemp())
        for name, text in proc.files().items():
            (tmp / name).write_text(text)
            files[name] = str(tmp / name)
        with _output_to(LOG):
            source = PythiaSource(run_settings(13600, 5, proc.pythia_settings(files)))
            warm = respond(source.next_batch(250), DET, rng)  # warm-up: steady state, not first-touch costs
            crossings, _ = overlay(warm, pool, MU, rng)
            objects_view(tower_grid(crossings.towers, DET), crossings, DET)
            t = {"pythia": 0.0, "flatten": 0.0, "respond": 0.0, "premix": 0.0, "calo": 0.0, "objects": 0.0}
            for _ in range(n_events // 250):
                start = time.perf_counter()
                events = source._pythia.nextBatch(250, "skip")
                t["pythia"] += time.perf_counter() - start
                particles, dt = timed(visible_particles, events)
                t["flatten"] += dt
                hard, dt = timed(respond, particles, DET, rng)
                t["respond"] += dt
                (crossings, _), dt = timed(overlay, hard, pool, MU, rng)
                t["premix"] += dt
                start = time.perf_counter()
                grid = tower_grid(crossings.towers, DET)
                calo_view(grid, DET)
                t["calo"] += time.perf_counter() - start
                _, dt = timed(objects_view, grid, crossings, DET)
                t["objects"] += dt
        shutil.rmtree(tmp)
        n = (n_events // 250) * 250
        ms = {k: 1e3 * v / n for k, v in t.items()}
        extraction = sum(v for k, v in ms.items() if k != "pythia")
        rows.append({"process": kind, **ms, "extraction": extraction, "total": ms["pythia"] + extraction,
                     "overhead": extraction / ms["pythia"]})
    return rows


def premix_rate(pool, rng, n: int = 2000) -> dict:
    """Crossings/s of premixing alone (and with the views), in generation's 250-crossing batches."""
    with _output_to(LOG):
        source = PythiaSource(run_settings(13600, 9, build_process("zerobias", {}).pythia_settings({})))
        batches = [respond(source.next_batch(250), DET, rng) for _ in range(n // 250 + 1)]
    t = {"overlay": 0.0, "calo": 0.0, "objects": 0.0}
    for i, hard in enumerate(batches):
        (crossings, _), t_overlay = timed(overlay, hard, pool, MU, rng)
        start = time.perf_counter()
        grid = tower_grid(crossings.towers, DET)
        calo_view(grid, DET)
        t_calo = time.perf_counter() - start
        _, t_objects = timed(objects_view, grid, crossings, DET)
        if i:  # the first batch is the warm-up
            t["overlay"] += t_overlay
            t["calo"] += t_calo
            t["objects"] += t_objects
    n = 250 * (len(batches) - 1)
    return {"overlay": n / t["overlay"], "overlay+calo": n / (t["overlay"] + t["calo"]),
            "overlay+calo+objects": n / sum(t.values())}


def bench_config(name: str) -> DataConfig:
    return from_mapping(DataConfig, {
        "name": name, "seed": 1, "shard_events": 500,
        "pileup": {"mean": MU, "pool_events": 1000},
        "processes": {
            "zerobias": {"kind": "zerobias", "events": 4000},
            "ttbar": {"kind": "ttbar", "events": 1000, "splits": ["val", "test"]},
            "wprime": {"kind": "wprime", "events": 1000, "splits": ["val", "test"], "params": {"mass_gev": 2000}},
        },
    })


def workers_and_disk(quick: bool) -> tuple[dict, list[dict]]:
    config = bench_config("bench")
    if quick:
        config = from_mapping(DataConfig, {**_plain(config), "processes": {"zerobias": {"kind": "zerobias", "events": 1000}}})
    root = Path(tempfile.mkdtemp(prefix="flowad-bench-"))
    times = {}
    for workers in (1, 2):
        _, times[workers] = timed(generate, config, root / f"w{workers}", workers)
    directory = next((root / "w1").glob("bench-*"))
    sizes = []
    for process_dir in sorted(p for p in directory.iterdir() if p.is_dir() and p.name not in ("logs", "pileup", "files")):
        total = {}
        n = 0
        for shard in process_dir.glob("*.parquet"):
            import pyarrow.parquet as pq
            n += pq.ParquetFile(shard).metadata.num_rows
            for col, b in column_bytes(shard).items():
                total[col] = total.get(col, 0) + b
        sizes.append({"process": process_dir.name, "events": n, **{k: 1000 * v / n for k, v in total.items()}})
    events = sum(sum(config.process_splits(n).values()) for n in config.processes) + sum(config.pileup.pool_size(s) for s in config.used_splits())
    shutil.rmtree(root)
    return {"events": events, **times}, sizes


def _plain(config):
    from flowad.configio import to_plain
    return to_plain(config)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000, help="events per process for the per-core table")
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run, not for the note)")
    args = parser.parse_args()
    n = 250 if args.quick else args.events
    rng = np.random.default_rng(0)
    keep_freed_memory()  # as generation workers do
    print(f"# flowad data-generation benchmark — {platform.processor() or platform.machine()}, "
          f"{len(__import__('os').sched_getaffinity(0))} cores, Python {platform.python_version()}\n")

    pool, pool_ms = make_pool(1000 if args.quick else 4000, rng)
    rows = process_costs(n, pool, rng)
    print(f"## 1. Per event, one core, <mu> = {MU:g} premixed ({n} events per process)\n")
    print("| process | Pythia ms | flatten | response | premix | calo | objects | extraction ms | total ms | events/s | extraction / Pythia |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['process']} | {r['pythia']:.2f} | {r['flatten']:.3f} | {r['respond']:.3f} | {r['premix']:.3f} | "
              f"{r['calo']:.3f} | {r['objects']:.3f} | {r['extraction']:.2f} | {r['total']:.2f} | {1e3 / r['total']:.0f} | "
              f"{100 * r['overhead']:.0f} % {'✓' if r['overhead'] <= 0.30 else '✗'} (≤ 30 %) |")

    rates = premix_rate(pool, rng, 500 if args.quick else 2000)
    fresh = 1.0 / (MU * pool_ms)
    print(f"\n## 2. Premixing once the pool exists (one core)\n")
    print("| stage | crossings/s | vs fresh pile-up |")
    print("|---|---|---|")
    print(f"| fresh pile-up: simulate {MU:g} minimum-bias events per crossing ({1e3 * pool_ms:.2f} ms each) | {fresh:.1f} | 1× |")
    for stage, rate in rates.items():
        mark = " (target ≥ 2,000/s: " + ("✓)" if rate >= 2000 else "✗)") if stage == "overlay" else ""
        print(f"| premixed: {stage}{mark} | {rate:,.0f} | {rate / fresh:,.0f}× |")

    timing, sizes = workers_and_disk(args.quick)
    print(f"\n## 3. Disk (Parquet, zstd): bytes per 1,000 events\n")
    print("| process | events | calo | objects | n_pileup |")
    print("|---|---|---|---|---|")
    for s in sizes:
        print(f"| {s['process']} | {s['events']} | {s.get('calo', 0):,.0f} | {s.get('objects', 0):,.0f} | {s.get('n_pileup', 0):,.0f} |")
    print(f"\n## 4. Whole dataset ({timing['events']} events incl. pools), wall time\n")
    print("| workers | seconds | speed-up |")
    print("|---|---|---|")
    for w in (1, 2):
        print(f"| {w} | {timing[w]:.1f} | {timing[1] / timing[w]:.2f}× |")


if __name__ == "__main__":
    main()
