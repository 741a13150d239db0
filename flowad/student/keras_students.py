"""Keras 3 (TensorFlow backend) students: QKeras-style uniform precision and HGQ learned precision.

Both start with ``input_word``: a fixed (untrained) WRAP quantizer of exactly the fixed-point word of
:class:`~flowad.student.inputs.FixedPointInputs`. It is the identity on those inputs (they are already on its
grid and saturated) and tells hls4ml and da4ml what the firmware's input port is. Every other datalane
quantizer *saturates*: a value out of range clips to the largest representable one and never wraps, so an event
hotter than anything in training cannot come out as a small number (see docs/hardware.md, "No wrap-around").
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from flowad.devices import tensorflow_memory_growth, tensorflow_placement
from flowad.errors import check
from flowad.quiet import fds_to
from flowad.student.base import Student, TargetNormaliser
from flowad.student.config import StudentConfig
from flowad.student.inputs import FixedPointInputs
from flowad.student.qkeras_mode import ensure_hgq_constructors, qkeras_constructors
from flowad.student.registry import register_family

MODEL_FILE = "model.keras"


def keras_module():
    """Keras on TensorFlow, imported on first use (the import costs seconds)."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "keras" not in sys.modules:
        # TensorFlow's C++ prints banners at load time, before any log setting applies: keep them off stderr
        with fds_to(os.devnull, fds=(2,)):
            import keras
        tensorflow_memory_growth()  # before any GPU is touched: trials sharing a card take only what they use
    import keras

    return keras


class KerasStudent(Student):
    family: ClassVar[str]
    firmware = "keras"

    @classmethod
    def static_cost(cls, config: StudentConfig, n_inputs: int) -> float:
        sizes = [n_inputs, *config.widths, 1]
        return float(sum(a * b for a, b in zip(sizes, sizes[1:])) * config.bits)

    def __init__(self, config: StudentConfig):
        super().__init__(config)
        self.model = None
        self.inputs: FixedPointInputs | None = None
        self.normaliser: TargetNormaliser | None = None
        self.ebops: float | None = None

    def build(self, n_inputs: int):
        raise NotImplementedError

    def hls4ml_precision(self, default_precision: str, backend: str) -> dict:
        """hls4ml's configuration dict of this model's precisions (its ``Model`` and per-layer entries)."""
        # HGQ models carry their own (learned) precisions; hls4ml propagates them bit-exactly
        return {"Model": {"Precision": default_precision}}

    def input_word(self, keras_input):
        """The fixed input-word quantizer applied to ``keras_input`` (see the module docstring)."""
        from hgq.quantizer import Quantizer

        w = self.inputs
        return Quantizer(q_type="kif", place="datalane", k0=int(w.signed), i0=w.integer_bits, f0=w.fraction_bits,
                         overflow_mode="WRAP", round_mode="TRN", trainable=False, name="input_word")(keras_input)

    @staticmethod
    def _constructors():
        """The layer constructors this family's models are built and loaded with."""
        raise NotImplementedError

    def fit(self, x, target, x_val, target_val, weights=None, loss="mae", on_epoch=None, natural=None):
        keras = keras_module()
        keras.utils.set_random_seed(self.config.seed)
        self.inputs = FixedPointInputs.fit(x, self.config.input_bits, self.config.input_integer_bits,
                                           self.config.input_full_scale if self.config.input_range == "full_scale" else None)
        self.normaliser = TargetNormaliser(np.median(target), np.std(target))
        xi, xv = self.inputs.apply(x), self.inputs.apply(x_val)
        with self._constructors():
            self.model = self.build(xi.shape[1])
        losses = {"mae": keras.losses.MeanAbsoluteError(), "mse": keras.losses.MeanSquaredError(), "huber": keras.losses.Huber()}
        self.model.compile(optimizer=keras.optimizers.Adam(self.config.learning_rate), loss=losses[loss])
        callbacks = [keras.callbacks.EarlyStopping(monitor="val_loss", patience=self.config.patience, restore_best_weights=True)]
        if on_epoch is not None:
            callbacks.append(keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: on_epoch(
                {"epoch": epoch, "train_loss": float(logs["loss"]), "val_loss": float(logs["val_loss"])})))
        with tensorflow_placement(self.config.device):
            history = self.model.fit(
                xi, self.normaliser.forward(target), sample_weight=weights,
                validation_data=(xv, self.normaliser.forward(target_val)),
                epochs=self.config.epochs, batch_size=self.config.batch_size, callbacks=callbacks, verbose=0, shuffle=True,
            ).history
        self._after_fit(xi)
        return [{"epoch": i, "train_loss": float(a), "val_loss": float(b)} for i, (a, b) in enumerate(zip(history["loss"], history["val_loss"]))]

    def _after_fit(self, x_train: np.ndarray) -> None:
        pass

    def predict(self, x):
        out = self.model.predict(self.inputs.apply(x), batch_size=8192, verbose=0)
        return self.normaliser.inverse(out)

    def summary(self) -> dict[str, Any]:
        facts = {"parameters": int(self.model.count_params()) if self.model is not None else 0}
        if self.ebops is not None:
            facts["ebops"] = self.ebops
        return facts

    def _state(self):
        return {"inputs": self.inputs.state(), "target": self.normaliser.state(), "ebops": self.ebops}

    def _save_model(self, directory: Path) -> None:
        self.model.save(directory / MODEL_FILE)

    @classmethod
    def _load(cls, config, state, directory):
        keras = keras_module()
        student = cls(config)
        with cls._constructors():
            student.model = keras.models.load_model(directory / MODEL_FILE, compile=False)
        student.inputs = FixedPointInputs.from_state(state["inputs"])
        student.normaliser = TargetNormaliser(state["target"]["offset"], state["target"]["scale"])
        student.ebops = state.get("ebops")
        return student


@register_family
class QKerasStudent(KerasStudent):
    """The field's baseline: the same ``bits`` for every weight, bias and activation of every layer.

    Weights and biases are QKeras ``quantized_bits(bits, integer_bits, alpha=1)`` (hgq2's Keras-3 port). Each
    activation is a ReLU followed by a fixed unsigned ``bits``-bit quantizer with ``integer_bits`` integer bits
    that truncates and saturates (``ap_ufixed<bits, integer_bits, AP_TRN, AP_SAT>``): QKeras's
    ``quantized_relu`` rounds half to even instead, which da4ml cannot build and hls4ml's default types do not do.
    """

    family = "qkeras"
    display_name = "QKeras-style"
    colour = "#1f77b4"
    own_params = frozenset({"integer_bits"})

    @classmethod
    def check(cls, config: StudentConfig) -> None:
        check(0 <= config.integer_bits < config.bits, "integer_bits", f"must be in [0, bits), got {config.integer_bits}")

    @staticmethod
    def _constructors():
        return qkeras_constructors()

    def hls4ml_precision(self, default_precision: str, backend: str) -> dict:
        import hls4ml

        # per-layer precisions from the QKeras quantizers
        return hls4ml.utils.config_from_keras_model(self.model, granularity="name", backend=backend,
                                                    default_precision=default_precision)

    def build(self, n_inputs: int):
        keras = keras_module()
        from hgq.quantizer import Quantizer
        from qkeras.qlayers import QDense
        from qkeras.quantizers import quantized_bits

        c = self.config

        def weights():
            return quantized_bits(c.bits, c.integer_bits, alpha=1)

        inp = keras.Input((n_inputs,), name="inputs")
        x = self.input_word(inp)
        for i, width in enumerate(c.widths):
            x = QDense(width, kernel_quantizer=weights(), bias_quantizer=weights(), activation="relu", name=f"dense_{i}")(x)
            x = Quantizer(q_type="kbi", place="datalane", k0=0, b0=c.bits, i0=c.integer_bits, round_mode="TRN",
                          overflow_mode="SAT", trainable=False, name=f"relu_{i}")(x)
        out = QDense(1, kernel_quantizer=weights(), bias_quantizer=weights(), name="score")(x)
        return keras.Model(inp, out, name="qkeras_student")


@register_family
class HGQStudent(KerasStudent):
    """Learned per-weight bit widths (hgq2), starting from ``bits``; EBOPs regularised with strength ``beta``."""

    family = "hgq"
    display_name = "HGQ"
    colour = "#d62728"
    own_params = frozenset({"beta"})
    learned_precision = True
    datalane_overflow: ClassVar[str] = "SAT"
    """Overflow of every activation quantizer. Only ``bench/hardware.py`` overrides it (WRAP), to price saturation."""

    @staticmethod
    def _constructors():
        ensure_hgq_constructors()
        return contextlib.nullcontext()

    def build(self, n_inputs: int):
        keras = keras_module()
        from hgq.config import LayerConfigScope, QuantizerConfigScope
        from hgq.layers import QDense

        c = self.config
        with (
            QuantizerConfigScope(place="all", default_q_type="kbi", overflow_mode="SAT_SYM", b0=c.bits),
            QuantizerConfigScope(place="datalane", default_q_type="kif", overflow_mode=self.datalane_overflow, f0=c.bits),
            LayerConfigScope(enable_ebops=True, beta0=c.beta),
        ):
            inp = keras.Input((n_inputs,), name="inputs")
            x = self.input_word(inp)
            for i, width in enumerate(c.widths):
                x = QDense(width, activation="relu", name=f"dense_{i}")(x)
            out = QDense(1, name="score")(x)
        return keras.Model(inp, out, name="hgq_student")

    def _after_fit(self, x_train: np.ndarray) -> None:
        from hgq.utils import trace_minmax

        # A saturating datalane's integer bits are trained, not traced: this then only measures the EBOPs.
        self.ebops = float(trace_minmax(self.model, x_train, batch_size=4096))
