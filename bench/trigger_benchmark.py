"""Can the benchmark rank triggers? Per signal: the menu, the supervised ceiling, the no-ML baselines and the
teachers under both rate budgets, on the same test events, with achieved rates and 95 % intervals.

- **total** budget: the cut passes 3 kHz of all ZeroBias (how CICADA quotes its rate);
- **pure** budget: the cut passes 3 kHz of the ZeroBias the menu does *not* keep (the rate it adds).

The tables are :class:`search.results.benchmark.Benchmark`'s, as in docs/results.md §1. ``--menu run3_2024`` puts
the menu's seeds at CMS's real 2024 thresholds (:meth:`MenuConfig.run3_2024`) instead of calibrating them to
rates, and prints each seed's rate on this ZeroBias.

``--students DIR ...`` adds distilled students (a ``flowad distill`` output or one of bench/distillation_levers.py's:
``DIR/student`` and ``DIR/metrics.json``, distilled on ``--data``) as triggers of their own, and prints what each
keeps of *its own* teacher on test (issue 23's measure): pure efficiency under the pure budget, student over teacher,
per rankable signal and pooled, with a paired-bootstrap 95 % interval
(:func:`flowad.metrics.agreement.pure_efficiency_retained`), and AUC retained.

Usage: python bench/trigger_benchmark.py [--data data/demo] [--cache data] [--teacher-depths 2 4] [--signals ...]
       [--menu calibrated|run3_2024] [--variants menu_rejected decorrelated_sum_et ...] [--students DIR ...]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from dataclasses import replace
from pathlib import Path

from flowad.data import load
from flowad.distill import DataSource, prepare
from flowad.distill.run import REPORT_SPLITS, cached_scores
from flowad.metrics.agreement import auc_retained, pure_efficiency_retained
from flowad.metrics.ceiling import CeilingConfig, ceiling_scores
from flowad.metrics.menu import MENUS
from flowad.metrics.reference import BASELINES, reference_for
from flowad.student import load_student
from flowad.teacher import Teacher, TeacherConfig
from search.results.benchmark import benchmark

QUICKSTART_TEACHER = {"kind": "flow", "view": "calo", "architecture": "maf", "hidden": 128,
                      "pileup_subtraction": True, "epochs": 40, "patience": 5}
"""configs/search/quickstart.yaml's teacher (its depth is searched): cached by the demo if it ran."""

VARIANTS = {
    "menu_rejected": lambda config, menu: replace(config, train_on_menu_rejected=menu),
    "decorrelated_sum_et": lambda config, menu: replace(config, decorrelate="sum_et"),
    "decorrelated_max_region_et": lambda config, menu: replace(config, decorrelate="max_region_et"),
    "menu_rejected_decorrelated_sum_et": lambda config, menu: replace(config, train_on_menu_rejected=menu, decorrelate="sum_et"),
    "objects_view": lambda config, menu: replace(config, view="objects", pileup_subtraction=False),
    "both_views": lambda config, menu: replace(config, view="calo+objects"),
    "latent_flow": lambda config, menu: replace(config, kind="latent_flow", latent=16, embedding_hidden=20),
    "latent_flow_both_views": lambda config, menu: replace(config, kind="latent_flow", view="calo+objects", latent=16,
                                                           embedding_hidden=128),
}
"""Teacher variants of issue 22 item 5, each a change of the quickstart teacher's config."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="data/demo")
    parser.add_argument("--cache", default="data")
    parser.add_argument("--signals", nargs="*", default=None, help="default: every signal of the dataset")
    parser.add_argument("--teacher-depths", nargs="*", type=int, default=[2, 4])
    parser.add_argument("--rate", type=float, default=3.0, help="kHz")
    parser.add_argument("--menu", choices=MENUS, default="calibrated")
    parser.add_argument("--variants", nargs="*", default=[], choices=list(VARIANTS),
                        help="each quickstart teacher also so changed (menu_rejected: trained on what --menu rejects)")
    parser.add_argument("--students", nargs="*", default=[], help="distillation output directories (DIR/student, "
                        "DIR/metrics.json) of students distilled on --data")
    args = parser.parse_args()
    for directory in args.students:
        if not (Path(directory, "student").is_dir() and Path(directory, "metrics.json").is_file()):
            parser.error(f"{directory}: not a distillation output (needs student/ and metrics.json)")
        distilled_on = json.loads(Path(directory, "metrics.json").read_text()).get("data", "")
        if Path(distilled_on).resolve() != Path(args.data).resolve():
            parser.error(f"{directory}: distilled on {distilled_on}, not on {args.data}")

    start = time.perf_counter()
    reference = reference_for(Path(args.data), "zerobias", ("val", "test"), args.cache, MENUS[args.menu]())
    print(f"menu '{args.menu}': " + ", ".join(f"{n} > {t.value:.1f} GeV at {t.achieved_khz:.2f} kHz"
                                              for n, t in reference.menu.thresholds.items())
          + f"; total {reference.menu.total_khz:.1f} kHz on val")
    present = [p for p in next(iter(reference.baselines.values())) if p != reference.background]
    signals = args.signals or sorted(present)
    baselines = {BASELINES[n].label + " (no ML)": scores for n, scores in reference.baselines.items()}
    teachers = {}
    for depth in args.teacher_depths:
        config = TeacherConfig(**QUICKSTART_TEACHER, depth=depth)
        teachers[f"flow teacher d{depth} (quickstart)"] = prepare(DataSource(args.data, cache=args.cache), config, REPORT_SPLITS).scores
        for name in args.variants:
            variant = VARIANTS[name](config, args.menu)
            teachers[f"flow teacher d{depth}, {name.replace('_', ' ')}"] = prepare(
                DataSource(args.data, cache=args.cache), variant, REPORT_SPLITS).scores
    students = {}
    for directory in args.students:
        name, scores, teacher_scores = student_scores(Path(directory), Path(args.data), args.cache)
        students[name] = (scores, teacher_scores)
        teachers[name] = scores
    t0 = time.perf_counter()
    ceilings = ceiling_scores(Path(args.data), reference.background, signals, args.cache, CeilingConfig())
    ceiling_seconds = time.perf_counter() - t0
    result = benchmark(reference, baselines, teachers, ceilings, signals, args.rate)
    print(result.markdown())
    auc = {name: perf.signals for name, perf in result.triggers["total"].items()}
    print("\nAUC (test): " + "; ".join(f"{n} " + " ".join(f"{by[s].auc.value:.3f}" for s in signals) for n, by in auc.items())
          + "; ceiling " + " ".join(f"{result.ceilings['total'][s].signals[s].auc.value:.3f}" for s in signals))
    if students:
        print(retained_table(result, reference, students, args.rate))
    n = {split: len(reference.menu_accepts.get(reference.background, {}).get(split, [])) for split in ("val", "test")}
    print(f"\n{len(os.sched_getaffinity(0))} cores; ceilings {ceiling_seconds:.0f} s (0 if cached), all "
          f"{time.perf_counter() - start:.0f} s; cuts set on val ZeroBias ({n['val']} crossings), numbers on test "
          f"({n['test']} crossings); signals: {', '.join(signals)}")


def student_scores(directory: Path, data: Path, cache: str) -> tuple[str, dict, dict]:
    """A distilled student's name, its scores of every process on val and test of ``data``, and its own teacher's."""
    record = json.loads((directory / "metrics.json").read_text())
    student = load_student(directory / "student")
    arrays = load(data, record["view"], splits=("val", "test"))
    teacher_path = Path(record["teacher"])
    teacher = Teacher.load(teacher_path)
    teacher_scores = cached_scores(teacher, arrays, Path(cache) / "scores" / f"{teacher_path.stem}.npz")
    scores = {p: {s: student.predict(x) for s, x in by.items()} for p, by in arrays.items()}
    name = f"student {type(student).label(student.config)} ({directory.name})"
    return name, scores, teacher_scores


def retained_table(result, reference, students: dict, rate_khz: float) -> str:
    """What each student keeps of its own teacher on test, under the pure budget: per rankable signal and pooled."""
    signals = result.rankable("pure") or list(result.signals)
    background = reference.background
    lines = [f"\n**What each student keeps of its teacher** (test; pure budget, {rate_khz:g} kHz added; pure efficiency "
             "student / teacher [paired 95 %]; AUC retained = (student AUC − ½) / (teacher AUC − ½), mean AUCs over "
             f"{', '.join(signals)})\n",
             "| student | " + " | ".join(signals) + " | pooled | AUC retained |", "|---|" + "---|" * (len(signals) + 2)]
    for name, (student, teacher) in students.items():
        ratios = pure_efficiency_retained(
            teacher[background]["val"], student[background]["val"], reference.menu_accepts[background]["val"],
            {s: teacher[s]["test"] for s in signals}, {s: student[s]["test"] for s in signals},
            {s: reference.menu_accepts[s]["test"] for s in signals}, rate_khz)
        perf = result.triggers["total"][name]
        teacher_perf = reference.evaluate(teacher, "test", rate_khz, signals)
        auc = auc_retained(perf.mean("auc", signals), teacher_perf.mean("auc", signals))
        cells = [f"{ratios[s]:.2f}" for s in signals] + [f"**{ratios['pooled']:.2f}**", "n/a" if math.isnan(auc) else f"{auc:.3f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
