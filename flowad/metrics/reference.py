"""The no-ML reference of a dataset: the emulated menu's decisions and the baseline scores, on its rate splits.

Every model number stands beside these, measured on the same events:

- the menu (:mod:`flowad.metrics.menu`), calibrated on the background's ``val`` split, and its decision on
  every crossing of the requested splits;
- the baselines, one-line triggers with no ML: ``sum_et`` (ΣET of all regions), ``max_region_et`` (the
  hottest region) and ``ht`` (HT of the object view).

Built once per (dataset, background, splits, menu) and cached as ``<cache>/reference/<key>.npz``. Only the
requested splits' files are read, so a search trial asks for ``("val",)`` and never opens a test shard.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from flowad.atomic import atomic_path
from flowad.data import load
from flowad.data.readers import dataset_identity, load_weights
from flowad.errors import FlowadInputError
from flowad.hashing import content_hash
from flowad.metrics import l1_quantities as q
from flowad.metrics.menu import CalibratedMenu, MenuConfig, calibrate_menu
from flowad.metrics.rates import RateThreshold
from flowad.metrics.trigger import ScorePerformance, evaluate_score

CALIBRATION_SPLIT = "val"
"""Every rate cut (menu seeds, anomaly scores) is set on the background's validation split."""


BASELINES: dict[str, q.ViewQuantity] = {
    "sum_et": q.ViewQuantity("calo", q.sum_et, "ΣET"),
    "max_region_et": q.ViewQuantity("calo", q.max_region_et, "max region ET"),
    "ht": q.ViewQuantity("objects", q.ht, "HT"),
}
"""The no-ML triggers every model is compared with: their quantity is their anomaly score."""

Scores = dict[str, dict[str, np.ndarray]]
"""``{process: {split: one float per event}}``."""


@dataclass(frozen=True)
class Reference:
    background: str
    menu: CalibratedMenu
    menu_accepts: dict[str, dict[str, np.ndarray]]
    """``{process: {split: bool per event}}``; empty when the menu could not be calibrated."""
    baselines: dict[str, Scores]
    """``{baseline: {process: {split: score}}}`` for the baselines whose view the dataset has."""
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    """``{split: weight per crossing}`` of a tail-enriched background (:mod:`flowad.data.tail`); empty when every
    crossing counts once."""

    def evaluate(self, scores: Scores, split: str, rate_khz: float = 3.0, signals: Sequence[str] | None = None,
                 seed: int = 0, budget: str = "total") -> ScorePerformance:
        """Trigger performance of ``scores`` on ``split``, its cut set on the background's validation split
        under ``budget`` (:data:`~flowad.metrics.trigger.BUDGETS`)."""
        bg = scores[self.background]
        if CALIBRATION_SPLIT not in bg or split not in bg:
            raise FlowadInputError(f"background {self.background!r} needs {CALIBRATION_SPLIT!r} and {split!r} scores")
        names = [p for p in (signals if signals is not None else scores) if p != self.background and split in scores.get(p, {})]
        calibration = bg[CALIBRATION_SPLIT]
        evaluation = calibration if split == CALIBRATION_SPLIT else bg[split]
        menu = {p: self.menu_accepts[p][split] for p in names} if self.menu.valid else None
        zerobias = self.menu_accepts.get(self.background, {}) if self.menu.valid else {}
        zerobias_menu = (zerobias[CALIBRATION_SPLIT], zerobias[split]) if CALIBRATION_SPLIT in zerobias and split in zerobias else None
        zerobias_weights = (self.weights[CALIBRATION_SPLIT], self.weights[split]) if self.weights else None
        return evaluate_score(calibration, evaluation, {p: scores[p][split] for p in names}, menu, rate_khz, seed=seed,
                              budget=budget, zerobias_menu=zerobias_menu, zerobias_weights=zerobias_weights)

    def evaluate_baselines(self, split: str, rate_khz: float = 3.0, signals: Sequence[str] | None = None,
                           budget: str = "total") -> dict[str, ScorePerformance]:
        return {name: self.evaluate(scores, split, rate_khz, signals, budget=budget) for name, scores in self.baselines.items()}


def reference_for(dataset: Path, background: str, splits: Sequence[str], cache: str | Path,
                  menu: MenuConfig = MenuConfig()) -> Reference:
    """The dataset's reference on ``splits`` (which must include ``val``), from the cache or built now."""
    splits = list(dict.fromkeys([CALIBRATION_SPLIT, *splits]))
    key = content_hash({"dataset": dataset_identity(dataset), "background": background, "splits": splits, "menu": menu}, 16)
    path = Path(cache) / "reference" / f"{key}.npz"
    if path.is_file():
        return _read(path, background)
    reference = build_reference(dataset, background, splits, menu)
    _write(reference, path)
    return reference


def build_reference(dataset: Path, background: str, splits: Sequence[str], menu_config: MenuConfig = MenuConfig()) -> Reference:
    views: dict[str, dict[str, dict[str, np.ndarray]]] = {}
    for view in ("objects", "calo"):
        try:
            views[view] = load(dataset, view, splits=splits)
        except FlowadInputError:
            continue  # e.g. an ADC2021 file holds only objects: the calo seeds and baselines are left out
    if not views:
        raise FlowadInputError(f"{dataset}: neither the objects nor the calo view can be read")
    some = next(iter(views.values()))
    if CALIBRATION_SPLIT not in some.get(background, {}):
        raise FlowadInputError(f"{dataset}: background {background!r} has no {CALIBRATION_SPLIT!r} split to calibrate rates on")
    crossings = {p: {s: {v: views[v][p][s] for v in views} for s in by} for p, by in some.items()}
    weights = load_weights(dataset, background, splits)
    if all(np.all(w == 1.0) for w in weights.values()):
        weights = {}
    menu = calibrate_menu(menu_config, crossings[background][CALIBRATION_SPLIT], weights.get(CALIBRATION_SPLIT))
    accepts = {p: {s: menu.accepts(x) for s, x in by.items()} for p, by in crossings.items()} if menu.valid else {}
    baselines = {name: {p: {s: b.compute(x[b.view]) for s, x in by.items()} for p, by in crossings.items()}
                 for name, b in BASELINES.items() if b.view in views}
    return Reference(background, menu, accepts, baselines, weights)


def _write(reference: Reference, path: Path) -> None:
    arrays = {f"menu/{p}/{s}": a for p, by in reference.menu_accepts.items() for s, a in by.items()}
    arrays.update({f"baseline/{b}/{p}/{s}": a for b, scores in reference.baselines.items()
                   for p, by in scores.items() for s, a in by.items()})
    arrays.update({f"weight/{s}": w for s, w in reference.weights.items()})
    menu = reference.menu
    arrays["menu_json"] = np.array(json.dumps({
        "thresholds": {n: [t.rate_khz, t.value, t.achieved_khz, t.n_background, t.reason] for n, t in menu.thresholds.items()},
        "total_khz": menu.total_khz, "dropped": menu.dropped}))
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)


def _read(path: Path, background: str) -> Reference:
    accepts: dict[str, dict[str, np.ndarray]] = {}
    baselines: dict[str, Scores] = {}
    weights: dict[str, np.ndarray] = {}
    with np.load(path) as stored:
        raw = json.loads(str(stored["menu_json"]))
        for name in stored.files:
            parts = name.split("/")
            if parts[0] == "menu":
                accepts.setdefault(parts[1], {})[parts[2]] = stored[name]
            elif parts[0] == "baseline":
                baselines.setdefault(parts[1], {}).setdefault(parts[2], {})[parts[3]] = stored[name]
            elif parts[0] == "weight":
                weights[parts[1]] = stored[name]
    thresholds = {n: RateThreshold(*v) for n, v in raw["thresholds"].items()}
    return Reference(background, CalibratedMenu(thresholds, raw["total_khz"], raw["dropped"]), accepts, baselines, weights)
