"""Ragged per-event data in coordinate form: one flat row-id array plus named columns.

Every stage between Pythia and the feature views passes these around: the visible particles of a
batch, the energy deposits per tower, e/γ seeds and muons. Entries are kept sorted by ``row``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class EventTable:
    """Entries of ``n_events`` events: ``row[i]`` is the event of entry ``i``; columns are parallel arrays."""

    n_events: int
    row: np.ndarray
    columns: dict[str, np.ndarray]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def __len__(self) -> int:
        return len(self.row)

    def select(self, mask: np.ndarray) -> "EventTable":
        """The entries where ``mask`` holds (row order is kept)."""
        return EventTable(self.n_events, self.row[mask], {k: v[mask] for k, v in self.columns.items()})

    def take_events(self, keep: np.ndarray) -> "EventTable":
        """Only the events where ``keep`` (one bool per event) holds, renumbered in order."""
        new_row = np.cumsum(keep) - 1
        mask = keep[self.row]
        return EventTable(int(keep.sum()), new_row[self.row[mask]], {k: v[mask] for k, v in self.columns.items()})

    def counts(self) -> np.ndarray:
        """Entries per event."""
        return np.bincount(self.row, minlength=self.n_events)

    def offsets(self) -> np.ndarray:
        """CSR offsets (length ``n_events + 1``); valid because entries are sorted by row."""
        return np.concatenate([[0], np.cumsum(self.counts())])

    @staticmethod
    def empty(n_events: int, dtypes: dict[str, np.dtype]) -> "EventTable":
        return EventTable(n_events, np.zeros(0, np.int64), {k: np.zeros(0, d) for k, d in dtypes.items()})


def gather_rows(offsets: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Entry indices of ``rows`` (in the order given) in a CSR layout, and which position of ``rows`` owns each."""
    starts = offsets[rows]
    lengths = offsets[rows + 1] - starts
    owner = np.repeat(np.arange(len(rows)), lengths)
    first = np.cumsum(lengths) - lengths
    index = np.arange(int(lengths.sum())) - first[owner] + starts[owner]
    return index, owner


def concat_events(tables: list[EventTable]) -> EventTable:
    """Tables of consecutive batches as one: the second table's events follow the first's, and so on."""
    shifts = np.cumsum([0] + [t.n_events for t in tables[:-1]])
    return EventTable(
        int(sum(t.n_events for t in tables)),
        np.concatenate([t.row + s for t, s in zip(tables, shifts)]),
        {k: np.concatenate([t.columns[k] for t in tables]) for k in tables[0].columns},
    )


def stack_by_row(tables: list[EventTable], n_events: int) -> EventTable:
    """Merge row-sorted tables that share the event numbering; per event, earlier tables' entries come first.

    A linear merge: every entry's output position is computed directly, no sort.
    """
    counts = [np.bincount(t.row, minlength=n_events) for t in tables]
    out_offsets = np.concatenate([[0], np.cumsum(np.sum(counts, axis=0))])
    before = np.zeros(n_events, np.int64)
    total = int(out_offsets[-1])
    row = np.empty(total, np.int64)
    columns = {k: np.empty(total, v.dtype) for k, v in tables[0].columns.items()}
    for table, count in zip(tables, counts):
        starts = np.concatenate([[0], np.cumsum(count)[:-1]])
        position = out_offsets[table.row] + before[table.row] + np.arange(len(table.row)) - starts[table.row]
        row[position] = table.row
        for k, v in table.columns.items():
            columns[k][position] = v
        before += count
    return EventTable(n_events, row, columns)


def top_k(table: EventTable, key: str, k: int) -> np.ndarray:
    """(n_events, k) entry indices of each event's ``k`` largest ``key`` values, descending; -1 pads."""
    out = np.full((table.n_events, k), -1, dtype=np.int64)
    if len(table) == 0:
        return out
    order = np.lexsort((-table[key], table.row))
    rows = table.row[order]
    starts = np.searchsorted(rows, np.arange(table.n_events))
    rank = np.arange(len(rows)) - starts[rows]
    keep = rank < k
    out[rows[keep], rank[keep]] = order[keep]
    return out
