"""The quantities Level-1 seeds and the no-ML baselines cut on, computed from the two stored views.

``objects``: (N, 57) in the ADC2021 order (MET, 4 e/γ, 4 μ, 10 jets; each pT GeV, η, φ), see
:mod:`flowad.data.views`. ``calo``: (N, 18, 14) region ET counts. Every function returns one float64 per event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from flowad.data.views import N_EG, N_JETS, N_MUONS

HT_JET_PT_MIN_GEV = 30.0
HT_JET_ETA_MAX = 2.4
"""CMS's Level-1 HT sums jets above 30 GeV within |η| < 2.4."""
SINGLE_JET_ETA_MAX = 2.5

@dataclass(frozen=True)
class ViewQuantity:
    """A per-crossing quantity of one stored view: what a Level-1 seed or a no-ML baseline cuts on."""

    view: str
    """``objects`` or ``calo``."""
    compute: Callable[[np.ndarray], np.ndarray]
    label: str


_FIRST = {"met": 0, "eg": 1, "mu": 1 + N_EG, "jet": 1 + N_EG + N_MUONS}
_COUNT = {"met": 1, "eg": N_EG, "mu": N_MUONS, "jet": N_JETS}


def slots(objects: np.ndarray, kind: str) -> np.ndarray:
    """(N, k, 3): pT, η, φ of the ``kind`` slots (``met``, ``eg``, ``mu``, ``jet``), pT-ordered, zero-padded."""
    first = _FIRST[kind]
    return np.asarray(objects, np.float64).reshape(len(objects), -1, 3)[:, first:first + _COUNT[kind]]


def nth_pt(objects: np.ndarray, kind: str, n: int, eta_max: float = np.inf) -> np.ndarray:
    """pT (GeV) of the ``n``-th (0-based) object of ``kind`` within |η| < ``eta_max``; 0 where there is none."""
    s = slots(objects, kind)
    pt = np.where(np.abs(s[..., 1]) < eta_max, s[..., 0], 0.0)
    return -np.sort(-pt, axis=1)[:, n]


def met(objects: np.ndarray) -> np.ndarray:
    """Missing ET (GeV)."""
    return slots(objects, "met")[:, 0, 0]


def ht(objects: np.ndarray) -> np.ndarray:
    """HT (GeV): scalar sum of jet pT above 30 GeV within |η| < 2.4, as CMS's Level-1 HT."""
    jets = slots(objects, "jet")
    keep = (jets[..., 0] > HT_JET_PT_MIN_GEV) & (np.abs(jets[..., 1]) < HT_JET_ETA_MAX)
    return np.where(keep, jets[..., 0], 0.0).sum(axis=1)


def sum_et(calo: np.ndarray) -> np.ndarray:
    """ΣET over all 252 regions (region counts; GeV at the default 1 GeV per count)."""
    return np.asarray(calo, np.float64).reshape(len(calo), -1).sum(axis=1)


def max_region_et(calo: np.ndarray) -> np.ndarray:
    """ET of the hottest region (counts)."""
    return np.asarray(calo).reshape(len(calo), -1).max(axis=1).astype(np.float64)
