"""Pile-up: soft interactions premixed from a pool, hard ones generated fresh for every crossing.

Generating ⟨μ⟩ = 60 fresh minimum-bias events per crossing costs ~60× a crossing's hard event;
premixing draws them from a pool of already-simulated responses instead (as CMS does with its
premixed pile-up libraries). Each split has its own pool with its own seed, so no pile-up event is
shared between train and validation/test.

A pool event is reused in ~``μ × crossings / pool size`` crossings (120 for 100k crossings and a 50k pool).
That is harmless for the soft bulk, but a trigger at 3 kHz (10⁻⁴ of crossings) lives in the hard tail, and a
single hard pool event reused 120 times *is* that tail (measured: a validation cut gave 35 kHz on test).
So the interactions are split by hardness (:func:`is_hard`: p̂T or a visible particle above
``hard_pthat_min_gev``): the pool keeps only the soft ones (hard ones are rejected and counted), and each
crossing gets Poisson(μ · r) fresh hard interactions (HardQCD, p̂T above the same cut), with r the pool's
rejected fraction: the hard share of the inelastic cross section. No hard interaction is ever used twice.
docs/data.md has the measurements.
"""

from __future__ import annotations

import numpy as np

from flowad.data.detector import Deposits
from flowad.data.event_table import EventTable, gather_rows, stack_by_row
from flowad.data.event_table import concat_events as concat_tables  # events here are Deposits

PILEUP_SETTINGS = ["SoftQCD:inelastic = on"]
"""Pile-up collisions are inelastic minimum bias (diffractive included)."""


def is_hard(particles: EventTable, pthat: np.ndarray, cut_gev: float) -> np.ndarray:
    """Per event: its hardest scatter (p̂T) **or any visible particle** is above ``cut_gev``.

    p̂T alone is not enough: Pythia records it for the non-diffractive hard process, and an event with p̂T below
    the cut can still hold a hard scatter inside a diffractive system. Measured: with a p̂T-only veto, one such
    pool event put a 445 GeV region into 120 of 100k crossings (35 kHz where 3 kHz was set).
    """
    leading = np.zeros(particles.n_events)
    np.maximum.at(leading, particles.row, np.hypot(particles["px"], particles["py"]))
    return (pthat > cut_gev) | (leading > cut_gev)


def hard_pileup_settings(pthat_min_gev: float) -> list[str]:
    """Pythia settings of the hard part of minimum bias: QCD 2 → 2 above ``pthat_min_gev`` (with MPI, showers)."""
    return ["HardQCD:all = on", f"PhaseSpace:pTHatMin = {pthat_min_gev:g}"]


def concat_events(parts: list[Deposits]) -> Deposits:
    """Stack batches of events one after the other (event numbers shift)."""
    return Deposits(*(concat_tables([getattr(p, part) for p in parts]) for part in ("towers", "eg", "muons")))


def overlay(hard: Deposits, pool: Deposits, mean: float, rng: np.random.Generator) -> tuple[Deposits, np.ndarray]:
    """Add Poisson(``mean``) pool events (drawn with replacement) to each hard event; returns the crossings
    and the pile-up counts."""
    n = hard.n_events
    n_pileup = rng.poisson(mean, n) if mean > 0 else np.zeros(n, np.int64)
    chosen = rng.integers(0, pool.n_events, int(n_pileup.sum()))
    return attach(hard, pool, chosen, np.repeat(np.arange(n), n_pileup)), n_pileup.astype(np.uint16)


def attach(crossings: Deposits, events: Deposits, chosen: np.ndarray, crossing: np.ndarray) -> Deposits:
    """``crossings`` with event ``chosen[i]`` of ``events`` added to crossing ``crossing[i]``, for every i."""
    n = crossings.n_events

    def add(table: EventTable, extra_table: EventTable) -> EventTable:
        index, owner = gather_rows(extra_table.offsets(), chosen)
        extra = EventTable(n, crossing[owner], {k: v[index] for k, v in extra_table.columns.items()})
        return stack_by_row([table, extra], n)

    return Deposits(add(crossings.towers, events.towers), add(crossings.eg, events.eg), add(crossings.muons, events.muons))


def empty_deposits(n_events: int) -> Deposits:
    """``n_events`` crossings with nothing in them yet (ZeroBias: all of a crossing is pile-up)."""
    return Deposits(EventTable.empty(n_events, {"tower": np.int32, "et": np.float32}),
                    EventTable.empty(n_events, {"et": np.float32, "eta": np.float32, "phi": np.float32, "tower": np.int32}),
                    EventTable.empty(n_events, {"pt": np.float32, "eta": np.float32, "phi": np.float32}))
