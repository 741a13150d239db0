"""Shards: the unit of parallel generation, a pure function of (config, task).

A pool shard simulates soft minimum-bias events for one split's pile-up pool (rejecting and counting hard
ones); an event shard generates one process's events for one split, adds pile-up (soft from that split's
pool, hard fresh: :mod:`flowad.data.pileup`) and writes both views.
Seeds are derived from the config seed and the shard's identity, so a shard is the same whichever
worker (process pool, Ray task, another machine) runs it.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import flowad
from flowad.configio import to_plain
from flowad.data.config import DATA_FORMAT_VERSION, DataConfig
from flowad.data.detector import Deposits, respond
from flowad.data.event_table import EventTable
from flowad.data.pileup import (PILEUP_SETTINGS, attach, concat_events, empty_deposits, hard_pileup_settings, is_hard,
                                overlay)
from flowad.data.pythia_source import PYTHIA_MAX_SEED, PythiaSource, run_settings
from flowad.data.storage import read_pools, write_events, write_pool
from flowad.data.tail import TailEnrichment, crossing_weights
from flowad.data.views import calo_view, objects_view, tower_grid
from flowad.hashing import derive_seed
from flowad.quiet import fds_to

BATCH_EVENTS = 250
"""Events per ``nextBatch`` call; fixed, because random draws depend on it."""


@dataclass(frozen=True)
class ShardTask:
    """One shard to generate. ``process`` is empty for a pile-up pool shard."""

    dataset_dir: str
    config: DataConfig
    config_hash: str
    split: str
    index: int
    n_events: int
    process: str = ""

    @property
    def is_pool(self) -> bool:
        return not self.process

    @property
    def relpath(self) -> str:
        folder = "pileup" if self.is_pool else self.process
        return f"{folder}/{self.split}-{self.index:04d}.parquet"

    @property
    def path(self) -> Path:
        return Path(self.dataset_dir) / self.relpath

    @property
    def log_path(self) -> Path:
        return Path(self.dataset_dir) / "logs" / self.relpath.replace("/", "_").replace(".parquet", ".log")

    def seed(self, stream: str, modulus: int = 2**63 - 1) -> int:
        identity = ("pileup" if self.is_pool else self.process, self.split, self.index)
        return derive_seed(self.config.seed, stream, *identity, modulus=modulus)


def pool_paths(dataset_dir: str | Path, split: str) -> list[Path]:
    return sorted((Path(dataset_dir) / "pileup").glob(f"{split}-*.parquet"))


def run_shard(task: ShardTask) -> dict:
    """Generate and write one shard; returns a summary. Pythia's console output goes to the shard's log."""
    keep_freed_memory()
    start = time.perf_counter()
    with _output_to(task.log_path):
        if task.is_pool:
            _run_pool(task)
        else:
            _run_events(task)
    return {"path": task.relpath, "events": task.n_events, "seconds": time.perf_counter() - start}


def _metadata(task: ShardTask, settings: list[str]) -> dict:
    cfg = task.config
    meta = {
        "format_version": DATA_FORMAT_VERSION,
        "flowad_version": flowad.__version__,
        "dataset": cfg.name,
        "config_hash": task.config_hash,
        "split": task.split,
        "shard": task.index,
        "n_events": task.n_events,
        "pythia_settings": settings,
        "numpy_seed": task.seed("numpy"),
        "pileup": to_plain(cfg.pileup),
        "detector": to_plain(cfg.detector),
    }
    if not task.is_pool:
        proc = cfg.processes[task.process]
        meta.update(process=task.process, kind=proc.kind, params=to_plain(proc.process), files=proc.process.files())
    return meta


def _run_pool(task: ShardTask) -> None:
    """``n_events`` soft interactions; with a hard cut, harder ones are generated too, counted and dropped."""
    cfg = task.config
    settings = run_settings(cfg.sqrt_s_gev, task.seed("pythia", PYTHIA_MAX_SEED), PILEUP_SETTINGS)
    source = PythiaSource(settings)
    rng = np.random.default_rng(task.seed("numpy"))
    cut = cfg.pileup.hard_pthat_min_gev
    parts, kept, generated = [], 0, 0
    while kept < task.n_events:
        particles, pthat = source.next_batch_with_scale(min(BATCH_EVENTS, task.n_events - kept))
        generated += particles.n_events
        soft = ~is_hard(particles, pthat, cut) if cut > 0 else np.ones(particles.n_events, bool)
        parts.append(respond(particles.take_events(soft), cfg.detector, rng))
        kept += int(soft.sum())
    pool = concat_events(parts)
    meta = {**_metadata(task, settings), "generated": generated, "rejected_hard": generated - pool.n_events}
    write_pool(task.path, pool, meta)


def hard_fraction(pool_files: list[Path]) -> float:
    """Share of inelastic interactions above the hard cut, counted while the split's pool was generated."""
    from flowad.data.storage import read_metadata

    metas = [read_metadata(p) for p in pool_files]
    generated = sum(m.get("generated", m["n_events"]) for m in metas)
    return sum(m.get("rejected_hard", 0) for m in metas) / max(generated, 1)


def _run_events(task: ShardTask) -> None:
    cfg = task.config
    proc = cfg.processes[task.process].process
    files = {name: str(Path(task.dataset_dir) / "files" / name) for name in proc.files()}
    settings = run_settings(cfg.sqrt_s_gev, task.seed("pythia", PYTHIA_MAX_SEED), proc.pythia_settings(files))
    source = None if getattr(proc, "pileup_only", False) else PythiaSource(settings)
    enrichment = proc.enrichment(task.split) if hasattr(proc, "enrichment") else None
    rng = np.random.default_rng(task.seed("numpy"))
    pileup = None
    if cfg.pileup.mean > 0:
        pools = pool_paths(task.dataset_dir, task.split)
        cut = cfg.pileup.hard_pthat_min_gev
        hard = None
        if cut > 0:
            hard_lines = hard_pileup_settings(cut) + (enrichment.pythia_settings(cut) if enrichment else [])
            hard_settings = run_settings(cfg.sqrt_s_gev, task.seed("pythia-hard-pileup", PYTHIA_MAX_SEED), hard_lines)
            hard = PythiaSource(hard_settings)
            settings = settings + [f"hard pile-up: {line}" for line in hard_settings]
        pileup = PileUp(read_pools(pools), hard, hard_fraction(pools) if hard else 0.0, enrichment)
    calo, objects, n_pileup, draws = [], [], [], []
    for n in _batches(task.n_events):
        particles = source.next_batch(n) if source is not None else None
        crossings, pileup_counts, hard_draws = crossings_for(particles, n, pileup, cfg, rng)
        grid = tower_grid(crossings.towers, cfg.detector)
        calo.append(calo_view(grid, cfg.detector))
        objects.append(objects_view(grid, crossings, cfg.detector))
        n_pileup.append(pileup_counts)
        draws.append(hard_draws)
    views = {"calo": np.concatenate(calo), "objects": np.concatenate(objects)}
    meta = _metadata(task, settings)
    weights = None
    if enrichment is not None:
        weights, meta["tail"] = _tail_weights(enrichment, cfg.pileup.mean * pileup.hard_fraction, draws)
    write_events(task.path, views, np.concatenate(n_pileup), meta, weights)


def _tail_weights(enrichment: TailEnrichment, hard_mean: float, draws: list[HardDraws]) -> tuple[np.ndarray, dict]:
    """The shard's crossing weights (:func:`flowad.data.tail.crossing_weights`) and what they were made from."""
    n_hard = np.concatenate([d.n for d in draws])
    interactions = int(n_hard.sum())
    mean_raw = sum(d.raw_weight_sum for d in draws) / interactions if interactions else 1.0
    weights = crossing_weights(enrichment, hard_mean, n_hard, np.concatenate([d.log_raw_weight for d in draws]), mean_raw)
    return weights, {**to_plain(enrichment), "hard_mean": hard_mean, "hard_interactions": interactions,
                     "mean_raw_weight": mean_raw, "weight_sum": float(weights.sum()),
                     "weight_square_sum": float(np.sum(weights**2))}


@dataclass(frozen=True)
class PileUp:
    """A split's pile-up: its soft pool, the source of fresh hard interactions, their share of all, and how
    this split over-samples them (None: plain)."""

    pool: Deposits
    hard: PythiaSource | None
    hard_fraction: float
    enrichment: TailEnrichment | None = None


@dataclass(frozen=True)
class HardDraws:
    """The fresh hard interactions of a batch of crossings."""

    n: np.ndarray
    """How many each crossing got."""
    log_raw_weight: np.ndarray
    """Per crossing, the sum of its interactions' log raw bias weights (0 when plain)."""
    raw_weight_sum: float
    """Sum of the raw bias weights of every interaction drawn (their count when plain)."""


def crossings_for(particles: EventTable | None, n: int, pileup: PileUp | None, cfg: DataConfig,
                  rng: np.random.Generator) -> tuple[Deposits, np.ndarray, HardDraws]:
    """Detector response of ``n`` crossings: the events' ``particles`` (None: ZeroBias, nothing but pile-up)
    plus Poisson(μ(1 − r)) pool interactions and Poisson(μ r) fresh hard ones (over-sampled where the split is
    enriched); returns them, the number of pile-up interactions in each, and the hard draws."""
    event = respond(particles, cfg.detector, rng) if particles is not None else empty_deposits(n)
    no_hard = HardDraws(np.zeros(n, np.int64), np.zeros(n), 0.0)
    if pileup is None:
        return event, np.zeros(n, np.uint16), no_hard
    mean = cfg.pileup.mean
    crossings, counts = overlay(event, pileup.pool, mean * (1 - pileup.hard_fraction), rng)
    if pileup.hard is None:
        return crossings, counts, no_hard
    tail = pileup.enrichment or TailEnrichment()
    n_hard = tail.draw_counts(mean * pileup.hard_fraction, n, rng)
    log_raw, raw_sum = np.zeros(n), 0.0
    if n_hard.sum():
        hard, pthat = pileup.hard.next_batch_with_scale(int(n_hard.sum()))
        fresh = respond(hard, cfg.detector, rng)
        owner = np.repeat(np.arange(n), n_hard)
        crossings = attach(crossings, fresh, np.arange(fresh.n_events), owner)
        log_w = tail.log_raw_weights(pthat, cfg.pileup.hard_pthat_min_gev)
        np.add.at(log_raw, owner, log_w)
        raw_sum = float(np.exp(log_w).sum())
    return crossings, counts + n_hard.astype(np.uint16), HardDraws(n_hard, log_raw, raw_sum)


def _batches(total: int) -> Iterator[int]:
    for start in range(0, total, BATCH_EVENTS):
        yield min(BATCH_EVENTS, total - start)


@functools.cache
def keep_freed_memory() -> bool:
    """Ask glibc to keep freed large blocks instead of unmapping them (``mallopt``).

    Each batch allocates and frees arrays of tens of MB; by default glibc returns them to the OS and
    the next batch pays ~5,000 page faults to touch them again (measured: premixing 0.146 → 0.083 ms
    per crossing). No effect on results. Returns False where the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(libc.mallopt(m_mmap_threshold, 256 << 20) and libc.mallopt(m_trim_threshold, 512 << 20))


@contextlib.contextmanager
def _output_to(log_path: Path) -> Iterator[None]:
    """Send this process's stdout/stderr file descriptors (C++ included) to ``log_path`` for the block."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with fds_to(log_path):
        yield
