"""Matplotlib PNGs: ROC curves with a trigger-rate axis, and score histograms."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from flowad.atomic import atomic_path
from flowad.metrics.rates import LHC_BUNCH_CROSSING_RATE_MHZ


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_roc(background: np.ndarray, signals: dict[str, np.ndarray], path: str | Path, title: str = "",
             working_point_khz: float = 3.0) -> Path:
    """Signal efficiency against Level-1 rate (kHz, log) for each signal; marks the working point."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    order = np.sort(background)[::-1]
    rate_khz = np.arange(1, len(order) + 1) / len(order) * LHC_BUNCH_CROSSING_RATE_MHZ * 1e3
    for name, scores in signals.items():
        ranked = np.sort(scores)
        efficiency = 1.0 - np.searchsorted(ranked, order, side="right") / max(len(ranked), 1)  # fraction > each cut
        ax.plot(rate_khz, efficiency, label=name)
    ax.axvline(working_point_khz, color="grey", ls="--", lw=1, label=f"{working_point_khz:g} kHz")
    ax.set_xscale("log")
    ax.set_xlabel("Level-1 rate [kHz] (ZeroBias efficiency × 28.61 MHz)")
    ax.set_ylabel("signal efficiency")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_scores(scores: dict[str, np.ndarray], path: str | Path, title: str = "", xlabel: str = "anomaly score") -> Path:
    """Normalised score histograms per process on common bins."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    values = np.concatenate(list(scores.values()))
    lo, hi = np.quantile(values, [0.001, 0.999])
    bins = np.linspace(lo, hi if hi > lo else lo + 1, 60)
    for name, s in scores.items():
        ax.hist(np.clip(s, bins[0], bins[-1]), bins=bins, histtype="step", density=True, label=name)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.legend(fontsize=8)
    return _save(fig, path)


def _save(fig, path: str | Path) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    _pyplot().close(fig)
    return path
