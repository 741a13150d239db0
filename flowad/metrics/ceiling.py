"""The supervised ceiling: what a trigger that *knows* the signal can keep at the same rate.

An anomaly trigger never sees signal; a classifier trained on it is the practical upper bound of what any
score computed from the same inputs can keep at 3 kHz. Per signal, a gradient-boosted tree ensemble
(scikit-learn's ``HistGradientBoostingClassifier``) learns that signal against ZeroBias from every stored
input (the 252 calo regions, the 57 object features and the Level-1 sums):

- trained on the signal's **validation** events against the **train** ZeroBias (never a test event), the
  classes weighted equally;
- scored like any trigger (:meth:`flowad.metrics.reference.Reference.evaluate`): its cut set on validation
  ZeroBias, its numbers read on **test**. Its validation signal numbers are in-sample and are not reported.

A signal whose ceiling is not measurably above zero cannot rank triggers: no score of these inputs keeps it.
Built once per (dataset, background, signal, config) and cached as ``<cache>/ceiling/<key>.npz``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from flowad.atomic import atomic_path
from flowad.data import load
from flowad.data.readers import dataset_identity
from flowad.errors import FlowadInputError, check
from flowad.hashing import content_hash
from flowad.metrics import l1_quantities as q
from flowad.metrics.reference import CALIBRATION_SPLIT, Scores

TRAIN_SPLIT = "train"
"""The ZeroBias the ceiling learns from (the signals are generated for val and test only)."""
SIGNAL_TRAIN_SPLIT = "val"
"""The signal events the ceiling learns from; its numbers are claimed on test only."""
EVALUATION_SPLIT = "test"


@dataclass(frozen=True)
class CeilingConfig:
    """The classifier behind the supervised ceiling (scikit-learn ``HistGradientBoostingClassifier``)."""

    max_iter: int = 300
    learning_rate: float = 0.1
    max_leaf_nodes: int = 31
    background_events: int = 30_000
    """Train-split ZeroBias crossings it learns from (at most; all there are if fewer)."""
    seed: int = 0

    def __post_init__(self) -> None:
        check(10 <= self.max_iter <= 5000, "max_iter", f"must be in [10, 5000], got {self.max_iter}")
        check(0 < self.learning_rate <= 1, "learning_rate", f"must be in (0, 1], got {self.learning_rate}")
        check(2 <= self.max_leaf_nodes <= 1024, "max_leaf_nodes", f"must be in [2, 1024], got {self.max_leaf_nodes}")
        check(100 <= self.background_events <= 10_000_000, "background_events", f"must be in [100, 1e7], got {self.background_events}")


def features(objects: np.ndarray, calo: np.ndarray) -> np.ndarray:
    """(N, 252 + 57 + 4) float32: the regions, the object features, ΣET, max region ET, HT and MET."""
    sums = np.stack([q.sum_et(calo), q.max_region_et(calo), q.ht(objects), q.met(objects)], axis=1)
    return np.concatenate([np.asarray(calo, np.float32).reshape(len(calo), -1), np.asarray(objects, np.float32),
                           sums.astype(np.float32)], axis=1)


def ceiling_scores(dataset: Path, background: str, signals: Sequence[str], cache: str | Path,
                   config: CeilingConfig = CeilingConfig()) -> dict[str, Scores]:
    """``{signal: scores}``, each the scores of the classifier trained for that signal, on the background's
    validation and test splits and the signal's test split (cached per signal)."""
    identity = dataset_identity(dataset)
    out, missing = {}, []
    for signal in signals:
        path = _path(cache, identity, background, signal, config)
        if path.is_file():
            out[signal] = _read(path, background, signal)
        else:
            missing.append(signal)
    if missing:
        crossings = _crossings(dataset, [background, *missing])
        for signal in missing:
            scores = _train_and_score(crossings, background, signal, config)
            _write(scores, _path(cache, identity, background, signal, config))
            out[signal] = scores
    return {s: out[s] for s in signals}


def _crossings(dataset: Path, processes: list[str]) -> dict[str, dict[str, np.ndarray]]:
    splits = [TRAIN_SPLIT, CALIBRATION_SPLIT, EVALUATION_SPLIT]
    try:
        views = {v: load(dataset, v, processes=processes, splits=splits) for v in ("objects", "calo")}
    except FlowadInputError as exc:
        raise FlowadInputError(f"the supervised ceiling (it reads the objects and the calo view): {exc}") from None
    return {p: {s: features(views["objects"][p][s], views["calo"][p][s]) for s in views["objects"].get(p, {})}
            for p in processes}


def _train_and_score(crossings: dict[str, dict[str, np.ndarray]], background: str, signal: str,
                     config: CeilingConfig) -> Scores:
    from sklearn.ensemble import HistGradientBoostingClassifier

    bg, sig = crossings[background], crossings.get(signal, {})
    for name, have, split in ((background, bg, TRAIN_SPLIT), (background, bg, CALIBRATION_SPLIT),
                              (background, bg, EVALUATION_SPLIT), (signal, sig, SIGNAL_TRAIN_SPLIT), (signal, sig, EVALUATION_SPLIT)):
        if split not in have:
            raise FlowadInputError(f"the supervised ceiling needs {name!r} events in the {split!r} split")
    rng = np.random.default_rng(config.seed)
    zerobias = bg[TRAIN_SPLIT]
    if len(zerobias) > config.background_events:
        zerobias = zerobias[rng.choice(len(zerobias), config.background_events, replace=False)]
    positives = sig[SIGNAL_TRAIN_SPLIT]
    x = np.concatenate([zerobias, positives])
    y = np.concatenate([np.zeros(len(zerobias)), np.ones(len(positives))])
    weights = np.where(y == 1, len(zerobias) / len(positives), 1.0)
    model = HistGradientBoostingClassifier(max_iter=config.max_iter, learning_rate=config.learning_rate,
                                           max_leaf_nodes=config.max_leaf_nodes, early_stopping=True,
                                           validation_fraction=0.2, random_state=config.seed)
    model.fit(x, y, sample_weight=weights)

    def score(events: np.ndarray) -> np.ndarray:
        return model.decision_function(events).astype(np.float64)  # log-odds: no saturation at 1 in the tail

    return {background: {s: score(bg[s]) for s in (CALIBRATION_SPLIT, EVALUATION_SPLIT)},
            signal: {EVALUATION_SPLIT: score(sig[EVALUATION_SPLIT])}}


def _path(cache: str | Path, identity, background: str, signal: str, config: CeilingConfig) -> Path:
    key = content_hash({"dataset": identity, "background": background, "signal": signal, "ceiling": asdict(config)}, 16)
    return Path(cache) / "ceiling" / f"{key}.npz"


def _write(scores: Scores, path: Path) -> None:
    arrays = {f"{p}/{s}": a for p, by in scores.items() for s, a in by.items()}
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)


def _read(path: Path, background: str, signal: str) -> Scores:
    with np.load(path) as stored:
        out: Scores = {}
        for name in stored.files:
            process, split = name.rsplit("/", 1)
            out.setdefault(process, {})[split] = stored[name]
    if background not in out or signal not in out:
        raise FlowadInputError(f"{path}: a damaged ceiling cache (delete it to rebuild)")
    return out
