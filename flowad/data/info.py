"""Summaries of datasets for ``flowad data info``: what is there, how big, and whether it looks physical.

Columns: disk bytes per 1,000 events for each view; the mean sum of region counts (units of
``region_lsb_gev``); mean MET (GeV); mean numbers of jets, e/γ and muons per event.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from flowad.data.readers import HDF5_SUFFIXES, dataset_manifest, load, load_weights, read_adc2021
from flowad.data.storage import column_bytes, read_metadata
from flowad.errors import FlowadInputError
from flowad.metrics.weighted import effective_events
from flowad.textable import text_table

COLUMNS = ("process", "split", "events", "B/1k calo", "B/1k objects", "<calo sum>", "<MET> GeV",
           "<n jets>", "<n e/g>", "<n mu>")


def describe(path: str | Path) -> str:
    """A text report on a dataset directory, a single shard, or an ADC2021 HDF5 file."""
    path = Path(path)
    if not path.exists():
        raise FlowadInputError(f"{path}: no such file or directory")
    if path.suffix.lower() in HDF5_SUFFIXES:
        objects = read_adc2021(path)
        header = [f"ADC2021 HDF5 file {path}", f"  events: {len(objects)}"]
        rows = [_row(path.stem, "all", objects, None, {})]
        return "\n".join(header + ["", _table(rows)])
    if path.is_dir():
        return _describe_dataset(path)
    meta = read_metadata(path)
    if "process" not in meta:
        return f"pile-up pool shard {path}: {meta['n_events']} minimum-bias events, split {meta['split']}"
    arrays = load(path, "objects")[meta["process"]][meta["split"]]
    calo = load(path, "calo")[meta["process"]][meta["split"]]
    rows = [_row(meta["process"], meta["split"], arrays, calo, column_bytes(path))]
    return "\n".join([f"shard {path} of dataset {meta['dataset']} ({meta['config_hash']})", "", _table(rows)])


def _describe_dataset(directory: Path) -> str:
    manifest = dataset_manifest(directory)
    resolved = directory.resolve()
    objects = load(directory, "objects")
    calo = load(directory, "calo")
    sizes: dict[tuple[str, str], dict[str, int]] = {}
    for shard in manifest["shards"]:
        key = (shard["process"], shard["split"])
        for column, n in column_bytes(directory / shard["path"]).items():
            sizes.setdefault(key, {}).setdefault(column, 0)
            sizes[key][column] += n
    rows = [
        _row(process, split, objects[process][split], calo[process][split], sizes[(process, split)])
        for process in objects for split in objects[process]
    ]
    kinds = ", ".join(f"{name}={spec['kind']}" for name, spec in manifest["processes"].items())
    pool_events = {}
    for pool in manifest["pools"]:
        pool_events[pool["split"]] = pool_events.get(pool["split"], 0) + pool["events"]
    header = [
        f"dataset {manifest['name']} ({manifest['config_hash']}) at {resolved}",
        f"  flowad {manifest['flowad_version']}, format {manifest['format_version']}, seed {manifest['seed']}",
        f"  processes: {kinds}",
        f"  pile-up <mu> = {manifest['pileup_mean']:g}, pools: "
        + (", ".join(f"{s} {n} events" for s, n in pool_events.items()) or "none"),
        f"  total events: {sum(len(a) for by in objects.values() for a in by.values())}",
    ]
    for name, spec in manifest["processes"].items():
        for split, weights in load_weights(directory, name, spec["params"].get("tail_splits", [])).items():
            header.append(f"  tail-enriched {name} {split}: weights {weights.min():.3g}-{weights.max():.3g}, Kish effective "
                          f"crossings {effective_events(weights):,.0f} of {len(weights):,} (the table below is unweighted)")
    return "\n".join(header + ["", _table(rows)])


def _row(process: str, split: str, objects: np.ndarray, calo: np.ndarray | None, sizes: dict[str, int]) -> list[str]:
    n = len(objects)
    per_k = lambda col: f"{1000 * sizes[col] / n:,.0f}" if col in sizes and n else "-"  # noqa: E731
    o = objects.reshape(n, 19, 3)
    sum_et = f"{calo.reshape(n, -1).sum(1).mean():.0f}" if calo is not None and n else "-"
    count = lambda lo, hi: f"{(o[:, lo:hi, 0] > 0).sum(1).mean():.2f}" if n else "-"  # noqa: E731
    met = f"{o[:, 0, 0].mean():.1f}" if n else "-"
    return [process, split, str(n), per_k("calo"), per_k("objects"), sum_et, met, count(9, 19), count(1, 5), count(5, 9)]


def _table(rows: list[list[str]]) -> str:
    return text_table(COLUMNS, rows)
