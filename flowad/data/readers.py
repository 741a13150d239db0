"""Read datasets as numpy arrays per process and split.

:func:`load` accepts a generated dataset directory, a single generated shard, or an HDF5 file in the
public ADC2021 layout (``Particles``: (N, 19, 4) = pT, η, φ, class for MET, 4 e, 4 μ, 10 jets), so real
files drop in where generated ones were.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from flowad.configio import from_mapping
from flowad.data.config import DetectorConfig
from flowad.data.generate import MANIFEST
from flowad.data.storage import VIEW_SHAPES, read_events, read_metadata, read_weights
from flowad.data.views import N_OBJECT_FEATURES
from flowad.errors import FlowadInputError

Arrays = dict[str, dict[str, np.ndarray]]
HDF5_SUFFIXES = (".h5", ".hdf5")
ADC2021_SLOTS = 19
DEFAULT_SPLITS = {"train": 0.6, "val": 0.2, "test": 0.2}


def load(
    path: str | Path,
    view: str = "objects",
    processes: Sequence[str] | None = None,
    splits: Sequence[str] | None = None,
    hdf5_splits: Mapping[str, float] = DEFAULT_SPLITS,
    seed: int = 0,
) -> Arrays:
    """``{process: {split: array}}`` for ``view`` (``calo``: (N, 18, 14) uint16; ``objects``: (N, 57) float32).

    For an HDF5 file the process is the file's stem and its events are split by ``hdf5_splits``
    with a permutation seeded by ``seed``.
    """
    path = Path(path)
    if view not in VIEW_SHAPES:
        raise FlowadInputError(f"unknown view {view!r} (known: {', '.join(VIEW_SHAPES)})")
    if not path.exists():
        raise FlowadInputError(f"{path}: no such file or directory")
    if path.suffix.lower() in HDF5_SUFFIXES:
        if view != "objects":
            raise FlowadInputError(f"{path}: ADC2021 files hold only the 'objects' view, not {view!r}")
        arrays = {path.stem: split_events(read_adc2021(path), hdf5_splits, seed)}
    elif path.is_dir():
        arrays = _load_dataset(path, view, splits)
    elif path.suffix == ".parquet":
        meta = read_metadata(path)
        if "process" not in meta:
            raise FlowadInputError(f"{path}: a pile-up pool shard, not an event shard")
        arrays = {meta["process"]: {meta["split"]: read_events(path, view)}}
    else:
        raise FlowadInputError(f"{path}: not a dataset directory, .parquet shard or ADC2021 .h5 file")
    return _subset(arrays, processes, splits, path)


def dataset_manifest(directory: Path) -> dict:
    """The manifest of a complete generated dataset; clear errors for anything else."""
    manifest = directory / MANIFEST
    if not manifest.is_file():
        raise FlowadInputError(
            f"{directory}: not a complete flowad dataset (no {MANIFEST}; generation unfinished or wrong path)")
    try:
        return json.loads(manifest.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise FlowadInputError(f"{manifest}: corrupted manifest (not JSON)") from None


def dataset_identity(path: Path) -> str:
    """A stable identity of a dataset: its config hash (generated), or a digest of the file's bytes."""
    if path.is_dir():
        return dataset_manifest(path)["config_hash"]
    digest = hashlib.blake2b(digest_size=8)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _load_dataset(directory: Path, view: str, splits: Sequence[str] | None = None) -> Arrays:
    """Arrays of every shard in the manifest; shards of splits not in ``splits`` are never opened."""
    parts: dict[str, dict[str, list[np.ndarray]]] = {}
    for shard in dataset_manifest(directory)["shards"]:
        if splits is not None and shard["split"] not in splits:
            continue
        array = read_events(directory / shard["path"], view)
        if len(array) != shard["events"]:
            raise FlowadInputError(f"{directory / shard['path']}: {len(array)} events, manifest says {shard['events']}")
        parts.setdefault(shard["process"], {}).setdefault(shard["split"], []).append(array)
    return {p: {s: np.concatenate(a) for s, a in by_split.items()} for p, by_split in parts.items()}


def load_weights(path: str | Path, process: str, splits: Sequence[str]) -> dict[str, np.ndarray]:
    """``{split: one weight per event}`` of ``process``, in :func:`load`'s order: a tail-enriched ZeroBias split's
    crossing weights (:mod:`flowad.data.tail`), 1 for every other event of a generated dataset. Empty for a file
    that is not a generated dataset (a shard, an ADC2021 file): nothing there is weighted."""
    path = Path(path)
    if not path.is_dir():
        return {}
    parts: dict[str, list[np.ndarray]] = {}
    for shard in dataset_manifest(path)["shards"]:
        if shard["process"] == process and shard["split"] in splits:
            parts.setdefault(shard["split"], []).append(read_weights(path / shard["path"]))
    return {s: np.concatenate(w) for s, w in parts.items()}


def dataset_detector(path: str | Path) -> DetectorConfig | None:
    """The detector settings a generated dataset was digitised with; None for anything else (a shard, a real file)."""
    config = Path(path) / "config.json"
    if not config.is_file():
        return None
    return from_mapping(DetectorConfig, json.loads(config.read_text()).get("detector", {}))


def view_full_scale(path: str | Path, view: str) -> float | None:
    """The largest value a view's inputs can take in a generated dataset: the calo view's region ET saturates at
    ``2**region_bits − 1`` counts. None for the object view and for files without a detector config."""
    detector = dataset_detector(path) if view == "calo" else None
    return None if detector is None else float(2**detector.region_bits - 1)


def read_adc2021(path: str | Path) -> np.ndarray:
    """(N, 57) float32 objects from an ADC2021 HDF5 file (``Particles`` (N, 19, 3|4) or (N, 57))."""
    import h5py

    path = Path(path)
    try:
        with h5py.File(path, "r") as f:
            if "Particles" not in f:
                raise FlowadInputError(f"{path}: no 'Particles' dataset (keys: {', '.join(f.keys()) or 'none'}); not ADC2021 layout")
            data = f["Particles"][()]
    except (OSError, KeyError) as exc:
        raise FlowadInputError(f"{path}: not a readable HDF5 file ({str(exc).splitlines()[0][:120]})") from None
    if data.ndim == 3 and data.shape[1] == ADC2021_SLOTS and data.shape[2] in (3, 4):
        data = data[:, :, :3].reshape(len(data), N_OBJECT_FEATURES)
    elif not (data.ndim == 2 and data.shape[1] == N_OBJECT_FEATURES):
        raise FlowadInputError(f"{path}: 'Particles' has shape {data.shape}, expected (N, 19, 4), (N, 19, 3) or (N, 57)")
    if not np.issubdtype(data.dtype, np.number):
        raise FlowadInputError(f"{path}: 'Particles' is {data.dtype}, expected numbers")
    data = data.astype(np.float32)
    bad = ~np.isfinite(data)
    if bad.any():
        event, feature = np.argwhere(bad)[0]
        raise FlowadInputError(f"{path}: 'Particles' holds {int(bad.sum())} non-finite value(s) (NaN or inf); the first is "
                               f"event {event}, slot {feature // 3}, {('pT', 'eta', 'phi')[feature % 3]} (flat index "
                               f"[{event}, {feature}]): clean the file first")
    return data


def split_events(array: np.ndarray, fractions: Mapping[str, float], seed: int = 0) -> dict[str, np.ndarray]:
    """Split rows reproducibly: a seeded permutation cut by ``fractions`` (which must sum to 1)."""
    if not fractions or abs(sum(fractions.values()) - 1) > 1e-6 or min(fractions.values()) <= 0:
        raise FlowadInputError(f"split fractions must be positive and sum to 1, got {dict(fractions)}")
    order = np.random.default_rng(seed).permutation(len(array))
    bounds = np.round(np.cumsum([0.0, *fractions.values()]) * len(array)).astype(int)
    return {name: array[np.sort(order[lo:hi])] for name, lo, hi in zip(fractions, bounds[:-1], bounds[1:])}


def _subset(arrays: Arrays, processes: Sequence[str] | None, splits: Sequence[str] | None, path: Path) -> Arrays:
    if processes is not None:
        missing = [p for p in processes if p not in arrays]
        if missing:
            raise FlowadInputError(f"{path}: no process {missing[0]!r} (has: {', '.join(sorted(arrays))})")
        arrays = {p: arrays[p] for p in processes}
    if splits is not None:
        arrays = {p: {s: a for s, a in by.items() if s in splits} for p, by in arrays.items()}
    return arrays
