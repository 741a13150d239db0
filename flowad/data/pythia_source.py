"""Pythia8 (``pythia8mc``) as a source of batches of visible final-state particles.

Events are read in bulk with ``Pythia.nextBatch`` (awkward arrays); per-particle Python access
would cost as much as generating a minimum-bias event. A given ``Random:seed`` reproduces the same
events byte for byte in any process, so parallelism is one process per seed, never PythiaParallel.
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from flowad.data.event_table import EventTable
from flowad.errors import FlowadInputError

PYTHIA_MAX_SEED = 900_000_000

# Silence the banners and listings but not errors (`Print:quiet` would hide errors for good).
QUIET_SETTINGS = [
    "Next:numberCount = 0",
    "Next:numberShowInfo = 0",
    "Next:numberShowProcess = 0",
    "Next:numberShowEvent = 0",
    "Init:showProcesses = off",
    "Init:showMultipartonInteractions = off",
    "Init:showChangedSettings = off",
    "Init:showChangedParticleData = off",
]

# Stable particles that leave nothing in the detector: neutrinos and common BSM invisibles
# (sneutrinos, lightest neutralino, gravitino).
INVISIBLE_PDG = np.array([12, 14, 16, 1000012, 1000014, 1000016, 1000022, 1000039])


def run_settings(sqrt_s_gev: float, seed: int, process_settings: list[str]) -> list[str]:
    """Every ``readString`` line for one run: beams, seed, quietness, then the process."""
    return [
        f"Beams:eCM = {sqrt_s_gev:g}",
        "Random:setSeed = on",
        f"Random:seed = {seed}",
        *QUIET_SETTINGS,
        *process_settings,
    ]


class PythiaSource:
    """An initialised Pythia run that yields :class:`EventTable` batches of visible particles.

    Columns: ``px, py, pz, e`` (GeV) and ``pid`` (PDG id) of final-state visible particles.
    """

    def __init__(self, settings: list[str]):
        import pythia8mc  # heavy import kept local: workers pay it, the CLI does not

        self.settings = list(settings)
        self._pythia = pythia8mc.Pythia("", False)
        for line in self.settings:
            if not self._pythia.readString(line):
                raise FlowadInputError(f"Pythia refused setting {line!r}")
        if not self._pythia.init():
            raise FlowadInputError("Pythia initialisation failed for settings: " + "; ".join(settings))

    def next_batch(self, n_events: int) -> EventTable:
        """``n_events`` events (Pythia's failed events are skipped and regenerated)."""
        return self.next_batch_with_scale(n_events)[0]

    def next_batch_with_scale(self, n_events: int) -> tuple[EventTable, np.ndarray]:
        """``n_events`` events and each one's hardest-scatter p̂T (GeV; for minimum bias, its hardest MPI)."""
        parts = []
        have = 0
        while have < n_events:
            batch = self._pythia.nextBatch(n_events - have, "skip")
            if len(batch) == 0:
                raise RuntimeError("Pythia produced no events in a batch: see the shard log")
            parts.append(batch)
            have += len(batch)
        events = parts[0] if len(parts) == 1 else ak.concatenate(parts)
        return visible_particles(events), np.sqrt(np.maximum(ak.to_numpy(events.info.pT2Hat), 0.0))

    def cross_section_mb(self) -> float:
        return float(self._pythia.infoPython().sigmaGen())


def visible_particles(events: ak.Array) -> EventTable:
    """Flatten a ``nextBatch`` array to the visible final-state particles (status > 0, not invisible)."""
    prt = events.prt
    counts = ak.to_numpy(ak.num(prt))
    row = np.repeat(np.arange(len(counts)), counts)
    status = ak.to_numpy(ak.flatten(prt.status))
    pid = ak.to_numpy(ak.flatten(prt.id)).astype(np.int32)
    keep = (status > 0) & ~np.isin(np.abs(pid), INVISIBLE_PDG)
    p = prt.p
    columns = {name: ak.to_numpy(ak.flatten(getattr(p, name)))[keep] for name in ("px", "py", "pz", "e")}
    columns["pid"] = pid[keep]
    return EventTable(len(counts), row[keep], columns)
