"""Detector response and views on hand-made particles, where the right answer is known."""

import numpy as np

from flowad.data.config import DetectorConfig
from flowad.data.detector import Deposits, respond
from flowad.data.event_table import EventTable
from flowad.data.geometry import tower_index
from flowad.data.views import calo_view, isolated_eg, jets, missing_et, objects_view, tower_grid

DET = DetectorConfig()


def particles(rows, pt, eta, phi, pid, n_events):
    pt, eta, phi = (np.asarray(x, float) for x in (pt, eta, phi))
    px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
    return EventTable(n_events, np.asarray(rows), {"px": px, "py": py, "pz": pz, "e": np.sqrt(px**2 + py**2 + pz**2),
                                                   "pid": np.asarray(pid, np.int32)})


def towers(rows, eta, phi, et, n_events):
    idx = tower_index(np.asarray(eta, float), np.asarray(phi, float))
    return EventTable(n_events, np.asarray(rows), {"tower": idx.astype(np.int32), "et": np.asarray(et, np.float32)})


def test_muons_skip_the_calorimeter_and_soft_charged_particles_loop():
    rng = np.random.default_rng(0)
    p = particles([0, 0, 0], [20, 0.5, 0.5], [0.1, 0.2, 0.2], [0.3, 1.0, 2.0], [13, 211, 22], 1)
    dep = respond(p, DET, rng)
    assert len(dep.muons) == 1 and abs(dep.muons["pt"][0] - 20) < 10
    # the 0.5 GeV pion loops; the 0.5 GeV photon deposits
    assert len(dep.towers) == 1
    assert dep.towers["tower"][0] == tower_index(np.array([0.2]), np.array([2.0]))[0]


def test_smearing_preserves_the_mean_energy():
    rng = np.random.default_rng(1)
    n = 200_000
    p = particles(np.arange(n), np.full(n, 1.0), np.zeros(n), np.zeros(n), np.full(n, 2112), n)
    et = respond(p, DET, rng).towers["et"]
    assert len(et) == n and et.min() >= 0
    assert abs(et.mean() - 1.0) < 0.01  # unbiased even at sigma/E ~ 1
    expected_sigma = np.hypot(DET.had_stochastic / 1.0, DET.had_constant)
    assert abs(et.std() - expected_sigma) < 0.02


def test_calo_view_counts_and_saturates():
    t = towers([0, 0, 1], [0.1, 0.1, -0.5], [0.05, 0.05, 1.0], [300.2, 250.0, 5000.0], 2)
    grid = tower_grid(t, DET)
    calo = calo_view(grid, DET)
    assert calo.dtype == np.uint16 and calo.shape == (2, 18, 14)
    assert calo[0].sum() == 550  # 550 GeV, floored to 0.5 GeV towers then 1 GeV counts
    assert calo[1].max() == 1023  # 10-bit saturation


def test_missing_et_balances_a_single_deposit():
    grid = tower_grid(towers([0], [0.0], [0.5], [100.0], 1), DET)
    met = missing_et(grid)[0]
    assert np.isclose(met[0], 100.0, rtol=1e-5)
    assert np.isclose(abs(np.angle(np.exp(1j * (met[2] - 0.5)))), np.pi, atol=0.05)  # opposite the deposit


def test_jet_from_a_narrow_spray_is_found_once():
    eta = [1.0, 1.05, 0.97]
    phi = [2.0, 2.04, 1.97]
    t = towers([0, 0, 0], eta, phi, [60.0, 30.0, 20.0], 2)
    found = jets(tower_grid(t, DET), DET)
    assert found.counts().tolist() == [1, 0]
    assert abs(found["pt"][0] - 110) < 2 and abs(found["eta"][0] - 1.0) < 0.1


def test_eg_isolation_rejects_a_photon_inside_a_jet():
    t = towers([0, 0, 1], [0.5, 0.55, -1.0], [1.0, 1.05, -2.0], [20.0, 40.0, 20.0], 2)
    grid = tower_grid(t, DET)
    eg = EventTable(2, np.array([0, 1]), {"et": np.array([20.0, 20.0], np.float32), "eta": np.array([0.5, -1.0], np.float32),
                                           "phi": np.array([1.0, -2.0], np.float32), "tower": t["tower"][[0, 2]]})
    kept = isolated_eg(grid, eg, DET)
    assert kept.row.tolist() == [1]


def test_objects_view_layout():
    t = towers([0], [0.0], [0.0], [50.0], 1)
    mu = EventTable(1, np.array([0, 0]), {"pt": np.array([10.0, 30.0], np.float32), "eta": np.array([0.1, 0.2], np.float32),
                                          "phi": np.array([0.3, 0.4], np.float32)})
    empty_eg = EventTable.empty(1, {"et": np.float32, "eta": np.float32, "phi": np.float32, "tower": np.int32})
    crossing = Deposits(t, empty_eg, mu)
    objects = objects_view(tower_grid(t, DET), crossing, DET).reshape(19, 3)
    assert objects[0, 1] == 0  # MET has no eta
    assert objects[5].tolist() == [30.0, np.float32(0.2), np.float32(0.4)]  # leading muon first
    assert objects[6, 0] == 10.0 and objects[7:9].sum() == 0
    assert objects[9, 0] > 40  # the jet
