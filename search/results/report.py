"""Run every study and write the report: ``docs/results.md`` and its figures beside it (``docs/results/*.png``).

The page is written to a temporary file and renamed into place, so an interrupted run leaves the previous report
whole; every unit of work already done is kept in the cache (:mod:`search.results.store`), so a rerun continues.
"""

from __future__ import annotations

import datetime
import math
import os
import platform
import shutil
import time
from dataclasses import replace
from pathlib import Path

from flowad.atomic import write_text_atomic
from flowad.configio import load_yaml, to_plain
from flowad.distill.run import resolve_dataset
from flowad.errors import FlowadInputError
from flowad.metrics.menu import MENUS
from search.results import firmware
from search.results.anchors import ANCHORS
from search.results.benchmark import benchmark_study
from search.results.config import ResultsConfig
from search.results.distillation import ablation_calls, distillation_study
from search.results.pool import run_all
from search.results.samplers import SamplerStudy, run_sampler_study
from search.results.students import student_calls, student_study
from search.results.teachers import mean_over, teacher_calls, teacher_study


def hypervolume_figure(study: SamplerStudy, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from search.results.stats import mean_std

    fig, ax = plt.subplots(figsize=(5.6, 3.6))
    for name, by_n in study.hv.items():
        n = list(by_n)
        stats = [mean_std(by_n[k]) for k in n]
        ax.errorbar(n, [m for m, _ in stats], yerr=[s for _, s in stats], marker="o", capsize=3, label=name)
    ax.set_xlabel("trials")
    ax.set_ylabel("hypervolume / whole space's")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def unit_line(key: tuple, result: dict, signals) -> str:
    """One progress line per finished unit: what it was and its headline test number."""
    study, label, seed = key
    line = f"  {study} {label} seed {seed}: test AUC {mean_over(result['test'], signals, 'auc'):.3f}"
    hw = result.get("hw_yosys")
    return line + (f", {hw['lut']:,.0f} LUT (yosys)" if hw and hw["available"] else "")


def run_units(config: ResultsConfig, workers: int, progress=print, address: str | None = None) -> dict[tuple, dict]:
    """Every unit of the teacher, student and distillation studies, ``workers`` at a time or on the Ray cluster at
    ``address`` (kept ones are read back)."""
    calls = {**teacher_calls(config), **student_calls(config), **ablation_calls(config)}
    keys = list(calls)
    where = f"as Ray tasks on the cluster at {address}" if address else f"{workers} at a time"
    progress(f"results: {len(keys)} units of work (teachers, students, ablations), {where}")
    results = run_all([calls[k] for k in keys], workers, lambda i, r: progress(unit_line(keys[i], r, config.signals)), address)
    return dict(zip(keys, results))


def with_dataset(config: ResultsConfig, dataset: Path) -> ResultsConfig:
    """``config`` reading the resolved ``dataset`` by absolute path (generated once, here), its cache absolute too:
    units run in other processes, on a cluster on other machines, with another working directory."""
    return replace(config, data=replace(config.data, path=str(dataset)).absolute())


NEEDS_YOSYS = ("the student, sampler and firmware studies compare designs synthesised by yosys "
               "(apt-get install --no-install-recommends yosys)")


def write_report(config_path: Path, out: Path, workers: int = 1, progress=print, address: str | None = None) -> Path:
    """Run the studies of ``config_path`` and write ``out`` (markdown) with its figures in ``out.with_suffix('')``;
    units run ``workers`` at a time here, or on the Ray cluster at ``address``."""
    config = load_yaml(ResultsConfig, config_path)
    if address is None and shutil.which("yosys") is None:  # before any unit runs: the students' numbers are yosys's
        raise FlowadInputError(f"results: {NEEDS_YOSYS}, which is not installed here")
    begin = time.perf_counter()
    figures = out.parent / out.stem
    dataset = resolve_dataset(config.data)
    progress(f"results: dataset {dataset}")
    units = with_dataset(config, dataset)
    results = run_units(units, workers, progress, address)
    teachers = teacher_study(config, results)
    progress("results: the supervised ceilings and both rate budgets")
    ceiling = benchmark_study(units)
    students = student_study(config, results, teachers.baselines)
    baseline_auc = students.baselines_auc
    if all(math.isnan(students.lut(label)) for label in config.students):  # the cluster's nodes lack it
        raise FlowadInputError(f"results: {NEEDS_YOSYS}, and no student was synthesised by it on the cluster's nodes")
    distillation = distillation_study(config, results)
    progress("results: samplers")
    samplers = run_sampler_study(units, students, workers, progress, address)
    teacher_runs = teachers.runs[config.distill_teacher]
    teacher_auc = mean_over(teacher_runs[0]["test"], config.signals, "auc")  # seed 0: the one distilled
    front = students.figure(figures / "students_auc_vs_lut.png", teacher_auc, baseline_auc)
    hv = hypervolume_figure(samplers, figures / "samplers_hypervolume.png")
    wall = time.perf_counter() - begin
    rel = lambda p: os.path.relpath(p, out.parent)  # noqa: E731
    where = "units on a Ray cluster" if address else f"{workers} units at a time"
    best_teacher, chosen_by = teachers.best()
    page = [
        "# flowad results",
        f"Generated by `make results` (`flowad results --config {config_path}`) on {datetime.date.today().isoformat()}, "
        f"{platform.machine()} with {os.cpu_count()} cores, {where}, in {wall / 60:.0f} min (units of work already in the cache are "
        f"reused; a fresh cache runs everything). Dataset: `{dataset.name}` ({config.data.path}), generated by Pythia8 with "
        f"premixed pile-up. Means are over the signals {', '.join(config.signals)}. Every trigger's cut is set at "
        f"{config.rate_khz:g} kHz on the validation ZeroBias and applied to the **test** split, where every claim is made; "
        "choices (best teacher, best student under a budget) are made on validation. *Pure efficiency* is the fraction "
        f"of a signal's events the trigger keeps that the emulated Level-1 menu (`{config.data.menu}`, "
        f"{MENUS[config.data.menu].summary}) does not (how CICADA and AXOL1TL report theirs). "
        f"**±** is the standard deviation over {config.seeds} seeds; baselines have no seed and carry 95 % intervals instead.",
        "## 1. Teachers against the no-ML baselines and the supervised ceiling",
        "Per signal, on the same test events: the menu, a supervised classifier trained on that signal's validation "
        "events (the *ceiling*: what any score of these inputs can keep), the no-ML triggers and each teacher (seed 0) "
        "under both rate budgets, with the rate each really gets on test (docs/models.md, \"Two rate budgets\").",
        ceiling.markdown(),
        "**Means over the signals, total budget** (teachers over seeds):",
        teachers.markdown(),
        teachers.against_baselines().markdown(),
        f"Best teacher on validation {chosen_by}: `{best_teacher}`. Students below are distilled from "
        f"`{config.distill_teacher}` (seed 0).",
        "## 2. Students at matched LUT budgets",
        f"![AUC against LUTs]({rel(front)})",
        "Every student, shipped as its design (da4ml Verilog for QKeras-style and HGQ, gate-list Verilog for LGN) "
        "and synthesised by yosys `synth_xilinx` on CICADA's Virtex-7 at 6.25 ns; lines join each family's front.",
        students.all_table(),
        students.per_signal_tables(),
        "**Best student of each family within each budget** (chosen on validation AUC):",
        students.budget_table(),
        "**The claims, checked:**",
        "\n".join(f"- {v.markdown()}" for v in students.verdicts()),
        "## 3. Distillation: energy augmentation and outlier exposure",
        distillation.markdown(),
        "## 4. Sampler smoke test (a toy surrogate, not a measurement)",
        "This section checks that each sampler runs end to end and how long it takes per trial; it ranks nothing. "
        "The problem is a per-family line through a handful of real students, so most of its configurations are "
        "Pareto-optimal, LGN's AUC is flat and latency extrapolates below the real 25 ns floor. Which sampler "
        "finds the front of the real problem fastest is measured on real trials instead (docs/search.md, \"Which "
        "sampler\": every configuration of the quickstart's MLP space distilled, shipped and synthesised, the "
        "samplers replayed on it); that measurement chose the default sampler, not this one.",
        f"![hypervolume against trials]({rel(hv)})",
        samplers.markdown(),
        "## 5. Firmware: the per-trial estimators against yosys",
        firmware.markdown(students),
        "## 6. How this compares",
        ANCHORS,
        "## Configuration",
        "```yaml\n" + _yaml(to_plain(config)) + "```",
    ]
    write_text_atomic(out, "\n\n".join(page) + "\n")
    progress(f"results: wrote {out} and {figures}/ in {wall / 60:.1f} min")
    return out


def _yaml(data) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
