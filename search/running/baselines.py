"""The no-ML reference of a search, logged on its parent run before any trial starts.

On the validation split (the split every objective is measured on, rate cuts set there too): each baseline's
(ΣET, max region ET, HT) AUC, efficiency and pure efficiency at the rate, per signal and as means over the
search's signals, and the emulated menu's rate and efficiency. Each baseline's firmware is written as Verilog
and costed by yosys (:mod:`flowad.hardware.baseline_firmware`), cached per part and clock, so the baselines
sit on the Pareto plots at a real LUT and latency. Metrics are named ``baseline/<name>/<metric>`` and
``menu/<metric>``; :func:`baselines_from_metrics` reads them back for plots and tables.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from flowad.atomic import write_text_atomic
from flowad.hardware.baseline_firmware import estimate_baselines
from flowad.hardware.config import HardwareConfig
from flowad.hardware.estimators.registry import HardwareReport
from flowad.hashing import content_hash
from flowad.metrics.reference import BASELINES
from search.space.search_config import SearchConfig

HARDWARE_FIELDS = ("lut", "ff", "dsp", "latency_cycles", "latency_ns")


def firmware_costs(config: HardwareConfig, cache: str | Path) -> dict[str, dict]:
    """yosys figures of each baseline's firmware, cached under ``<cache>/baseline_firmware/``; a baseline whose
    firmware cannot be costed here (no yosys) has ``available: false`` and the reason in ``notes``."""
    path = Path(cache) / "baseline_firmware" / f"{content_hash(config, 16)}.json"
    if path.is_file():
        return json.loads(path.read_text())
    reports: dict[str, HardwareReport] = estimate_baselines(config, path.parent / path.stem)
    costs = {name: {"available": r.available, "notes": r.notes, **{k: getattr(r, k) for k in HARDWARE_FIELDS}}
             for name, r in reports.items()}
    if all(c["available"] for c in costs.values()):
        write_text_atomic(path, json.dumps(costs, indent=2, sort_keys=True) + "\n")
    return costs


def reference_metrics(search: SearchConfig) -> tuple[dict[str, float], dict]:
    """(metrics for the parent run, a JSON-able record) of the menu and baselines on the validation split."""
    from flowad.distill.run import resolve_dataset, source_reference

    source = search.data
    dataset = resolve_dataset(source)
    reference = source_reference(source, dataset, ("val",))
    rate_khz = float(search.distill.get("rate_khz", 3.0))
    signals = list(search.signals) or None
    performance = reference.evaluate_baselines("val", rate_khz)
    costs = firmware_costs(search.hardware, source.cache)
    metrics: dict[str, float] = {"menu/total_khz": reference.menu.total_khz}
    for name, perf in performance.items():
        prefix = f"baseline/{name}/"
        metrics.update(perf.flat(prefix))
        metrics.update(perf.means(prefix, signals))
        cost = costs.get(name, {})
        metrics.update({prefix + k: cost[k] for k in HARDWARE_FIELDS if cost.get(k) is not None})
    first = next(iter(performance.values()))
    metrics.update({f"menu/efficiency/{s}": p.menu_efficiency for s, p in first.signals.items()})
    record = {"split": "val", "rate_khz": rate_khz, "signals": signals or list(first.signals),
              "menu": {"total_khz": reference.menu.total_khz, "reason": reference.menu.reason,
                       "thresholds": {n: asdict(t) for n, t in reference.menu.thresholds.items()}},
              "baselines": {name: {"label": BASELINES[name].label, "firmware": costs.get(name),
                                   "signals": {s: asdict(p) for s, p in perf.signals.items()},
                                   "rate_khz": asdict(perf.rate_khz), "reason": perf.reason}
                            for name, perf in performance.items()}}
    return metrics, record


def baselines_from_metrics(metrics: dict[str, float]) -> dict[str, dict[str, float]]:
    """``{baseline: {metric: value}}`` from a parent run's ``baseline/<name>/<metric>`` metrics."""
    out: dict[str, dict[str, float]] = {}
    for key, value in metrics.items():
        if key.startswith("baseline/"):
            _, name, metric = key.split("/", 2)
            out.setdefault(name, {})[metric] = value
    return out
