"""Pareto fronts and hypervolume of a search's trials, with Optuna doing the maths.

The front is what Optuna's public ``Study.best_trials`` returns for an in-memory study holding the
feasible trials' objective values; the hypervolume is Optuna's exact WFG implementation
(``optuna._hypervolume.compute_hypervolume`` through :mod:`search.record.optuna_private`, the one its samplers and
``plot_hypervolume_history`` use).
Objectives to maximise are negated into losses for the hypervolume, against a reference point per
objective (the worst value that still counts).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from search.record import optuna_private


def feasible_rows(values: np.ndarray) -> np.ndarray:
    return np.all(np.isfinite(values), axis=1)


def pareto_mask(values: np.ndarray, directions: Sequence[str]) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``values`` (n_trials, n_objectives); NaN rows are never on it."""
    import optuna

    values = np.asarray(values, dtype=float).reshape(len(values), len(directions))
    mask = np.zeros(len(values), dtype=bool)
    ok = np.flatnonzero(feasible_rows(values))
    if len(ok) == 0:
        return mask
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(directions=[{"max": "maximize", "min": "minimize"}[d] for d in directions])
    for row in ok:
        study.add_trial(optuna.trial.create_trial(values=[float(v) for v in values[row]], user_attrs={"row": int(row)}))
    for trial in study.best_trials:
        mask[trial.user_attrs["row"]] = True
    return mask


L1_LATENCY_BUDGET_NS = 1_000.0
"""The hypervolume's worst latency when no constraint bounds it: a Level-1 trigger's whole decision window is
of order a microsecond (the algorithm's own share ~100 ns), so slower designs add nothing."""


def fixed_reference(metrics: Sequence[str], directions: Sequence[str], given: Sequence[float | None],
                    constraints: Sequence = (), part: str | None = None) -> list[float | None]:
    """The hypervolume reference point, known before any trial (so hypervolumes logged as a search runs, and of
    two searches, compare): a given value; else AUC-like metrics ½, efficiencies and correlations 0; else a
    constraint's bound on the metric; else the part's capacity for LUT/FF/DSP/BRAM; else
    :data:`L1_LATENCY_BUDGET_NS` for latency. None where nothing fixes it (the objective needs a ``reference``)."""
    from flowad.hardware.parts import part_resources

    capacity = part_resources(part) if part else None
    reference: list[float | None] = []
    for metric, direction, value in zip(metrics, directions, given):
        base = metric.split("/", 1)[0]
        bound = [c.max if direction == "min" else c.min for c in constraints if c.metric == metric]
        bound = [b for b in bound if b is not None]
        if value is not None:
            reference.append(float(value))
        elif base.startswith("auc") and base != "auc_retained":
            reference.append(0.5)
        elif base in ("tpr_at_rate", "pure_tpr_at_rate", "spearman", "auc_retained"):
            reference.append(0.0)
        elif bound:
            reference.append(float(bound[0]))
        elif capacity and base in capacity:
            reference.append(float(capacity[base]))
        elif base == "latency_ns":
            reference.append(L1_LATENCY_BUDGET_NS)
        else:
            reference.append(None)
    return reference


def default_reference(values: np.ndarray, directions: Sequence[str], metrics: Sequence[str],
                      given: Sequence[float | None]) -> list[float]:
    """A reference for a front read back without its search's own (an old search, ``flowad search pareto`` on
    another tool's runs): given values, else :func:`fixed_reference`'s, else 1.1 × the worst value seen."""
    reference = []
    fixed = fixed_reference(metrics, directions, given)
    for j, (direction, value) in enumerate(zip(directions, fixed)):
        if value is not None:
            reference.append(float(value))
            continue
        column = values[:, j][np.isfinite(values[:, j])]
        if not len(column):  # nothing finished: any reference gives a hypervolume of 0
            reference.append(1.0)
            continue
        worst = column.max() if direction == "min" else column.min()
        reference.append(float(worst * 1.1 if worst > 0 else worst + 1.0))
    return reference


def hypervolume(values: np.ndarray, directions: Sequence[str], reference: Sequence[float]) -> float:
    """Hypervolume dominated by the feasible rows of ``values`` up to ``reference`` (objective units multiplied)."""
    values = np.asarray(values, dtype=float).reshape(-1, len(directions))
    values = values[feasible_rows(values)]
    sign = np.array([-1.0 if d == "max" else 1.0 for d in directions])
    losses, ref = values * sign, np.asarray(reference, dtype=float) * sign
    losses = losses[np.all(losses < ref, axis=1)]  # points beyond the reference add nothing
    if len(losses) == 0:
        return 0.0
    return optuna_private.compute_hypervolume(losses, ref)


BASELINE_MARKERS = {"sum_et": "s", "max_region_et": "D", "ht": "^"}


def plot_fronts(columns: dict[str, np.ndarray], front: np.ndarray, quality: str, costs: Sequence[str],
                out_dir: str | Path, title: str = "", baselines: dict[str, dict[str, float]] | None = None,
                ceiling: float | None = None) -> list[Path]:
    """One PNG per cost metric (``lut``, ``dsp``, ``latency_ns``) against ``quality`` (AUC), the front marked.

    ``baselines`` (``{name: {metric: value}}``) are drawn as points at their own firmware cost and as dashed
    lines at their ``quality``; ``ceiling`` (the best teacher's ``quality``) as a dotted line: what the
    students are distilled from."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from flowad.atomic import atomic_path
    from flowad.metrics.reference import BASELINES

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    y = np.asarray(columns[quality], dtype=float)
    for metric in costs:
        x = np.asarray(columns.get(metric, np.full(len(y), np.nan)), dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        fig, ax = plt.subplots(figsize=(5.5, 4))
        ax.scatter(x[ok & ~front], y[ok & ~front], s=18, c="0.6", label="trials")
        on = ok & front
        order = np.argsort(x[on])
        ax.plot(x[on][order], y[on][order], "o-", c="C3", label="Pareto front (all objectives)")
        for k, (name, values) in enumerate((baselines or {}).items()):
            level = values.get(quality, np.nan)
            if not np.isfinite(level):
                continue
            color = f"C{k + 4}"
            label = f"{BASELINES[name].label if name in BASELINES else name} (no ML)"
            ax.axhline(level, color=color, ls="--", lw=0.8)
            cost = values.get(metric, np.nan)
            if np.isfinite(cost):
                ax.scatter([cost], [level], marker=BASELINE_MARKERS.get(name, "s"), s=50, c=color, edgecolors="k",
                           zorder=5, label=label)
            else:
                ax.plot([], [], ls="--", color=color, label=label + ", firmware not costed")
        if ceiling is not None and np.isfinite(ceiling):
            ax.axhline(ceiling, color="k", ls=":", lw=1, label="teacher (ceiling)")
        ax.set_xlabel(metric)
        ax.set_ylabel(f"{quality} (validation{', mean over signals' if '/' not in quality else ''})")
        extent = np.concatenate([x[ok], [v.get(metric, np.nan) for v in (baselines or {}).values()]])
        extent = extent[np.isfinite(extent)]
        if len(extent) and extent.min() > 0 and extent.max() / extent.min() > 20:
            ax.set_xscale("log")
        ax.set_title(title or f"{quality} vs {metric}")
        ax.legend(loc="best", fontsize=7)
        fig.tight_layout()
        path = out_dir / f"pareto_{quality.replace('/', '_')}_vs_{metric}.png"
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=110, format="png")
        plt.close(fig)
        paths.append(path)
    return paths
