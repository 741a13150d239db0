"""Student configuration."""

from __future__ import annotations

from dataclasses import dataclass

from flowad.devices import DEVICES
from flowad.errors import check, check_training
from flowad.student.registry import STUDENT_FAMILIES

MAX_BITS = 32


@dataclass(frozen=True)
class StudentConfig:
    """A student: family, size, precision and training.

    - ``qkeras``: QKeras-style MLP (hgq2's Keras-3 ``qkeras`` API), ``bits`` uniform for every weight, bias
      and activation (``quantized_bits(bits, integer_bits, alpha=1)``);
    - ``hgq``: HGQ MLP with learned per-weight bit widths, ``bits`` the initial width, EBOPs regularised by ``beta``;
    - ``lgn``: differentiable logic-gate network, ``widths`` gates per layer, ``bits`` thermometer
      thresholds per input feature.

    ``widths`` are the hidden layer sizes. Keras students see inputs scaled by a power of two per feature
    and truncated to a fixed-point grid of ``input_bits`` bits with ``input_integer_bits`` integer bits
    (:mod:`flowad.student.inputs`); logic-gate students compare those same words with their thresholds.
    """

    family: str = "hgq"
    widths: tuple[int, ...] = (32, 16)
    bits: int = 8
    integer_bits: int = 2
    input_bits: int = 16
    input_integer_bits: int = 5
    input_full_scale: float | None = None
    """Largest raw input the firmware accepts (calo: ``2**region_bits − 1`` = 1023 counts); inputs saturate there.
    None: the distillation sets the view's own (none for the object view: 99.9th training percentile rule)."""
    input_range: str = "full_scale"
    """``full_scale``: inputs saturate at ``input_full_scale`` when there is one; ``p999``: at twice each
    feature's 99.9th training percentile (what flowad did before; kept to measure the difference)."""
    pileup_subtraction: bool = False
    """Subtract each crossing's pile-up level (the upper median of its region counts, :func:`flowad.student.lgn.pileup_level`)
    from its counts in firmware before the model reads them, as the teacher's ``pileup_subtraction`` does; only
    families that build that stage take it (LGN)."""
    beta: float = 1e-7
    """EBOPs penalty per EBOP; keep β·EBOPs well below the regression loss (~1e-7 for ~1e6 EBOPs)."""
    epochs: int = 40
    batch_size: int = 256
    learning_rate: float = 3e-3
    patience: int = 6
    seed: int = 0
    device: str = "auto"
    """Where it trains: ``auto`` (a GPU when the process sees one: a trial given ``resources.gpus``), ``cpu``
    or ``cuda``. Logic-gate students train with torch there; Keras students under ``tf.device``, TensorFlow's
    GPU memory growing as needed so trials with fractional GPUs share a card (:mod:`flowad.devices`)."""

    def __post_init__(self) -> None:
        check(self.family in STUDENT_FAMILIES, "family",
              f"unknown student family {self.family!r} (known: {', '.join(sorted(STUDENT_FAMILIES))})")
        check(len(self.widths) >= 1, "widths", "at least one layer is needed")
        for i, width in enumerate(self.widths):
            check(1 <= width <= 65536, f"widths[{i}]", f"must be in [1, 65536], got {width}")
        check(1 <= self.bits <= MAX_BITS, "bits", f"must be in [1, {MAX_BITS}], got {self.bits}")
        check(2 <= self.input_bits <= MAX_BITS, "input_bits", f"must be in [2, {MAX_BITS}], got {self.input_bits}")
        check(1 <= self.input_integer_bits < self.input_bits, "input_integer_bits",
              f"must be in [1, input_bits), got {self.input_integer_bits}")
        check(self.input_full_scale is None or self.input_full_scale > 0, "input_full_scale",
              f"must be > 0, got {self.input_full_scale}")
        check(self.input_range in ("full_scale", "p999"), "input_range", f"must be full_scale or p999, got {self.input_range!r}")
        check(0 <= self.beta < 1, "beta", f"must be in [0, 1), got {self.beta}")
        check(self.device in DEVICES, "device", f"must be {', '.join(DEVICES)}, got {self.device!r}")
        check(not self.pileup_subtraction or STUDENT_FAMILIES[self.family].subtracts_pileup, "pileup_subtraction",
              f"the {self.family} family has no pile-up stage (families with one: "
              f"{', '.join(sorted(n for n, c in STUDENT_FAMILIES.items() if c.subtracts_pileup))})")
        check_training(self)
        STUDENT_FAMILIES[self.family].check(self)
