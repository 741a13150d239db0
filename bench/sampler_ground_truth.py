"""Which sampler finds the real front fastest: samplers replayed on a space where every point is a real trial.

Ground truth: the student grid (bench/student_grid.py), the quickstart's space with the teacher fixed at depth 4 and
HGQ's β at 1e-7, every configuration distilled, shipped as its design and synthesised by yosys; objectives as the
quickstart's: validation mean AUC (max), yosys LUTs (min), latency ns (min). Its Pareto front is known exactly.
The default is the whole space, 30 points (an LGN point took 2–4 min to distil and 0.5–1.5 min to synthesise on
2 cores); ``--families qkeras,hgq`` keeps the 20 MLP points.

Each sampler is run by the driver's own searcher (``search.record.study_searcher.replay`` over a ``StudySearcher`` on an
in-memory study: :func:`search.record.study.optuna_sampler` with the quickstart's 16-trial budget, the quickstart's
distributions, bits an integer range, its 100 ns constraint told): a configuration already run is told FAIL at once
and the sampler asked again, one still stuck after 50 asks gets an unseen configuration drawn at random, and a new
one is told the point's real objectives. The hypervolume
after N trials, as a fraction of the whole grid's, uses the driver's fixed reference (AUC ½, the part's LUT
capacity, the 100 ns latency constraint). Mean ± standard error over seeds; the last
column is the share of seeds that hold every point of the true front after 16 trials. A second table gives each
sampler's difference from ``random`` seed by seed (every sampler's first trials are the same random draws for a
seed): a sampler measures better than random only where that difference is above zero by more than two standard
errors.

Usage: python bench/sampler_ground_truth.py [--grid data/student-grid] [--seeds 20] (builds what the grid lacks)
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from search.space.search_config import SAMPLERS, Constraint
from search.front.pareto import fixed_reference, hypervolume, pareto_mask
from student_grid import DIRECTIONS, HARDWARE, SPACE, build, grid, point_key

TRIALS = 16
"""The quickstart's budget (configs/search/quickstart.yaml)."""
CHECKPOINTS = (4, 8, 12, 16)


def distributions(families: tuple[str, ...]) -> dict:
    from optuna.distributions import CategoricalDistribution, IntDistribution

    return {"student.family": CategoricalDistribution(list(families)),
            "student.widths": CategoricalDistribution(list(SPACE["widths"])),
            "student.lgn_widths": CategoricalDistribution(list(SPACE["lgn_widths"])),
            "student.bits": IntDistribution(min(SPACE["bits"]), max(SPACE["bits"]))}


def key_of(params: dict) -> tuple[str, str, int]:
    return point_key({k.removeprefix("student."): v for k, v in params.items()})


QUICKSTART_CONSTRAINTS = (Constraint("latency_ns", max=100.0),)
METRICS = ["auc", "lut", "latency_ns"]


def replay(name: str, seed: int, table: dict[tuple, tuple[float, float, float]], families: tuple[str, ...],
           trials: int = TRIALS) -> tuple[list[tuple], float]:
    """The configurations ``name`` runs, in order, and the searcher's own wall seconds: the driver's
    ``StudySearcher`` itself (duplicates told FAIL, unseen draws, constraints told), on an in-memory study."""
    import optuna

    from search.record.study import IN_MEMORY, StudyRef, optuna_directions
    from search.record.study_searcher import StudySearcher, replay as replay_searcher

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ref = StudyRef(IN_MEMORY, f"ground-truth-{name}-{seed}", optuna_directions(DIRECTIONS), name, seed, trials)
    searcher = StudySearcher(ref, distributions(families), METRICS, QUICKSTART_CONSTRAINTS)
    start = time.perf_counter()
    ran = replay_searcher(searcher, lambda params: list(table[key_of(params)]), trials)
    return [key_of(p) for p in ran], time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="configs/data/demo.yaml")
    parser.add_argument("--cache", default="data")
    parser.add_argument("--grid", default="bench/measured/student-grid")
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--families", default="qkeras,hgq,lgn")
    parser.add_argument("--samplers", default=",".join(SAMPLERS), help="comma-separated; the paired table needs random")
    args = parser.parse_args()
    families = tuple(args.families.split(","))
    unknown = set(args.samplers.split(",")) - set(SAMPLERS)
    if unknown:
        parser.error(f"unknown sampler {', '.join(sorted(unknown))} (known: {', '.join(SAMPLERS)})")
    rows = build(args.data, args.cache, args.grid, args.jobs, families)
    table = {tuple(r["key"]): (r["val_auc"], r["yosys_lut"], r["latency_ns"]) for r in rows if r["family"] in families}
    missing = {k for k in grid() if k[0] in families} - set(table)
    if missing:
        raise SystemExit(f"the grid lacks {len(missing)} points: {sorted(missing)[:3]} …")
    keys = list(table)
    values = np.array([table[k] for k in keys])
    reference = fixed_reference(["auc", "lut", "latency_ns"], DIRECTIONS, [None] * 3,
                                list(QUICKSTART_CONSTRAINTS), HARDWARE.part)  # the quickstart's
    best = hypervolume(values, DIRECTIONS, reference)
    front = {k for k, on in zip(keys, pareto_mask(values, DIRECTIONS)) if on}

    print(f"Ground truth: {len(table)} real trials (bench/student_grid.py), objectives val AUC (max), yosys LUT (min), "
          f"latency ns (min); reference {reference[0]} AUC, {reference[1]:,.0f} LUT, {reference[2]:.0f} ns; "
          f"true front {len(front)} points: {', '.join('-'.join(map(str, k)) for k in sorted(front))}\n")
    print("| point | val AUC | yosys LUT | latency ns | on the true front |")
    print("|---|---|---|---|---|")
    for k in sorted(keys, key=lambda k: table[k][1]):
        auc, lut, ns = table[k]
        print(f"| {'-'.join(map(str, k))} | {auc:.4f} | {lut:,.0f} | {ns:.2f} | {'yes' if k in front else ''} |")

    print(f"\nHypervolume fraction of the true front's after N trials, mean ± s.e. over {args.seeds} seeds:\n")
    print("| sampler | " + " | ".join(f"N = {n}" for n in CHECKPOINTS) + " | whole front found by N = 16 | sampler ms / trial |")
    print("|---|" + "---|" * (len(CHECKPOINTS) + 2))
    per_seed = {}
    for name in args.samplers.split(","):
        fractions = per_seed[name] = {n: [] for n in CHECKPOINTS}
        complete, seconds = 0, []
        for seed in range(args.seeds):
            ran, wall = replay(name, seed, table, families)
            seconds.append(wall)
            got = np.array([table[k] for k in ran])
            for n in CHECKPOINTS:
                fractions[n].append(hypervolume(got[:n], DIRECTIONS, reference) / best)
            complete += front <= set(ran)
        cells = [f"{np.mean(f):.3f} ± {np.std(f, ddof=1) / math.sqrt(len(f)):.3f}" for f in fractions.values()]
        print(f"| {name} | " + " | ".join(cells) + f" | {complete}/{args.seeds} | {1000 * np.mean(seconds) / TRIALS:.1f} |",
              flush=True)
    if "random" in per_seed:
        print_paired(per_seed, "random")


def print_paired(per_seed: dict[str, dict[int, list[float]]], against: str) -> None:
    """Each sampler's hypervolume fraction minus ``against``'s, seed by seed: mean ± standard error."""
    print(f"\nDifference from {against}, paired by seed (mean ± s.e.; * where it is more than two standard errors "
          "from zero):\n")
    print("| sampler | " + " | ".join(f"N = {n}" for n in CHECKPOINTS[1:]) + " |")
    print("|---|" + "---|" * (len(CHECKPOINTS) - 1))
    for name, fractions in per_seed.items():
        if name == against:
            continue
        cells = []
        for n in CHECKPOINTS[1:]:
            d = np.array(fractions[n]) - np.array(per_seed[against][n])
            se = np.std(d, ddof=1) / math.sqrt(len(d))
            cells.append(f"{np.mean(d):+.3f} ± {se:.3f}{' *' if abs(np.mean(d)) > 2 * se else ''}")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
