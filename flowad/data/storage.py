"""Parquet (pyarrow, zstd) files of generated events and of pile-up pools.

Event shards hold one row per bunch crossing: ``calo`` (252 × uint16, CICADA order), ``objects``
(57 × float32, ADC2021 order), ``n_pileup`` and, in a tail-enriched ZeroBias split, ``weight``. Pool shards hold one row per minimum-bias event with
list columns of its detector deposits. Each file's schema metadata (key ``flowad``) records the
generator settings, seeds and code version; nothing time-dependent, so equal inputs give equal files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from flowad.atomic import atomic_path
from flowad.data.detector import Deposits
from flowad.data.event_table import EventTable, concat_events
from flowad.data.views import CALO_FEATURES, CALO_SHAPE, COMBINED_VIEW, N_OBJECT_FEATURES, STORED_VIEWS
from flowad.errors import FlowadInputError

META_KEY = b"flowad"
VIEW_SHAPES = {"calo": CALO_SHAPE, "objects": (N_OBJECT_FEATURES,), COMBINED_VIEW: (CALO_FEATURES + N_OBJECT_FEATURES,)}
VIEW_DTYPES = {"calo": np.uint16, "objects": np.float32, COMBINED_VIEW: np.float32}
_DEPOSIT_PARTS = ("towers", "eg", "muons")
WEIGHT_COLUMN = "weight"


def write_events(path: Path, views: dict[str, np.ndarray], n_pileup: np.ndarray, meta: dict[str, Any],
                 weights: np.ndarray | None = None) -> None:
    """Write one event shard atomically; ``weights``: one per crossing of a tail-enriched split (:mod:`flowad.data.tail`)."""
    columns = {}
    for view, array in views.items():
        flat = np.ascontiguousarray(array.reshape(len(array), -1))
        columns[view] = pa.FixedSizeListArray.from_arrays(pa.array(flat.ravel()), flat.shape[1])
    columns["n_pileup"] = pa.array(n_pileup)
    if weights is not None:
        columns[WEIGHT_COLUMN] = pa.array(np.asarray(weights, np.float64))
    _write(path, pa.table(columns), meta)


def read_weights(path: Path) -> np.ndarray:
    """Each crossing's weight in one event shard: 1 for all of a plain shard."""
    schema = pq.read_schema(path)
    if WEIGHT_COLUMN not in schema.names:
        return np.ones(read_metadata(path)["n_events"], np.float64)
    return _read(path, columns=[WEIGHT_COLUMN]).column(WEIGHT_COLUMN).to_numpy().astype(np.float64, copy=False)


def read_events(path: Path, view: str) -> np.ndarray:
    """The ``view`` array of one event shard, shaped (N, *VIEW_SHAPES[view]); ``calo+objects`` joins the two stored
    views row by row (region counts exactly representable in float32)."""
    if view == COMBINED_VIEW:
        parts = [read_events(path, stored).reshape(-1, int(np.prod(VIEW_SHAPES[stored]))) for stored in STORED_VIEWS]
        return np.concatenate(parts, axis=1, dtype=VIEW_DTYPES[view])
    table = _read(path, columns=[view])
    shape = VIEW_SHAPES[view]
    column = table.column(view).combine_chunks()
    size = int(np.prod(shape))
    if not pa.types.is_fixed_size_list(column.type) or column.type.list_size != size:
        raise FlowadInputError(f"{path}: column {view!r} has type {column.type}, expected {size} values per event")
    values = column.values.to_numpy(zero_copy_only=False)
    return values.astype(VIEW_DTYPES[view], copy=False).reshape(len(column), *shape)


def read_metadata(path: Path) -> dict[str, Any]:
    """The ``flowad`` metadata of a shard; a clear error if the file is not one of ours."""
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as exc:
        raise FlowadInputError(f"{path}: not a readable Parquet file ({_short(exc)})") from None
    raw = (schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise FlowadInputError(f"{path}: Parquet file without flowad metadata (not written by flowad)")
    return json.loads(raw)


def write_pool(path: Path, deposits: Deposits, meta: dict[str, Any]) -> None:
    """Write a pool shard: one row per minimum-bias event, list columns per deposit field."""
    columns = {}
    for part in _DEPOSIT_PARTS:
        table: EventTable = getattr(deposits, part)
        offsets = pa.array(table.offsets().astype(np.int32))
        for name, values in table.columns.items():
            columns[f"{part}.{name}"] = pa.ListArray.from_arrays(offsets, pa.array(values))
    _write(path, pa.table(columns), meta)


def read_pools(paths: list[Path]) -> Deposits:
    """Concatenate pool shards into one :class:`Deposits` of all their events."""
    parts: dict[str, list[EventTable]] = {p: [] for p in _DEPOSIT_PARTS}
    for path in paths:
        table = _read(path)
        n = table.num_rows
        for part in _DEPOSIT_PARTS:
            names = [c for c in table.column_names if c.startswith(part + ".")]
            lists = [table.column(c).combine_chunks() for c in names]
            counts = np.diff(lists[0].offsets.to_numpy())
            row = np.repeat(np.arange(n), counts)
            columns = {c.split(".", 1)[1]: lst.flatten().to_numpy(zero_copy_only=False) for c, lst in zip(names, lists)}
            parts[part].append(EventTable(n, row, columns))
    return Deposits(*(concat_events(parts[p]) for p in _DEPOSIT_PARTS))


def column_bytes(path: Path) -> dict[str, int]:
    """Compressed bytes on disk per top-level column of a Parquet file."""
    meta = pq.ParquetFile(path).metadata
    sizes: dict[str, int] = {}
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            col = group.column(c)
            name = col.path_in_schema.split(".")[0]
            sizes[name] = sizes.get(name, 0) + col.total_compressed_size
    return sizes


def _write(path: Path, table: pa.Table, meta: dict[str, Any]) -> None:
    table = table.replace_schema_metadata({META_KEY: json.dumps(meta, sort_keys=True).encode()})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def _read(path: Path, columns: list[str] | None = None) -> pa.Table:
    if not Path(path).is_file():
        raise FlowadInputError(f"{path}: no such file")
    try:
        return pq.read_table(path, columns=columns)
    except (OSError, pa.ArrowException, KeyError) as exc:
        raise FlowadInputError(f"{path}: not a readable flowad Parquet file ({_short(exc)})") from None


def _short(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:160] if str(exc).strip() else exc.__class__.__name__
