"""An emulated standard Level-1 menu: threshold seeds on jets, HT, MET, e/γ, muons and calorimeter regions.

Each seed cuts one quantity (:mod:`flowad.metrics.l1_quantities`); its threshold is calibrated on ZeroBias
to the seed's rate, and the menu accepts a crossing when any seed does. What an anomaly trigger is worth
is what it keeps that this menu does not (``pure`` efficiency, :mod:`flowad.metrics.trigger`).

Default rates (kHz of 28.61 MHz; docs/models.md, "The emulated Level-1 menu"): CMS's Run-3 Level-1
accepts ~100–110 kHz in total. About a quarter of that goes to prescaled, calibration and cross seeds that
we do not emulate; the unprescaled single- and double-object seeds below share the rest, with muons and
e/γ taking the largest shares as in CMS's menus. Seeds overlap, so the menu's total is below their sum
(it is measured and printed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from flowad.errors import check
from flowad.metrics import l1_quantities as q
from flowad.metrics.rates import RateThreshold, khz_of, rate_threshold


SEEDS: dict[str, q.ViewQuantity] = {
    "single_jet": q.ViewQuantity("objects", lambda o: q.nth_pt(o, "jet", 0, q.SINGLE_JET_ETA_MAX), "leading jet pT, |η| < 2.5"),
    "ht": q.ViewQuantity("objects", q.ht, "HT of jets > 30 GeV, |η| < 2.4"),
    "met": q.ViewQuantity("objects", q.met, "missing ET"),
    "single_eg": q.ViewQuantity("objects", lambda o: q.nth_pt(o, "eg", 0), "leading isolated e/γ ET"),
    "double_eg": q.ViewQuantity("objects", lambda o: q.nth_pt(o, "eg", 1), "second e/γ ET (both above)"),
    "single_mu": q.ViewQuantity("objects", lambda o: q.nth_pt(o, "mu", 0), "leading muon pT"),
    "double_mu": q.ViewQuantity("objects", lambda o: q.nth_pt(o, "mu", 1), "second muon pT (both above)"),
    "single_region": q.ViewQuantity("calo", q.max_region_et, "hottest calorimeter region ET"),
}
"""The seeds a menu can hold: a cut ``quantity > threshold`` each."""

DEFAULT_RATES_KHZ = {"single_jet": 12.0, "ht": 12.0, "met": 8.0, "single_eg": 15.0, "double_eg": 8.0,
                     "single_mu": 15.0, "double_mu": 8.0, "single_region": 5.0}


@dataclass(frozen=True)
class MenuConfig:
    """Seeds of the emulated menu and the ZeroBias rate (kHz) each is calibrated to."""

    rates_khz: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES_KHZ))

    def __post_init__(self) -> None:
        check(bool(self.rates_khz), "rates_khz", "the menu needs at least one seed")
        for name, rate in self.rates_khz.items():
            check(name in SEEDS, f"rates_khz.{name}", f"unknown seed (known: {', '.join(SEEDS)})")
            check(0 < rate < 28_610, f"rates_khz.{name}", f"must be in (0, 28610) kHz, got {rate}")


Views = Mapping[str, np.ndarray]
"""``{"objects": (N, 57), "calo": (N, 18, 14)}`` for the same N crossings."""


@dataclass(frozen=True)
class CalibratedMenu:
    """The menu's thresholds, set on a ZeroBias sample; seeds whose view is missing are left out (``dropped``)."""

    thresholds: dict[str, RateThreshold]
    total_khz: float
    """Rate of the whole menu (any seed) on the calibration sample."""
    dropped: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return bool(self.thresholds) and all(t.valid for t in self.thresholds.values())

    @property
    def reason(self) -> str:
        bad = [f"{n}: {t.reason}" for n, t in self.thresholds.items() if not t.valid]
        return bad[0] if bad else ("" if self.thresholds else "no seed has its view in this dataset")

    def seed_decisions(self, views: Views) -> dict[str, np.ndarray]:
        return {name: SEEDS[name].compute(views[SEEDS[name].view]) > t.value for name, t in self.thresholds.items()}

    def accepts(self, views: Views) -> np.ndarray:
        """Boolean per crossing: some seed fires."""
        decisions = list(self.seed_decisions(views).values())
        return np.logical_or.reduce(decisions) if decisions else np.zeros(len(next(iter(views.values()))), bool)


def calibrate_menu(config: MenuConfig, zerobias: Views) -> CalibratedMenu:
    """Thresholds for every seed whose view ``zerobias`` has, each at its rate on these crossings."""
    thresholds, dropped = {}, {}
    for name, rate in config.rates_khz.items():
        seed = SEEDS[name]
        if seed.view not in zerobias:
            dropped[name] = f"no {seed.view!r} view in this dataset"
            continue
        thresholds[name] = rate_threshold(seed.compute(zerobias[seed.view]), rate)
    menu = CalibratedMenu(thresholds, float("nan"), dropped)
    if menu.valid:
        n = len(next(iter(zerobias.values())))
        menu = CalibratedMenu(thresholds, khz_of(np.count_nonzero(menu.accepts(zerobias)) / n), dropped)
    return menu
