"""Physics processes, each a small frozen dataclass of its parameters behind one registry.

A process knows the Pythia settings that generate it and any files those settings need
(e.g. an SLHA spectrum). Adding a process is one class and one ``@register`` line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from flowad.configio import from_mapping
from flowad.data.slha import stop_spectrum
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
    """ZeroBias-like crossing: one inelastic non-diffractive collision (pile-up is added on top)."""

    kind: ClassVar[str] = "zerobias"
    summary: ClassVar[str] = "SoftQCD:nonDiffractive (ZeroBias-like background)"

    def pythia_settings(self, files: dict[str, str]) -> list[str]:
        return ["SoftQCD:nonDiffractive = on"]


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
        # Adding a channel to the SM Higgs fails; the BSM H2 (id 35) placed at 125 GeV works.
        return [
            "Higgs:useBSM = on",
            "HiggsBSM:gg2H2 = on",
            "35:m0 = 125.0",
            "35:mWidth = 0.0041",
            "35:onMode = off",
            "35:onIfMatch = 36 36",
            f"36:m0 = {self.a_mass_gev:g}",
            "36:mWidth = 0.01",
            "36:onMode = off",
            "36:onIfMatch = 5 -5",
        ]
