"""Study 2, students at matched LUT budgets: QKeras-style, HGQ and logic-gate students from one teacher.

Each student (several seeds) is distilled, shipped (its da4ml or logic-gate Verilog) and synthesised by yosys
(:mod:`search.results.distilled`). Per LUT budget, each family's student with the best mean *validation* AUC among
those whose mean yosys LUTs fit is reported on *test*. The seeds' claims are then checked against these numbers
with the criteria stated beside each verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from flowad.configio import from_mapping
from flowad.hardware import HardwareConfig
from flowad.metrics.reference import BASELINES
from flowad.student.families import STUDENT_FAMILIES
from search.running.baselines import firmware_costs
from search.results.config import ResultsConfig
from search.results.distilled import auc_retained, distilled_unit
from search.results.stats import markdown_table, mean_std, number, pm
from flowad.metrics.trigger import Estimate
from search.results.teachers import mean_over, per_signal, mean_test_aucs
from search.results.verdicts import (Verdict, against_baselines, cheap_but_weaker, cheaper_at_equal_quality,
                                     keeps_the_teacher, mean_interval, seeds_interval)

FAMILY_LABELS = {name: cls.display_name for name, cls in STUDENT_FAMILIES.items()}
"""Each registered family's name in tables (:attr:`flowad.student.base.Student.display_name`)."""
RETAINED_MOST = 0.8
"""The report's reading of "keeps most of the teacher's performance": mean AUC retained ≥ 0.8."""


@dataclass
class StudentStudy:
    config: ResultsConfig
    runs: dict[str, list[dict]]
    baselines_hw: dict[str, dict]
    """Each no-ML trigger's own firmware, costed by yosys like the students'."""
    baselines: dict[str, dict]
    """Each no-ML trigger's val and test records on the same events (the teacher study's)."""

    @property
    def baselines_auc(self) -> dict[str, float]:
        """Each no-ML trigger's mean test AUC over the signals."""
        return mean_test_aucs(self.baselines, self.config.signals)

    def family(self, label: str) -> str:
        return self.config.students[label]["family"]

    def lut(self, label: str) -> float:
        return mean_std([r["hw_yosys"]["lut"] for r in self.runs[label] if r["hw_yosys"]["available"]])[0]

    def latency(self, label: str) -> float:
        return mean_std([r["hw_yosys"]["latency_ns"] for r in self.runs[label] if r["hw_yosys"]["available"]])[0]

    def metric(self, label: str, metric: str, split: str = "test") -> list[float]:
        return [mean_over(r[split], self.config.signals, metric) for r in self.runs[label]]

    def retained(self, label: str) -> list[float]:
        return [auc_retained(r, self.config.signals) for r in self.runs[label]]

    def within(self, budget: float) -> dict[str, str]:
        """Family → its student with the best mean validation AUC among those within ``budget`` LUTs."""
        best: dict[str, str] = {}
        for label in self.runs:
            lut = self.lut(label)
            if math.isnan(lut) or lut > budget:
                continue
            family = self.family(label)
            if family not in best or mean_std(self.metric(label, "auc", "val"))[0] > mean_std(self.metric(best[family], "auc", "val"))[0]:
                best[family] = label
        return best

    def front(self, family: str) -> list[str]:
        """The family's students not dominated on (mean test AUC ↑, mean yosys LUT ↓), by LUT."""
        labels = [lab for lab in self.runs if self.family(lab) == family and not math.isnan(self.lut(lab))]
        auc = {lab: mean_std(self.metric(lab, "auc"))[0] for lab in labels}
        kept = [a for a in labels if not any(self.lut(b) <= self.lut(a) and auc[b] >= auc[a] and (self.lut(b), auc[b]) != (self.lut(a), auc[a])
                                             for b in labels)]
        return sorted(kept, key=self.lut)

    def all_table(self) -> str:
        header = ["student", "LUT (yosys)", "latency ns", "AUC", "pure eff @ 3 kHz", "AUC retained", "EMD", "Spearman", "AUC (val)"]
        rows = []
        for label in self.runs:
            runs = self.runs[label]
            rows.append([label, f"{self.lut(label):,.0f}", f"{self.latency(label):.1f}", pm(self.metric(label, "auc")),
                         pm(self.metric(label, "pure_tpr"), 4), pm(self.retained(label)), pm([r["emd"] for r in runs]),
                         pm([r["spearman"] for r in runs]), pm(self.metric(label, "auc", "val"))])
        for name in BASELINES:  # the no-ML triggers' own firmware (yosys) and AUC, on the same events
            hw = self.baselines_hw.get(name, {})
            rows.append([f"{BASELINES[name].label} (no ML)", f"{hw.get('lut') or math.nan:,.0f}", f"{hw.get('latency_ns') or math.nan:.1f}",
                         number(self.baselines_auc.get(name)), "per signal below", "", "", "", ""])
        return markdown_table(header, rows)

    def per_signal_tables(self) -> str:
        """AUC and pure efficiency per signal on test, every student beside the no-ML triggers."""
        parts = []
        for metric in ("auc", "pure_tpr"):
            parts += per_signal(self.config.signals, self.baselines, self.runs, metric)
        return "\n\n".join(parts)

    def budget_table(self) -> str:
        header = ["LUT budget"] + [FAMILY_LABELS[f] for f in FAMILY_LABELS]
        rows = []
        for budget in self.config.lut_budgets:
            chosen = self.within(budget)
            cells = [f"≤ {budget:,.0f}"]
            for family in FAMILY_LABELS:
                label = chosen.get(family)
                cells.append("none fits" if label is None else
                             f"{label}: AUC {pm(self.metric(label, 'auc'))}, pure {pm(self.metric(label, 'pure_tpr'), 4)}, "
                             f"{self.lut(label):,.0f} LUT, {self.latency(label):.1f} ns")
            rows.append(cells)
        return markdown_table(header, rows)

    def auc_interval(self, label: str, split: str = "test") -> Estimate:
        """The student's mean AUC over the signals with the widest 95 % interval its seeds give."""
        return seeds_interval([mean_interval(r[split], self.config.signals, "auc") for r in self.runs[label]])

    def best_on_validation(self, labels) -> str | None:
        return max(labels, key=lambda lab: mean_std(self.metric(lab, "auc", "val"))[0], default=None)

    def verdicts(self) -> list[Verdict]:
        """The seeds' claims, each with its criterion and numbers; students are chosen on validation, the claims
        read on test (:mod:`search.results.verdicts`)."""
        by_family = {f: [lab for lab in self.runs if self.family(lab) == f] for f in FAMILY_LABELS}
        best = {f: self.best_on_validation(labels) for f, labels in by_family.items()}
        out = [keeps_the_teacher({FAMILY_LABELS[f]: (lab, self.retained(lab)) for f, lab in best.items() if lab}, RETAINED_MOST)]
        pairs = [(self.auc_interval(h), self.lut(h), self.auc_interval(q), self.lut(q))
                 for q in by_family["qkeras"] for h in by_family["hgq"]]
        out.append(cheaper_at_equal_quality(pairs, "HGQ reaches QKeras-style AUC at fewer resources"))
        strongest = self.best_on_validation(self.runs)
        if strongest is not None:
            baselines = {BASELINES[n].label: mean_interval(rec["test"], self.config.signals, "auc") for n, rec in self.baselines.items()}
            out.append(against_baselines(strongest, self.auc_interval(strongest), baselines))
        others = [lab for f, labels in by_family.items() if f != "lgn" for lab in labels]
        if by_family["lgn"] and others:
            cheapest = min(self.lut(lab) for lab in by_family["lgn"]), min(self.lut(lab) for lab in others)
            lgn, other = self.best_on_validation(by_family["lgn"]), self.best_on_validation(others)
            out.append(cheap_but_weaker(cheapest, (self.auc_interval(lgn), self.auc_interval(other))))
        return out

    def figure(self, path: Path, teacher_auc: float, baseline_auc: dict[str, float]) -> Path:
        """AUC (test) against yosys LUTs: every student with its seeds' spread, each family's front, the baselines."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for family, colour in ((f, STUDENT_FAMILIES[f].colour) for f in FAMILY_LABELS):
            labels = [lab for lab in self.runs if self.family(lab) == family and not math.isnan(self.lut(lab))]
            if not labels:
                continue
            stats = [mean_std(self.metric(lab, "auc")) for lab in labels]
            ax.errorbar([self.lut(lab) for lab in labels], [m for m, _ in stats], yerr=[s for _, s in stats], fmt="o",
                        color=colour, alpha=0.6, label=FAMILY_LABELS[family])
            front = self.front(family)
            ax.plot([self.lut(lab) for lab in front], [mean_std(self.metric(lab, "auc"))[0] for lab in front], "-", color=colour)
        for name, hw in self.baselines_hw.items():
            if hw.get("lut") and name in baseline_auc:
                ax.plot(hw["lut"], baseline_auc[name], "D", color="black", markersize=6)
                ax.annotate(BASELINES[name].label, (hw["lut"], baseline_auc[name]), textcoords="offset points", xytext=(5, -10), fontsize=8)
        ax.axhline(teacher_auc, color="grey", linestyle=":", label="teacher")
        ax.set_xscale("log")
        ax.set_xlabel("LUTs (yosys synth_xilinx of the shipped design)")
        ax.set_ylabel(f"mean AUC over {len(self.config.signals)} signals (test)")
        ax.legend(fontsize=8, loc="lower right")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        return path


def student_calls(config: ResultsConfig) -> dict[tuple, tuple]:
    return {("student", label, seed): (distilled_unit, (config, student, seed))
            for seed in range(config.seeds) for label, student in config.students.items()}


def student_study(config: ResultsConfig, results: dict[tuple, dict], baselines: dict[str, dict]) -> StudentStudy:
    runs = {label: [results[("student", label, seed)] for seed in range(config.seeds)] for label in config.students}
    costs = firmware_costs(from_mapping(HardwareConfig, config.hardware), config.data.cache)
    return StudentStudy(config, runs, costs, baselines)
