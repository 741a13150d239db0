"""Physics processes, each a small frozen dataclass of its parameters behind one registry.

A process knows the Pythia settings that generate it and any files those settings need
(e.g. an SLHA spectrum). Adding a process is one class and one ``@register`` line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from flowad.configio import from_mapping
from flowad.data.slha import stop_spectrum
from flowad.data.tail import TailEnrichment
from flowad.errors import ConfigError, check

TOP_MASS_GEV = 172.5


class Process(Protocol):
    kind: ClassVar[str]
    summary: ClassVar[str]

    def pythia_settings(self, files: dict[str, str]) -> list[str]:
        """Pythia ``readString`` lines; ``files`` maps each of :meth:`files` names to its path on disk."""

    def files(self) -> dict[str, str]:
        """Auxiliary files the settings refer to, name → text."""


PROCESSES: dict[str, type] = {}


def register(cls: type) -> type:
    PROCESSES[cls.kind] = cls
    return cls


def build_process(kind: str, params: dict[str, Any]) -> Process:
    """The process of ``kind`` with ``params``; unknown kinds or parameters raise ConfigError."""
    if kind not in PROCESSES:
        raise ConfigError("kind", f"unknown process {kind!r} (known: {', '.join(sorted(PROCESSES))})")
    return from_mapping(PROCESSES[kind], params, "params")


class _NoFiles:
    def files(self) -> dict[str, str]:
        return {}


@register
@dataclass(frozen=True)
class ZeroBias(_NoFiles):
    """ZeroBias crossing: a random filled bunch crossing, nothing but its Poisson(⟨μ⟩) inelastic interactions,
    all from the pile-up model (soft ones premixed, hard ones fresh: :mod:`flowad.data.pileup`)."""

    kind: ClassVar[str] = "zerobias"
    summary: ClassVar[str] = "pile-up only: Poisson(<mu>) inelastic interactions (ZeroBias)"
    pileup_only: ClassVar[bool] = True
    tail_splits: tuple[str, ...] = ()
    """Splits whose crossings over-sample the hard pile-up and carry weights (:mod:`flowad.data.tail`),
    e.g. the rate splits ``[val, test]``; the others are plain."""
    hard_mean_factor: float = 1.0
    """In ``tail_splits``: Poisson(b · λ) hard interactions per crossing instead of Poisson(λ)."""
    pthat_bias_power: float = 0.0
    """In ``tail_splits``: hard interactions drawn with an extra (p̂T / p̂T_min)^k."""

    def __post_init__(self) -> None:
        enrichment = TailEnrichment(self.hard_mean_factor, self.pthat_bias_power)  # checks the ranges
        check(not self.tail_splits or not enrichment.plain, "tail_splits",
              "an enriched split needs hard_mean_factor > 1 or pthat_bias_power > 0")

    def enrichment(self, split: str) -> TailEnrichment | None:
        """How ``split``'s crossings are drawn: None where they are plain."""
        return TailEnrichment(self.hard_mean_factor, self.pthat_bias_power) if split in self.tail_splits else None

    def pythia_settings(self, files: dict[str, str]) -> list[str]:
        return []  # no event of its own: see pileup_only


@register
@dataclass(frozen=True)
class TTbar(_NoFiles):
    """Top-pair production, all decays."""

    kind: ClassVar[str] = "ttbar"
    summary: ClassVar[str] = "gg, qqbar -> t tbar"

    def pythia_settings(self, files: dict[str, str]) -> list[str]:
        return ["Top:gg2ttbar = on", "Top:qqbar2ttbar = on"]


@register
@dataclass(frozen=True)
class WPrime(_NoFiles):
    """Sequential W′ of mass ``mass_gev`` decaying to ``decay``: ``wz``, ``tb`` or ``lnu`` (e, μ)."""

    kind: ClassVar[str] = "wprime"
    summary: ClassVar[str] = "ffbar -> W' -> WZ / tb / l nu"
    mass_gev: float = 2000.0
    decay: str = "wz"

    def __post_init__(self) -> None:
        check(200.0 <= self.mass_gev <= 10000.0, "mass_gev", f"must be in [200, 10000] GeV, got {self.mass_gev}")
        check(self.decay in ("wz", "tb", "lnu"), "decay", f"must be wz, tb or lnu, got {self.decay!r}")

    def pythia_settings(self, files: dict[str, str]) -> list[str]:
        modes = {
            # The W' -> WZ coupling is 0 by default ("vanishing cross sections" otherwise).
            "wz": ["Wprime:coup2WZ = 1", "34:onMode = off", "34:onIfMatch = 23 24"],
            "tb": ["34:onMode = off", "34:onIfAny = 5"],
            "lnu": ["34:onMode = off", "34:onIfAny = 11 13"],
        }
        return ["NewGaugeBoson:ffbar2Wprime = on", f"34:m0 = {self.mass_gev:g}"] + modes[self.decay]


@register
@dataclass(frozen=True)
class StopPair:
    """Stop pairs, t̃₁ → t χ̃⁰₁ (100 %), from an SLHA spectrum the project writes."""

    kind: ClassVar[str] = "stop_pair"
    summary: ClassVar[str] = "pp -> stop stop*, stop -> t chi10"
    stop_mass_gev: float = 800.0
    neutralino_mass_gev: float = 100.0

    def __post_init__(self) -> None:
        check(200.0 <= self.stop_mass_gev <= 3000.0, "stop_mass_gev", f"must be in [200, 3000] GeV, got {self.stop_mass_gev}")
        check(
            0.0 < self.neutralino_mass_gev < self.stop_mass_gev - TOP_MASS_GEV,
            "neutralino_mass_gev",
            f"must be in (0, stop_mass_gev - {TOP_MASS_GEV}) so stop -> t chi10 is open, got {self.neutralino_mass_gev}",
        )

    def files(self) -> dict[str, str]:
        name = f"stop{self.stop_mass_gev:g}_chi{self.neutralino_mass_gev:g}.slha"
        return {name: stop_spectrum(self.stop_mass_gev, self.neutralino_mass_gev)}

    def pythia_settings(self, files: dict[str, str]) -> list[str]:
        (path,) = files.values()
        return [
            "SUSY:gg2squarkantisquark = on",
            "SUSY:qqbar2squarkantisquark = on",
            "SUSY:idA = 1000006",
            "SUSY:idB = 1000006",
            f"SLHA:file = {path}",
        ]


def _scalar_h2(mass_gev: float, width_gev: float, decays_to: str) -> list[str]:
    """gg → H₂ (Pythia's BSM scalar, id 35) of ``mass_gev`` decaying only to ``decays_to`` (an ``onIfMatch``).

    Adding a channel to the SM Higgs fails; the BSM H₂ placed at any mass and closed to all but one channel works.
    """
    return ["Higgs:useBSM = on", "HiggsBSM:gg2H2 = on", f"35:m0 = {mass_gev:g}", f"35:mWidth = {width_gev:g}",
            "35:onMode = off", f"35:onIfMatch = {decays_to}"]


def _light_a(mass_gev: float, decays_to: str) -> list[str]:
    """The pseudoscalar A (id 36) at ``mass_gev``, decaying only to ``decays_to``."""
    return [f"36:m0 = {mass_gev:g}", "36:mWidth = 0.01", "36:onMode = off", f"36:onIfMatch = {decays_to}"]


HIGGS_MASS_GEV, HIGGS_WIDTH_GEV = 125.0, 0.0041
B_MASS_GEV, TAU_MASS_GEV = 4.18, 1.777


@register
@dataclass(frozen=True)
class HiggsToAAToFourB(_NoFiles):
    """Exotic Higgs decay H(125) → aa → 4b with a light pseudoscalar of mass ``a_mass_gev``.

    Soft, multi-b final state with no hard object: the kind of signal a threshold trigger misses
    and CMS's L1 anomaly triggers (CICADA, AXOL1TL) were built to catch.
    """

    kind: ClassVar[str] = "haa4b"
    summary: ClassVar[str] = "gg -> H(125) -> a a -> b b b b"
    a_mass_gev: float = 30.0

    def __post_init__(self) -> None:
        check(12.0 <= self.a_mass_gev <= 62.0, "a_mass_gev", f"must be in [12, 62] GeV (2 m_b < m_a < m_H/2), got {self.a_mass_gev}")

    def pythia_settings(self, files: dict[str, str]) -> list[str]:
        return _scalar_h2(HIGGS_MASS_GEV, HIGGS_WIDTH_GEV, "36 36") + _light_a(self.a_mass_gev, "5 -5")


@register
@dataclass(frozen=True)
class HiggsToAAToFourTau(_NoFiles):
    """H(125) → aa → 4τ with a light pseudoscalar of mass ``a_mass_gev``: four soft, collimated τ pairs.

    Each τ carries a few GeV to tens of GeV; there is no jet, lepton or MET above menu thresholds.
    """

    kind: ClassVar[str] = "haa4tau"
    summary: ClassVar[str] = "gg -> H(125) -> a a -> tau tau tau tau"
    a_mass_gev: float = 15.0

    def __post_init__(self) -> None:
        check(4.0 <= self.a_mass_gev <= 62.0, "a_mass_gev", f"must be in [4, 62] GeV (2 m_tau < m_a < m_H/2), got {self.a_mass_gev}")

    def pythia_settings(self, files: dict[str, str]) -> list[str]:
        return _scalar_h2(HIGGS_MASS_GEV, HIGGS_WIDTH_GEV, "36 36") + _light_a(self.a_mass_gev, "15 -15")


@register
@dataclass(frozen=True)
class ScalarToTauTau(_NoFiles):
    """A light neutral scalar h⁰ → ττ (ADC2021's ``h0 → ττ`` benchmark at 60 GeV), produced in gg fusion."""

    kind: ClassVar[str] = "scalar_tautau"
    summary: ClassVar[str] = "gg -> h0 -> tau tau"
    mass_gev: float = 60.0

    def __post_init__(self) -> None:
        check(10.0 <= self.mass_gev <= 1000.0, "mass_gev", f"must be in [10, 1000] GeV, got {self.mass_gev}")

    def pythia_settings(self, files: dict[str, str]) -> list[str]:
        return _scalar_h2(self.mass_gev, 0.01, "15 -15")


@register
@dataclass(frozen=True)
class ScalarToFourLeptons(_NoFiles):
    """A light neutral scalar → Z*Z* → 4ℓ (ℓ = e, μ): ADC2021's ``A → 4ℓ`` benchmark at 50 GeV.

    Both Z bosons are far off shell below 2 m_Z; Pythia samples their masses from its Breit-Wigner
    down to ``23:mMin``. Four soft leptons, each typically under the single-lepton seeds.
    """

    kind: ClassVar[str] = "scalar_4l"
    summary: ClassVar[str] = "gg -> A -> Z* Z* -> 4 l (e, mu)"
    mass_gev: float = 50.0

    def __post_init__(self) -> None:
        check(25.0 <= self.mass_gev <= 1000.0, "mass_gev", f"must be in [25, 1000] GeV, got {self.mass_gev}")

    def pythia_settings(self, files: dict[str, str]) -> list[str]:
        return _scalar_h2(self.mass_gev, 0.01, "23 23") + ["23:onMode = off", "23:onIfAny = 11 13"]


@register
@dataclass(frozen=True)
class DarkShower(_NoFiles):
    """A soft dark shower (SUEP-like), from Pythia's Hidden Valley.

    ff̄ → Z_v (``mediator_mass_gev``) → q_v q̄_v; the hidden SU(3) showers and hadronises into dark mesons
    of ``meson_mass_gev`` that decay promptly back to light quarks: many soft hadrons spread over the
    detector, little of it in any one jet.
    """

    kind: ClassVar[str] = "dark_shower"
    summary: ClassVar[str] = "ffbar -> Zv -> qv qv~, hidden-valley shower -> dark mesons -> q q~"
    mediator_mass_gev: float = 125.0
    meson_mass_gev: float = 2.0
    lambda_gev: float = 1.0
    """Hidden-sector confinement scale."""

    def __post_init__(self) -> None:
        check(20.0 <= self.mediator_mass_gev <= 5000.0, "mediator_mass_gev", f"must be in [20, 5000] GeV, got {self.mediator_mass_gev}")
        check(0.5 <= self.meson_mass_gev <= self.mediator_mass_gev / 10, "meson_mass_gev",
              f"must be in [0.5, mediator_mass_gev / 10] GeV, got {self.meson_mass_gev}")
        check(0.1 <= self.lambda_gev <= 10.0, "lambda_gev", f"must be in [0.1, 10] GeV, got {self.lambda_gev}")

    def pythia_settings(self, files: dict[str, str]) -> list[str]:
        quark = self.meson_mass_gev / 2
        return [
            "HiddenValley:ffbar2Zv = on", f"4900023:m0 = {self.mediator_mass_gev:g}", "4900023:onMode = off",
            "4900023:onIfAny = 4900101",
            "HiddenValley:Ngauge = 3", "HiddenValley:nFlav = 1", "HiddenValley:fragment = on", "HiddenValley:FSR = on",
            "HiddenValley:alphaOrder = 1", f"HiddenValley:Lambda = {self.lambda_gev:g}",
            f"HiddenValley:pTminFSR = {1.1 * self.lambda_gev:g}",
            f"4900101:m0 = {quark:g}", f"4900111:m0 = {self.meson_mass_gev:g}", f"4900113:m0 = {1.1 * self.meson_mass_gev:g}",
            # dark mesons decay promptly to light quarks (Pythia's default table keeps them in the hidden sector)
            "4900111:onMode = off", "4900111:addChannel = 1 1.0 91 1 -1",
            "4900113:onMode = off", "4900113:addChannel = 1 1.0 91 2 -2",
        ]
