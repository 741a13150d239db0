"""From visible particles to Level-1 detector inputs: calorimeter deposits, e/γ seeds, muons.

A deliberately simple, documented emulation (docs/data.md):
- muons do not deposit in the calorimeter; they become Level-1 muons with a relative pT smearing;
- charged particles below ``charged_pt_min_gev`` loop in the solenoid before the calorimeter;
- electrons and photons are smeared with the EM resolution, everything else with the hadronic one,
  σ/E = a/√E ⊕ c, drawn from a gamma distribution (positive and mean-preserving: a Gaussian clipped at
  zero would inflate soft hadrons' mean energy by ~13 % where σ/E ≈ 1.2); the smeared ET lands in
  the trigger tower at the particle's (η, φ);
- electrons and photons above ``eg_pt_min_gev`` inside ``eg_eta_max`` are e/γ seeds; their isolation
  is decided later, on the whole bunch crossing (pile-up included).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from flowad.data.config import DetectorConfig
from flowad.data.event_table import EventTable
from flowad.data.geometry import tower_index

CHARGED_PDG = np.array([11, 13, 211, 321, 2212, 3112, 3222, 3312, 3334])
EM_PDG = np.array([11, 22])


@dataclass(frozen=True)
class Deposits:
    """Detector inputs of a batch of events (or bunch crossings).

    - ``towers``: ``tower`` (index, see geometry), ``et`` (GeV, smeared, not yet digitised);
    - ``eg``: e/γ seeds ``et, eta, phi, tower``;
    - ``muons``: ``pt, eta, phi``.
    """

    towers: EventTable
    eg: EventTable
    muons: EventTable

    @property
    def n_events(self) -> int:
        return self.towers.n_events


def kinematics(px: np.ndarray, py: np.ndarray, pz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pT (GeV), η and φ (radians, (-π, π]) of momenta; η is ±inf along the beam."""
    pt = np.hypot(px, py)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.arcsinh(np.where(pt > 0, pz / pt, np.sign(pz) * np.inf))
    return pt, eta, np.arctan2(py, px)


def respond(particles: EventTable, det: DetectorConfig, rng: np.random.Generator) -> Deposits:
    """Detector response to the visible particles of a batch."""
    pid = np.abs(particles["pid"])
    pt, eta, phi = kinematics(particles["px"], particles["py"], particles["pz"])
    energy = particles["e"]

    is_muon = pid == 13
    muon_pt = pt[is_muon] * np.maximum(0.0, 1.0 + det.muon_pt_resolution * rng.standard_normal(int(is_muon.sum())))
    mu_eta, mu_phi = eta[is_muon], phi[is_muon]
    mu_keep = (muon_pt >= det.muon_pt_min_gev) & (np.abs(mu_eta) < det.muon_eta_max)
    muons = EventTable(particles.n_events, particles.row[is_muon][mu_keep], {
        "pt": muon_pt[mu_keep].astype(np.float32),
        "eta": mu_eta[mu_keep].astype(np.float32),
        "phi": mu_phi[mu_keep].astype(np.float32),
    })

    is_em = np.isin(pid, EM_PDG)
    charged = np.isin(pid, CHARGED_PDG)
    reaches = ~is_muon & ~(charged & (pt < det.charged_pt_min_gev)) & np.isfinite(eta)
    stochastic = np.where(is_em, det.em_stochastic, det.had_stochastic)
    constant = np.where(is_em, det.em_constant, det.had_constant)
    safe_e = np.maximum(energy, 1e-6)
    sigma = np.sqrt(stochastic**2 / safe_e + constant**2)
    smeared = safe_e * sigma**2 * rng.standard_gamma(1.0 / sigma**2)
    with np.errstate(invalid="ignore"):
        et = np.where(reaches, smeared / np.cosh(np.where(reaches, eta, 0.0)), 0.0)
    tower = tower_index(np.where(reaches, eta, 99.0), phi)
    deposit = reaches & (tower >= 0) & (et > 0)
    towers = EventTable(particles.n_events, particles.row[deposit], {
        "tower": tower[deposit].astype(np.int32),
        "et": et[deposit].astype(np.float32),
    })

    seed = deposit & is_em & (et >= det.eg_pt_min_gev) & (np.abs(eta) < det.eg_eta_max)
    eg = EventTable(particles.n_events, particles.row[seed], {
        "et": et[seed].astype(np.float32),
        "eta": eta[seed].astype(np.float32),
        "phi": phi[seed].astype(np.float32),
        "tower": tower[seed].astype(np.int32),
    })
    return Deposits(towers, eg, muons)
