"""Text tables of model metrics for the command line."""

from __future__ import annotations

import math

from flowad.textable import text_table


def _num(value: float, digits: int = 3) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def teacher_table(metrics: dict[str, dict]) -> str:
    rows = [[name, _num(m["auc"]), _num(m["tpr_at_rate"]), str(m["n_background"]), str(m["n_signal"])]
            for name, m in metrics.items()]
    notes = sorted({m["tpr_note"] for m in metrics.values() if m["tpr_note"]})
    table = text_table(["signal", "AUC", "TPR@3kHz", "n bg", "n sig"], rows, left=1)
    return table + "".join(f"\nTPR@3kHz n/a: {n}" for n in notes)


def distill_table(metrics: dict[str, dict], agreement: dict[str, dict]) -> str:
    rows = [[name, _num(m["teacher_auc"]), _num(m["student_auc"]), _num(m["auc_retained"]),
             _num(m["student_tpr_at_rate"]), _num(agreement[name]["emd"], 2), _num(agreement[name]["spearman"])]
            for name, m in metrics.items()]
    background = [p for p in agreement if p not in metrics]
    rows += [[p, "-", "-", "-", "-", _num(agreement[p]["emd"], 2), _num(agreement[p]["spearman"])] for p in background]
    notes = sorted({m["tpr_note"] for m in metrics.values() if m["tpr_note"]})
    table = text_table(["process", "teacher AUC", "student AUC", "retained", "TPR@3kHz", "EMD", "Spearman"], rows, left=1)
    return (table + "\nretained = (student AUC − 0.5) / (teacher AUC − 0.5); EMD in target units; test split"
            + "".join(f"\nTPR@3kHz n/a: {n}" for n in notes))


def front_table(front, metrics: list[str]) -> str:
    """The Pareto front (a DataFrame of trials) as text: parameters, objectives and hardware figures."""
    from search.config import describe_params

    params = [c for c in front.columns if c.startswith("param.")]
    shown = list(dict.fromkeys([*metrics, "lut", "dsp", "latency_ns"]))
    rows = []
    for _, row in front.iterrows():
        cells = [str(row["trial_id"]), describe_params({p.removeprefix("param."): row[p] for p in params if row[p] == row[p]})]
        for m in shown:
            value = row.get(m)
            digits = 3 if m.startswith("auc") or m in ("spearman", "emd") else 1 if m == "latency_ns" else 0
            cells.append("n/a" if value is None or value != value else f"{value:,.{digits}f}")
        rows.append(cells)
    return text_table(["trial", "model", *shown], rows, left=2)
