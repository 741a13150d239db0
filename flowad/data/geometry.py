"""Level-1 calorimeter geometry: trigger towers and CICADA's 18 × 14 regions.

Regions follow CMS's Layer-1 calorimeter trigger: 18 in φ (20° each) by 14 in η covering |η| < 3,
with region η edges 0, .348, .696, 1.044, 1.392, 1.740, 2.172, 3.0 on each side. Each region is
4 × 4 trigger towers (towers split a region's η range evenly). The forward calorimeter (3 < |η| < 5)
is tiled with ``HF_TOWERS_PER_SIDE`` towers in η per side; it feeds MET and jets, not the regions.

Tower index = ``ieta * N_PHI_TOWERS + iphi`` with ``ieta`` counted from η = -5 upwards.
"""

from __future__ import annotations

import numpy as np

REGION_ETA_EDGES_ONE_SIDE = np.array([0.0, 0.348, 0.696, 1.044, 1.392, 1.740, 2.172, 3.0])
N_PHI_REGIONS = 18
N_ETA_REGIONS = 14
TOWERS_PER_REGION = 4
N_PHI_TOWERS = N_PHI_REGIONS * TOWERS_PER_REGION  # 72
HF_TOWERS_PER_SIDE = 12
ETA_MAX = 5.0


def _central_edges() -> np.ndarray:
    side = np.concatenate([
        np.linspace(lo, hi, TOWERS_PER_REGION + 1)[:-1]
        for lo, hi in zip(REGION_ETA_EDGES_ONE_SIDE[:-1], REGION_ETA_EDGES_ONE_SIDE[1:])
    ] + [REGION_ETA_EDGES_ONE_SIDE[-1:]])
    return np.concatenate([-side[::-1], side[1:]])


CENTRAL_ETA_EDGES = _central_edges()  # 57 edges, 56 towers over |η| < 3
_HF = np.linspace(3.0, ETA_MAX, HF_TOWERS_PER_SIDE + 1)
TOWER_ETA_EDGES = np.concatenate([-_HF[::-1], CENTRAL_ETA_EDGES[1:-1], _HF])
N_ETA_TOWERS = len(TOWER_ETA_EDGES) - 1  # 80
N_TOWERS = N_ETA_TOWERS * N_PHI_TOWERS  # 5760
CENTRAL_ETA_SLICE = slice(HF_TOWERS_PER_SIDE, HF_TOWERS_PER_SIDE + N_ETA_REGIONS * TOWERS_PER_REGION)

TOWER_ETA_CENTRES = 0.5 * (TOWER_ETA_EDGES[:-1] + TOWER_ETA_EDGES[1:])
TOWER_PHI_CENTRES = (np.arange(N_PHI_TOWERS) + 0.5) * (2 * np.pi / N_PHI_TOWERS)
TOWER_ETA_WIDTHS = np.diff(TOWER_ETA_EDGES)


def tower_index(eta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Tower index of each (η, φ); -1 outside |η| < 5. φ in radians, any range."""
    ieta = np.searchsorted(TOWER_ETA_EDGES, eta, side="right") - 1
    iphi = (np.floor(np.mod(phi, 2 * np.pi) / (2 * np.pi / N_PHI_TOWERS)).astype(np.int64)) % N_PHI_TOWERS
    inside = (ieta >= 0) & (ieta < N_ETA_TOWERS)
    return np.where(inside, ieta * N_PHI_TOWERS + iphi, -1)


def towers_to_regions(towers: np.ndarray) -> np.ndarray:
    """Sum a (B, 80, 72) tower-ET grid into (B, 18 φ, 14 η) region ET over |η| < 3.

    The flattened region image follows CICADA's input index ``14 * iphi + ieta``.
    """
    central = towers[:, CENTRAL_ETA_SLICE, :]
    b = central.shape[0]
    grid = central.reshape(b, N_ETA_REGIONS, TOWERS_PER_REGION, N_PHI_REGIONS, TOWERS_PER_REGION)
    return grid.sum(axis=(2, 4)).transpose(0, 2, 1)
