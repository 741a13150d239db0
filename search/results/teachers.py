"""Study 1, teachers: each teacher (several seeds) against the no-ML baselines and the emulated menu.

Every teacher goes through the product's own path (:func:`flowad.distill.prepare`: trained once per config and
seed, cached) and :meth:`flowad.metrics.reference.Reference.evaluate`: the 3 kHz cut is set on validation
ZeroBias and applied to test. Reported per signal and as means over the study's signals: AUC, efficiency at the
rate (TPR) and pure efficiency (what the trigger adds to the menu).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flowad.configio import from_mapping, to_plain
from flowad.data.readers import dataset_identity
from flowad.distill.run import REPORT_SPLITS, performance_record, prepare, resolve_dataset, source_reference
from flowad.metrics.reference import BASELINES
from flowad.teacher import TeacherConfig
from search.results.config import ResultsConfig
from search.results.stats import interval, markdown_table, mean_std, number, pm
from search.results.store import unit
from search.results.verdicts import Verdict, against_baselines, mean_interval, seeds_interval

STUDY = "teachers"
METRICS = {"auc": "AUC", "tpr": "eff @ rate", "pure_tpr": "pure eff @ rate"}


def teacher_config(config: ResultsConfig, label: str, seed: int) -> TeacherConfig:
    return from_mapping(TeacherConfig, {**config.teachers[label], "seed": seed})


def teacher_unit(config: ResultsConfig, label: str, seed: int) -> dict:
    """A teacher's performance records on val and test (kept per config, dataset and seed)."""
    dataset = resolve_dataset(config.data)
    teacher = teacher_config(config, label, seed)
    spec = {"dataset": dataset_identity(dataset), "background": config.data.background, "teacher": to_plain(teacher), "rate_khz": config.rate_khz,
            "signals": list(config.signals), "menu": config.data.menu}

    def run() -> dict:
        start = time.perf_counter()
        prepared = prepare(config.data, teacher, REPORT_SPLITS)
        seconds = time.perf_counter() - start
        reference = source_reference(config.data, prepared.dataset, ("val", "test"))
        out = {split: performance_record(reference.evaluate(prepared.scores, split, config.rate_khz, config.signals, seed))
               for split in ("val", "test")}
        return {**out, "seconds": seconds, "epochs": len(prepared.teacher.history)}

    return unit(config.data.cache, STUDY, spec, run)


def baseline_records(config: ResultsConfig) -> dict[str, dict]:
    """The no-ML baselines' records on val and test (deterministic: one value, with its interval)."""
    dataset = resolve_dataset(config.data)
    reference = source_reference(config.data, dataset, ("val", "test"))
    return {name: {split: performance_record(perf) for split, perf in
                   (("val", reference.evaluate(scores, "val", config.rate_khz, config.signals)),
                    ("test", reference.evaluate(scores, "test", config.rate_khz, config.signals)))}
            for name, scores in reference.baselines.items()}


def signal_value(record: dict, signal: str, metric: str) -> float:
    return record["signals"][signal][metric]["value"]


def mean_over(record: dict, signals, metric: str) -> float:
    values = [signal_value(record, s, metric) for s in signals]
    return sum(values) / len(values)


def mean_test_aucs(baselines: dict[str, dict], signals) -> dict[str, float]:
    """Each no-ML trigger's mean test AUC over ``signals``."""
    return {name: mean_over(record["test"], signals, "auc") for name, record in baselines.items()}


def per_signal(signals, baselines: dict[str, dict], runs: dict[str, list[dict]], metric: str) -> list[str]:
    """A titled table of ``metric`` per signal on test: each baseline with its 95 % interval, each run label with ±
    over its seeds, and (for pure efficiency) the menu's own efficiency for scale."""
    digits = 3 if metric == "auc" else 4
    rows = [[f"{BASELINES[n].label} (no ML)"] + [interval(*(rec["test"]["signals"][s][metric][k] for k in ("value", "low", "high")), digits)
                                                for s in signals] for n, rec in baselines.items()]
    rows += [[label] + [pm([signal_value(r["test"], s, metric) for r in seeds], digits) for s in signals] for label, seeds in runs.items()]
    if metric == "pure_tpr":
        any_record = next(iter(baselines.values()))["test"]
        rows.append(["L1 menu efficiency (for scale)"] + [number(any_record["signals"][s]["menu_efficiency"]) for s in signals])
    return [f"**{METRICS[metric]} per signal** (test; baselines with their 95 % interval, "
            f"{'DeLong' if metric == 'auc' else 'Poisson bootstrap'})", markdown_table(["trigger"] + list(signals), rows)]


@dataclass
class TeacherStudy:
    config: ResultsConfig
    runs: dict[str, list[dict]]
    """Label → one record per seed."""
    baselines: dict[str, dict]

    def means(self, label: str, metric: str, split: str = "test") -> list[float]:
        return [mean_over(r[split], self.config.signals, metric) for r in self.runs[label]]

    def best(self) -> tuple[str, str]:
        """(the teacher with the best mean validation pure efficiency, or AUC when no pure efficiency is defined, the
        metric used): the choice is made on validation."""
        for metric in ("pure_tpr", "auc"):
            scored = {label: mean_std(self.means(label, metric, "val"))[0] for label in self.runs}
            if any(v == v for v in scored.values()):
                return max((lab for lab in scored if scored[lab] == scored[lab]), key=scored.get), METRICS[metric]
        return next(iter(self.runs)), "none defined"

    def markdown(self) -> str:
        signals = self.config.signals
        header = ["trigger", "AUC", "eff @ 3 kHz", "pure eff @ 3 kHz", "pure eff (val)", "training"]
        rows = []
        for name, record in self.baselines.items():
            rows.append([f"{BASELINES[name].label} (no ML)"]
                        + [number(mean_over(record['test'], signals, m)) for m in METRICS]
                        + [number(mean_over(record['val'], signals, 'pure_tpr')), "–"])
        for label, runs in self.runs.items():
            seconds = mean_std([r["seconds"] for r in runs])[0]
            rows.append([label] + [pm(self.means(label, m)) for m in METRICS] + [pm(self.means(label, "pure_tpr", "val")),
                                                                                f"{seconds:.0f} s, {mean_std([r['epochs'] for r in runs])[0]:.0f} ep"])
        parts = [f"Means over {', '.join(signals)}; test split, cut at {self.config.rate_khz:g} kHz set on validation. "
                 f"Teachers: ± is the standard deviation over {self.config.seeds} seeds. Baselines have no seed.",
                 markdown_table(header, rows)]
        for metric in METRICS:
            parts += per_signal(signals, self.baselines, self.runs, metric)
        return "\n\n".join(parts)

    def against_baselines(self) -> Verdict:
        """The teacher with the best mean validation AUC against every no-ML trigger, on test with intervals."""
        signals = self.config.signals
        teacher = max(self.runs, key=lambda lab: mean_std(self.means(lab, "auc", "val"))[0])
        candidate = seeds_interval([mean_interval(r["test"], signals, "auc") for r in self.runs[teacher]])
        baselines = {BASELINES[n].label: mean_interval(rec["test"], signals, "auc") for n, rec in self.baselines.items()}
        return against_baselines(teacher, candidate, baselines)


def teacher_calls(config: ResultsConfig) -> dict[tuple, tuple]:
    """Every teacher unit, the one the students are distilled from first (the others train meanwhile)."""
    order = [config.distill_teacher] + [label for label in config.teachers if label != config.distill_teacher]
    return {("teacher", label, seed): (teacher_unit, (config, label, seed)) for seed in range(config.seeds) for label in order}


def teacher_study(config: ResultsConfig, results: dict[tuple, dict]) -> TeacherStudy:
    runs = {label: [results[("teacher", label, seed)] for seed in range(config.seeds)] for label in config.teachers}
    return TeacherStudy(config, runs, baseline_records(config))
