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
from search.baselines import firmware_costs
from search.results.config import ResultsConfig
from search.results.distilled import auc_retained, distilled_unit
from search.results.stats import markdown_table, mean_std, number, pm
from search.results.teachers import mean_over, per_signal, mean_test_aucs

FAMILY_LABELS = {"qkeras": "QKeras-style", "hgq": "HGQ", "lgn": "LGN"}
RETAINED_MOST = 0.8
"""The report's reading of "keeps most of the teacher's performance": mean AUC retained ≥ 0.8."""
SAME_AUC = 0.01
"""Two mean AUCs closer than this (or than their seeds' spread) count as the same."""


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

    def verdicts(self) -> list[str]:
        """The seeds' three claims, each with its numbers and whether it holds here."""
        out = []
        best = {f: max((lab for lab in self.runs if self.family(lab) == f), key=lambda lab: mean_std(self.metric(lab, "auc", "val"))[0], default=None)
                for f in FAMILY_LABELS}
        kept = {f: mean_std(self.retained(lab)) for f, lab in best.items() if lab}
        out.append(f"*The student keeps most of the teacher's performance* (criterion: mean AUC retained ≥ {RETAINED_MOST} for the "
                   f"best student of the family by validation AUC): " + "; ".join(
                       f"{FAMILY_LABELS[f]} (`{best[f]}`) {m:.2f} ± {s:.2f}: **{'holds' if m >= RETAINED_MOST else 'does not hold'}**"
                       for f, (m, s) in kept.items()) + ".")
        pairs, better = 0, 0
        for q in (lab for lab in self.runs if self.family(lab) == "qkeras"):
            q_auc, q_std = mean_std(self.metric(q, "auc"))
            for h in (lab for lab in self.runs if self.family(lab) == "hgq"):
                h_auc, h_std = mean_std(self.metric(h, "auc"))
                if abs(h_auc - q_auc) <= max(SAME_AUC, q_std + h_std):
                    pairs += 1
                    better += self.lut(h) < self.lut(q)
        out.append(f"*HGQ reaches QKeras-style AUC at fewer resources* (criterion: among pairs with the same test AUC within "
                   f"{SAME_AUC} or their seeds' spread, the HGQ student has fewer yosys LUTs): {better} of {pairs} pairs. "
                   f"**{'Holds' if pairs and better > pairs / 2 else 'Does not hold' if pairs else 'Not testable (no pair of equal AUC)'}** here.")
        strongest = max(self.runs, key=lambda lab: mean_std(self.metric(lab, "auc"))[0])
        auc = mean_std(self.metric(strongest, "auc"))[0]
        beaten = [n for n in BASELINES if n in self.baselines_auc and self.baselines_auc[n] >= auc]
        named = [f"{BASELINES[n].label} ({self.baselines_auc[n]:.3f} at {self.baselines_hw.get(n, {}).get('lut') or math.nan:,.0f} LUT)"
                 for n in beaten]
        out.append(f"*Against the no-ML triggers*: the best student by test AUC, `{strongest}` ({auc:.3f} at "
                   f"{self.lut(strongest):,.0f} LUT), " + (f"**loses to** {', '.join(named)}." if named else "beats every no-ML trigger."))
        lgn = [lab for lab in self.runs if self.family(lab) == "lgn"]
        other = [lab for lab in self.runs if self.family(lab) != "lgn"]
        if lgn and other:
            cheapest = min(self.lut(lab) for lab in lgn), min(self.lut(lab) for lab in other)
            strongest = max(mean_std(self.metric(lab, "auc"))[0] for lab in lgn), max(mean_std(self.metric(lab, "auc"))[0] for lab in other)
            cheap, weaker = cheapest[0] < cheapest[1], strongest[0] < strongest[1]
            out.append(f"*LGN is very cheap but weaker on signals*: cheapest LGN {cheapest[0]:,.0f} LUT vs {cheapest[1]:,.0f} for the "
                       f"cheapest MLP student; best LGN test AUC {strongest[0]:.3f} vs {strongest[1]:.3f}. Cheaper: "
                       f"**{'yes' if cheap else 'no'}**; weaker: **{'yes' if weaker else 'no'}**.")
        return out

    def figure(self, path: Path, teacher_auc: float, baseline_auc: dict[str, float]) -> Path:
        """AUC (test) against yosys LUTs: every student with its seeds' spread, each family's front, the baselines."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for family, colour in zip(FAMILY_LABELS, ("tab:blue", "tab:orange", "tab:green")):
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
