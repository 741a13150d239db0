"""Can the benchmark rank triggers? Per signal: the menu, the supervised ceiling, the no-ML baselines and the
teachers under both rate budgets, on the same test events, with achieved rates and 95 % intervals.

- **total** budget: the cut passes 3 kHz of all ZeroBias (how CICADA quotes its rate);
- **pure** budget: the cut passes 3 kHz of the ZeroBias the menu does *not* keep (the rate it adds).

Pure efficiency = the fraction of a signal kept by the trigger and not by the menu. The supervised ceiling is a
classifier trained on that signal (validation events) against train ZeroBias (:mod:`flowad.metrics.ceiling`);
every trigger is also given as a fraction of the ceiling's pure efficiency. A signal is *rankable* when its
ceiling's pure-efficiency interval excludes zero. Every cut is set on validation ZeroBias; numbers are test.

Usage: python bench/trigger_benchmark.py [--data data/demo] [--cache data] [--teacher-depths 2 4] [--signals ...]
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

from flowad.distill import DataSource, prepare
from flowad.distill.run import REPORT_SPLITS
from flowad.metrics.ceiling import CeilingConfig, ceiling_scores
from flowad.metrics.reference import BASELINES, reference_for
from flowad.metrics.trigger import BUDGETS, ScorePerformance
from flowad.teacher import TeacherConfig

QUICKSTART_TEACHER = {"kind": "flow", "view": "calo", "architecture": "maf", "hidden": 128,
                      "pileup_subtraction": True, "epochs": 40, "patience": 5}
"""configs/search/quickstart.yaml's teacher (its depth is searched): cached by the demo if it ran."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="data/demo")
    parser.add_argument("--cache", default="data")
    parser.add_argument("--signals", nargs="*", default=None, help="default: every signal of the dataset")
    parser.add_argument("--teacher-depths", nargs="*", type=int, default=[2, 4])
    parser.add_argument("--rate", type=float, default=3.0, help="kHz")
    args = parser.parse_args()

    start = time.perf_counter()
    reference = reference_for(Path(args.data), "zerobias", ("val", "test"), args.cache)
    present = [p for p in next(iter(reference.baselines.values())) if p != reference.background]
    signals = args.signals or sorted(present)
    triggers: dict[str, dict] = {BASELINES[n].label + " (no ML)": scores for n, scores in reference.baselines.items()}
    for depth in args.teacher_depths:
        prepared = prepare(DataSource(args.data, cache=args.cache), TeacherConfig(**QUICKSTART_TEACHER, depth=depth), REPORT_SPLITS)
        triggers[f"flow teacher d{depth} (quickstart)"] = prepared.scores
    t0 = time.perf_counter()
    ceilings = ceiling_scores(Path(args.data), reference.background, signals, args.cache, CeilingConfig())
    ceiling_seconds = time.perf_counter() - t0

    for budget in BUDGETS:
        ceiling = {s: reference.evaluate(ceilings[s], "test", args.rate, [s], budget=budget) for s in signals}
        rows = {name: reference.evaluate(scores, "test", args.rate, signals, budget=budget) for name, scores in triggers.items()}
        print_budget(budget, args.rate, signals, ceiling, rows, reference)
    print(f"\n{len(os.sched_getaffinity(0))} cores; ceilings {ceiling_seconds:.0f} s (0 if cached), all {time.perf_counter() - start:.0f} s; "
          f"menu {reference.menu.total_khz:.1f} kHz on val; cuts set on val ZeroBias ({_n(reference, 'val')} crossings), "
          f"numbers on test ({_n(reference, 'test')} crossings); [95 % interval]; f = fraction of the ceiling's pure efficiency")


def print_budget(budget: str, rate: float, signals: list[str], ceiling: dict[str, ScorePerformance],
                 rows: dict[str, ScorePerformance], reference) -> None:
    print(f"\n### {budget} budget: {rate:g} kHz of {'all ZeroBias' if budget == 'total' else 'the ZeroBias the menu rejects'}\n")
    header = ["trigger", "rate kHz (test)", "added kHz (test)"] + [f"{s} pure eff" for s in signals]
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    any_perf = next(iter(rows.values()))
    print("| L1 menu efficiency | | | " + " | ".join(f"{any_perf.signals[s].menu_efficiency:.3f}" for s in signals) + " |")
    rates = [c.rate_khz.value for c in ceiling.values()]
    added = [c.added_rate_khz.value for c in ceiling.values()]
    print(f"| supervised ceiling (per signal) | {min(rates):.2f}–{max(rates):.2f} | {min(added):.2f}–{max(added):.2f} | "
          + " | ".join(_cell(ceiling[s].signals[s].pure_tpr) + (" rankable" if _rankable(ceiling[s], s) else " **not rankable**")
                       for s in signals) + " |")
    for name, perf in rows.items():
        cells = [name, f"{perf.rate_khz:.2f}", f"{perf.added_rate_khz:.2f}"]
        for s in signals:
            pure, top = perf.signals[s].pure_tpr, ceiling[s].signals[s].pure_tpr.value
            fraction = f" f={pure.value / top:.2f}" if _rankable(ceiling[s], s) and not math.isnan(pure.value) else ""
            cells.append(_cell(pure) + fraction)
        print("| " + " | ".join(cells) + " |")
    print(f"\nAUC (test): " + "; ".join(f"{name} " + " ".join(f"{perf.signals[s].auc.value:.3f}" for s in signals)
                                        for name, perf in rows.items())
          + "; ceiling " + " ".join(f"{ceiling[s].signals[s].auc.value:.3f}" for s in signals), flush=True)


def _cell(estimate) -> str:
    return f"{estimate:.4f}"


def _rankable(perf: ScorePerformance, signal: str) -> bool:
    return perf.signals[signal].pure_tpr.low > 0


def _n(reference, split: str) -> int:
    return len(reference.menu_accepts.get(reference.background, {}).get(split, []))


if __name__ == "__main__":
    main()
