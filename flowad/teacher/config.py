"""Teacher configuration."""

from __future__ import annotations

from dataclasses import dataclass

from flowad.data.views import VIEWS, count_features
from flowad.devices import DEVICES
from flowad.errors import check, check_training
from flowad.metrics.menu import MENUS
from flowad.teacher.decorrelation import COMPLEXITY
from flowad.teacher.kinds import TEACHER_KINDS

FLOW_ARCHITECTURES = ("nsf", "realnvp", "maf")


@dataclass(frozen=True)
class TeacherConfig:
    """A teacher: what it is, its size, and how it is trained.

    ``kind`` ``flow``: zuko flow of ``depth`` transforms (``architecture`` nsf: rational-quadratic spline
    autoregressive; realnvp: affine coupling; maf: affine autoregressive), MLPs of ``hidden_layers`` ×
    ``hidden`` units. ``kind`` ``cae``: CICADA-style convolutional autoencoder on the calo view with
    ``hidden`` base channels and a ``latent``-dimensional bottleneck; ``depth`` conv blocks per side.
    ``kind`` ``latent_flow``: a flow as above on the ``latent``-dimensional embedding of an autoencoder of
    ``embedding_hidden`` channels (calo) or units (other views), trained first (:class:`flowad.teacher.kinds.LatentFlow`).
    """

    kind: str = "flow"
    view: str = "calo"
    """``calo`` (252 region counts), ``objects`` (57 features) or ``calo+objects`` (both, one row: one teacher sees
    the image and the objects; :mod:`flowad.data.views`)."""
    depth: int = 4
    hidden: int = 64
    hidden_layers: int = 2
    architecture: str = "nsf"
    bins: int = 8
    latent: int = 32
    embedding_hidden: int = 20
    """latent_flow: the autoencoder's conv channels (calo view) or dense units (other views)."""
    dequantize: float = 0.05
    pileup_subtraction: bool = False
    """calo and calo+objects views: subtract each crossing's median region ET from every region (clipped at 0) before the flow sees
    it, so the density is of the hard activity rather than of the pile-up level (docs/models.md)."""
    train_on_menu_rejected: str = ""
    """"" trains on every training crossing; a menu's name (:data:`flowad.metrics.menu.MENUS`) trains only on
    those that menu rejects, where a pure efficiency lives (its seeds calibrated on validation where they are
    rates)."""
    decorrelate: str = ""
    """calo view: subtract the score's held-out ZeroBias median at the crossing's ``sum_et`` or ``max_region_et``
    (:mod:`flowad.teacher.decorrelation`), so its tail is what is unusual for the crossing's energy; "" keeps −log p."""
    epochs: int = 30
    batch_size: int = 256
    learning_rate: float = 1e-3
    patience: int = 5
    max_train_events: int = 0
    """Train on at most this many background events (0: all)."""
    early_stopping_events: int = 20_000
    """Validation events whose loss decides early stopping (0: all). The validation split is sized for trigger
    rates (100k crossings); a loss needs far fewer, and scoring all of them every epoch cost more than training."""
    seed: int = 0
    device: str = "auto"
    """``auto`` (CUDA when present), ``cpu`` or ``cuda``."""

    def __post_init__(self) -> None:
        check(self.kind in TEACHER_KINDS, "kind", f"unknown teacher {self.kind!r} (known: {', '.join(sorted(TEACHER_KINDS))})")
        check(self.view in VIEWS, "view", f"must be one of {', '.join(VIEWS)}, got {self.view!r}")
        check(self.kind != "cae" or self.view == "calo", "view", "the cae teacher works on the calo view only")
        check(1 <= self.depth <= 64, "depth", f"must be in [1, 64], got {self.depth}")
        check(1 <= self.hidden <= 4096, "hidden", f"must be in [1, 4096], got {self.hidden}")
        check(1 <= self.hidden_layers <= 8, "hidden_layers", f"must be in [1, 8], got {self.hidden_layers}")
        check(self.architecture in FLOW_ARCHITECTURES, "architecture", f"must be one of {', '.join(FLOW_ARCHITECTURES)}")
        check(2 <= self.bins <= 64, "bins", f"must be in [2, 64], got {self.bins}")
        check(1 <= self.latent <= 1024, "latent", f"must be in [1, 1024], got {self.latent}")
        check(1 <= self.embedding_hidden <= 4096, "embedding_hidden", f"must be in [1, 4096], got {self.embedding_hidden}")
        check(self.dequantize >= 0, "dequantize", f"must be >= 0, got {self.dequantize}")
        check(not self.pileup_subtraction or count_features(self.view) > 0, "pileup_subtraction",
              "applies to a view with calo regions (calo, calo+objects) only")
        check(self.decorrelate in ("", *COMPLEXITY), "decorrelate",
              f"must be '' or one of {', '.join(COMPLEXITY)}, got {self.decorrelate!r}")
        check(not self.decorrelate or self.view == "calo", "decorrelate", "applies to the calo view only")

        check(self.train_on_menu_rejected in ("", *MENUS), "train_on_menu_rejected",
              f"must be '' (every crossing) or a menu ({', '.join(MENUS)}), got {self.train_on_menu_rejected!r}")
        check_training(self)
        check(self.max_train_events >= 0, "max_train_events", f"must be >= 0, got {self.max_train_events}")
        check(self.early_stopping_events >= 0, "early_stopping_events", f"must be >= 0, got {self.early_stopping_events}")
        check(self.device in DEVICES, "device", f"must be auto, cpu or cuda, got {self.device!r}")
