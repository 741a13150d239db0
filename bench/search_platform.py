"""Search-platform benchmark for the closing note (issue #5): prints markdown tables.

1. ``breakdown``: per-trial wall time by step (data, teacher, distill, convert, estimate, C-sim, tracking) of a
   finished search (the quickstart by default), the share outside training, and teachers trained vs trials.
2. ``samplers``: hypervolume after N trials for NSGA-II, TPE and random (3 seeds), on a *tabular* copy of the
   search problem: every point of a discrete space is run once for real (tiny data, real teacher, students,
   hls4ml, da4ml) on the quickstart's data and teacher, then each sampler searches the table through the same Optuna samplers the driver builds.
   Target: NSGA-II at N ≥ random at 2N.
3. ``nodes``: trials per hour with 1, 2 and 4 Ray worker nodes started on loopback (ray.cluster_utils.Cluster)
   on this machine. All nodes share its cores, so this measures scheduling, not a real cluster's speed-up.

Usage: python bench/search_platform.py [breakdown|samplers|nodes|all] [--search-dir out/search/<name>]
"""

from __future__ import annotations

import argparse
import itertools
import json
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
STEPS = ("data", "teacher_wait", "teacher", "distill", "convert", "estimate", "csim", "tracking")


def breakdown(search_dir: Path) -> None:
    from ray.tune import ExperimentAnalysis

    # one Tune experiment per driver that ran the search (a resumed search has several: driver-<time>/)
    folders = sorted({p.parent for p in search_dir.glob("**/experiment_state*.json")})
    trials = [t.last_result for folder in folders for t in ExperimentAnalysis(str(folder)).trials
              if t.last_result and "auc" in t.last_result]
    if not trials:
        print(f"no finished trials under {search_dir}")
        return
    print(f"\n### Per-trial time, {search_dir.name} ({len(trials)} finished trials; seconds, mean / max)\n")
    print("| step | mean s | max s | share of trial wall time |")
    print("|---|---|---|---|")
    total = np.array([t["time_total_s"] for t in trials])
    for step in STEPS:
        values = np.array([t.get(f"time_{step}", 0.0) for t in trials])
        print(f"| {step} | {values.mean():.2f} | {values.max():.2f} | {values.sum() / total.sum():.1%} |")
    accounted = sum(np.array([t.get(f"time_{s}", 0.0) for t in trials]) for s in STEPS)
    rest = total - accounted
    print(f"| Ray/Tune + unaccounted | {rest.mean():.2f} | {rest.max():.2f} | {rest.sum() / total.sum():.1%} |")
    print(f"| **trial total** | {total.mean():.2f} | {total.max():.2f} | 100 % |")
    trained = [t for t in trials if t.get("teacher_trained_now")]
    training = sum(t["time_distill"] + (t["time_teacher"] if t.get("teacher_trained_now") else 0.0) for t in trials)
    estimating = sum(t.get("time_estimate", 0.0) + t.get("time_csim", 0.0) for t in trials)
    waiting = sum(t.get("time_teacher_wait", 0.0) for t in trials)
    print(f"\nOutside training (everything but teacher training and student distillation): "
          f"{1 - training / total.sum():.1%} of trial time: waiting for a teacher another trial is training "
          f"{waiting / total.sum():.1%}, hardware estimation {estimating / total.sum():.1%}, platform overhead "
          f"(data, cached-teacher loads, conversion, tracking, Ray) {1 - (training + estimating + waiting) / total.sum():.1%} "
          f"(target ≤ 10 %).")
    print(f"Teacher cache: {len(trained)} teachers trained for {len(trials)} finished trials "
          f"({len({json.dumps({k: v for k, v in t['config'].items() if k.startswith('teacher.')}, sort_keys=True) for t in trials})} distinct teacher configs).")


TABLE_SPACE = {"student.family": ["qkeras", "hgq"], "student.widths": ["8", "16", "16-8", "32-16"],
               "student.bits": [3, 4, 5, 6, 8]}
"""40 points; quickstart's β range is left at its base (1e-7) to keep the table finite."""
OBJECTIVES = (("auc", "max"), ("lut", "min"), ("latency_ns", "min"))


def tabular_problem(cache: Path) -> dict[tuple, tuple]:
    """Objective values of every point of TABLE_SPACE, each run once for real (cached in ``cache``)."""
    from search.space.search_config import load_search_config
    from search.running.trial import TrialFailed, run_trial
    from search.space.trial_spec import TrialSpec

    store = cache / "table.json"
    table = {tuple(json.loads(k)): tuple(v) for k, v in json.loads(store.read_text()).items()} if store.is_file() else {}
    from dataclasses import replace

    # the quickstart's problem (demo data, the depth-4 flow teacher), students trained 8 epochs
    search = load_search_config(ROOT / "configs" / "search" / "quickstart.yaml")
    search = replace(search, teacher={**search.teacher, "depth": 4}, student={**search.student, "epochs": 8})
    keys = list(TABLE_SPACE)
    for point in itertools.product(*TABLE_SPACE.values()):
        if point in table:
            continue
        params = dict(zip(keys, point))
        with tempfile.TemporaryDirectory() as work:
            try:
                m = run_trial(search, TrialSpec.of(search, params), work).metrics
                table[point] = tuple(float(m[name]) for name, _ in OBJECTIVES)
            except TrialFailed:
                table[point] = (float("nan"),) * len(OBJECTIVES)
        store.write_text(json.dumps({json.dumps(list(k)): v for k, v in table.items()}))
        print(f"  table {len(table)}/{np.prod([len(v) for v in TABLE_SPACE.values()])}: {params} → {table[point]}", flush=True)
    return table


def run_sampler(name: str, seed: int, n: int, table: dict[tuple, tuple], distinct: bool) -> np.ndarray:
    """N trials of one sampler on the table; ``distinct`` mirrors ``search.distinct.DistinctConfigs``:
    a configuration already run is told its known result and the sampler asked again (up to 50 times)."""
    import optuna

    from search.space.search_config import load_search_config
    from search.record.study import optuna_sampler

    base = load_search_config(ROOT / "configs" / "search" / "tiny.yaml")
    sampler = optuna_sampler(name, seed, n, base.population)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(directions=["maximize" if d == "max" else "minimize" for _, d in OBJECTIVES], sampler=sampler)

    def tell(trial, result) -> None:
        if any(np.isnan(result)):
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            study.tell(trial, list(result))

    seen: set[tuple] = set()
    values = []
    for _ in range(n):
        for attempt in range(50):
            trial = study.ask()
            point = tuple(trial.suggest_categorical(k, v) for k, v in TABLE_SPACE.items())
            if not distinct or point not in seen or attempt == 49:
                break
            tell(trial, table[point])
        seen.add(point)
        tell(trial, table[point])
        values.append(table[point])
    return np.array(values)


def samplers(cache: Path, n: int, seeds: int) -> None:
    from search.front.pareto import hypervolume

    table = tabular_problem(cache)
    allv = np.array([v for v in table.values() if not any(np.isnan(v))])
    directions = [d for _, d in OBJECTIVES]
    reference = [0.5, allv[:, 1].max() * 1.1, allv[:, 2].max() * 1.1]
    best = hypervolume(allv, directions, reference)
    print(f"\n### Hypervolume after N trials (tabular problem of {len(table)} real trials; reference {reference[0]}, "
          f"{reference[1]:,.0f} LUT, {reference[2]:.1f} ns; fraction of the whole table's {best:,.1f}; {seeds} seeds)\n")
    print("| sampler | N | duplicates re-run (stock) | distinct configurations (DistinctConfigs) |")
    print("|---|---|---|---|")
    results = {}
    for name, count in (("nsga2", n), ("tpe", n), ("random", n), ("random", 2 * n)):
        cells = []
        for distinct in (False, True):
            hv = [hypervolume(run_sampler(name, seed, count, table, distinct), directions, reference) / best
                  for seed in range(seeds)]
            results[(name, count, distinct)] = np.mean(hv)
            cells.append(f"{np.mean(hv):.3f} ± {np.std(hv):.3f}")
        print(f"| {name} | {count} | {cells[0]} | {cells[1]} |")
    for distinct in (False, True):
        a, b = results[("nsga2", n, distinct)], results[("random", 2 * n, distinct)]
        print(f"\n{'distinct' if distinct else 'stock'}: NSGA-II at N={n} vs random at 2N={2 * n}: {a:.3f} vs {b:.3f} → "
              f"target {'met' if a >= b else 'not met'}.")


def nodes(trials: int, data_cache: Path) -> None:
    from dataclasses import replace

    import ray
    from ray.cluster_utils import Cluster

    from search.space.search_config import load_search_config
    from search.running.driver import run_search

    from flowad.configio import from_mapping
    from flowad.distill import prepare
    from flowad.teacher import TeacherConfig

    base = load_search_config(ROOT / "configs" / "search" / "tiny.yaml")
    base = replace(base, data=replace(base.data, cache=str(data_cache)), pruning=replace(base.pruning, enabled=False))
    prepare(base.data, from_mapping(TeacherConfig, base.teacher))  # the teacher is trained before any timing
    print(f"\n### Trials per hour with N loopback Ray worker nodes of 1 CPU each ({trials} tiny trials, pruning off; "
          f"this machine has 2 cores, shared by all nodes)\n")
    print("| worker nodes | concurrency | wall s | trials/hour | vs 1 node |")
    print("|---|---|---|---|---|")
    first = None
    for count in (1, 2, 4):
        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0})
        for _ in range(count):
            cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        with tempfile.TemporaryDirectory() as work:
            search = replace(base, name=f"nodes{count}", trials=trials, concurrency=count,
                             ray=replace(base.ray, storage_path=f"{work}/ray"),
                             tracking=replace(base.tracking, uri=f"sqlite:///{work}/mlflow.db", experiment="bench-nodes",
                                              artifacts=f"{work}/artifacts"))
            ray.init(address=cluster.address, log_to_driver=False)
            start = time.perf_counter()
            outcome = run_search(search, "bench", progress=lambda line: None)
            wall = time.perf_counter() - start
            ray.shutdown()
        cluster.shutdown()
        rate = outcome.n_completed * 3600 / wall
        first = first or rate
        print(f"| {count} | {count} | {wall:.0f} | {rate:.0f} | {rate / first:.2f}× |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="?", default="all", choices=["breakdown", "samplers", "nodes", "all"])
    parser.add_argument("--search-dir", default=None, help="a finished search's Ray dir (default: newest out/search/quickstart-*)")
    parser.add_argument("--n", type=int, default=10, help="trials per sampler run")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--node-trials", type=int, default=8)
    parser.add_argument("--cache", default=str(ROOT / "out" / "bench-search"))
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    print(f"Machine: {platform.machine()}, Python {platform.python_version()}")
    if args.what in ("breakdown", "all"):
        search_dir = Path(args.search_dir) if args.search_dir else max((ROOT / "out" / "search").glob("quickstart-*"),
                                                                       key=lambda p: p.stat().st_mtime, default=None)
        if search_dir is None:
            print("no quickstart search found: run `make demo` first")
        else:
            breakdown(search_dir)
    if args.what in ("samplers", "all"):
        samplers(cache, args.n, args.seeds)
    if args.what in ("nodes", "all"):
        nodes(args.node_trials, cache / "data")


if __name__ == "__main__":
    main()
