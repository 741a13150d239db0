"""Study 3, distillation: how much of the teacher a student keeps with and without the two training aids.

One student (``ablation_student``, several seeds) distilled from the same teacher with each ablation's overrides
of the distillation config: teacher-labelled energy augmentation (``augment``) and outlier exposure
(``outlier_exposure``). Reported on test: AUC retained, mean AUC and pure efficiency, EMD and Spearman.
"""

from __future__ import annotations

from dataclasses import dataclass

from search.results.config import ResultsConfig
from search.results.distilled import auc_retained, distilled_unit
from search.results.stats import markdown_table, pm
from search.results.teachers import mean_over


@dataclass
class DistillationStudy:
    config: ResultsConfig
    runs: dict[str, list[dict]]

    def markdown(self) -> str:
        signals = self.config.signals
        header = ["distillation", "AUC retained", "AUC", "pure eff @ 3 kHz", "EMD", "Spearman", "epochs"]
        rows = [[label, pm([auc_retained(r, signals) for r in runs]), pm([mean_over(r["test"], signals, "auc") for r in runs]),
                 pm([mean_over(r["test"], signals, "pure_tpr") for r in runs], 4), pm([r["emd"] for r in runs]),
                 pm([r["spearman"] for r in runs]), pm([r["epochs"] for r in runs], 0)]
                for label, runs in self.runs.items()]
        return (f"Student `{self.config.ablation_student}`, teacher `{self.config.distill_teacher}` (seed 0), "
                f"± over {self.config.seeds} student seeds; test split.\n\n" + markdown_table(header, rows))


def ablation_calls(config: ResultsConfig) -> dict[tuple, tuple]:
    """The ablations that differ from the student study's own distillation (that one is its unit, shipped)."""
    student = config.students[config.ablation_student]
    return {("ablation", label, seed): (distilled_unit, (config, student, seed, overrides, False))
            for seed in range(config.seeds) for label, overrides in config.ablations.items() if overrides}


def distillation_study(config: ResultsConfig, results: dict[tuple, dict]) -> DistillationStudy:
    runs = {label: [results[("ablation", label, seed) if overrides else ("student", config.ablation_student, seed)]
                    for seed in range(config.seeds)] for label, overrides in config.ablations.items()}
    return DistillationStudy(config, runs)
