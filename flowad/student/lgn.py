"""Differentiable logic-gate network (difflogic-style), written in torch.

- inputs are the same fixed-point words as the Keras students' (:class:`~flowad.student.inputs.FixedPointInputs`:
  for the calo view, the 10-bit region ET), and every threshold sits on that grid, so the firmware's
  comparators ``word > ⌊θ·2^f⌋`` decide exactly as the model does;
- with ``pileup_subtraction`` the words first lose the crossing's pile-up level, as the teacher's inputs do
  (:func:`pileup_subtracted`): a group sum of gates over raw thermometer bits most easily counts activity, and its
  ranking of ZeroBias was ΣET's (Spearman 0.98), not the pile-up-subtracting teacher's;
- inputs become bits by thermometer thresholds: feature f gives ``bits`` bits ``x_f > θ_{f,k}``, the
  θ at training quantiles whose tail probability falls geometrically from ½ to 10⁻³ (:func:`thermometer_quantiles`):
  a trigger at kHz rates lives in the tail, which evenly spaced quantiles never reach (3 bits: 25/50/75 %);
- each layer has ``width`` gates; gate g reads two outputs of the previous layer (fixed random wiring)
  and computes a softmax-weighted mix of the 16 real-valued relaxations of the two-input Boolean
  functions; training learns the mix;
- the output is a group sum: the fraction of last-layer gates that are 1, mapped linearly to the target.

After training each gate becomes its most probable Boolean function (the discretised network that
hardware implements); :meth:`LGNStudent.predict` evaluates that discrete network exactly, and
:meth:`LGNStudent.gate_list` exports it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from flowad.atomic import write_text_atomic
from flowad.devices import torch_device
from flowad.errors import FlowadInputError
from flowad.student.base import Student, TargetNormaliser
from flowad.student.config import StudentConfig
from flowad.student.inputs import FixedPointInputs
from flowad.student.registry import register_family

GATE_NAMES = ("false", "and", "a_and_not_b", "a", "not_a_and_b", "b", "xor", "or",
              "nor", "xnor", "not_b", "a_or_not_b", "not_a", "not_a_or_b", "nand", "true")
PASS_THROUGH = 3  # "a": residual-style initialisation favours it so deep networks start as wires
MODEL_FILE = "lgn.pt"
GATES_FILE = "gates.json"


def relaxed_gates(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(..., 16) real-valued relaxations of all two-input Boolean functions, in ``GATE_NAMES`` order."""
    ab = a * b
    return torch.stack([
        torch.zeros_like(a), ab, a - ab, a, b - ab, b, a + b - 2 * ab, a + b - ab,
        1 - (a + b - ab), 1 - (a + b - 2 * ab), 1 - b, 1 - b + ab, 1 - a, 1 - a + ab, 1 - ab, torch.ones_like(a),
    ], dim=-1)


def discrete_gates(op: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Boolean outputs of gates ``op`` (per gate) on boolean inputs (batch × gates)."""
    table = np.stack([
        np.zeros_like(a), a & b, a & ~b, a, ~a & b, b, a ^ b, a | b,
        ~(a | b), ~(a ^ b), ~b, a | ~b, ~a, ~a | b, ~(a & b), np.ones_like(a),
    ], axis=-1)
    return np.take_along_axis(table, op[None, :, None], axis=-1)[..., 0]


class LogicGateNetwork(nn.Module):
    def __init__(self, thresholds: np.ndarray, widths: tuple[int, ...], seed: int):
        super().__init__()
        self.register_buffer("thresholds", torch.as_tensor(thresholds, dtype=torch.float32))
        generator = torch.Generator().manual_seed(seed)
        n_in = thresholds.size
        self.wires_a, self.wires_b, self.logits = nn.ParameterList(), nn.ParameterList(), nn.ParameterList()
        for width in widths:
            a, b = _wiring(n_in, width, generator)
            self.wires_a.append(nn.Parameter(a, requires_grad=False))
            self.wires_b.append(nn.Parameter(b, requires_grad=False))
            logits = torch.randn(width, 16, generator=generator)
            logits[:, PASS_THROUGH] += 2.0
            self.logits.append(nn.Parameter(logits))
            n_in = width

    def input_bits(self, x: torch.Tensor) -> torch.Tensor:
        return (x[:, :, None] > self.thresholds[None]).flatten(1).float()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Fraction (0–1) of output gates on, for raw (N, F) features."""
        h = self.input_bits(x)
        for a, b, logits in zip(self.wires_a, self.wires_b, self.logits):
            h = (relaxed_gates(h[:, a], h[:, b]) * torch.softmax(logits, dim=-1)).sum(-1)
        return h.mean(dim=1)


def _wiring(n_in: int, width: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Each gate's two inputs: every previous output is used when ``2 * width >= n_in``, and a ≠ b."""
    repeats = (2 * width + n_in - 1) // n_in
    pool = torch.cat([torch.randperm(n_in, generator=generator) for _ in range(repeats)])[: 2 * width]
    a, b = pool[:width].clone(), pool[width:].clone()
    same = a == b
    b[same] = (b[same] + 1) % n_in if n_in > 1 else b[same]
    return a, b


PILEUP_CAP = 15
"""Highest pile-up level (input words; calo: GeV) the pile-up stage subtracts: four bits, so the firmware finds it
in four binary-search steps (``2**b − 1``, as that search needs). The median region ET of the demo's ZeroBias
crossings is 0–12 counts; a crossing scaled hotter than that has its level capped here, in the model and in the
firmware alike."""


def pileup_rank(n_words: int) -> int:
    """How many of an event's ``n_words`` words must reach its pile-up level: ⌈N/2⌉ (the gate list hands it to the
    firmware)."""
    return (n_words + 1) // 2


def pileup_level(words: np.ndarray, cap: int = PILEUP_CAP) -> np.ndarray:
    """Per event (rows of integer input words), the upper median of its words capped at ``cap``: the largest
    k ≤ ``cap`` such that at least ⌈N/2⌉ of its N words are ≥ k. That is what the firmware computes, by binary
    search with one popcount of ``word ≥ k`` per bit of the level (:mod:`flowad.hardware.lgn_verilog`); the teacher's
    median (numpy's, the mean of the two middle values) differs from it by half the gap between them."""
    rank = pileup_rank(words.shape[1])
    upper = -np.partition(-words, rank - 1, axis=1)[:, rank - 1]
    return np.minimum(upper, cap)


def pileup_subtracted(words: np.ndarray, cap: int = PILEUP_CAP) -> np.ndarray:
    """Integer words less their event's :func:`pileup_level`, clipped at 0."""
    return np.maximum(words - pileup_level(words, cap)[:, None], 0)


TAIL_PROBABILITY_MIN = 1e-3
"""The highest thermometer threshold of a feature sits at its 99.9th training percentile."""


def thermometer_quantiles(bits: int) -> np.ndarray:
    """Quantiles of the ``bits`` thresholds: tail probabilities ½ · (2·10⁻³)^(k/(bits−1)), k = 0 … bits−1.

    1 bit: the median; 3 bits: 50, 97.8, 99.9 %; 5 bits: 50, 89.4, 97.8, 99.5, 99.9 %.
    """
    if bits == 1:
        return np.array([0.5])
    tail = 0.5 * (2 * TAIL_PROBABILITY_MIN) ** (np.arange(bits) / (bits - 1))
    return 1.0 - tail


@register_family
class LGNStudent(Student):
    family = "lgn"
    firmware = "gates"
    display_name = "LGN"
    colour = "#2ca02c"
    widths_param = "lgn_widths"
    hardware_params = False
    subtracts_pileup = True
    own_params = frozenset({"pileup_subtraction"})

    @classmethod
    def static_cost(cls, config: StudentConfig, n_inputs: int) -> float:
        return float(sum(config.widths))

    @classmethod
    def label(cls, config: StudentConfig) -> str:
        """``lgn 1024-512 @3 thr``: gate layers and thermometer thresholds per input (``… pus``: pile-up subtracted)."""
        return f"lgn {'-'.join(map(str, config.widths))} @{config.bits} thr{' pus' if config.pileup_subtraction else ''}"

    def __init__(self, config: StudentConfig):
        super().__init__(config)
        self.network: LogicGateNetwork | None = None
        self.normaliser: TargetNormaliser | None = None
        self.inputs: FixedPointInputs | None = None

    def fit(self, x, target, x_val, target_val, weights=None, loss="mae", on_epoch=None, natural=None):
        """As :meth:`Student.fit`. A pile-up-subtracting student sets its thermometer thresholds on the ``natural``
        crossings: energy-scaled copies' levels pass the cap, so their subtracted ETs are ~10× a real crossing's, and
        with 3 copies per crossing (demo) the thresholds at 50 % … 99.9 % moved from 0–19 to 0–200 counts, above
        every ZeroBias region but the first threshold. Without the stage they stay set on every training row."""
        torch.manual_seed(self.config.seed)
        rng = np.random.default_rng(self.config.seed)
        self.inputs = FixedPointInputs.fit(x, self.config.input_bits, self.config.input_integer_bits,
                                           self.config.input_full_scale if self.config.input_range == "full_scale" else None)
        if self.config.pileup_subtraction and (self.inputs.signed or len(set(self.inputs.shifts.tolist())) > 1):
            raise FlowadInputError("pile-up subtraction needs non-negative inputs on one scale (region counts with "
                                   "their full scale: the calo view)")
        flat, flat_val = self.comparator_inputs(x), self.comparator_inputs(x_val)
        step = 2.0 ** -self.inputs.fraction_bits
        real = flat[:natural] if self.config.pileup_subtraction and natural else flat
        quantiles = np.quantile(real, thermometer_quantiles(self.config.bits), axis=0).T  # (F, bits)
        thresholds = (np.floor(quantiles / step) * step).astype(np.float32)  # on the grid: same decisions
        lo, hi = np.quantile(target, [0.001, 0.999])
        self.normaliser = TargetNormaliser(lo, hi - lo)
        device = torch_device(self.config.device)
        self.network = LogicGateNetwork(thresholds, self.config.widths, self.config.seed).to(device)
        y = torch.from_numpy(np.clip(self.normaliser.forward(target), 0, 1)).to(device)
        y_val = torch.from_numpy(np.clip(self.normaliser.forward(target_val), 0, 1))
        w = torch.from_numpy(np.ones(len(y), np.float32) if weights is None else weights.astype(np.float32)).to(device)
        xt = torch.from_numpy(flat).to(device)
        per_event = {"mae": lambda p, t: (p - t).abs(), "mse": lambda p, t: (p - t) ** 2,
                     "huber": lambda p, t: nn.functional.huber_loss(p, t, reduction="none", delta=0.1)}[loss]
        optimiser = torch.optim.Adam(self.network.parameters(), lr=self.config.learning_rate)
        best, best_state, stale, history = float("inf"), None, 0, []
        try:
            for epoch in range(self.config.epochs):
                self.network.train()
                order = torch.from_numpy(rng.permutation(len(xt))).to(device)
                # summed on the device: a per-batch float() would make a GPU wait on Python at every step
                total = torch.zeros((), dtype=torch.float64, device=device)
                for i in range(0, len(xt), self.config.batch_size):
                    idx = order[i:i + self.config.batch_size]
                    batch_loss = (per_event(self.network(xt[idx]), y[idx]) * w[idx]).sum() / w[idx].sum()
                    optimiser.zero_grad()
                    batch_loss.backward()
                    optimiser.step()
                    total += batch_loss.detach() * len(idx)
                # early stopping on the *discrete* network: what the hardware will compute (numpy, on the host)
                val = float(per_event(torch.from_numpy(self._discrete_fraction(flat_val)), y_val).mean())
                history.append({"epoch": epoch, "train_loss": float(total) / len(xt), "val_loss": val})
                if on_epoch is not None:
                    on_epoch(history[-1])
                if val < best - 1e-7:
                    best, stale = val, 0
                    best_state = {k: v.detach().cpu().clone() for k, v in self.network.state_dict().items()}
                else:
                    stale += 1
                    if stale >= self.config.patience:
                        break
        finally:
            self.network.cpu()  # predict, export and save work on the host
        if best_state is not None:
            self.network.load_state_dict(best_state)
        return history

    def _discrete_fraction(self, flat: np.ndarray) -> np.ndarray:
        net = self.network
        h = (flat[:, :, None] > net.thresholds.cpu().numpy()[None]).reshape(len(flat), -1)
        for a, b, logits in zip(net.wires_a, net.wires_b, net.logits):
            op = logits.detach().argmax(dim=-1).cpu().numpy()
            h = discrete_gates(op, h[:, a.cpu().numpy()], h[:, b.cpu().numpy()])
        return h.mean(axis=1).astype(np.float32)

    def comparator_inputs(self, x: np.ndarray) -> np.ndarray:
        """What the thermometer comparators read, on the input grid (float32): the input words, less the event's
        pile-up level when the student subtracts it."""
        if not self.config.pileup_subtraction:
            return self.inputs.apply(x)
        subtracted = pileup_subtracted(self.inputs.words(x))
        return (subtracted * 2.0 ** -self.inputs.fraction_bits).astype(np.float32)

    def predict(self, x):
        return self.normaliser.inverse(self._discrete_fraction(self.comparator_inputs(x)))

    def output_counts(self, x: np.ndarray) -> np.ndarray:
        """How many output gates are on, per event: the integer the firmware computes."""
        return np.rint(self._discrete_fraction(self.comparator_inputs(x)).astype(np.float64)
                       * len(self.network.logits[-1])).astype(np.int64)

    def gate_list(self) -> dict[str, Any]:
        """The discrete network: input comparators ``[feature, θ, ⌊θ·2^f⌋]`` on the input word (less the pile-up
        level when ``pileup`` is not None: ``{"cap", "rank"}``, see :func:`pileup_level`), gates per layer
        ``[op_name, a, b]``, output group sum."""
        net = self.network
        thresholds = net.thresholds.numpy()
        layers = []
        for a, b, logits in zip(net.wires_a, net.wires_b, net.logits):
            ops = logits.detach().argmax(dim=-1).tolist()
            layers.append([[GATE_NAMES[o], int(i), int(j)] for o, i, j in zip(ops, a.tolist(), b.tolist())])
        scale = 2.0 ** self.inputs.fraction_bits
        return {
            "inputs": [[f, float(thresholds[f, k]), int(round(float(thresholds[f, k]) * scale))]
                       for f in range(thresholds.shape[0]) for k in range(thresholds.shape[1])],
            "input_word": {"bits": self.inputs.total_bits, "fraction_bits": self.inputs.fraction_bits,
                           "signed": self.inputs.signed, "shifts": self.inputs.shifts.tolist()},
            "pileup": ({"cap": PILEUP_CAP, "rank": pileup_rank(thresholds.shape[0])}
                       if self.config.pileup_subtraction else None),
            "layers": layers,
            "output": {"group_sum_of": len(layers[-1]), "target_offset": self.normaliser.offset,
                       "target_scale_per_fraction": self.normaliser.scale},
        }

    def summary(self):
        gates = [len(layer) for layer in self.gate_list()["layers"]] if self.network is not None else []
        ops = [g[0] for layer in self.gate_list()["layers"] for g in layer] if self.network is not None else []
        trivial = sum(op in ("false", "true", "a", "b") for op in ops)
        return {"gates": int(sum(gates)), "logic_gates": int(sum(gates) - trivial), "input_bits": int(self.network.thresholds.numel()) if self.network is not None else 0}

    def _state(self):
        return {"target": self.normaliser.state(), "n_features": int(self.network.thresholds.shape[0]),
                "inputs": self.inputs.state()}

    def _save_model(self, directory: Path) -> None:
        torch.save({k: v.detach().cpu() for k, v in self.network.state_dict().items()}, directory / MODEL_FILE)
        write_text_atomic(directory / GATES_FILE, json.dumps(self.gate_list()) + "\n")

    @classmethod
    def _load(cls, config, state, directory):
        if "inputs" not in state:
            raise FlowadInputError(f"{directory}: logic-gate student saved before its fixed-point input stage "
                                   "(flowad < 0.4): its comparators cannot be built; train it again")
        student = cls(config)
        student.inputs = FixedPointInputs.from_state(state["inputs"])
        weights = torch.load(directory / MODEL_FILE, map_location="cpu", weights_only=True)
        student.network = LogicGateNetwork(weights["thresholds"].numpy(), config.widths, config.seed)
        student.network.load_state_dict(weights)
        student.normaliser = TargetNormaliser(state["target"]["offset"], state["target"]["scale"])
        return student
