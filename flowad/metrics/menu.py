"""An emulated standard Level-1 menu: threshold seeds on jets, HT, MET, e/γ, muons and calorimeter regions.

Each seed cuts one quantity (:mod:`flowad.metrics.l1_quantities`); its threshold is calibrated on ZeroBias
to the seed's rate, and the menu accepts a crossing when any seed does. What an anomaly trigger is worth
is what it keeps that this menu does not (``pure`` efficiency, :mod:`flowad.metrics.trigger`).

Default rates (kHz of 28.61 MHz; docs/models.md, "The emulated Level-1 menu"): CMS's Run-3 Level-1
accepts ~100–110 kHz in total. About a quarter of that goes to prescaled, calibration and cross seeds that
we do not emulate; the unprescaled single- and double-object seeds below share the rest, with muons and
e/γ taking the largest shares as in CMS's menus. Seeds overlap, so the menu's total is below their sum
(it is measured and printed).

A menu can instead hold seeds at **fixed thresholds** in GeV (``MenuConfig.thresholds_gev``): the unprescaled
seeds of CMS's 2024 Run-3 menu at their real thresholds are :data:`RUN3_2024_THRESHOLDS_GEV`
(:meth:`MenuConfig.run3_2024`). Their rate is then a measurement on the emulated ZeroBias, not a target;
docs/models.md compares the two seed by seed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from flowad.errors import check
from flowad.metrics import l1_quantities as q
from flowad.metrics.rates import RateThreshold, khz_of, rate_threshold
from flowad.metrics.weighted import weighted_rate_threshold


def _pair(first: str, first_gev: float, second: str, second_gev: float):
    """An asymmetric pair seed (``first`` > a, ``second`` > b) as one quantity cut at ``second_gev``:
    ``min(first pT · b / a, second pT)`` (the second object of the same kind when ``first == second``)."""
    index = 1 if first == second else 0

    def compute(objects: np.ndarray) -> np.ndarray:
        return np.minimum(q.nth_pt(objects, first, 0) * second_gev / first_gev, q.nth_pt(objects, second, index))
    return compute


SEEDS: dict[str, q.ViewQuantity] = {
    "single_jet": q.ViewQuantity("objects", lambda o: q.nth_pt(o, "jet", 0, q.SINGLE_JET_ETA_MAX), "leading jet pT, |η| < 2.5"),
    "ht": q.ViewQuantity("objects", q.ht, "HT of jets > 30 GeV, |η| < 2.4"),
    "met": q.ViewQuantity("objects", q.met, "missing ET"),
    "single_eg": q.ViewQuantity("objects", lambda o: q.nth_pt(o, "eg", 0), "leading isolated e/γ ET"),
    "double_eg": q.ViewQuantity("objects", lambda o: q.nth_pt(o, "eg", 1), "second e/γ ET (both above)"),
    "single_mu": q.ViewQuantity("objects", lambda o: q.nth_pt(o, "mu", 0), "leading muon pT"),
    "double_mu": q.ViewQuantity("objects", lambda o: q.nth_pt(o, "mu", 1), "second muon pT (both above)"),
    "single_region": q.ViewQuantity("calo", q.max_region_et, "hottest calorimeter region ET"),
    "double_mu_15_7": q.ViewQuantity("objects", _pair("mu", 15, "mu", 7), "muon pair, 15 and 7 GeV (cut at 7 on min(pT1·7/15, pT2))"),
    "double_eg_25_12": q.ViewQuantity("objects", _pair("eg", 25, "eg", 12), "e/γ pair, 25 and 12 GeV (cut at 12)"),
    "mu20_eg10": q.ViewQuantity("objects", _pair("mu", 20, "eg", 10), "muon > 20 GeV and e/γ > 10 GeV (cut at 10)"),
    "mu7_eg23": q.ViewQuantity("objects", _pair("eg", 23, "mu", 7), "e/γ > 23 GeV and muon > 7 GeV (cut at 7)"),
}
"""The seeds a menu can hold: a cut ``quantity > threshold`` each."""

DEFAULT_RATES_KHZ = {"single_jet": 12.0, "ht": 12.0, "met": 8.0, "single_eg": 15.0, "double_eg": 8.0,
                     "single_mu": 15.0, "double_mu": 8.0, "single_region": 5.0}

RUN3_2024_THRESHOLDS_GEV = {"single_mu": 22.0, "double_mu_15_7": 7.0, "single_eg": 30.0, "double_eg_25_12": 12.0,
                            "mu20_eg10": 10.0, "mu7_eg23": 7.0, "single_jet": 180.0, "ht": 280.0, "met": 90.0}
"""CMS's unprescaled 2024 seeds (L1_SingleMu22, L1_DoubleMu_15_7, L1_SingleIsoEG30er2p1, L1_DoubleEG_25_12_er2p5,
L1_Mu20_EG10er2p5, L1_Mu7_EG23er2p5, L1_SingleJet180, L1_HTT280er, L1_ETMHF90) at their thresholds, cut as
``quantity >= threshold``. Not emulated: η restrictions on e/γ and muons, muon quality, the MHT-based MET
(ours is plain MET), the 36 GeV non-isolated e/γ seed (every emulated e/γ is isolated, so the 30 GeV one covers it)."""


@dataclass(frozen=True)
class MenuConfig:
    """Seeds of the emulated menu and the ZeroBias rate (kHz) each is calibrated to."""

    rates_khz: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_RATES_KHZ))
    thresholds_gev: dict[str, float] = field(default_factory=dict)
    """Seeds cut at a fixed threshold (``quantity >= threshold``, GeV) instead of calibrated to a rate."""

    def __post_init__(self) -> None:
        check(bool(self.rates_khz) or bool(self.thresholds_gev), "rates_khz", "the menu needs at least one seed")
        for name, rate in self.rates_khz.items():
            check(name in SEEDS, f"rates_khz.{name}", f"unknown seed (known: {', '.join(SEEDS)})")
            check(0 < rate < 28_610, f"rates_khz.{name}", f"must be in (0, 28610) kHz, got {rate}")
        for name, gev in self.thresholds_gev.items():
            check(name in SEEDS, f"thresholds_gev.{name}", f"unknown seed (known: {', '.join(SEEDS)})")
            check(name not in self.rates_khz, f"thresholds_gev.{name}", "a seed has a rate or a threshold, not both")
            check(0 <= gev < 14_000, f"thresholds_gev.{name}", f"must be in [0, 14000) GeV, got {gev}")

    @classmethod
    def run3_2024(cls) -> "MenuConfig":
        """CMS's 2024 unprescaled seeds at their real thresholds (:data:`RUN3_2024_THRESHOLDS_GEV`)."""
        return cls(rates_khz={}, thresholds_gev=dict(RUN3_2024_THRESHOLDS_GEV))

    @classmethod
    def run3_2024_met_at_rate(cls) -> "MenuConfig":
        """:meth:`run3_2024` with the MET seed at :data:`DEFAULT_RATES_KHZ`'s 8 kHz instead of 90 GeV: our MET has no
        pile-up mitigation (ETMHF's pile-up-dependent tower thresholds), so at 90 GeV it alone keeps ~250 kHz of
        ZeroBias (docs/models.md, "Can the benchmark rank triggers") and the menu would reject only quiet crossings."""
        thresholds = {name: gev for name, gev in RUN3_2024_THRESHOLDS_GEV.items() if name != "met"}
        return cls(rates_khz={"met": DEFAULT_RATES_KHZ["met"]}, thresholds_gev=thresholds)


@dataclass(frozen=True)
class NamedMenu:
    """A menu that configs and pages name: how its :class:`MenuConfig` is built, and one line saying what it is."""

    build: Callable[[], MenuConfig]
    summary: str

    def __call__(self) -> MenuConfig:
        return self.build()


MENUS = {
    "calibrated": NamedMenu(MenuConfig, "each seed calibrated to a rate on validation ZeroBias"),
    "run3_2024": NamedMenu(MenuConfig.run3_2024, "CMS's 2024 unprescaled seeds at their real thresholds"),
    "run3_2024_met_at_rate": NamedMenu(MenuConfig.run3_2024_met_at_rate,
                                       "CMS's 2024 unprescaled seeds at their real thresholds, MET at 8 kHz since "
                                       "ours has no pile-up mitigation"),
}
"""Named menus: ``calibrated`` (each seed at its rate, :data:`DEFAULT_RATES_KHZ`), ``run3_2024`` (CMS's 2024
unprescaled seeds at their thresholds) and ``run3_2024_met_at_rate`` (those, MET at a rate)."""

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


def calibrate_menu(config: MenuConfig, zerobias: Views, weights: np.ndarray | None = None) -> CalibratedMenu:
    """Thresholds for every seed whose view ``zerobias`` has, each at its rate on these crossings (weighted by
    ``weights`` for a tail-enriched ZeroBias, :mod:`flowad.data.tail`)."""
    n = len(next(iter(zerobias.values())))
    unit = weights is None or bool(np.all(np.asarray(weights) == 1.0))

    def fraction(passing: np.ndarray) -> float:
        return float(np.count_nonzero(passing)) / n if unit else float(np.sum(weights[passing]) / np.sum(weights))

    thresholds, dropped = {}, {}
    for name, rate in config.rates_khz.items():
        seed = SEEDS[name]
        if seed.view not in zerobias:
            dropped[name] = f"no {seed.view!r} view in this dataset"
            continue
        values = seed.compute(zerobias[seed.view])
        thresholds[name] = rate_threshold(values, rate) if unit else weighted_rate_threshold(values, weights, rate)
    for name, gev in config.thresholds_gev.items():
        seed = SEEDS[name]
        if seed.view not in zerobias:
            dropped[name] = f"no {seed.view!r} view in this dataset"
            continue
        values = seed.compute(zerobias[seed.view])
        cut = float(np.nextafter(gev, -np.inf))  # seeds fire at >= threshold; decisions are "> value"
        achieved = khz_of(fraction(values > cut)) if len(values) else float("nan")
        thresholds[name] = RateThreshold(achieved, cut, achieved, len(values))  # the rate is measured, not targeted
    menu = CalibratedMenu(thresholds, float("nan"), dropped)
    if menu.valid:
        menu = CalibratedMenu(thresholds, khz_of(fraction(menu.accepts(zerobias))), dropped)
    return menu
