"""Which teacher is worth distilling? Teachers against the no-ML baselines and the emulated menu.

Every teacher goes through the product's own path (:func:`flowad.distill.prepare`: trained once per config,
cached; scores cached) and is measured with :meth:`flowad.metrics.reference.Reference.evaluate`: rate cuts set
on validation ZeroBias. The choice is made on validation (``val`` columns); ``test`` is the claim.

Prints, per teacher and baseline: mean pure efficiency at 3 kHz over the signals an anomaly trigger is for,
per-signal pure efficiency on test with its 95 % interval, mean AUC, and training time.

Usage: python bench/teachers.py [--data data/demo] [--cache data] [--only NAME ...] [--seeds 1]
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

from flowad.distill import DataSource, prepare
from flowad.distill.run import REPORT_SPLITS
from flowad.metrics.reference import BASELINES, reference_for
from flowad.teacher import TeacherConfig

LOW_MASS = ["haa4b_15", "haa4tau_15", "htautau_60", "a4l_50", "dark_shower_125"]
TEACHERS = {
    "flow nsf calo d4 h64": {"kind": "flow", "view": "calo", "architecture": "nsf", "depth": 4, "hidden": 64},
    "flow maf calo d4 h128": {"kind": "flow", "view": "calo", "architecture": "maf", "depth": 4, "hidden": 128},
    "flow realnvp calo d4 h64": {"kind": "flow", "view": "calo", "architecture": "realnvp", "depth": 4, "hidden": 64},
    "flow nsf objects d4 h64": {"kind": "flow", "view": "objects", "architecture": "nsf", "depth": 4, "hidden": 64},
    "flow maf objects d4 h128": {"kind": "flow", "view": "objects", "architecture": "maf", "depth": 4, "hidden": 128},
    "flow maf calo d4 h128, pile-up subtracted": {"kind": "flow", "view": "calo", "architecture": "maf", "depth": 4,
                                                  "hidden": 128, "pileup_subtraction": True},
    "flow nsf calo d4 h64, pile-up subtracted": {"kind": "flow", "view": "calo", "architecture": "nsf", "depth": 4,
                                                 "hidden": 64, "pileup_subtraction": True},
    "flow maf calo d4 h128, 10k training events": {"kind": "flow", "view": "calo", "architecture": "maf", "depth": 4,
                                                   "hidden": 128, "max_train_events": 10_000},
    "cae calo (CICADA-style)": {"kind": "cae", "view": "calo", "depth": 2, "hidden": 20, "latent": 32},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="data/demo")
    parser.add_argument("--cache", default="data")
    parser.add_argument("--only", nargs="*", default=None, help="teacher names (substrings) to run")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=40)
    args = parser.parse_args()

    source = DataSource(args.data, cache=args.cache)
    reference = reference_for(Path(args.data), "zerobias", ("val", "test"), args.cache)
    signals = [s for s in LOW_MASS if s in next(iter(reference.baselines.values()))]
    rows = []
    for name, values in reference.baselines.items():
        rows.append(row(BASELINES[name].label + " (no ML)", {s: reference.evaluate(values, s, signals=signals) for s in ("val", "test")},
                        signals, "–"))
    for name, spec in TEACHERS.items():
        if args.only and not any(o in name for o in args.only):
            continue
        for seed in range(args.seeds):
            config = TeacherConfig(**spec, seed=seed, epochs=args.epochs, patience=5)
            start = time.perf_counter()
            prepared = prepare(source, config, REPORT_SPLITS)
            seconds = time.perf_counter() - start
            trained = f"{seconds:.0f} s" + ("" if prepared.teacher_trained_now else " (cached)")
            epochs = len(prepared.teacher.history)
            perf = {s: reference.evaluate(prepared.scores, s, signals=signals, seed=seed) for s in ("val", "test")}
            rows.append(row(f"{name}" + (f" seed {seed}" if args.seeds > 1 else ""), perf, signals, f"{trained}, {epochs} ep"))
            print_table(rows, signals, reference)
    print_table(rows, signals, reference)


def row(label, perf, signals, trained) -> list[str]:
    val, test = perf["val"], perf["test"]
    cells = [label, f"{val.mean('pure_tpr', signals):.3f}", f"{test.mean('pure_tpr', signals):.3f}",
             f"{test.mean('auc', signals):.3f}", f"{test.rate_khz.value:.2f}"]
    cells += [f"{test.signals[s].pure_tpr:.3f}" for s in signals]
    return cells + [trained]


def print_table(rows, signals, reference) -> None:
    print(f"\nmachine: {platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores; "
          f"menu total {reference.menu.total_khz:.1f} kHz on val")
    header = ["trigger", "pure eff val (mean)", "pure eff test (mean)", "AUC test (mean)", "rate kHz test"] + \
             [f"{s} pure eff test" for s in signals] + ["teacher training"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    menu = next(iter(reference.evaluate_baselines("test", signals=signals).values()))
    print("| L1 menu efficiency (test) | | | | | " + " | ".join(f"{menu.signals[s].menu_efficiency:.3f}" for s in signals) + " | |")
    print(f"pure eff = fraction of the signal kept at 3 kHz and not by the menu; rate cuts set on validation; "
          f"[95 % interval]; signals: {', '.join(signals)}", flush=True)


if __name__ == "__main__":
    main()
