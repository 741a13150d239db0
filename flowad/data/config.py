"""The data-generation config: processes, pile-up, detector emulation, splits, sharding."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flowad.data.processes import Process, build_process
from flowad.errors import ConfigError, check

# Bumped whenever generated arrays would change for the same config: part of every cache key.
DATA_FORMAT_VERSION = 3  # 2: ZeroBias is pile-up only, hard pile-up fresh; 3: hard also by leading particle pT
MAX_PILEUP = 200.0  # HL-LHC design <mu>; more is not a collider we emulate


@dataclass(frozen=True)
class PileupConfig:
    """Pile-up premixed from a pool of inelastic minimum-bias events (one pool per split)."""

    mean: float = 60.0
    """Poisson mean ⟨μ⟩ of extra collisions per bunch crossing."""
    pool_events: int = 5000
    """Minimum-bias events generated per split's pool."""
    split_pool_events: dict[str, int] = field(default_factory=dict)
    """Pool size of named splits, overriding ``pool_events``."""
    hard_pthat_min_gev: float = 20.0
    """Interactions whose hardest scatter (p̂T) or any visible particle is above this (GeV) are never premixed:
    the pool rejects them and each crossing gets its share of fresh ones (:mod:`flowad.data.pileup`).
    0 premixes everything."""

    def __post_init__(self) -> None:
        check(0.0 <= self.mean <= MAX_PILEUP, "mean", f"must be in [0, {MAX_PILEUP:g}], got {self.mean:g}")
        check(self.hard_pthat_min_gev == 0 or 5.0 <= self.hard_pthat_min_gev <= 500.0, "hard_pthat_min_gev",
              f"must be 0 (off) or in [5, 500] GeV, got {self.hard_pthat_min_gev:g}")
        for key, n in {"pool_events": self.pool_events, **{f"split_pool_events.{s}": n for s, n in self.split_pool_events.items()}}.items():
            check(50 <= n <= 10_000_000, key, f"must be in [50, 1e7], got {n}")

    def pool_size(self, split: str) -> int:
        """Minimum-bias events in ``split``'s pool."""
        return self.split_pool_events.get(split, self.pool_events)


@dataclass(frozen=True)
class DetectorConfig:
    """Emulation of CMS's Level-1 calorimeter and muon inputs. Energies in GeV."""

    tower_lsb_gev: float = 0.5
    """Trigger-tower ET step; towers below one step read zero."""
    region_lsb_gev: float = 1.0
    """GeV per region count in the ``calo`` view (CMS's may be 0.5: unverified, hence a setting)."""
    region_bits: int = 10
    """Region ET saturates at ``2**region_bits - 1`` counts."""
    em_stochastic: float = 0.10
    """EM energy resolution stochastic term a in σ/E = a/√E ⊕ c (√GeV)."""
    em_constant: float = 0.01
    had_stochastic: float = 1.00
    had_constant: float = 0.05
    charged_pt_min_gev: float = 0.7
    """Charged particles below this pT loop in the 3.8 T field before reaching the calorimeter."""
    muon_pt_resolution: float = 0.10
    """Relative pT resolution of Level-1 muons."""
    eg_pt_min_gev: float = 3.0
    eg_eta_max: float = 3.0
    eg_isolation_max: float = 0.5
    """e/γ candidates need (ET in ΔR < 0.3 box − own ET) / own ET below this."""
    muon_pt_min_gev: float = 3.0
    muon_eta_max: float = 2.1
    jet_radius: float = 0.4
    jet_input_min_gev: float = 2.0
    """Towers below this ET are not clustered into jets (nor used for the pile-up density ρ)."""
    jet_pt_min_gev: float = 15.0
    """Minimum jet pT after pile-up subtraction pT − ρ·πR²."""
    jet_eta_max: float = 4.0

    def __post_init__(self) -> None:
        for name in ("tower_lsb_gev", "region_lsb_gev", "em_stochastic", "had_stochastic", "jet_radius", "jet_pt_min_gev"):
            check(getattr(self, name) > 0, name, f"must be > 0, got {getattr(self, name)}")
        for name in ("jet_input_min_gev", "em_constant", "had_constant", "charged_pt_min_gev", "muon_pt_resolution", "eg_pt_min_gev", "muon_pt_min_gev"):
            check(getattr(self, name) >= 0, name, f"must be >= 0, got {getattr(self, name)}")
        check(1 <= self.region_bits <= 16, "region_bits", f"must be in [1, 16], got {self.region_bits}")
        check(0 < self.eg_eta_max <= 3.0, "eg_eta_max", f"must be in (0, 3], got {self.eg_eta_max}")
        check(0 < self.muon_eta_max <= 2.4, "muon_eta_max", f"must be in (0, 2.4], got {self.muon_eta_max}")
        check(0 < self.jet_eta_max <= 5.0, "jet_eta_max", f"must be in (0, 5], got {self.jet_eta_max}")
        check(self.eg_isolation_max > 0, "eg_isolation_max", f"must be > 0, got {self.eg_isolation_max}")


@dataclass(frozen=True)
class ProcessConfig:
    """One physics process to generate: its kind, parameters, event count and splits.

    Give ``events`` (divided over ``splits`` by the config's fractions) or ``split_events`` (exact counts per
    split, e.g. ZeroBias with ≥ 100k crossings where trigger rates are measured), not both.
    """

    kind: str
    events: int = 0
    splits: tuple[str, ...] = ()
    """Splits this process is generated for; empty means all of the config's splits."""
    split_events: dict[str, int] = field(default_factory=dict)
    """Exact events per split; replaces ``events`` and ``splits``."""
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.split_events:
            check(self.events == 0 and not self.splits, "split_events", "give split_events or events/splits, not both")
            for split, n in self.split_events.items():
                check(1 <= n <= 100_000_000, f"split_events.{split}", f"must be in [1, 1e8], got {n}")
        else:
            check(self.events >= 1, "events", f"must be >= 1, got {self.events}")
            check(self.events <= 100_000_000, "events", f"must be <= 1e8, got {self.events}")
        object.__setattr__(self, "process", build_process(self.kind, self.params))

    process: Process = field(init=False, repr=False, compare=False)


@dataclass(frozen=True)
class DataConfig:
    """A whole dataset: every process, split and setting that determines its arrays."""

    name: str
    processes: dict[str, ProcessConfig]
    seed: int = 0
    sqrt_s_gev: float = 13600.0
    shard_events: int = 2000
    """Events per Parquet shard (the unit of parallel work)."""
    splits: dict[str, float] = field(default_factory=lambda: {"train": 0.6, "val": 0.2, "test": 0.2})
    pileup: PileupConfig = field(default_factory=PileupConfig)
    detector: DetectorConfig = field(default_factory=DetectorConfig)

    def __post_init__(self) -> None:
        check(bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", self.name)), "name",
              f"must be 1-64 letters, digits, '_', '-', '.', got {self.name!r}")
        check(0 <= self.seed < 2**31, "seed", f"must be in [0, 2^31), got {self.seed}")
        check(900.0 <= self.sqrt_s_gev <= 100_000.0, "sqrt_s_gev", f"must be in [900, 100000] GeV, got {self.sqrt_s_gev}")
        check(10 <= self.shard_events <= 1_000_000, "shard_events", f"must be in [10, 1e6], got {self.shard_events}")
        check(bool(self.processes), "processes", "at least one process is needed")
        check(bool(self.splits), "splits", "at least one split is needed")
        for split, fraction in self.splits.items():
            check(re.fullmatch(r"[a-z][a-z0-9_]*", split) is not None, f"splits.{split}", "split names are lower-case identifiers")
            check(0 < fraction <= 1, f"splits.{split}", f"fraction must be in (0, 1], got {fraction}")
        check(abs(sum(self.splits.values()) - 1.0) < 1e-6, "splits", f"fractions must sum to 1, got {sum(self.splits.values()):g}")
        for name, proc in self.processes.items():
            check(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", name) is not None, f"processes.{name}",
                  "process names are letters, digits, '_' and '-'")
            for key, named in (("splits", proc.splits), ("split_events", tuple(proc.split_events))):
                for split in named:
                    if split not in self.splits:
                        raise ConfigError(f"processes.{name}.{key}", f"unknown split {split!r} (config has: {', '.join(self.splits)})")
        for name, proc in self.processes.items():
            check(not getattr(proc.process, "pileup_only", False) or self.pileup.mean > 0, f"processes.{name}",
                  "a ZeroBias crossing is all pile-up: it needs pileup.mean > 0")
            for split in getattr(proc.process, "tail_splits", ()):
                if split not in self.splits:
                    raise ConfigError(f"processes.{name}.params.tail_splits", f"unknown split {split!r} (config has: {', '.join(self.splits)})")
                check(self.pileup.hard_pthat_min_gev > 0, f"processes.{name}.params.tail_splits",
                      "enriching the tail needs hard pile-up generated apart (pileup.hard_pthat_min_gev > 0)")
        for split in self.pileup.split_pool_events:
            if split not in self.splits:
                raise ConfigError(f"pileup.split_pool_events.{split}", f"unknown split {split!r} (config has: {', '.join(self.splits)})")

    def process_splits(self, name: str) -> dict[str, int]:
        """Events per split for process ``name``: its split fractions renormalised, remainder to the first."""
        proc = self.processes[name]
        if proc.split_events:
            return {s: proc.split_events[s] for s in self.splits if s in proc.split_events}
        chosen = proc.splits or tuple(self.splits)
        total = sum(self.splits[s] for s in chosen)
        counts = {s: int(proc.events * self.splits[s] / total) for s in chosen}
        counts[chosen[0]] += proc.events - sum(counts.values())
        return {s: n for s, n in counts.items() if n > 0}

    def used_splits(self) -> list[str]:
        """Splits with at least one event of any process, in config order."""
        used = {s for name in self.processes for s in self.process_splits(name)}
        return [s for s in self.splits if s in used]
