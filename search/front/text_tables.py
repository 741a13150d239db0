"""Text tables of model metrics for the command line."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from flowad.textable import text_table

if TYPE_CHECKING:
    from flowad.metrics.trigger import ScorePerformance


def _num(value: float, digits: int = 3) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def trigger_table(scores: dict[str, "ScorePerformance"], split: str, menu=None, rate_khz: float = 3.0) -> str:
    """Per signal, one row per score (model or baseline): AUC, efficiency and pure efficiency at the rate,
    with 95 % intervals, and the rate the cut really gives on ``split``; the menu's own efficiency first."""
    from flowad.metrics.reference import BASELINES

    labels = {name: BASELINES[name].label if name in BASELINES else name for name in scores}
    first = next(iter(scores.values()))
    rows = []
    for signal in first.signals:
        menu_eff = first.signals[signal].menu_efficiency
        rows.append([signal, "L1 menu", "", _num(menu_eff), "", _num(menu.total_khz, 1) if menu is not None else "n/a"])
        for name, perf in scores.items():
            s = perf.signals[signal]
            rows.append(["", labels[name], f"{s.auc:.3f}", f"{s.tpr:.3f}", f"{s.pure_tpr:.3f}", f"{perf.rate_khz:.2f}"])
    header = ["signal", "trigger", "AUC", f"eff @ {rate_khz:g} kHz", f"pure eff @ {rate_khz:g} kHz", f"rate kHz ({split})"]
    notes = [f"{split} split; every rate cut set on the validation ZeroBias; [95 % interval]: AUC DeLong, the rest "
             "Poisson bootstrap; pure eff = kept by this trigger and not by the menu, over all signal events"]
    notes += sorted({f"{labels[n]}: {p.reason}" for n, p in scores.items() if p.reason})
    if menu is not None:
        notes.append("menu: " + ", ".join(f"{n} > {t.value:.4g} ({t.achieved_khz:.1f} kHz)" for n, t in menu.thresholds.items())
                     + (f"; left out: {', '.join(menu.dropped)}" if menu.dropped else ""))
    return text_table(header, rows, left=2) + "".join(f"\n{n}" for n in notes)


def distill_table(metrics: dict[str, dict], agreement: dict[str, dict], split: str = "val", reason: str = "") -> str:
    rows = [[name, _num(m["teacher_auc"]), _num(m["student_auc"]), _num(m["auc_retained"]), _num(m["menu_efficiency"]),
             _num(m["teacher_pure_tpr_at_rate"]), _num(m["student_pure_tpr_at_rate"]),
             _num(agreement[name]["emd"], 2), _num(agreement[name]["spearman"])]
            for name, m in metrics.items()]
    background = [p for p in agreement if p not in metrics]
    rows += [[p, "-", "-", "-", "-", "-", "-", _num(agreement[p]["emd"], 2), _num(agreement[p]["spearman"])] for p in background]
    table = text_table(["process", "teacher AUC", "student AUC", "retained", "menu eff", "teacher pure eff",
                        "student pure eff", "EMD", "Spearman"], rows, left=1)
    return (table + f"\nretained = (student AUC − 0.5) / (teacher AUC − 0.5); pure eff at 3 kHz (not kept by the menu); "
            f"EMD in target units; {split} split (a distillation never reads test)" + (f"\nn/a: {reason}" if reason else ""))


def front_table(front, metrics: list[str]) -> str:
    """The Pareto front (a DataFrame of trials) as text: parameters, objectives and hardware figures."""
    from search.space.parameters import describe_params

    params = [c for c in front.columns if c.startswith("param.")]
    shown = list(dict.fromkeys([*metrics, "lut", "dsp", "latency_ns"]))
    from flowad.hardware.design import NO_DSP

    rows, notes = [], {}
    for _, row in front.iterrows():
        cells = [str(row["trial_id"]), describe_params({p.removeprefix("param."): row[p] for p in params if row[p] == row[p]})]
        for m in shown:
            value = row.get(m)
            digits = 3 if m.startswith("auc") or m in ("spearman", "emd") else 1 if m == "latency_ns" else 0
            cell = "n/a" if value is None or value != value else f"{value:,.{digits}f}"
            if m == "dsp" and value == 0 and row.get("design") in NO_DSP:
                mark = "*" * (sorted(NO_DSP).index(row["design"]) + 1)
                notes[mark] = NO_DSP[row["design"]]
                cell += mark
            if m == "lut" and str(row.get("estimator_surrogate", "")).lower() == "true":
                cell += " (surrogate)"
            elif m == "lut" and str(row.get("hardware_synthesised", "")).lower() == "false":
                cell += f" ({row.get('hardware_source') or 'a'} model)"
            cells.append(cell)
        rows.append(cells)
    table = text_table(["trial", "model", *shown], rows, left=2)
    return table + "".join(f"\n  {mark} {text}" for mark, text in sorted(notes.items()))
