"""Premixed pile-up: a pool of minimum-bias detector responses overlaid on each hard event.

Generating ⟨μ⟩ = 60 fresh minimum-bias events per crossing costs ~60× a crossing's hard event;
premixing draws them from a pool of already-simulated responses instead (as CMS does with its
premixed pile-up libraries). Each split has its own pool with its own seed, so no pile-up event is
shared between train and validation/test.
"""

from __future__ import annotations

import numpy as np

from flowad.data.detector import Deposits
from flowad.data.event_table import EventTable, gather_rows, stack_by_row
from flowad.data.event_table import concat_events as concat_tables  # events here are Deposits

PILEUP_SETTINGS = ["SoftQCD:inelastic = on"]
"""Pile-up collisions are inelastic minimum bias (diffractive included)."""


def concat_events(parts: list[Deposits]) -> Deposits:
    """Stack batches of events one after the other (event numbers shift)."""
    return Deposits(*(concat_tables([getattr(p, part) for p in parts]) for part in ("towers", "eg", "muons")))


def overlay(hard: Deposits, pool: Deposits, mean: float, rng: np.random.Generator) -> tuple[Deposits, np.ndarray]:
    """Add Poisson(``mean``) pool events to each hard event; returns the crossings and the pile-up counts."""
    n = hard.n_events
    n_pileup = rng.poisson(mean, n) if mean > 0 else np.zeros(n, np.int64)
    chosen = rng.integers(0, pool.n_events, int(n_pileup.sum()))
    crossing = np.repeat(np.arange(n), n_pileup)

    def add(hard_table: EventTable, pool_table: EventTable) -> EventTable:
        index, owner = gather_rows(pool_table.offsets(), chosen)
        extra = EventTable(n, crossing[owner], {k: v[index] for k, v in pool_table.columns.items()})
        return stack_by_row([hard_table, extra], n)

    crossings = Deposits(add(hard.towers, pool.towers), add(hard.eg, pool.eg), add(hard.muons, pool.muons))
    return crossings, n_pileup.astype(np.uint16)
