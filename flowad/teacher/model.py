"""A trained teacher: preprocessing + module; scores events; saves and loads safe checkpoints."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from flowad.atomic import atomic_path
from flowad.configio import from_mapping, to_plain
from flowad.errors import FlowadInputError
from flowad.teacher.config import TeacherConfig
from flowad.teacher.decorrelation import ComplexityCorrection
from flowad.teacher.kinds import TEACHER_KINDS
from flowad.teacher.preprocessing import Preprocessor
from flowad.devices import torch_device
from flowad.teacher.training import fit, per_event

CHECKPOINT_FORMAT = 1


@dataclass
class Teacher:
    config: TeacherConfig
    preprocessor: Preprocessor
    module: torch.nn.Module
    history: list[dict] = field(default_factory=list)
    correction: ComplexityCorrection | None = None
    """Subtracted from every score when the config decorrelates it (:mod:`flowad.teacher.decorrelation`)."""

    def score(self, x: np.ndarray, batch_size: int = 4096, chunk: int = 65_536) -> np.ndarray:
        """Anomaly score per event (float64): −log p(x) for a flow, reconstruction MSE for the cae, −log p(z) of the
        embedding for a latent flow.

        Events are scored ``chunk`` at a time, so memory stays bounded. On a GPU the raw events are copied
        (integer counts as float32, exact below 2^24) and preprocessed there, leaving no per-event work on
        the host; on the CPU numpy preprocesses them (faster there than torch's float64 kernels).
        """
        device = next(self.module.parameters()).device
        flat = x.reshape(len(x), -1)
        scores = []
        for start in range(0, len(flat), chunk):
            inputs = self._inputs(flat[start:start + chunk], device)
            scores.append(per_event(self.module, inputs, batch_size).double().cpu())
        raw = torch.cat(scores).numpy() if scores else np.zeros(0)
        return raw - self.correction(x) if self.correction is not None and len(raw) else raw

    def _inputs(self, flat: np.ndarray, device: torch.device) -> torch.Tensor:
        if device.type == "cpu":
            return torch.from_numpy(self.preprocessor.transform(flat))
        dtype = np.float32 if np.issubdtype(flat.dtype, np.integer) else flat.dtype
        raw = torch.from_numpy(np.ascontiguousarray(flat, dtype=dtype)).to(device)
        return self.preprocessor.transform_tensor(raw)

    def save(self, path: str | Path) -> Path:
        """State dict + config + preprocessing, all plain data (loads with ``weights_only=True``)."""
        payload = {
            "format": CHECKPOINT_FORMAT,
            "config": to_plain(self.config),
            "preprocessor": self.preprocessor.state(),
            "state_dict": {k: v.detach().cpu() for k, v in self.module.state_dict().items()},
            "history": self.history,
        }
        if self.correction is not None:
            payload["correction"] = self.correction.state()
        with atomic_path(path) as tmp:
            torch.save(payload, tmp)
        return Path(path)

    @classmethod
    def load(cls, path: str | Path) -> "Teacher":
        path = Path(path)
        if not path.is_file():
            raise FlowadInputError(f"{path}: no such teacher checkpoint")
        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
            if payload.get("format") != CHECKPOINT_FORMAT:
                raise KeyError("format")
            config = from_mapping(TeacherConfig, payload["config"])
        except Exception as exc:  # unpickling refused, truncated file, wrong keys, bad config: all "not ours"
            raise FlowadInputError(f"{path}: not a flowad teacher checkpoint ({exc.__class__.__name__})") from None
        pre = Preprocessor.from_state(payload["preprocessor"])
        module = TEACHER_KINDS[config.kind](config, pre.n_features)
        module.load_state_dict(payload["state_dict"])
        module.eval()
        correction = ComplexityCorrection.from_state(payload["correction"]) if "correction" in payload else None
        return cls(config, pre, module, payload.get("history", []), correction)


def train_teacher(config: TeacherConfig, train: np.ndarray, val: np.ndarray) -> Teacher:
    """Fit preprocessing on ``train`` (background only), then the module with early stopping on ``val``."""
    if config.max_train_events and len(train) > config.max_train_events:
        train = train[: config.max_train_events]
    if config.early_stopping_events and len(val) > config.early_stopping_events:
        val = val[: config.early_stopping_events]
    if len(train) < 2 or len(val) < 1:
        raise FlowadInputError(f"a teacher needs training and validation events, got {len(train)} and {len(val)}")
    pre = Preprocessor.fit(config.view, train, config.dequantize, config.pileup_subtraction)
    torch.manual_seed(config.seed)
    module = TEACHER_KINDS[config.kind](config, pre.n_features)
    stages = getattr(module, "stages", ("",))
    val_inputs = pre.transform(val)
    train_inputs = torch.from_numpy(pre.transform(train)) if any(stages) else None  # scoring-mode, for begin_stage
    history: list[dict] = []
    for index, stage in enumerate(stages):
        if stage:  # e.g. latent_flow: the autoencoder first, then the flow on its frozen embedding
            module.begin_stage(stage, train_inputs)
        records = fit(
            module,
            lambda rng: pre.transform(train, rng),
            val_inputs,
            epochs=config.epochs,
            batch_size=config.batch_size,
            learning_rate=config.learning_rate,
            patience=config.patience,
            seed=config.seed + index,
            device=torch_device(config.device),
        )
        history += [{**record, "stage": stage} if stage else record for record in records]
    module.eval()
    teacher = Teacher(config, pre, module, history)
    if config.decorrelate:
        teacher.correction = ComplexityCorrection.fit(config.decorrelate, val, teacher.score(val))  # held out from the fit
    return teacher
