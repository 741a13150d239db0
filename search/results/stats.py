"""Numbers as the report prints them: mean ± standard deviation over seeds, or a point with its 95 % interval."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof 1; 0 for one value) of the finite ``values``; NaN if none."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return math.nan, math.nan
    return float(np.mean(finite)), float(np.std(finite, ddof=1)) if len(finite) > 1 else 0.0


def pm(values: Sequence[float], digits: int = 3) -> str:
    """``0.712 ± 0.004`` over seeds; ``n/a`` when nothing is finite."""
    mean, std = mean_std(values)
    if math.isnan(mean):
        return "n/a"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def number(value: float | None, digits: int = 3) -> str:
    """``0.712``, or ``n/a`` for a missing or NaN value."""
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def interval(value: float, low: float, high: float, digits: int = 3) -> str:
    """``0.790 [0.781, 0.799]``: a point and its 95 % interval (DeLong for AUC, bootstrap for rates)."""
    if value is None or math.isnan(value):
        return "n/a"
    if low is None or math.isnan(low):
        return f"{value:.{digits}f}"
    return f"{value:.{digits}f} [{low:.{digits}f}, {high:.{digits}f}]"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
