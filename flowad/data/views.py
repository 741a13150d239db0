"""The two input views of a bunch crossing, computed from its detector deposits.

- ``calo``: (18 φ × 14 η) regions of integer ET counts, saturating at ``2**region_bits - 1``:
  CICADA's input, flattened in its order ``14 * iphi + ieta``.
- ``objects``: 57 floats, ADC2021/AXOL1TL layout: MET, 4 e/γ, 4 μ, 10 jets, each (pT GeV, η, φ),
  pT-ordered within a type, zero-padded; MET's η slot is 0.
- ``calo+objects``: both of one crossing in one row, (309,) float32: the 252 region counts then the 57 object
  features. Not stored: read from the two stored views (:func:`flowad.data.storage.read_events`), so one teacher
  can see both.
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from flowad.data.config import DetectorConfig
from flowad.data.detector import Deposits
from flowad.data.event_table import EventTable, top_k
from flowad.data.geometry import (
    N_ETA_TOWERS, N_PHI_REGIONS, N_PHI_TOWERS, N_TOWERS, REGION_ETA_EDGES_ONE_SIDE, TOWER_ETA_CENTRES,
    TOWER_PHI_CENTRES, towers_to_regions,
)

N_EG, N_MUONS, N_JETS = 4, 4, 10
OBJECT_SLOTS = ["met"] + [f"eg{i}" for i in range(N_EG)] + [f"mu{i}" for i in range(N_MUONS)] + [f"jet{i}" for i in range(N_JETS)]
OBJECT_FEATURES = [f"{slot}_{q}" for slot in OBJECT_SLOTS for q in ("pt", "eta", "phi")]
N_OBJECT_FEATURES = len(OBJECT_FEATURES)  # 57
CALO_SHAPE = (18, 14)
CALO_FEATURES = CALO_SHAPE[0] * CALO_SHAPE[1]  # 252
COMBINED_VIEW = "calo+objects"
STORED_VIEWS = ("calo", "objects")
VIEWS = (*STORED_VIEWS, COMBINED_VIEW)


def count_features(view: str) -> int:
    """How many leading features of a flattened ``view`` row are calo region counts (integer ET in LSBs): 252 for
    ``calo`` and ``calo+objects``, 0 for ``objects``. The rest are object features in the ADC2021 order."""
    return CALO_FEATURES if view in ("calo", COMBINED_VIEW) else 0
ISOLATION_HALF_WIDTH = 3
"""e/γ isolation box: ±3 towers in η and φ (≈ ΔR 0.3)."""

_REGION_ETA_WIDTHS = np.diff(np.concatenate([-REGION_ETA_EDGES_ONE_SIDE[::-1], REGION_ETA_EDGES_ONE_SIDE[1:]]))
REGION_AREAS = (_REGION_ETA_WIDTHS * (2 * np.pi / N_PHI_REGIONS))[None, None, :]
"""η-φ area of each region, broadcastable against (B, 18 φ, 14 η)."""
_COS_PHI = np.cos(TOWER_PHI_CENTRES)
_SIN_PHI = np.sin(TOWER_PHI_CENTRES)


def tower_et(towers: EventTable) -> np.ndarray:
    """Tower ET before digitisation, (B, 80 η, 72 φ) float64 in GeV: the sum of the deposits per tower."""
    flat = np.bincount(towers.row * N_TOWERS + towers["tower"], weights=towers["et"], minlength=towers.n_events * N_TOWERS)
    return flat.reshape(towers.n_events, N_ETA_TOWERS, N_PHI_TOWERS)


def tower_grid(towers: EventTable, det: DetectorConfig) -> np.ndarray:
    """Digitised tower ET, (B, 80 η, 72 φ) float32 in GeV: the sum per tower floored to ``tower_lsb_gev``."""
    return (np.floor(tower_et(towers) / det.tower_lsb_gev) * det.tower_lsb_gev).astype(np.float32)


def calo_view(grid: np.ndarray, det: DetectorConfig) -> np.ndarray:
    """(B, 18, 14) uint16 region counts of ``region_lsb_gev``, saturated at ``region_bits``."""
    regions = towers_to_regions(grid.astype(np.float64))
    counts = np.floor(regions / det.region_lsb_gev + 1e-9)
    return np.clip(counts, 0, 2**det.region_bits - 1).astype(np.uint16)


def objects_view(grid: np.ndarray, crossings: Deposits, det: DetectorConfig) -> np.ndarray:
    """(B, 57) float32 object features in the ADC2021 order."""
    b = grid.shape[0]
    out = np.zeros((b, len(OBJECT_SLOTS), 3), np.float32)
    out[:, 0] = missing_et(grid)
    eg = isolated_eg(grid, crossings.eg, det)
    out[:, 1:1 + N_EG] = _leading(eg, "et", N_EG)
    out[:, 1 + N_EG:1 + N_EG + N_MUONS] = _leading(crossings.muons, "pt", N_MUONS)
    out[:, 1 + N_EG + N_MUONS:] = _leading(jets(grid, det), "pt", N_JETS)
    return out.reshape(b, N_OBJECT_FEATURES)


def missing_et(grid: np.ndarray) -> np.ndarray:
    """(B, 3): MET magnitude (GeV), 0, φ; from all towers (|η| < 5)."""
    px = -(grid * _COS_PHI).sum(axis=(1, 2))
    py = -(grid * _SIN_PHI).sum(axis=(1, 2))
    met = np.hypot(px, py)
    return np.stack([met, np.zeros_like(met), np.where(met > 0, np.arctan2(py, px), 0.0)], axis=1)


def isolated_eg(grid: np.ndarray, eg: EventTable, det: DetectorConfig) -> EventTable:
    """e/γ seeds whose surrounding ET (7 × 7 towers minus the seed tower) is below ``eg_isolation_max`` × ET."""
    if len(eg) == 0:
        return eg
    h = ISOLATION_HALF_WIDTH
    padded = np.pad(grid, ((0, 0), (h, h), (0, 0)))
    padded = np.concatenate([padded[:, :, -h:], padded, padded[:, :, :h]], axis=2)
    integral = np.zeros((grid.shape[0], padded.shape[1] + 1, padded.shape[2] + 1))
    integral[:, 1:, 1:] = padded.cumsum(1).cumsum(2)
    ieta, iphi = np.divmod(eg["tower"].astype(np.int64), N_PHI_TOWERS)
    r = eg.row
    w = 2 * h + 1
    box = integral[r, ieta + w, iphi + w] - integral[r, ieta, iphi + w] - integral[r, ieta + w, iphi] + integral[r, ieta, iphi]
    isolation = (box - grid[r, ieta, iphi]) / eg["et"]
    return eg.select(isolation < det.eg_isolation_max)


def jets(grid: np.ndarray, det: DetectorConfig) -> EventTable:
    """Pile-up-subtracted anti-kT jets (fastjet) of radius ``jet_radius``.

    Inputs are the digitised towers above ``jet_input_min_gev`` as massless pseudo-particles. Each
    jet's pT is corrected by ρ·πR², with ρ the crossing's median region ET density (GeV per unit
    η-φ area) of those towers: hard jets occupy few of the 252 regions, so the median follows pile-up.
    """
    import fastjet

    grid = np.where(grid >= det.jet_input_min_gev, grid, 0.0)
    rho = pileup_density(grid)
    b, ieta, iphi = np.nonzero(grid)
    et = grid[b, ieta, iphi].astype(np.float64)
    eta = TOWER_ETA_CENTRES[ieta]
    counts = np.bincount(b, minlength=grid.shape[0])
    inputs = ak.zip({
        "px": ak.unflatten(et * _COS_PHI[iphi], counts),
        "py": ak.unflatten(et * _SIN_PHI[iphi], counts),
        "pz": ak.unflatten(et * np.sinh(eta), counts),
        "E": ak.unflatten(et * np.cosh(eta), counts),
    }, with_name="Momentum4D")
    found = fastjet.ClusterSequence(inputs, fastjet.JetDefinition(fastjet.antikt_algorithm, det.jet_radius))
    clustered = found.inclusive_jets(min_pt=det.jet_pt_min_gev)
    row = np.repeat(np.arange(grid.shape[0]), ak.to_numpy(ak.num(clustered)))
    px, py, pz = (ak.to_numpy(ak.flatten(clustered[c])) for c in ("px", "py", "pz"))
    raw_pt = np.hypot(px, py)
    jet_eta = np.arcsinh(pz / np.maximum(raw_pt, 1e-9))
    pt = raw_pt - rho[row] * np.pi * det.jet_radius**2
    table = EventTable(grid.shape[0], row, {"pt": pt, "eta": jet_eta, "phi": np.arctan2(py, px)})
    return table.select((np.abs(jet_eta) < det.jet_eta_max) & (pt >= det.jet_pt_min_gev))


def pileup_density(grid: np.ndarray) -> np.ndarray:
    """ρ per crossing (GeV per unit η-φ area): the median ET density of the 18 × 14 regions."""
    regions = towers_to_regions(grid.astype(np.float64))
    return np.median(regions / REGION_AREAS, axis=(1, 2))


def _leading(table: EventTable, key: str, k: int) -> np.ndarray:
    """(B, k, 3): (``key``, η, φ) of each event's ``k`` leading entries, zero-padded."""
    index = top_k(table, key, k)
    out = np.zeros((table.n_events, k, 3), np.float32)
    valid = index >= 0
    for j, column in enumerate((key, "eta", "phi")):
        out[..., j][valid] = table[column][index[valid]]
    return out
