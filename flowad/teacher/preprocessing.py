"""Teacher input preprocessing, fitted on the training split only.

A view's row is region *counts* (the calo view, 252 integer region ETs) and/or *object features* (57 floats);
``calo+objects`` is both, counts first (:func:`flowad.data.views.count_features`).

- counts: uniform dequantization then log1p: ``log1p(x + u)`` with u ~ U(0, 1) while training (a density model
  needs continuous inputs) and u = 0.5 when scoring; with ``pileup_subtraction`` each crossing's median region
  count is first subtracted from its counts (clipped at 0);
- object features: log1p on the pT features; features constant on the training split (MET's η) are dropped;
  zero-padded slots are point masses, so training adds uniform noise of width ``dequantize`` (standardised
  units) to every object feature, and scoring adds none;
- then standardisation with the training mean and standard deviation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from flowad.data.views import count_features


@dataclass(frozen=True)
class Preprocessor:
    view: str
    keep: np.ndarray
    """Boolean mask of the features used."""
    log: np.ndarray
    """Boolean mask (over kept features) of features transformed with log1p."""
    mean: np.ndarray
    std: np.ndarray
    dequantize: float
    pileup_subtraction: bool = False
    counts: np.ndarray | None = None
    """Boolean mask (over kept features) of the region counts; None: every feature for the calo view, none else."""

    @classmethod
    def fit(cls, view: str, x: np.ndarray, dequantize: float, pileup_subtraction: bool = False) -> "Preprocessor":
        flat = x.reshape(len(x), -1).astype(np.float64)
        index = np.arange(flat.shape[1])
        n_counts = count_features(view)
        is_count = index < n_counts
        keep = is_count | (flat.std(axis=0) > 0)
        log = (is_count | ((index - n_counts) % 3 == 0))[keep]  # every count, and each object's pT
        counts = is_count[keep]
        n = int(keep.sum())
        pre = cls(view, keep, log, np.zeros(n), np.ones(n), dequantize, pileup_subtraction, counts)
        raw = pre._shape(flat, None)
        std = raw.std(axis=0)
        return cls(view, keep, log, raw.mean(axis=0), np.where(std > 1e-6, std, 1.0), dequantize, pileup_subtraction, counts)

    def __post_init__(self) -> None:
        if self.counts is None:  # checkpoints from before the combined view: one kind of feature per view
            object.__setattr__(self, "counts", np.full(self.n_features, self.view == "calo"))

    @property
    def n_features(self) -> int:
        return int(self.keep.sum())

    def transform(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """float32 model inputs; ``rng`` given means training mode (random dequantization)."""
        z = (self._shape(x.reshape(len(x), -1).astype(np.float64), rng) - self.mean) / self.std
        objects = ~self.counts
        if rng is not None and objects.any() and self.dequantize > 0:
            z[:, objects] += rng.uniform(-0.5, 0.5, (len(z), int(objects.sum()))) * self.dequantize
        return z.astype(np.float32)

    def transform_tensor(self, x: torch.Tensor) -> torch.Tensor:
        """Scoring-mode :meth:`transform` done by torch on ``x``'s device (float64 arithmetic, float32 out).

        Scoring on a GPU then leaves no per-event work on the host; the result equals :meth:`transform`
        up to the last bit of float32 rounding.
        """
        device = x.device
        flat = x.reshape(len(x), -1).to(torch.float64)
        if not self.keep.all():
            flat = flat[:, torch.from_numpy(np.flatnonzero(self.keep)).to(device)]
        counts = torch.from_numpy(np.flatnonzero(self.counts)).to(device)
        if len(counts):
            part = flat[:, counts]
            if self.pileup_subtraction:  # numpy's median: the mean of the two middle values for an even count
                ordered = part.sort(dim=1).values
                middle = part.shape[1] // 2
                median = ordered[:, middle] if part.shape[1] % 2 else 0.5 * (ordered[:, middle - 1] + ordered[:, middle])
                part = (part - median[:, None]).clamp_(min=0.0)
            flat[:, counts] = part + 0.5
        if self.log.all():
            flat = torch.log1p(flat.clamp_(min=0.0))
        else:
            log = torch.from_numpy(np.flatnonzero(self.log)).to(device)
            flat[:, log] = torch.log1p(flat[:, log].clamp(min=0.0))
        mean, std = (torch.from_numpy(v).to(device) for v in (self.mean, self.std))
        return ((flat - mean) / std).to(torch.float32)

    def _shape(self, flat: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
        flat = flat[:, self.keep]
        if self.counts.any():
            part = flat[:, self.counts]
            if self.pileup_subtraction:
                part = np.maximum(part - np.median(part, axis=1, keepdims=True), 0.0)
            flat[:, self.counts] = part + (rng.uniform(0.0, 1.0, part.shape) if rng is not None else 0.5)
        flat[:, self.log] = np.log1p(np.maximum(flat[:, self.log], 0.0))
        return flat

    def state(self) -> dict:
        """Plain tensors and scalars: loadable with ``torch.load(weights_only=True)``."""
        return {"view": self.view, "keep": torch.from_numpy(self.keep), "log": torch.from_numpy(self.log),
                "mean": torch.from_numpy(self.mean), "std": torch.from_numpy(self.std), "dequantize": self.dequantize,
                "pileup_subtraction": self.pileup_subtraction, "counts": torch.from_numpy(self.counts)}

    @classmethod
    def from_state(cls, state: dict) -> "Preprocessor":
        counts = state["counts"].numpy() if "counts" in state else None
        return cls(state["view"], state["keep"].numpy(), state["log"].numpy(), state["mean"].numpy(),
                   state["std"].numpy(), float(state["dequantize"]), bool(state.get("pileup_subtraction", False)), counts)
