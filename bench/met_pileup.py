"""MET of fresh ZeroBias crossings under tower thresholds: is a pile-up-mitigated MET within reach of the detector
emulation? Prints the rate above 90 GeV and the cuts at 50/10/5 kHz for each variant (issue 22, the ETMHF question).

Usage: python bench/met_pileup.py [N_CROSSINGS] [SEED] [OUT.npz]   (reads data/demo's val pile-up pool)
"""
import json, sys, time
from pathlib import Path
import numpy as np
from flowad.configio import from_mapping
from flowad.data.config import DataConfig
from flowad.data.pileup import hard_pileup_settings
from flowad.data.pythia_source import PythiaSource, run_settings
from flowad.data.shards import PileUp, crossings_for, hard_fraction, pool_paths, _batches
from flowad.data.storage import read_pools
from flowad.data.views import tower_grid, _COS_PHI, _SIN_PHI
from flowad.data.geometry import TOWER_ETA_CENTRES

n_total = int(sys.argv[1]) if len(sys.argv) > 1 else 15000
seed = int(sys.argv[2]) if len(sys.argv) > 2 else 11
out = sys.argv[3] if len(sys.argv) > 3 else "met_pileup.npz"
ds = Path("data/demo")
cfg = from_mapping(DataConfig, json.loads((ds / "config.json").read_text()))
pools = pool_paths(ds, "val")
hard = PythiaSource(run_settings(cfg.sqrt_s_gev, seed, hard_pileup_settings(cfg.pileup.hard_pthat_min_gev)))
pileup = PileUp(read_pools(pools), hard, hard_fraction(pools))
rng = np.random.default_rng(seed)
absEta = np.abs(TOWER_ETA_CENTRES)[None, :, None]
variants = {}
def met(grid):
    px = -(grid * _COS_PHI).sum(axis=(1, 2)); py = -(grid * _SIN_PHI).sum(axis=(1, 2))
    return np.hypot(px, py)
t0 = time.time()
for n in _batches(n_total):
    crossings, counts, _ = crossings_for(None, n, pileup, cfg, rng)
    g = tower_grid(crossings.towers, cfg.detector).astype(np.float64)
    res = {"raw": met(g), "eta3": met(np.where(absEta < 3, g, 0))}
    for t in (1, 1.5, 2, 3, 4):
        res[f"t{t}"] = met(np.where(g >= t, g, 0))
        res[f"eta3_t{t}"] = met(np.where((g >= t) & (absEta < 3), g, 0))
    # eta-dependent: barrel 1 GeV, endcap (1.5<|eta|<3) 2 GeV, HF 4 GeV
    thr = np.where(absEta < 1.5, 1.0, np.where(absEta < 3.0, 2.0, 4.0))
    res["ring_1_2_4"] = met(np.where(g >= thr, g, 0))
    thr = np.where(absEta < 1.5, 1.5, np.where(absEta < 3.0, 3.0, 6.0))
    res["ring_1.5_3_6"] = met(np.where(g >= thr, g, 0))
    res["n_pileup"] = counts.astype(np.float64)
    for k, v in res.items():
        variants.setdefault(k, []).append(v)
np.savez(out, **{k: np.concatenate(v) for k, v in variants.items()})
print(f"{n_total} crossings in {time.time()-t0:.0f} s")
R = 28610  # kHz per unit fraction (LHC_BUNCH_CROSSING_RATE_MHZ)
table = np.load(out)
for k in table.files:
    if k == "n_pileup":
        continue
    v = table[k]
    q = lambda r: np.quantile(v, 1 - r / R)  # noqa: E731
    print(f"{k:14s} rate>90GeV {np.mean(v > 90) * R:8.1f} kHz ({(v > 90).sum():5d})  median {np.median(v):6.1f}  "
          f"cut@50kHz {q(50):6.1f} @10kHz {q(10):6.1f} @5kHz {q(5):6.1f}")
